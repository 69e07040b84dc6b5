//! Offset reset by time: INVOKE_BROKER_TO_RESET_OFFSET (222), pushing
//! RESET_CONSUMER_CLIENT_OFFSET (220) to the group's consumers (`codes.md` §7.3, §7.5).
//!
//! The 4.x-style reset, which every client understands: the broker finds each queue's offset for
//! the time, records it as the group's committed offset, and tells every live consumer of the
//! group, which drops what it cached for those queues and resumes from there. The answer carries
//! the same table.

use std::sync::Arc;
use std::time::Duration;

use bolide_protocol::body::{MessageQueue, ResetOffsetBody, ResetOffsetBodyForC};
use bolide_protocol::header::{BoundaryType, ResetOffsetRequestHeader};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{LanguageCode, RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use tracing::{debug, info};

use super::forward::{consumer_channels, MIN_VERSION_OFFSET_CALLS};
use super::query::{offset_by_time, signed};
use super::{fail, header, success};
use crate::server::State;

/// How long a push may wait for room in a client's write queue.
const PUSH_TIMEOUT: Duration = Duration::from_secs(3);
/// `timestamp` meaning "the max offset".
const RESET_TO_MAX: i64 = -1;

/// The offset a queue resets to: the time's offset when forced or when it moves backwards,
/// otherwise the committed offset stays (a non-forced reset never skips messages). A queue the
/// group never committed goes to the time's offset.
fn reset_target(by_time: i64, committed: Option<i64>, force: bool) -> i64 {
    match committed {
        Some(committed) if !force && by_time >= committed => committed,
        _ => by_time,
    }
}

pub(super) async fn invoke_broker_to_reset_offset(
    state: Arc<State>,
    _ctx: RequestContext,
    request: RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: ResetOffsetRequestHeader = header(&request)?;
    let (topic, group) = (&header.topic, &header.group);
    let Some(config) = state.topics.lock().expect("topic lock").get(topic).cloned() else {
        let remark = format!("[reset-offset] reset offset failed, no topic in this broker. topic={topic}");
        return Ok(fail(&request, ResponseCode::SYSTEM_ERROR, remark));
    };
    let queue_ids: Vec<i32> = match header.queue_id() {
        queue_id if queue_id >= 0 => vec![queue_id],
        _ => (0..config.write_queue_nums).collect(),
    };
    let committed: Vec<Option<i64>> = {
        let offsets = state.offsets.lock().expect("offset lock");
        queue_ids.iter().map(|queue_id| offsets.query(group, topic, *queue_id)).collect()
    };
    if committed.iter().all(Option::is_none) {
        return Ok(fail(&request, ResponseCode::SYSTEM_ERROR, format!("THe consumer group <{group}> not exist")));
    }
    let members = consumer_channels(&state, group);
    if members.is_empty() {
        let remark = format!("Consumer not online, so can not reset offset, Group: {group}");
        return Ok(fail(&request, ResponseCode::CONSUMER_NOT_ONLINE, remark));
    }
    if let Some((old, _)) = members.iter().find(|(channel, _)| channel.version < MIN_VERSION_OFFSET_CALLS) {
        let remark = format!("the client does not support this feature. version={}", old.version);
        return Ok(fail(&request, ResponseCode::SYSTEM_ERROR, remark));
    }
    let broker_name = state.config().broker_name;
    let mut body = ResetOffsetBody::default();
    for (queue_id, committed) in queue_ids.iter().zip(&committed) {
        let by_time = match (header.offset, header.queue_id()) {
            (Some(offset), queue) if queue >= 0 => offset,
            _ if header.timestamp == RESET_TO_MAX => signed(state.store.max_queue_offset(topic, *queue_id)),
            _ => signed(
                offset_by_time(&state.store, topic, *queue_id, header.timestamp, BoundaryType::Lower)
                    .map_err(ProcessError::new)?,
            ),
        };
        let target = reset_target(by_time, *committed, header.force);
        body.offset_table.insert(MessageQueue::new(topic.as_str(), broker_name.as_str(), *queue_id), target);
    }
    {
        let mut offsets = state.offsets.lock().expect("offset lock");
        for (queue, offset) in body.offset_table.iter() {
            offsets.commit(group, topic, queue.queue_id, *offset);
        }
    }
    // C++ clients read a plain array; the admin request's language decides, as in Java.
    let pushed = if request.language == LanguageCode::Cpp {
        json::to_vec(&ResetOffsetBodyForC::from(&body), KeyStyle::Fastjson)
    } else {
        json::to_vec(&body, KeyStyle::Fastjson)
    };
    let push_header = ResetOffsetRequestHeader { offset: None, ..header.clone() };
    let push =
        RemotingCommand::request(RequestCode::RESET_CONSUMER_CLIENT_OFFSET).with_header(&push_header).with_body(pushed);
    for (channel, connection) in &members {
        if let Err(err) = connection.invoke_oneway(push.clone(), PUSH_TIMEOUT).await {
            debug!(client = %channel.client_id, error = %err, "offset reset not delivered");
        }
    }
    let consumers = members.len();
    info!(group = %group, topic = %topic, timestamp = header.timestamp, consumers, "consumer offsets reset");
    Ok(success(&request).with_body(json::to_vec(&body, KeyStyle::Fastjson)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_forced_reset_moves_offsets_forwards() {
        assert_eq!(reset_target(10, Some(4), true), 10);
        assert_eq!(reset_target(10, Some(4), false), 4);
        assert_eq!(reset_target(2, Some(4), false), 2);
        assert_eq!(reset_target(2, Some(4), true), 2);
        assert_eq!(reset_target(7, None, false), 7);
    }
}
