//! Pulling: PULL_MESSAGE (11) and LITE_PULL_MESSAGE (361), with long polling.
//!
//! Checks follow the Java broker's `PullMessageProcessor`: broker and topic read permission, the
//! subscription group (created when allowed), the queue id, and the subscription (from the header
//! when the subscription flag is set, else from the group's last heartbeat). The store's answer
//! maps to a response code as in `behaviours.md` §8; a PULL_NOT_FOUND with the suspend flag waits
//! in [`PullHolds`](crate::long_polling::PullHolds) until a matching message arrives or the hold
//! time ends, then reads once more.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bolide_filter::{FilterError, Selector};
use bolide_protocol::body::{SubscriptionData, PERM_READ};
use bolide_protocol::header::pull_message::{FLAG_COMMIT_OFFSET, FLAG_SUBSCRIPTION, FLAG_SUSPEND};
use bolide_protocol::header::{PullMessageRequestHeader, PullMessageResponseHeader};
use bolide_protocol::message::StoredMessage;
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use bolide_store::{GetMessageStatus, GetMessagesResult, ReadLimits};
use bytes::BytesMut;
use tracing::debug;

use super::{fail, header};
use crate::filter::{MessageFilter, EXPRESSION_TYPE_SQL92};
use crate::server::State;

/// SQL92 is not served: what the Java broker says when its property filter is off.
pub(super) const SQL92_REFUSED: &str = "The broker does not support consumer to filter message by SQL92";

/// The settings a pull uses, read once per request under the config lock (cloning the whole
/// config would allocate every string in it, on every pull).
#[derive(Debug, Clone, Copy)]
struct PullSettings {
    readable: bool,
    slave: bool,
    auto_create_group: bool,
    property_filter: bool,
    long_polling: bool,
    short_polling_ms: u64,
    max_count: i32,
    max_bytes: u64,
    in_disk_count: i32,
    in_disk_bytes: u64,
}

impl PullSettings {
    fn of(state: &State) -> Self {
        let config = state.config.read().expect("config lock");
        PullSettings {
            readable: config.broker_permission & PERM_READ != 0,
            slave: config.broker_role == "SLAVE",
            auto_create_group: config.auto_create_subscription_group,
            property_filter: config.enable_property_filter,
            long_polling: config.long_polling_enable,
            short_polling_ms: config.short_polling_time_mills,
            max_count: config.max_transfer_count_on_message_in_memory,
            max_bytes: config.max_transfer_bytes_on_message_in_memory,
            in_disk_count: config.max_transfer_count_on_message_in_disk,
            in_disk_bytes: config.max_transfer_bytes_on_message_in_disk,
        }
    }
}

/// PULL_MESSAGE and LITE_PULL_MESSAGE.
pub(super) async fn pull_message(
    state: Arc<State>,
    ctx: RequestContext,
    request: RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: PullMessageRequestHeader = header(&request)?;
    let config = PullSettings::of(&state);
    let filter = match check(&state, &ctx, &header, &config) {
        Ok(filter) => Arc::new(filter),
        Err((code, remark)) => return Ok(fail(&request, code, remark)),
    };
    if header.has_flag(FLAG_COMMIT_OFFSET) && !config.slave && header.commit_offset >= 0 {
        state.offsets.lock().expect("offset lock").commit(
            &header.consumer_group,
            &header.topic,
            header.queue_id,
            header.commit_offset,
        );
    }
    let first = read(&state, &header, &filter, &config);
    let response = respond(&state, &request, &header, first)?;
    if response.code != ResponseCode::PULL_NOT_FOUND.value() || !header.has_flag(FLAG_SUSPEND) {
        return Ok(response);
    }
    let hold_ms = if config.long_polling {
        u64::try_from(header.suspend_timeout_ms).unwrap_or(0)
    } else {
        config.short_polling_ms
    };
    if hold_ms == 0 {
        return Ok(response);
    }
    let offset = u64::try_from(header.queue_offset).unwrap_or(0);
    let hold = state.pulls.hold(&header.topic, header.queue_id, offset, filter.clone());
    // A message may have arrived between the read and the hold: look once more before waiting.
    let mut hold = hold;
    if state.store.max_queue_offset(&header.topic, header.queue_id) <= offset {
        let woken = tokio::time::timeout(Duration::from_millis(hold_ms), &mut hold.receiver).await;
        debug!(topic = %header.topic, queue = header.queue_id, woken = woken.is_ok(), "held pull resumes");
    }
    state.pulls.release(&header.topic, header.queue_id, hold);
    respond(&state, &request, &header, read(&state, &header, &filter, &config))
}

