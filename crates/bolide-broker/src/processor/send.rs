//! Sending: SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320); request-reply's
//! SEND_REPLY_MESSAGE (324, 325) in [`reply`].
//!
//! Checks follow the Java broker's `msgCheck` (`codes.md` §5.3): broker and topic permissions,
//! topic name, system topics, auto-creation from the template topic, queue id range, sizes. The
//! record is then built from the header and body (the broker adds `CLUSTER`, and `UNIQ_KEY` when
//! missing), rerouted to the schedule topic when it carries a delay level, or to the group's DLQ
//! when a `%RETRY%` message has used up its reconsume times, and appended. Under SYNC_FLUSH the
//! answer waits for the disk without holding a thread, at most `syncFlushTimeout` ([`super::durable`]).

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bolide_protocol::body::{TopicConfig, PERM_WRITE};
use bolide_protocol::header::{SendMessageFields, SendMessageResponseHeader};
use bolide_protocol::message::batch;
use bolide_protocol::message::properties::{self, CLUSTER, MAX_PROPERTIES_BYTES, UNIQ_KEY};
use bolide_protocol::message::{MessageRecord, MessageVersion, OffsetMessageId, SysFlag, TransactionType};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use bolide_store::{AppendResult, StoreError};
use bytes::Bytes;
use tracing::{debug, info, warn};

use super::fail;

mod reply;
use crate::server::{now_ms, State};
use crate::topic::{AutoCreate, DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX};
use crate::{delay, transaction};
pub(super) use reply::send_reply_message;

/// Longest ordinary topic name; retry and DLQ topics may reach [`MAX_SYSTEM_TOPIC_LENGTH`].
const MAX_TOPIC_LENGTH: usize = 127;
const MAX_SYSTEM_TOPIC_LENGTH: usize = 255;
/// How long a send that created its topic waits for the NameServers to learn the route.
const ROUTE_REGISTRATION_WAIT: Duration = Duration::from_secs(3);
/// Where the Java broker's "topic not exist" remark points.
const FAQ_URL: &str = "http://rocketmq.apache.org/docs/faq/";
/// Topics no client may send to directly (`behaviours.md` §3.1).
const NOT_ALLOWED_SEND_TOPICS: [&str; 6] = [
    "SCHEDULE_TOPIC_XXXX",
    "RMQ_SYS_TRANS_HALF_TOPIC",
    "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    "TRANS_CHECK_MAX_TIME_TOPIC",
    "SELF_TEST_TOPIC",
    "OFFSET_MOVED_EVENT",
];

/// A refusal: the response code and a remark saying what to fix.
struct Refusal(ResponseCode, String);

impl Refusal {
    fn new(code: ResponseCode, remark: impl Into<String>) -> Self {
        Refusal(code, remark.into())
    }
}

/// SEND_MESSAGE, SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE. Every answer, refusals included, carries
/// `MSG_REGION` and `TRACE_ON` as the Java broker's do.
pub(super) async fn send_message(
    state: Arc<State>,
    ctx: RequestContext,
    request: RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let response = send(Arc::clone(&state), ctx, request).await?;
    if response.ext("MSG_REGION").is_some() {
        return Ok(response);
    }
    let region = state.config.read().expect("config lock").region_id.clone();
    Ok(response.with_ext("MSG_REGION", region).with_ext("TRACE_ON", "true"))
}

async fn send(
    state: Arc<State>,
    ctx: RequestContext,
    request: RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let short =
        request.code == RequestCode::SEND_MESSAGE_V2.value() || request.code == RequestCode::SEND_BATCH_MESSAGE.value();
    let header = send_fields(&request, short)?;
    let batch = request.code == RequestCode::SEND_BATCH_MESSAGE.value() || header.batch();
    let target = match check(&state, &ctx, &header).await {
        Ok(target) => target,
        Err(Refusal(code, remark)) => return Ok(fail(&request, code, remark)),
    };
    let body = request.body.clone().unwrap_or_default();
    let prepared = if batch {
        prepare_batch(&state, &ctx, &header, target, &body)
    } else {
        prepare_single(&state, &ctx, &header, target, &body)
    };
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(Refusal(code, remark)) => return Ok(fail(&request, code, remark)),
    };
    let records = prepared.records();
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let appended = state.store.append_then(&records, Box::new(move |durable| drop(sender.send(durable))));
    let appended = match appended {
        Ok(appended) => appended,
        Err(err) => return Ok(store_refusal(&request, header.topic, &err)),
    };
    state.stats.record_put(header.topic, appended.message_count as u64, appended.size_bytes);
    let durable = super::durable::within(receiver, state.store.config().sync_flush_timeout).await;
    let response_header = response_header(&state, &prepared, &records, &appended);
    match durable {
        Ok(()) => Ok(RemotingCommand::response_to(&request, ResponseCode::SUCCESS).with_header(&response_header)),
        Err(StoreError::FlushTimeout { timeout_ms, .. }) => {
            warn!(topic = %header.topic, timeout_ms, "message stored but not flushed in time; answering FLUSH_DISK_TIMEOUT");
            Ok(RemotingCommand::response_to(&request, ResponseCode::FLUSH_DISK_TIMEOUT)
                .with_header(&response_header)
                .with_remark(format!("stored, but not flushed to disk within {timeout_ms} ms")))
        }
        Err(err) => Ok(store_refusal(&request, header.topic, &err)),
    }
}

