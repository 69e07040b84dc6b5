//! Topic administration: UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215),
//! GET_ALL_TOPIC_CONFIG (21).

use std::collections::BTreeMap;

use bolide_protocol::body::{TopicConfig, TopicFilterType};
use bolide_protocol::header::{CreateTopicRequestHeader, DeleteTopicRequestHeader};
use bolide_protocol::json::lenient::JavaEnum;
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use tracing::info;

use super::{fail, header, persist_failed, success};
use crate::config::valid_name;
use crate::server::State;
use crate::topic::{AUTO_CREATE_TOPIC, SCHEDULE_TOPIC};

/// Topics an admin may not create, change or delete (`TopicValidator.isSystemTopic`).
const SYSTEM_TOPICS: &[&str] = &[
    AUTO_CREATE_TOPIC,
    SCHEDULE_TOPIC,
    "BenchmarkTest",
    "RMQ_SYS_TRANS_HALF_TOPIC",
    "RMQ_SYS_TRACE_TOPIC",
    "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    "TRANS_CHECK_MAX_TIME_TOPIC",
    "SELF_TEST_TOPIC",
    "OFFSET_MOVED_EVENT",
];

/// Whether `topic` is reserved for the broker itself.
pub(crate) fn is_system_topic(topic: &str) -> bool {
    SYSTEM_TOPICS.contains(&topic) || topic.starts_with("rmq_sys_")
}

/// Applies `+key=value` (set) and `-key` (remove) entries, comma-separated, to `attributes`.
fn alter_attributes(attributes: &mut BTreeMap<String, String>, text: &str) -> Result<(), String> {
    for entry in text.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
        if let Some(set) = entry.strip_prefix('+') {
            let (key, value) = set.split_once('=').ok_or_else(|| format!("attribute {entry:?} needs =value"))?;
            attributes.insert(key.to_owned(), value.to_owned());
        } else if let Some(key) = entry.strip_prefix('-') {
            attributes.remove(key);
        } else {
            return Err(format!("attribute {entry:?} must start with + (set) or - (remove)"));
        }
    }
    Ok(())
}

pub(super) fn update_and_create_topic(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: CreateTopicRequestHeader = header(request)?;
    let topic = header.topic.as_str();
    if !valid_name(topic) {
        let remark = format!("The specified topic[{topic}] is invalid: use 1-127 of [%|a-zA-Z0-9_-]");
        return Ok(fail(request, ResponseCode::INVALID_PARAMETER, remark));
    }
    if is_system_topic(topic) {
        let remark = format!("The topic[{topic}] is conflict with system topic.");
        return Ok(fail(request, ResponseCode::INVALID_PARAMETER, remark));
    }
    if header.read_queue_nums <= 0 || header.write_queue_nums <= 0 {
        return Ok(fail(request, ResponseCode::INVALID_PARAMETER, "readQueueNums and writeQueueNums must be positive"));
    }
    let mut topics = state.topics.lock().expect("topic lock");
    let mut attributes = topics.get(topic).map(|existing| existing.attributes.clone()).unwrap_or_default();
    if let Err(remark) = alter_attributes(&mut attributes, header.attributes.as_deref().unwrap_or_default()) {
        return Ok(fail(request, ResponseCode::INVALID_PARAMETER, remark));
    }
    let config = TopicConfig {
        topic_name: topic.to_owned(),
        read_queue_nums: header.read_queue_nums,
        write_queue_nums: header.write_queue_nums,
        perm: header.perm,
        topic_filter_type: TopicFilterType::from_name(&header.topic_filter_type).unwrap_or_default(),
        topic_sys_flag: header.topic_sys_flag.unwrap_or(0),
        order: header.order,
        attributes,
    };
    if topics.upsert(config.clone()) {
        topics.persist().map_err(persist_failed)?;
        state.route_changes.changed();
        info!(topic = %topic, read = config.read_queue_nums, write = config.write_queue_nums, perm = config.perm, "topic created or updated");
    }
    Ok(success(request))
}

pub(super) fn delete_topic_in_broker(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: DeleteTopicRequestHeader = header(request)?;
    if is_system_topic(&header.topic) {
        let remark = format!("The topic[{}] is conflict with system topic.", header.topic);
        return Ok(fail(request, ResponseCode::INVALID_PARAMETER, remark));
    }
    let removed = {
        let mut topics = state.topics.lock().expect("topic lock");
        let removed = topics.remove(&header.topic).is_some();
        if removed {
            topics.persist().map_err(persist_failed)?;
        }
        removed
    };
    state.offsets.lock().expect("offset lock").remove_topic(&header.topic);
    state.stats.forget_topic(&header.topic);
    // The messages go too: their consume queues now, their commit log space at retention.
    state.store.delete_topic(&header.topic).map_err(ProcessError::new)?;
    if removed {
        state.route_changes.changed();
        info!(topic = %header.topic, "topic deleted");
    }
    Ok(success(request))
}

pub(super) fn get_all_topic_config(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    // No paging: the response carries no extFields at all (`remoting.md` §10.3).
    let wrapper = state.topics.lock().expect("topic lock").to_wrapper();
    Ok(success(request).with_body(json::to_vec(&wrapper, KeyStyle::Fastjson)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_set_and_removed() {
        let mut attributes = BTreeMap::from([("queue.type".to_owned(), "BatchCQ".to_owned())]);
        alter_attributes(&mut attributes, "+message.type=FIFO,-queue.type").expect("valid");
        assert_eq!(attributes, BTreeMap::from([("message.type".to_owned(), "FIFO".to_owned())]));
        assert!(alter_attributes(&mut attributes, "message.type=FIFO").is_err());
        assert!(alter_attributes(&mut attributes, "+message.type").is_err());
        assert!(is_system_topic("TBW102") && is_system_topic("rmq_sys_x") && !is_system_topic("T"));
    }
}
