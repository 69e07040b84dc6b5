//! CONSUMER_SEND_MSG_BACK (36): a push consumer returns a message it failed to consume
//! (`behaviours.md` §4, `codes.md` §6.8).
//!
//! The broker reads the original record at `offset`, and stores a copy with `reconsumeTimes + 1`
//! either in `%RETRY%<group>` with a delay level (the usual delay rewrite then parks it in the
//! schedule topic until the level's delay has passed) or, once the group's (or the client's)
//! retry limit is reached or the client asked for it, in `%DLQ%<group>`. Answers SUCCESS without
//! a header.

use bolide_protocol::body::PERM_WRITE;
use bolide_protocol::header::ConsumerSendMsgBackRequestHeader;
use bolide_protocol::message::properties::{Properties, DELAY, ORIGIN_MESSAGE_ID, RETRY_TOPIC, WAIT};
use bolide_protocol::message::{MessageRecord, MessageVersion, StoredMessage};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use bolide_store::StoreError;
use tracing::{debug, warn};

use super::send::random_queue;
use super::{fail, header, success};
use crate::delay;
use crate::server::State;

/// Request version from which the header's `maxReconsumeTimes` is honoured (Java's V3_4_9).
const MAX_RECONSUME_TIMES_VERSION: i32 = 121;
/// Where the Java broker's "group not exist" remark points.
const FAQ_URL: &str = "http://rocketmq.apache.org/docs/faq/";

/// Where the copy goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendBackTarget {
    /// `%RETRY%<group>` after this delay level.
    Retry {
        /// Delay level (> 0).
        level: i32,
    },
    /// `%DLQ%<group>`, without delay.
    DeadLetter,
}

/// The rule of step 4: DLQ once `reconsume_times` reached the limit or when the client asked
/// (`delay_level < 0`); otherwise retry at the client's level, or `3 + reconsume_times` for 0.
pub(crate) fn target(reconsume_times: i32, max_reconsume_times: i32, delay_level: i32) -> SendBackTarget {
    if reconsume_times >= max_reconsume_times || delay_level < 0 {
        SendBackTarget::DeadLetter
    } else if delay_level == 0 {
        SendBackTarget::Retry { level: reconsume_times.saturating_add(3) }
    } else {
        SendBackTarget::Retry { level: delay_level }
    }
}

/// The copy's properties: the original's, plus `RETRY_TOPIC` (its topic, unless already set),
/// `ORIGIN_MESSAGE_ID` (unless already set), `WAIT=false`, and `DELAY` set for a retry or
/// removed for the DLQ.
pub(crate) fn copy_properties(raw: &[u8], topic: &str, origin_message_id: &str, target: SendBackTarget) -> Vec<u8> {
    let mut parsed = Properties::parse_bytes(raw);
    if parsed.get(RETRY_TOPIC).is_none() {
        parsed.insert(RETRY_TOPIC, topic).ok();
    }
    if parsed.get(ORIGIN_MESSAGE_ID).is_none_or(|id| id.trim().is_empty()) {
        parsed.insert(ORIGIN_MESSAGE_ID, origin_message_id).ok();
    }
    parsed.insert(WAIT, "false").expect("a valid property");
    match target {
        SendBackTarget::Retry { level } => {
            parsed.insert(DELAY, level.to_string()).expect("a valid property");
        }
        SendBackTarget::DeadLetter => {
            parsed.remove(DELAY);
        }
    }
    let mut out = Vec::with_capacity(parsed.encoded_len());
    parsed.encode(&mut out);
    out
}

/// CONSUMER_SEND_MSG_BACK. Blocking: may create the group and topics (file writes) and, under
/// SYNC_FLUSH, waits for the disk.
pub(super) fn consumer_send_msg_back(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: ConsumerSendMsgBackRequestHeader = header(request)?;
    let group = &header.group;
    let Some(group_config) = state.find_or_create_group(group) else {
        return Ok(fail(
            request,
            ResponseCode::SUBSCRIPTION_GROUP_NOT_EXIST,
            format!("subscription group not exist, {group} {FAQ_URL}"),
        ));
    };
    let config = state.config();
    if config.broker_permission & PERM_WRITE == 0 {
        let remark = format!("the broker[{}] sending message is forbidden", config.broker_ip1);
        return Ok(fail(request, ResponseCode::NO_PERMISSION, remark));
    }
    if group_config.retry_queue_nums <= 0 {
        debug!(group = %group, "retryQueueNums is 0: failed message dropped");
        return Ok(success(request));
    }
    if config.broker_id != 0 || config.broker_role == "SLAVE" {
        return Ok(fail(request, ResponseCode::SYSTEM_ERROR, "no master available along with this broker"));
    }
    let original = match u64::try_from(header.offset).map(|offset| state.store.message_at(offset)) {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(err)) => {
            warn!(group = %group, offset = header.offset, error = %err, "send-back of an unreadable message");
            return Ok(fail(
                request,
                ResponseCode::SYSTEM_ERROR,
                format!("look message by offset failed, {}", header.offset),
            ));
        }
        Err(_) => {
            return Ok(fail(
                request,
                ResponseCode::SYSTEM_ERROR,
                format!("look message by offset failed, {}", header.offset),
            ))
        }
    };
    let Ok(message) = StoredMessage::decode(&original) else {
        let remark = format!("look message by offset failed, {}: not a message", header.offset);
        return Ok(fail(request, ResponseCode::SYSTEM_ERROR, remark));
    };
    let max_reconsume_times = match header.max_reconsume_times {
        Some(times) if request.version >= MAX_RECONSUME_TIMES_VERSION => times,
        _ => group_config.retry_max_times,
    };
    let target = target(message.reconsume_times(), max_reconsume_times, header.delay_level);
    match store_copy(state, group, &message, target) {
        Ok(()) => Ok(success(request)),
        Err(remark) => Ok(fail(request, ResponseCode::SYSTEM_ERROR, remark)),
    }
}

