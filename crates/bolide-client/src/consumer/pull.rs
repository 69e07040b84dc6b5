//! The broker calls of a consumer: PULL_MESSAGE, GET_MIN/MAX_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP,
//! QUERY/UPDATE_CONSUMER_OFFSET.

use std::time::Duration;

use bolide_protocol::body::{MessageQueue, SubscriptionData};
use bolide_protocol::header::pull_message::{FLAG_LITE_PULL_MESSAGE, FLAG_SUBSCRIPTION, FLAG_SUSPEND};
use bolide_protocol::header::{
    GetMaxOffsetRequestHeader, GetMaxOffsetResponseHeader, GetMinOffsetRequestHeader, GetMinOffsetResponseHeader,
    PullMessageRequestHeader, PullMessageResponseHeader, QueryConsumerOffsetRequestHeader,
    QueryConsumerOffsetResponseHeader, RpcFields, SearchOffsetRequestHeader, SearchOffsetResponseHeader,
    UpdateConsumerOffsetRequestHeader,
};
use bolide_protocol::message::stored;
use bolide_protocol::{HeaderError, RemotingCommand, RequestCode, ResponseCode};

use crate::error::ClientError;
use crate::instance::{refusal, Instance};
use crate::message::MessageExt;

/// Extra RPC time over the broker's hold, for the answer to travel back.
const SUSPEND_MARGIN: Duration = Duration::from_secs(3);

/// What one pull brought.
#[derive(Debug)]
pub(crate) enum PullOutcome {
    /// Messages, and the offset after them.
    Found { messages: Vec<MessageExt>, next_offset: u64 },
    /// Nothing new (or everything filtered out) up to `next_offset`.
    NoNewMessage { next_offset: u64 },
    /// The requested offset was out of range; continue from `next_offset`.
    OffsetMoved { next_offset: u64 },
    /// The broker asked to try again (e.g. a file being removed).
    RetryLater,
}

/// Which end of a queue.
#[derive(Debug, Clone, Copy)]
pub(crate) enum OffsetKind {
    Min,
    Max,
}

/// One PULL_MESSAGE with a `*` subscription, as the Java lite-pull consumer sends it.
pub(crate) async fn pull(
    instance: &Instance,
    group: &str,
    queue: &MessageQueue,
    offset: u64,
    batch_size: u32,
    suspend: Option<Duration>,
) -> Result<PullOutcome, ClientError> {
    pull_subscribed(instance, group, queue, offset, batch_size, suspend, None).await
}

/// One PULL_MESSAGE carrying `subscription` (TAG or SQL92) for the broker to filter with, as a
/// Java push consumer with `postSubscriptionWhenPull` sends it; `None` is the lite pull of `*`.
pub(crate) async fn pull_subscribed(
    instance: &Instance,
    group: &str,
    queue: &MessageQueue,
    offset: u64,
    batch_size: u32,
    suspend: Option<Duration>,
    subscription: Option<&SubscriptionData>,
) -> Result<PullOutcome, ClientError> {
    let addr = broker_addr(instance, queue).await?;
    let mut sys_flag = FLAG_SUBSCRIPTION;
    if subscription.is_none() {
        sys_flag |= FLAG_LITE_PULL_MESSAGE;
    }
    if suspend.is_some() {
        sys_flag |= FLAG_SUSPEND;
    }
    let hold = suspend.unwrap_or(Duration::ZERO);
    let header = PullMessageRequestHeader {
        consumer_group: group.to_owned(),
        topic: queue.topic.clone(),
        queue_id: queue.queue_id,
        queue_offset: to_wire(offset),
        max_msg_nums: i32::try_from(batch_size).unwrap_or(i32::MAX),
        sys_flag,
        commit_offset: 0,
        suspend_timeout_ms: i64::try_from(hold.as_millis()).unwrap_or(i64::MAX),
        subscription: Some(subscription.map_or("*", |data| data.sub_string.as_str()).to_owned()),
        sub_version: subscription.map_or(0, |data| data.sub_version),
        expression_type: Some(subscription.map_or("TAG", |data| data.expression_type.as_str()).to_owned()),
        rpc: rpc(queue),
        ..PullMessageRequestHeader::default()
    };
    let request = RemotingCommand::request(RequestCode::PULL_MESSAGE).with_header(&header);
    let timeout =
        instance.config().request_timeout() + hold + if suspend.is_some() { SUSPEND_MARGIN } else { Duration::ZERO };
    let response = instance.invoke(&addr, request, timeout).await?;
    let code = response.response_code();
    if !matches!(
        code,
        ResponseCode::SUCCESS
            | ResponseCode::PULL_NOT_FOUND
            | ResponseCode::PULL_RETRY_IMMEDIATELY
            | ResponseCode::PULL_OFFSET_MOVED
    ) {
        return Err(refusal(code, response.remark, &addr));
    }
    let header: PullMessageResponseHeader = decode(&response, &addr)?;
    let next_offset = from_wire(header.next_begin_offset, "nextBeginOffset", &addr)?;
    Ok(match code {
        ResponseCode::SUCCESS => {
            let body = response.body.unwrap_or_default();
            let messages = stored::messages(&body)
                .map_while(Result::ok)
                .filter(|message| message.queue_offset() >= offset)
                .filter_map(|message| MessageExt::from_stored(&message, &queue.broker_name))
                .collect();
            PullOutcome::Found { messages, next_offset }
        }
        ResponseCode::PULL_NOT_FOUND => PullOutcome::NoNewMessage { next_offset },
        ResponseCode::PULL_OFFSET_MOVED => PullOutcome::OffsetMoved { next_offset },
        _ => PullOutcome::RetryLater,
    })
}