/// The header of a send request, read in place: one-letter keys when `short`.
fn send_fields(request: &RemotingCommand, short: bool) -> Result<SendMessageFields<'_>, ProcessError> {
    let fields = request.fields();
    if short { SendMessageFields::read_short(fields) } else { SendMessageFields::read_long(fields) }
        .map_err(ProcessError::new)
}

/// Where the message goes after the checks: its topic config and queue.
#[derive(Clone, Copy)]
struct Target {
    queue_id: i32,
}

async fn check(state: &Arc<State>, ctx: &RequestContext, header: &SendMessageFields<'_>) -> Result<Target, Refusal> {
    let topic = header.topic;
    {
        let config = state.config.read().expect("config lock");
        if config.broker_permission & PERM_WRITE == 0 {
            return Err(Refusal::new(
                ResponseCode::NO_PERMISSION,
                format!("the broker[{}] sending message is forbidden", config.broker_ip1),
            ));
        }
    }
    let max_length = if topic.starts_with(RETRY_GROUP_TOPIC_PREFIX) || topic.starts_with(DLQ_GROUP_TOPIC_PREFIX) {
        MAX_SYSTEM_TOPIC_LENGTH
    } else {
        MAX_TOPIC_LENGTH
    };
    if topic.is_empty() {
        return Err(Refusal::new(ResponseCode::INVALID_PARAMETER, "The specified topic is blank."));
    }
    if topic.len() > max_length {
        return Err(Refusal::new(
            ResponseCode::INVALID_PARAMETER,
            format!("The specified topic is longer than topic max length {max_length}."),
        ));
    }
    if !topic.bytes().all(valid_topic_byte) {
        return Err(Refusal::new(
            ResponseCode::INVALID_PARAMETER,
            "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$",
        ));
    }
    if NOT_ALLOWED_SEND_TOPICS.contains(&topic) {
        return Err(Refusal::new(
            ResponseCode::NO_PERMISSION,
            format!("Sending message to topic[{topic}] is forbidden."),
        ));
    }
    let topic_config = find_or_create_topic(state, ctx, header).await?;
    if topic_config.perm & PERM_WRITE == 0 {
        return Err(Refusal::new(
            ResponseCode::NO_PERMISSION,
            format!("the topic[{topic}] sending message is forbidden"),
        ));
    }
    let queues = topic_config.read_queue_nums.max(topic_config.write_queue_nums);
    if header.queue_id >= queues {
        return Err(Refusal::new(
            ResponseCode::INVALID_PARAMETER,
            format!(
                "request queueId[{}] is illegal, topic {topic} has {queues} queues; Producer: {}",
                header.queue_id,
                ctx.peer_addr()
            ),
        ));
    }
    let queue_id = if header.queue_id < 0 { random_queue(topic_config.write_queue_nums) } else { header.queue_id };
    Ok(Target { queue_id })
}

fn valid_topic_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'%' | b'|' | b'_' | b'-')
}

/// What a send needs of its topic's config.
#[derive(Clone, Copy)]
struct TopicAccess {
    perm: i32,
    read_queue_nums: i32,
    write_queue_nums: i32,
}

impl From<&TopicConfig> for TopicAccess {
    fn from(config: &TopicConfig) -> Self {
        TopicAccess {
            perm: config.perm,
            read_queue_nums: config.read_queue_nums,
            write_queue_nums: config.write_queue_nums,
        }
    }
}

