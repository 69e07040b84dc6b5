//! What brokers ask a push consumer: NOTIFY_CONSUMER_IDS_CHANGED (40, rebalance now),
//! RESET_CONSUMER_CLIENT_OFFSET (220, move queues to new offsets), GET_CONSUMER_RUNNING_INFO
//! (307, settings, subscriptions and queue states as JSON) and CONSUME_MESSAGE_DIRECTLY (309,
//! hand one stored message to the listener and report the result).

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Instant;

use bolide_protocol::body::{
    CmResult, ConsumeMessageDirectlyResult, ConsumerRunningInfo, MessageQueue, ProcessQueueInfo, ResetOffsetBody,
};
use bolide_protocol::header::{ConsumeMessageDirectlyResultRequestHeader, ResetOffsetRequestHeader};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::message::stored;
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ProcessResult, ProcessorRegistry, RequestContext};
use futures::FutureExt;

use super::listener::{ConsumeConcurrentlyStatus, ConsumeContext, ConsumeOrderlyStatus};
use super::{Core, Listener};
use crate::message::MessageExt;

/// The consumer's core, set right after it is built (requests can only arrive later).
type Slot = Arc<OnceLock<Weak<Core>>>;

/// The processors of a push consumer's client core.
pub(crate) fn processors(slot: Slot) -> ProcessorRegistry {
    let mut registry = ProcessorRegistry::new();
    let notify = slot.clone();
    registry.register(RequestCode::NOTIFY_CONSUMER_IDS_CHANGED, move |_ctx: RequestContext, _request| {
        let core = upgrade(&notify);
        async move {
            if let Some(core) = core {
                tracing::debug!(group = %core.options.group, "consumer ids changed; rebalancing");
                core.rebalance_now.notify_one();
            }
            Ok(None)
        }
    });
    let reset = slot.clone();
    registry.register(RequestCode::RESET_CONSUMER_CLIENT_OFFSET, move |_ctx: RequestContext, request| {
        let core = upgrade(&reset);
        async move {
            match core {
                Some(core) => Ok(reset_offsets(&core, &request).await),
                None => Ok(None),
            }
        }
    });
    let running = slot.clone();
    registry.register(RequestCode::GET_CONSUMER_RUNNING_INFO, move |_ctx: RequestContext, request| {
        let core = upgrade(&running);
        async move { Ok(Some(answer(&request, core.map(|core| running_info(&core))))) }
    });
    registry.register(RequestCode::CONSUME_MESSAGE_DIRECTLY, move |_ctx: RequestContext, request| {
        let core = upgrade(&slot);
        async move { consume_directly(core, request).await }
    });
    registry
}

fn upgrade(slot: &Slot) -> Option<Arc<Core>> {
    slot.get().and_then(Weak::upgrade)
}

fn answer(request: &RemotingCommand, body: Option<Vec<u8>>) -> RemotingCommand {
    match body {
        Some(body) => RemotingCommand::response_to(request, ResponseCode::SUCCESS).with_body(body),
        None => {
            RemotingCommand::response_to(request, ResponseCode::SYSTEM_ERROR).with_remark("the consumer is stopped")
        }
    }
}

/// Java's `resetOffset`: the queues named stop, forget what they pulled, take the new offsets
/// (persisted at once) and start again from them at the immediate rebalance.
async fn reset_offsets(core: &Arc<Core>, request: &RemotingCommand) -> Option<RemotingCommand> {
    let header: ResetOffsetRequestHeader = match request.decode_header() {
        Ok(header) => header,
        Err(err) => {
            tracing::warn!(error = %err, "malformed offset reset ignored");
            return None;
        }
    };
    let body: ResetOffsetBody = match json::from_slice(request.body.as_deref().unwrap_or_default()) {
        Ok(body) => body,
        Err(err) => {
            tracing::warn!(error = %err, "malformed offset reset body ignored");
            return None;
        }
    };
    if header.group != core.options.group {
        return None;
    }
    let mut moved = Vec::new();
    for (queue, offset) in body.offset_table.iter() {
        let Ok(offset) = u64::try_from(*offset) else { continue };
        if queue.topic != header.topic {
            continue;
        }
        let handle = core.queues.lock().expect("queues lock").remove(queue);
        if let Some(handle) = handle {
            // Its tasks end by themselves; a listener call in progress finishes but no longer
            // moves the offset.
            handle.drop_and_clear();
        }
        core.offsets.set(queue, offset);
        moved.push(queue.clone());
    }
    tracing::info!(topic = %header.topic, queues = moved.len(), "consumer offsets reset by the broker");
    if let Err(err) = core.offsets.persist(&core.instance, &moved).await {
        tracing::warn!(error = %err, "reset offsets not persisted");
    }
    core.rebalance_now.notify_one();
    None
}