/// GET_MIN_OFFSET or GET_MAX_OFFSET.
pub(crate) async fn offset(instance: &Instance, queue: &MessageQueue, kind: OffsetKind) -> Result<u64, ClientError> {
    let addr = broker_addr(instance, queue).await?;
    let request = match kind {
        OffsetKind::Min => {
            let header =
                GetMinOffsetRequestHeader { topic: queue.topic.clone(), queue_id: queue.queue_id, rpc: rpc(queue) };
            RemotingCommand::request(RequestCode::GET_MIN_OFFSET).with_header(&header)
        }
        OffsetKind::Max => {
            let header = GetMaxOffsetRequestHeader {
                topic: queue.topic.clone(),
                queue_id: queue.queue_id,
                rpc: rpc(queue),
                ..GetMaxOffsetRequestHeader::default()
            };
            RemotingCommand::request(RequestCode::GET_MAX_OFFSET).with_header(&header)
        }
    };
    let response = call(instance, &addr, request).await?;
    let offset = match kind {
        OffsetKind::Min => decode::<GetMinOffsetResponseHeader>(&response, &addr)?.offset,
        OffsetKind::Max => decode::<GetMaxOffsetResponseHeader>(&response, &addr)?.offset,
    };
    from_wire(offset, "offset", &addr)
}

/// SEARCH_OFFSET_BY_TIMESTAMP: the first offset stored at or after `timestamp_ms`.
pub(crate) async fn offset_by_time(
    instance: &Instance,
    queue: &MessageQueue,
    timestamp_ms: i64,
) -> Result<u64, ClientError> {
    let addr = broker_addr(instance, queue).await?;
    let header = SearchOffsetRequestHeader {
        topic: queue.topic.clone(),
        queue_id: queue.queue_id,
        timestamp: timestamp_ms,
        boundary_type: None,
        rpc: rpc(queue),
    };
    let request = RemotingCommand::request(RequestCode::SEARCH_OFFSET_BY_TIMESTAMP).with_header(&header);
    let response = call(instance, &addr, request).await?;
    from_wire(decode::<SearchOffsetResponseHeader>(&response, &addr)?.offset, "offset", &addr)
}

/// QUERY_CONSUMER_OFFSET; `None` for QUERY_NOT_FOUND. For a group without an offset, brokers
/// answer 0 when the queue still starts at 0 (as the Java lite-pull consumer expects).
pub(crate) async fn committed_offset(
    instance: &Instance,
    group: &str,
    queue: &MessageQueue,
) -> Result<Option<u64>, ClientError> {
    query_offset(instance, group, queue, None).await
}