/// The topic's config, creating it from the template (or as a retry topic) when allowed.
async fn find_or_create_topic(
    state: &Arc<State>,
    ctx: &RequestContext,
    header: &SendMessageFields<'_>,
) -> Result<TopicAccess, Refusal> {
    let topic = header.topic;
    if let Some(found) = state.topics.lock().expect("topic lock").get(topic) {
        return Ok(found.into());
    }
    let outcome = {
        let state = state.clone();
        let (topic, default_topic, queues) =
            (topic.to_owned(), header.default_topic.to_owned(), header.default_topic_queue_nums);
        tokio::task::spawn_blocking(move || -> Result<Option<(TopicConfig, bool)>, String> {
            if let Some(group) = topic.strip_prefix(RETRY_GROUP_TOPIC_PREFIX) {
                return state
                    .create_retry_topic(group)
                    .map(|found| Some((found, false)))
                    .map_err(|err| err.to_string());
            }
            match state.auto_create_topic(&topic, &default_topic, queues) {
                Ok(AutoCreate::Existing(found)) => Ok(Some((found, false))),
                Ok(AutoCreate::Created(found)) => Ok(Some((found, true))),
                Ok(AutoCreate::NotAllowed) => Ok(None),
                Err(err) => Err(err.to_string()),
            }
        })
        .await
    };
    match outcome {
        Ok(Ok(Some((found, created)))) => {
            if created {
                // As Java's broker: the NameServers know the new topic before the send is answered,
                // so the producer's (or anyone's) next route lookup finds it.
                let epoch = state.route_changes.current();
                if !state.route_changes.wait_registered(epoch, ROUTE_REGISTRATION_WAIT).await {
                    debug!(topic = %topic, "new topic's route not registered yet; answering the send anyway");
                }
            }
            Ok((&found).into())
        }
        Ok(Ok(None)) => {
            warn!(
                topic = %topic,
                producer = %ctx.peer_addr(),
                "send to unknown topic refused; create it with `bolide admin updateTopic -t {topic} -c <cluster>` \
                 or enable autoCreateTopicEnable"
            );
            Err(Refusal::new(
                ResponseCode::TOPIC_NOT_EXIST,
                format!(
                    "topic[{topic}] not exist, apply first please! {FAQ_URL}; create it \
                     (mqadmin updateTopic -t {topic} -c <cluster>) or enable autoCreateTopicEnable"
                ),
            ))
        }
        Ok(Err(err)) => Err(Refusal::new(ResponseCode::SYSTEM_ERROR, format!("topic {topic} not created: {err}"))),
        Err(err) => Err(Refusal::new(ResponseCode::SYSTEM_ERROR, format!("topic {topic} not created: {err}"))),
    }
}

pub(super) fn random_queue(write_queue_nums: i32) -> i32 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(now_ms());
    (hasher.finish() % write_queue_nums.max(1) as u64) as i32
}

/// Records ready to append: their shared fields and each message's body, flag and properties.
struct Prepared {
    topic: String,
    queue_id: i32,
    /// The queue id the response names: the real one for a half message (its queue offset is
    /// the half queue's, which END_TRANSACTION sends back).
    reply_queue_id: i32,
    sys_flag: SysFlag,
    born_timestamp_ms: i64,
    born_host: SocketAddr,
    store_host: SocketAddr,
    reconsume_times: i32,
    messages: Vec<(i32, Bytes, Vec<u8>)>,
    /// `UNIQ_KEY` of each message, for the response.
    unique_keys: Vec<String>,
}

impl Prepared {
    fn records(&self) -> Vec<MessageRecord<'_>> {
        self.messages
            .iter()
            .map(|(flag, body, properties)| MessageRecord {
                version: MessageVersion::for_topic(&self.topic),
                queue_id: self.queue_id,
                flag: *flag,
                queue_offset: 0,
                commit_log_offset: 0,
                sys_flag: self.sys_flag,
                born_timestamp_ms: self.born_timestamp_ms,
                born_host: self.born_host,
                store_timestamp_ms: 0,
                store_host: self.store_host,
                reconsume_times: self.reconsume_times,
                prepared_transaction_offset: 0,
                body,
                topic: &self.topic,
                properties,
            })
            .collect()
    }
}