/// Creates the retry or DLQ topic when missing and appends the copy. `Err` carries the remark.
fn store_copy(state: &State, group: &str, message: &StoredMessage<'_>, target: SendBackTarget) -> Result<(), String> {
    let topic_config = match target {
        SendBackTarget::Retry { .. } => state.create_retry_topic(group),
        SendBackTarget::DeadLetter => state.create_dlq_topic(group),
    }
    .map_err(|err| format!("retry or dead-letter topic of group {group} not created: {err}"))?;
    let topic_name = topic_config.topic_name.clone();
    if topic_config.perm & PERM_WRITE == 0 {
        return Err(format!("the topic[{topic_name}] sending message is forbidden"));
    }
    let queue_nums = match target {
        SendBackTarget::Retry { .. } => topic_config.write_queue_nums,
        SendBackTarget::DeadLetter => 1,
    };
    let (mut topic, mut queue_id) = (topic_name, random_queue(queue_nums));
    let origin_id = message.offset_message_id().to_string();
    let mut properties = copy_properties(message.properties(), message.topic(), &origin_id, target);
    if let SendBackTarget::Retry { level } = target {
        let (schedule_topic, schedule_queue, rewritten) =
            delay::to_schedule(&state.delay_levels, level, &topic, queue_id, &properties);
        (topic, queue_id, properties) = (schedule_topic.to_owned(), schedule_queue, rewritten);
    }
    let record = MessageRecord {
        version: MessageVersion::for_topic(&topic),
        queue_id,
        queue_offset: 0,
        commit_log_offset: 0,
        store_timestamp_ms: 0,
        store_host: state.store_host,
        reconsume_times: message.reconsume_times().saturating_add(1),
        prepared_transaction_offset: 0,
        topic: &topic,
        properties: &properties,
        ..message.to_record()
    };
    match state.store.append(&record) {
        Ok(appended) => {
            state.stats.record_put(&topic, 1, appended.size_bytes);
            // Counted under the topic the group consumes, as Java does (SNDBCK_PUT_NUMS).
            let consumed_topic = message.property(RETRY_TOPIC).unwrap_or(message.topic());
            state.stats.record_send_back(consumed_topic, group);
            debug!(group, ?target, reconsume_times = record.reconsume_times, "message sent back");
            Ok(())
        }
        Err(StoreError::FlushTimeout { .. }) => Ok(()),
        Err(err) => {
            warn!(group, error = %err, "sent-back message not stored");
            Err(format!("store failure: {err}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_protocol::message::properties::{find_property, write_item, TAGS};

    #[test]
    fn retry_levels_and_the_dead_letter_rule() {
        assert_eq!(target(0, 16, 0), SendBackTarget::Retry { level: 3 });
        assert_eq!(target(5, 16, 0), SendBackTarget::Retry { level: 8 });
        assert_eq!(target(5, 16, 1), SendBackTarget::Retry { level: 1 });
        assert_eq!(target(16, 16, 0), SendBackTarget::DeadLetter);
        assert_eq!(target(0, 16, -1), SendBackTarget::DeadLetter);
        assert_eq!(target(0, 0, 2), SendBackTarget::DeadLetter);
    }

    #[test]
    fn the_copy_keeps_the_first_retry_topic_and_origin_id() {
        let mut raw = Vec::new();
        write_item(&mut raw, TAGS, "A");
        write_item(&mut raw, DELAY, "4");
        let first = copy_properties(&raw, "T", "ID1", SendBackTarget::Retry { level: 3 });
        let text = String::from_utf8(first.clone()).expect("utf-8");
        assert_eq!(find_property(&text, RETRY_TOPIC), Some("T"));
        assert_eq!(find_property(&text, ORIGIN_MESSAGE_ID), Some("ID1"));
        assert_eq!(find_property(&text, DELAY), Some("3"));
        assert_eq!(find_property(&text, WAIT), Some("false"));
        assert_eq!(find_property(&text, TAGS), Some("A"));
        let again = copy_properties(&first, "%RETRY%G", "ID2", SendBackTarget::DeadLetter);
        let text = String::from_utf8(again).expect("utf-8");
        assert_eq!(find_property(&text, RETRY_TOPIC), Some("T"));
        assert_eq!(find_property(&text, ORIGIN_MESSAGE_ID), Some("ID1"));
        assert_eq!(find_property(&text, DELAY), None, "dead letters are not delayed");
    }
}