fn check(
    state: &State,
    ctx: &RequestContext,
    header: &PullMessageRequestHeader,
    config: &PullSettings,
) -> Result<MessageFilter, (ResponseCode, String)> {
    let topic = &header.topic;
    let group = &header.consumer_group;
    if !config.readable {
        let broker_ip = state.config.read().expect("config lock").broker_ip1.clone();
        return Err((ResponseCode::NO_PERMISSION, format!("the broker[{broker_ip}] pulling message is forbidden")));
    }
    let group_config = state.groups.lock().expect("group lock").get(group).cloned();
    let group_config = match group_config {
        Some(found) => found,
        None if config.auto_create_group => state.find_or_create_group(group).ok_or_else(|| {
            (ResponseCode::SUBSCRIPTION_GROUP_NOT_EXIST, format!("subscription group [{group}] does not exist"))
        })?,
        None => {
            let remark = format!(
                "subscription group [{group}] does not exist; create it with `bolide admin updateSubGroup -g {group}`"
            );
            return Err((ResponseCode::SUBSCRIPTION_GROUP_NOT_EXIST, remark));
        }
    };
    if !group_config.consume_enable {
        return Err((ResponseCode::NO_PERMISSION, format!("subscription group no permission, {group}")));
    }
    let Some(topic_config) = state.topics.lock().expect("topic lock").get(topic).cloned() else {
        return Err((ResponseCode::TOPIC_NOT_EXIST, format!("topic[{topic}] not exist, apply first please!")));
    };
    if topic_config.perm & PERM_READ == 0 {
        return Err((ResponseCode::NO_PERMISSION, format!("the topic[{topic}] pulling message is forbidden")));
    }
    if header.queue_id < 0 || header.queue_id >= topic_config.read_queue_nums {
        return Err((
            ResponseCode::INVALID_PARAMETER,
            format!(
                "queueId[{}] is illegal, topic:[{topic}] topicConfig.readQueueNums:[{}] consumer:[{}]",
                header.queue_id,
                topic_config.read_queue_nums,
                ctx.peer_addr()
            ),
        ));
    }
    let subscription = if header.has_flag(FLAG_SUBSCRIPTION) {
        let expression = header.subscription.as_deref().unwrap_or("*");
        if header.expression_type().eq_ignore_ascii_case(EXPRESSION_TYPE_SQL92) {
            SubscriptionData {
                topic: topic.clone(),
                sub_string: expression.to_owned(),
                expression_type: EXPRESSION_TYPE_SQL92.to_owned(),
                sub_version: header.sub_version,
                ..SubscriptionData::default()
            }
        } else {
            SubscriptionData {
                expression_type: header.expression_type().to_owned(),
                ..SubscriptionData::tag(topic, expression, header.sub_version)
            }
        }
    } else {
        let clients = state.clients.lock().expect("client lock");
        let Some(members) = clients.consumer_group(group) else {
            return Err((
                ResponseCode::SUBSCRIPTION_NOT_EXIST,
                format!("the consumer's group info not exist, group: {group}"),
            ));
        };
        let Some(found) = members.subscriptions.get(topic) else {
            return Err((
                ResponseCode::SUBSCRIPTION_NOT_EXIST,
                format!("the consumer's subscription not exist, group: {group} topic: {topic}"),
            ));
        };
        if found.sub_version < header.sub_version {
            return Err((
                ResponseCode::SUBSCRIPTION_NOT_LATEST,
                format!("the consumer's subscription not latest, group: {group} topic: {topic}"),
            ));
        }
        found.clone()
    };
    if !MessageFilter::is_sql92(&subscription) {
        return Ok(MessageFilter::from_subscription(&subscription));
    }
    if !config.property_filter {
        return Err((ResponseCode::SYSTEM_ERROR, SQL92_REFUSED.to_owned()));
    }
    compiled_selector(&subscription.sub_string).map(MessageFilter::Sql).map_err(|err| {
        (
            ResponseCode::SUBSCRIPTION_PARSE_FAILED,
            format!("parse the consumer's subscription[{}] failed, group: {group}: {err}", subscription.sub_string),
        )
    })
}

fn read(
    state: &State,
    header: &PullMessageRequestHeader,
    filter: &MessageFilter,
    config: &PullSettings,
) -> Result<GetMessagesResult, bolide_store::StoreError> {
    // The request's maxMsgNums and maxMsgBytes, within the broker's limits for messages in
    // memory and on disk (the store tells which is which).
    let count = |limit: i32| header.max_msg_nums.clamp(1, limit.max(1)) as usize;
    let requested_bytes = header.max_msg_bytes.filter(|limit| *limit > 0).map_or(u64::MAX, |limit| limit as u64);
    let limits = ReadLimits {
        max_count: count(config.max_count),
        max_bytes: config.max_bytes.min(requested_bytes),
        in_disk_count: count(config.in_disk_count),
        in_disk_bytes: config.in_disk_bytes.min(requested_bytes),
    };
    let Ok(offset) = u64::try_from(header.queue_offset) else {
        // A negative offset is below the queue's min: Java's OFFSET_TOO_SMALL, which moves the
        // consumer forward to the min (to 0 when the queue is empty), never to the max.
        let min_offset = state.store.min_queue_offset(&header.topic, header.queue_id);
        let max_offset = state.store.max_queue_offset(&header.topic, header.queue_id);
        let status =
            if max_offset == 0 { GetMessageStatus::NoMessageInQueue } else { GetMessageStatus::OffsetTooSmall };
        return Ok(GetMessagesResult {
            status,
            messages: Vec::new(),
            queue_offsets: Vec::new(),
            next_begin_offset: if max_offset == 0 { 0 } else { min_offset },
            min_offset,
            max_offset,
            total_bytes: 0,
        });
    };
    let mut result =
        state.store.read_messages(&header.topic, header.queue_id, offset, limits, &|code| filter.matches(code))?;
    if matches!(filter, MessageFilter::Sql(_)) && !result.messages.is_empty() {
        keep_matching(&mut result, filter);
    }
    Ok(result)
}