/// Adds the broker's properties (`CLUSTER`, and `UNIQ_KEY` when missing) to a raw string.
fn broker_properties(state: &State, raw: &[u8], extra: &[u8]) -> (Vec<u8>, String) {
    let cluster = &state.cluster_name;
    let mut out = Vec::with_capacity(raw.len() + extra.len() + cluster.len() + 48);
    out.extend_from_slice(raw);
    if !extra.is_empty() {
        if properties::needs_separator(&out) {
            out.push(properties::PROPERTY_SEPARATOR);
        }
        out.extend_from_slice(extra);
    }
    let unique = match properties::find_property_bytes(&out, UNIQ_KEY) {
        Some(value) => String::from_utf8_lossy(value).into_owned(),
        None => {
            let id = state.unique_ids.next_id(now_ms() as i64).to_string();
            if properties::needs_separator(&out) {
                out.push(properties::PROPERTY_SEPARATOR);
            }
            properties::write_item(&mut out, UNIQ_KEY, &id);
            id
        }
    };
    if properties::find_property_bytes(&out, CLUSTER).is_none() {
        if properties::needs_separator(&out) {
            out.push(properties::PROPERTY_SEPARATOR);
        }
        properties::write_item(&mut out, CLUSTER, cluster);
    }
    (out, unique)
}

fn check_sizes(state: &State, body_len: usize, properties_len: usize) -> Result<(), Refusal> {
    let max = state.config.read().expect("config lock").max_message_size as usize;
    if body_len > max {
        return Err(Refusal::new(
            ResponseCode::MESSAGE_ILLEGAL,
            format!(
                "the message body size over max value, MAX: {max} (maxMessageSize); this body has {body_len} bytes"
            ),
        ));
    }
    if properties_len > MAX_PROPERTIES_BYTES {
        return Err(Refusal::new(
            ResponseCode::MESSAGE_ILLEGAL,
            format!("the message properties size over max value, MAX: {MAX_PROPERTIES_BYTES}; these have {properties_len} bytes"),
        ));
    }
    Ok(())
}

fn prepare_single(
    state: &State,
    ctx: &RequestContext,
    header: &SendMessageFields<'_>,
    target: Target,
    body: &Bytes,
) -> Result<Prepared, Refusal> {
    let raw = header.properties.unwrap_or("").as_bytes();
    let (mut props, unique) = broker_properties(state, raw, b"");
    check_sizes(state, body.len(), props.len())?;
    let mut sys_flag = SysFlag::from_bits(header.sys_flag);
    let prepared_transaction = transaction::is_half(sys_flag, &props);
    if prepared_transaction && state.config.read().expect("config lock").reject_transaction_message {
        return Err(Refusal::new(
            ResponseCode::NO_PERMISSION,
            format!("the broker[{}] sending transaction message is forbidden", state.config().broker_ip1),
        ));
    }
    let (mut topic, mut queue_id) = (header.topic.to_owned(), target.queue_id);
    let reconsume_times = header.reconsume_times.unwrap_or(0);
    if let Some(group) = header.topic.strip_prefix(RETRY_GROUP_TOPIC_PREFIX) {
        let max_times = match header.max_reconsume_times {
            Some(max) => max,
            None => match state.groups.lock().expect("group lock").get(group) {
                Some(config) => config.retry_max_times,
                None => {
                    return Err(Refusal::new(
                        ResponseCode::SUBSCRIPTION_GROUP_NOT_EXIST,
                        format!("subscription group not exist, {group}"),
                    ))
                }
            },
        };
        if reconsume_times > max_times {
            let dlq = state
                .create_dlq_topic(group)
                .map_err(|err| Refusal::new(ResponseCode::SYSTEM_ERROR, format!("DLQ topic not created: {err}")))?;
            info!(group, reconsume_times, "message exceeded its reconsume times; storing it in {}", dlq.topic_name);
            topic = dlq.topic_name;
            queue_id = random_queue(dlq.write_queue_nums);
        }
    }
    let reply_queue_id = queue_id;
    if prepared_transaction {
        // A half message waits in the half queue until END_TRANSACTION or a check resolves it
        // (`behaviours.md` §7.1); producers clear DELAY from transactional messages.
        props = transaction::half_properties(&props, &topic, queue_id);
        topic = transaction::HALF_TOPIC.to_owned();
        queue_id = transaction::HALF_QUEUE_ID;
        sys_flag = transaction::half_sys_flag(sys_flag);
    } else if matches!(sys_flag.transaction_type(), TransactionType::NotType | TransactionType::Commit) {
        if let Some(level) = delay::delay_level(&props) {
            let (schedule_topic, schedule_queue, rewritten) =
                delay::to_schedule(&state.delay_levels, level, &topic, queue_id, &props);
            topic = schedule_topic.to_owned();
            queue_id = schedule_queue;
            props = rewritten;
        }
    }
    Ok(Prepared {
        topic,
        queue_id,
        reply_queue_id,
        sys_flag,
        born_timestamp_ms: header.born_timestamp,
        born_host: ctx.peer_addr(),
        store_host: state.store_host,
        reconsume_times,
        messages: vec![(header.flag, body.clone(), props)],
        unique_keys: vec![unique],
    })
}