/// QUERY_CONSUMER_OFFSET with `setZeroIfNotFound=false`, as 5.x push consumers send it: a group
/// without an offset gets QUERY_NOT_FOUND (`None`) and applies its consume-from-where rule.
pub(crate) async fn stored_offset(
    instance: &Instance,
    group: &str,
    queue: &MessageQueue,
) -> Result<Option<u64>, ClientError> {
    query_offset(instance, group, queue, Some(false)).await
}

async fn query_offset(
    instance: &Instance,
    group: &str,
    queue: &MessageQueue,
    set_zero_if_not_found: Option<bool>,
) -> Result<Option<u64>, ClientError> {
    let addr = broker_addr(instance, queue).await?;
    let header = QueryConsumerOffsetRequestHeader {
        consumer_group: group.to_owned(),
        topic: queue.topic.clone(),
        queue_id: queue.queue_id,
        set_zero_if_not_found,
        rpc: rpc(queue),
    };
    let request = RemotingCommand::request(RequestCode::QUERY_CONSUMER_OFFSET).with_header(&header);
    let response = instance.invoke(&addr, request, instance.config().request_timeout()).await?;
    match response.response_code() {
        ResponseCode::SUCCESS => {
            let header: QueryConsumerOffsetResponseHeader = decode(&response, &addr)?;
            // Java reads a negative stored offset as "none".
            Ok(u64::try_from(header.offset).ok())
        }
        ResponseCode::QUERY_NOT_FOUND => Ok(None),
        code => Err(refusal(code, response.remark, &addr)),
    }
}

/// UPDATE_CONSUMER_OFFSET, waiting for the answer.
pub(crate) async fn commit_offset(
    instance: &Instance,
    group: &str,
    queue: &MessageQueue,
    offset: u64,
) -> Result<(), ClientError> {
    let addr = broker_addr(instance, queue).await?;
    let header = UpdateConsumerOffsetRequestHeader {
        consumer_group: group.to_owned(),
        topic: queue.topic.clone(),
        queue_id: queue.queue_id,
        commit_offset: to_wire(offset),
        rpc: rpc(queue),
    };
    let request = RemotingCommand::request(RequestCode::UPDATE_CONSUMER_OFFSET).with_header(&header);
    call(instance, &addr, request).await.map(drop)
}

pub(crate) async fn broker_addr(instance: &Instance, queue: &MessageQueue) -> Result<String, ClientError> {
    match instance.master_addr(&queue.broker_name) {
        Ok(addr) => Ok(addr),
        Err(_) => {
            instance.route(&queue.topic, false).await?;
            instance.master_addr(&queue.broker_name)
        }
    }
}

/// A call whose only success is SUCCESS.
pub(crate) async fn call(
    instance: &Instance,
    addr: &str,
    request: RemotingCommand,
) -> Result<RemotingCommand, ClientError> {
    let response = instance.invoke(addr, request, instance.config().request_timeout()).await?;
    match response.response_code() {
        ResponseCode::SUCCESS => Ok(response),
        code => Err(refusal(code, response.remark, addr)),
    }
}

pub(crate) fn rpc(queue: &MessageQueue) -> RpcFields {
    RpcFields { broker_name: Some(queue.broker_name.clone()), ..RpcFields::default() }
}

pub(crate) fn decode<H: bolide_protocol::CommandHeader>(
    response: &RemotingCommand,
    addr: &str,
) -> Result<H, ClientError> {
    response.decode_header().map_err(|source| ClientError::Header { addr: addr.to_owned(), source })
}

/// Offsets are `u64` here and Java `long` on the wire; an offset never reaches 2^63.
pub(crate) fn to_wire(offset: u64) -> i64 {
    i64::try_from(offset).unwrap_or(i64::MAX)
}

fn from_wire(value: i64, field: &'static str, addr: &str) -> Result<u64, ClientError> {
    u64::try_from(value).map_err(|_| ClientError::Header {
        addr: addr.to_owned(),
        source: HeaderError::Rule { field, reason: format!("negative offset {value}") },
    })
}