/// Java's `consumerRunningInfo`: properties, subscriptions and one entry per held queue.
fn running_info(core: &Core) -> Vec<u8> {
    let options = &core.options;
    let mut properties = BTreeMap::new();
    let mut set = |name: &str, value: String| {
        properties.insert(name.to_owned(), value);
    };
    set("consumerGroup", options.group.clone());
    set("messageModel", options.message_model.name().to_owned());
    set("consumeFromWhere", core.consumer_data().consume_from_where.map_or("", |from| from.name()).to_owned());
    set("allocateMessageQueueStrategy", options.allocate.name().to_owned());
    set("consumeThreadMin", options.consume_concurrency.to_string());
    set("consumeThreadMax", options.consume_concurrency.to_string());
    set("consumeMessageBatchMaxSize", options.consume_message_batch_max_size.to_string());
    set("pullBatchSize", options.pull_batch_size.to_string());
    set("pullThresholdForQueue", options.pull_threshold_for_queue.to_string());
    set("pullThresholdSizeForQueue", (options.pull_threshold_size_for_queue_bytes >> 20).to_string());
    set("consumeConcurrentlyMaxSpan", options.consume_concurrently_max_span.to_string());
    set("maxReconsumeTimes", options.max_reconsume_times.to_string());
    set("PROP_NAMESERVER_ADDR", core.config.name_servers().join(";"));
    set("PROP_CONSUME_TYPE", "CONSUME_PASSIVELY".to_owned());
    set("PROP_CONSUMEORDERLY", core.is_orderly().to_string());
    set("PROP_THREADPOOL_CORE_SIZE", options.consume_concurrency.to_string());
    set("PROP_CONSUMER_START_TIMESTAMP", core.started_at_ms.to_string());
    set("PROP_CLIENT_VERSION", "V5_3_3".to_owned());
    let mut info = ConsumerRunningInfo {
        properties,
        subscription_set: core.subscriptions.iter().map(|subscription| subscription.data.clone()).collect(),
        ..ConsumerRunningInfo::default()
    };
    for handle in core.handles() {
        let (count, bytes) = handle.cached();
        let (min, max) = handle.offset_range().unwrap_or((0, 0));
        let commit = core.offsets.cached(&handle.queue).and_then(|offset| i64::try_from(offset).ok()).unwrap_or(-1);
        let queue_info = ProcessQueueInfo {
            commit_offset: commit,
            cached_msg_min_offset: i64::try_from(min).unwrap_or(i64::MAX),
            cached_msg_max_offset: i64::try_from(max).unwrap_or(i64::MAX),
            cached_msg_count: i32::try_from(count).unwrap_or(i32::MAX),
            cached_msg_size_in_mib: i32::try_from(bytes >> 20).unwrap_or(i32::MAX),
            locked: handle.locked.load(Ordering::Relaxed),
            droped: handle.dropped.is_cancelled(),
            last_pull_timestamp: handle.last_pull_ms.load(Ordering::Relaxed),
            last_consume_timestamp: handle.last_consume_ms.load(Ordering::Relaxed),
            ..ProcessQueueInfo::default()
        };
        info.mq_table.insert(handle.queue.clone(), queue_info);
    }
    json::to_vec(&info, KeyStyle::Fastjson)
}

/// Java's `consumeMessageDirectly`: one listener call on the stored message in the body,
/// outside the queues (no offset moves, no retry).
async fn consume_directly(core: Option<Arc<Core>>, request: RemotingCommand) -> ProcessResult {
    let Some(core) = core else { return Ok(Some(answer(&request, None))) };
    let header: ConsumeMessageDirectlyResultRequestHeader = match request.decode_header() {
        Ok(header) => header,
        Err(err) => {
            let response = RemotingCommand::response_to(&request, ResponseCode::SYSTEM_ERROR);
            return Ok(Some(response.with_remark(format!("malformed header: {err}"))));
        }
    };
    let body = request.body.clone().unwrap_or_default();
    let broker_name = header.broker_name.clone().unwrap_or_default();
    let message: Option<MessageExt> = stored::messages(&body)
        .next()
        .and_then(Result::ok)
        .and_then(|message| MessageExt::from_stored(&message, &broker_name));
    let Some(message) = message else {
        let response = RemotingCommand::response_to(&request, ResponseCode::SYSTEM_ERROR);
        return Ok(Some(response.with_remark("the body holds no readable message")));
    };
    let queue = MessageQueue::new(message.topic.as_str(), broker_name.as_str(), message.queue.queue_id);
    let context = ConsumeContext { queue, attempt: 0 };
    let started = Instant::now();
    let (consume_result, order) = match &core.listener {
        Listener::Concurrent(listener) => {
            let call = AssertUnwindSafe(listener.consume(vec![message], context)).catch_unwind().await;
            let result = match call {
                Ok(ConsumeConcurrentlyStatus::Success) => CmResult::Success,
                Ok(ConsumeConcurrentlyStatus::ReconsumeLater { .. }) => CmResult::Later,
                Err(_) => CmResult::ThrowException,
            };
            (result, false)
        }
        Listener::Orderly(listener) => {
            let call = AssertUnwindSafe(listener.consume(vec![message], context)).catch_unwind().await;
            let result = match call {
                Ok(ConsumeOrderlyStatus::Success) => CmResult::Success,
                Ok(ConsumeOrderlyStatus::SuspendCurrentQueueAMoment { .. }) => CmResult::Later,
                Err(_) => CmResult::ThrowException,
            };
            (result, true)
        }
    };
    let result = ConsumeMessageDirectlyResult {
        auto_commit: true,
        consume_result: Some(consume_result),
        order,
        remark: None,
        spent_time_mills: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
    };
    Ok(Some(answer(&request, Some(json::to_vec(&result, KeyStyle::Fastjson)))))
}