fn prepare_batch(
    state: &State,
    ctx: &RequestContext,
    header: &SendMessageFields<'_>,
    target: Target,
    body: &Bytes,
) -> Result<Prepared, Refusal> {
    if header.topic.starts_with(RETRY_GROUP_TOPIC_PREFIX) {
        return Err(Refusal::new(ResponseCode::MESSAGE_ILLEGAL, "batch message is not supported for retry topic"));
    }
    let batch_properties = header.properties.unwrap_or("").as_bytes();
    if delay::delay_level(batch_properties).is_some() {
        return Err(Refusal::new(ResponseCode::MESSAGE_ILLEGAL, "batch messages cannot carry a delay level (DELAY)"));
    }
    let mut messages = Vec::new();
    let mut unique_keys = Vec::new();
    for entry in batch::shared_entries(body) {
        let entry = entry.map_err(|err| {
            Refusal::new(ResponseCode::MESSAGE_ILLEGAL, format!("the batch body cannot be decoded: {err}"))
        })?;
        let (props, unique) = broker_properties(state, &entry.properties, batch_properties);
        check_sizes(state, entry.body.len(), props.len())?;
        if delay::delay_level(&props).is_some() {
            return Err(Refusal::new(
                ResponseCode::MESSAGE_ILLEGAL,
                "batch messages cannot carry a delay level (DELAY)",
            ));
        }
        messages.push((entry.flag, entry.body.clone(), props));
        unique_keys.push(unique);
    }
    if messages.is_empty() {
        return Err(Refusal::new(ResponseCode::MESSAGE_ILLEGAL, "the batch has no messages"));
    }
    Ok(Prepared {
        topic: header.topic.to_owned(),
        queue_id: target.queue_id,
        reply_queue_id: target.queue_id,
        sys_flag: SysFlag::from_bits(header.sys_flag),
        born_timestamp_ms: header.born_timestamp,
        born_host: ctx.peer_addr(),
        store_host: state.store_host,
        reconsume_times: header.reconsume_times.unwrap_or(0),
        messages,
        unique_keys,
    })
}

fn response_header(
    state: &State,
    prepared: &Prepared,
    records: &[MessageRecord<'_>],
    appended: &AppendResult,
) -> SendMessageResponseHeader {
    let mut offset = appended.commit_log_offset;
    let mut ids = String::with_capacity(records.len() * 33);
    for record in records {
        if !ids.is_empty() {
            ids.push(',');
        }
        let id = OffsetMessageId { store_host: prepared.store_host, commit_log_offset: offset };
        write!(ids, "{id}").expect("writing to a String cannot fail");
        offset += record.encoded_len().unwrap_or(0) as u64;
    }
    let mut header = SendMessageResponseHeader::new(ids, prepared.reply_queue_id, appended.queue_offset as i64);
    header.msg_region = Some(state.config.read().expect("config lock").region_id.clone());
    if records.len() == 1 {
        header.transaction_id = prepared.unique_keys.first().cloned();
    }
    header
}

fn store_refusal(request: &RemotingCommand, topic: &str, err: &StoreError) -> RemotingCommand {
    let (code, what) = match err {
        StoreError::MessageTooLarge { .. } | StoreError::InvalidMessage(_) | StoreError::Encode(_) => {
            (ResponseCode::MESSAGE_ILLEGAL, "message refused")
        }
        StoreError::DiskFull { .. } | StoreError::Closed => (ResponseCode::SERVICE_NOT_AVAILABLE, "store not writable"),
        _ => (ResponseCode::SYSTEM_ERROR, "store failure"),
    };
    warn!(topic, error = %err, "send failed: {what}");
    fail(request, code, format!("{what}: {err}"))
}