/// SQL92: drops the messages whose properties do not match (Java's `isMatchedByCommitLog`).
fn keep_matching(result: &mut GetMessagesResult, filter: &MessageFilter) {
    let mut kept = 0;
    for at in 0..result.messages.len() {
        let matched = StoredMessage::decode(&result.messages[at])
            .is_ok_and(|message| filter.matches_properties(message.properties()));
        if matched {
            result.messages.swap(kept, at);
            result.queue_offsets.swap(kept, at);
            kept += 1;
        }
    }
    result.messages.truncate(kept);
    result.queue_offsets.truncate(kept);
    result.total_bytes = result.messages.iter().map(|message| message.len() as u64).sum();
    if kept == 0 {
        result.status = GetMessageStatus::NoMatchedMessage;
    }
}

/// Compiled SQL92 selectors by expression, shared by every pull (Java keeps a parse cache too).
pub(super) fn compiled_selector(expression: &str) -> Result<Arc<Selector>, FilterError> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Selector>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(found) = cache.lock().expect("selector cache lock").get(expression) {
        return Ok(found.clone());
    }
    let selector = Arc::new(Selector::compile(expression)?);
    let mut cache = cache.lock().expect("selector cache lock");
    if cache.len() >= SELECTOR_CACHE_SIZE {
        cache.clear();
    }
    cache.insert(expression.to_owned(), selector.clone());
    Ok(selector)
}

/// Distinct SQL92 expressions kept compiled.
const SELECTOR_CACHE_SIZE: usize = 1024;

fn respond(
    state: &State,
    request: &RemotingCommand,
    header: &PullMessageRequestHeader,
    result: Result<GetMessagesResult, bolide_store::StoreError>,
) -> Result<RemotingCommand, ProcessError> {
    let result = match result {
        Ok(result) => result,
        // Retention removed the file being read: Java's MESSAGE_WAS_REMOVING, retried at once.
        Err(bolide_store::StoreError::OffsetNotFound { .. }) => {
            let header_out = PullMessageResponseHeader {
                suggest_which_broker_id: 0,
                next_begin_offset: header.queue_offset,
                min_offset: state.store.min_queue_offset(&header.topic, header.queue_id) as i64,
                max_offset: state.store.max_queue_offset(&header.topic, header.queue_id) as i64,
                ..Default::default()
            };
            return Ok(RemotingCommand::response_to(request, ResponseCode::PULL_RETRY_IMMEDIATELY)
                .with_header(&header_out)
                .with_remark("the messages were being removed; pull again"));
        }
        Err(err) => return Ok(fail(request, ResponseCode::SYSTEM_ERROR, format!("store read failed: {err}"))),
    };
    let code = match result.status {
        GetMessageStatus::Found => ResponseCode::SUCCESS,
        GetMessageStatus::NoMatchedMessage => ResponseCode::PULL_RETRY_IMMEDIATELY,
        GetMessageStatus::NoMessageInQueue if header.queue_offset != 0 => ResponseCode::PULL_OFFSET_MOVED,
        GetMessageStatus::NoMessageInQueue
        | GetMessageStatus::OffsetOverflowOne
        | GetMessageStatus::OffsetFoundNull => ResponseCode::PULL_NOT_FOUND,
        GetMessageStatus::OffsetTooSmall | GetMessageStatus::OffsetOverflowBadly => ResponseCode::PULL_OFFSET_MOVED,
    };
    let response_header = PullMessageResponseHeader {
        suggest_which_broker_id: 0,
        next_begin_offset: result.next_begin_offset as i64,
        min_offset: result.min_offset as i64,
        max_offset: result.max_offset as i64,
        ..Default::default()
    };
    if code == ResponseCode::PULL_OFFSET_MOVED {
        debug!(
            topic = %header.topic,
            queue = header.queue_id,
            group = %header.consumer_group,
            requested = header.queue_offset,
            corrected = result.next_begin_offset,
            "pull offset out of range; the consumer is told to move"
        );
    }
    let mut response = RemotingCommand::response_to(request, code).with_header(&response_header);
    if code == ResponseCode::SUCCESS {
        state.stats.record_get(&header.topic, &header.consumer_group, result.messages.len() as u64, result.total_bytes);
        let mut body = BytesMut::with_capacity(result.total_bytes as usize);
        for message in &result.messages {
            body.extend_from_slice(message);
        }
        response = response.with_body(body.freeze());
    } else if code == ResponseCode::PULL_NOT_FOUND {
        response = response.with_remark("no new message");
    }
    Ok(response)
}
