//! Request-reply, as the Java producer does it (`DefaultMQProducerImpl.request`,
//! `RequestFutureHolder`, `ClientRemotingProcessor.receiveReplyMessage`,
//! `MessageUtil.createReplyMessage`; behaviours.md §12).
//!
//! A request is an ordinary message with three more properties: `CORRELATION_ID` (a fresh
//! UUID), `REPLY_TO_CLIENT` (this client's id) and `TTL` (the timeout in ms). A responder builds
//! its answer with [`Message::reply_to`] and sends it with any producer: it goes out as
//! SEND_REPLY_MESSAGE_V2 to the `<cluster>_REPLY_TOPIC`, and the broker pushes it back to the
//! requesting client with PUSH_REPLY_MESSAGE_TO_CLIENT (326). [`PendingRequests`] matches it to
//! the waiting call by correlation id.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bolide_protocol::body::MessageQueue;
use bolide_protocol::header::ReplyMessageRequestHeader;
use bolide_protocol::message::compression::{self, CompressionType};
use bolide_protocol::message::properties::{self as names, Properties};
use bolide_protocol::message::SysFlag;
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessResult, RequestContext};
use bytes::Bytes;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::encode::REPLY_MESSAGE_TYPE;
use super::{now_ms, Producer, QueueSelector};
use crate::error::ClientError;
use crate::message::{Message, MessageExt, MAX_MESSAGE_BYTES};

/// Suffix of the topic replies go to: `<cluster>_REPLY_TOPIC` (Java's `MixAll.getReplyTopic`).
pub const REPLY_TOPIC_SUFFIX: &str = "_REPLY_TOPIC";

/// Requests waiting for their reply, by correlation id. Entries are removed when the reply
/// arrives or when the waiting call ends (timeout, error or cancellation), so the table holds
/// only live requests.
#[derive(Default)]
pub(crate) struct PendingRequests {
    /// Short critical sections only; never held across `.await`.
    waiting: Mutex<HashMap<String, oneshot::Sender<MessageExt>>>,
    /// Makes correlation ids unique within the process; the random seeds make them unique
    /// across processes.
    counter: AtomicU64,
    seeds: (u64, u64),
}

impl PendingRequests {
    pub(crate) fn new() -> Self {
        let seed = || std::collections::hash_map::RandomState::new().build_hasher().finish();
        Self { waiting: Mutex::default(), counter: AtomicU64::new(0), seeds: (seed(), seed()) }
    }

    /// A fresh correlation id in UUID form (Java's `CorrelationIdUtil.createCorrelationId`).
    fn next_correlation_id(&self) -> String {
        let count = self.counter.fetch_add(1, Ordering::Relaxed);
        let high = mix(self.seeds.0 ^ count);
        let low = mix(self.seeds.1.wrapping_add(count));
        // Version 4, variant 1 bits, as a random UUID has.
        let high = (high & !0xF000) | 0x4000;
        let low = (low & !(0xC000 << 48)) | (0x8000 << 48);
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xFFFF,
            high & 0xFFFF,
            low >> 48,
            low & 0xFFFF_FFFF_FFFF
        )
    }

    /// Registers a request; the guard removes it again when dropped.
    fn register(self: &Arc<Self>, correlation_id: String) -> (Waiting, oneshot::Receiver<MessageExt>) {
        let (sender, receiver) = oneshot::channel();
        self.waiting.lock().expect("pending requests lock").insert(correlation_id.clone(), sender);
        (Waiting { pending: self.clone(), correlation_id }, receiver)
    }

    /// Hands a reply to its request; `false` if no request waits for it (unknown or expired).
    fn complete(&self, reply: MessageExt) -> bool {
        let Some(correlation_id) = reply.property(names::CORRELATION_ID) else { return false };
        let sender = self.waiting.lock().expect("pending requests lock").remove(correlation_id);
        match sender {
            Some(sender) => sender.send(reply).is_ok(),
            None => false,
        }
    }

    /// How many requests wait for a reply.
    pub(crate) fn len(&self) -> usize {
        self.waiting.lock().expect("pending requests lock").len()
    }
}

/// SplitMix64's finaliser: spreads a counter over all 64 bits.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Removes a request from the table when its call ends, however it ends.
struct Waiting {
    pending: Arc<PendingRequests>,
    correlation_id: String,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.pending.waiting.lock().expect("pending requests lock").remove(&self.correlation_id);
    }
}

/// Answers PUSH_REPLY_MESSAGE_TO_CLIENT: hands the reply to the waiting request. A reply nobody
/// waits for is dropped (debug log) and still acknowledged, as in Java.
pub(crate) async fn receive_reply(
    pending: Arc<PendingRequests>,
    ctx: RequestContext,
    request: RemotingCommand,
) -> ProcessResult {
    let reply = match reply_message(&request) {
        Ok(reply) => reply,
        Err(reason) => {
            tracing::warn!(peer = %ctx.peer_addr(), %reason, "unreadable reply message");
            let response = RemotingCommand::response_to(&request, ResponseCode::SYSTEM_ERROR)
                .with_remark("process reply message fail");
            return Ok(Some(response));
        }
    };
    let correlation_id = reply.property(names::CORRELATION_ID).map(str::to_owned);
    if !pending.complete(reply) {
        tracing::debug!(?correlation_id, peer = %ctx.peer_addr(), "reply matches no waiting request; dropped");
    }
    Ok(Some(RemotingCommand::response_to(&request, ResponseCode::SUCCESS)))
}

/// The pushed reply as a [`MessageExt`] (Java's `receiveReplyMessage`): body decompressed,
/// `ARRIVE_TIME` added. It was not read from a queue, so its offsets are 0 and its queue's
/// broker name is empty.
fn reply_message(request: &RemotingCommand) -> Result<MessageExt, String> {
    let header: ReplyMessageRequestHeader = request.decode_header().map_err(|err| err.to_string())?;
    let host = |text: &str| text.parse::<SocketAddr>().map_err(|err| format!("host {text:?}: {err}"));
    let (born_host, store_host) = (host(&header.born_host)?, host(&header.store_host)?);
    let mut sys_flag = SysFlag::from_bits(header.sys_flag);
    let mut body = request.body.clone().unwrap_or_default();
    if sys_flag.is_compressed() {
        let compression = sys_flag.compression().ok().flatten().unwrap_or(CompressionType::Zlib);
        let inflated = compression::decompress(&body, compression, 4 * MAX_MESSAGE_BYTES)
            .map_err(|err| format!("compressed body: {err}"))?;
        body = Bytes::from(inflated);
        sys_flag = sys_flag.decompressed();
    }
    let mut properties = Properties::parse(header.properties.as_deref().unwrap_or_default());
    properties.insert(names::ARRIVE_TIME, now_ms().to_string()).map_err(|err| err.to_string())?;
    // The push names no broker (Java leaves the reply's broker name unset).
    let broker_name = header.rpc.broker_name.clone().unwrap_or_default();
    Ok(MessageExt {
        queue: MessageQueue::new(header.topic.as_str(), broker_name.as_str(), header.queue_id),
        topic: header.topic,
        queue_offset: 0,
        commit_log_offset: 0,
        body,
        flag: header.flag,
        sys_flag: sys_flag.bits(),
        properties,
        born_timestamp_ms: header.born_timestamp,
        store_timestamp_ms: header.store_timestamp,
        born_host,
        store_host,
        reconsume_times: header.reconsume_times.unwrap_or(0),
        offset_msg_id: String::new(),
    })
}

/// Where a request goes.
enum Destination<'a> {
    /// Round robin with retries, as [`Producer::send`].
    Any,
    /// One queue, as [`Producer::send_to_queue`].
    Queue(&'a MessageQueue),
}

impl Producer {
    /// Sends `message` as a request and waits up to `timeout` (send included) for the reply a
    /// responder sends with [`Message::reply_to`]. The message gets `CORRELATION_ID`,
    /// `REPLY_TO_CLIENT` and `TTL` (= `timeout` in ms) as in Java.
    ///
    /// # Errors
    /// [`ClientError::RequestTimeout`] when the request was sent but no reply came in time; the
    /// send's own error (as [`Producer::send`]) when it could not be sent.
    pub async fn request(&self, message: &Message, timeout: Duration) -> Result<MessageExt, ClientError> {
        self.request_to(message, Destination::Any, timeout).await
    }

    /// [`Producer::request`] to one given queue.
    ///
    /// # Errors
    /// As [`Producer::request`]; [`ClientError::InvalidMessage`] if the queue is of another topic.
    pub async fn request_to_queue(
        &self,
        message: &Message,
        queue: &MessageQueue,
        timeout: Duration,
    ) -> Result<MessageExt, ClientError> {
        if queue.topic != message.topic() {
            return Err(ClientError::InvalidMessage {
                reason: format!("message topic {} differs from queue topic {}", message.topic(), queue.topic),
            });
        }
        self.request_to(message, Destination::Queue(queue), timeout).await
    }

    /// [`Producer::request`] to the queue `selector` picks among the topic's writable queues.
    ///
    /// # Errors
    /// As [`Producer::request_to_queue`].
    pub async fn request_with_selector(
        &self,
        message: &Message,
        selector: &impl QueueSelector,
        timeout: Duration,
    ) -> Result<MessageExt, ClientError> {
        let route = self.inner.instance.route(message.topic(), true).await?;
        if route.write_queues.is_empty() {
            return Err(ClientError::NoQueue { topic: message.topic().to_owned(), kind: "writable" });
        }
        let index = selector.select(&route.write_queues, message) % route.write_queues.len();
        let queue = route.write_queues[index].clone();
        self.request_to(message, Destination::Queue(&queue), timeout).await
    }

    async fn request_to(
        &self,
        message: &Message,
        destination: Destination<'_>,
        timeout: Duration,
    ) -> Result<MessageExt, ClientError> {
        let deadline = Instant::now() + timeout;
        let pending = &self.inner.requests;
        let correlation_id = pending.next_correlation_id();
        let request = message
            .clone()
            .with_system_property(names::CORRELATION_ID, correlation_id.clone())
            .with_system_property(names::REPLY_TO_CLIENT, self.client_id().to_owned())
            .with_system_property(names::TTL, timeout.as_millis().to_string());
        let encoded = self.encode_single(&request)?;
        // The route lookup also sends the first heartbeat to a new broker, which must know this
        // client's id before it can push the reply here.
        self.inner.instance.route(message.topic(), true).await?;
        let (_waiting, reply) = pending.register(correlation_id);
        let left = deadline.saturating_duration_since(Instant::now());
        match destination {
            Destination::Any => self.send_with_retries(request.topic(), &encoded, left).await?,
            Destination::Queue(queue) => self.send_to(queue, &encoded, left).await?,
        };
        match tokio::time::timeout_at(deadline, reply).await {
            Ok(Ok(reply)) => Ok(reply),
            // The sender is only dropped with the table entry, which `_waiting` keeps.
            Ok(Err(_)) | Err(_) => Err(ClientError::RequestTimeout { topic: message.topic().to_owned(), timeout }),
        }
    }

    /// How many requests wait for their reply (for monitoring and tests).
    pub fn pending_requests(&self) -> usize {
        self.inner.requests.len()
    }
}

impl Message {
    /// The reply to a received request message (Java's `MessageUtil.createReplyMessage`): topic
    /// `<cluster>_REPLY_TOPIC` from the request's `CLUSTER` (which the broker adds), the
    /// request's `CORRELATION_ID`, `REPLY_TO_CLIENT` and `TTL`, and `MSG_TYPE=reply`, so that a
    /// producer sends it as SEND_REPLY_MESSAGE_V2.
    ///
    /// # Errors
    /// [`ClientError::InvalidMessage`] if `request` is not a request message (no `CLUSTER`,
    /// `CORRELATION_ID` or `REPLY_TO_CLIENT`).
    pub fn reply_to(request: &MessageExt, body: impl Into<Bytes>) -> Result<Message, ClientError> {
        let required = |name: &str| {
            request.property(name).map(str::to_owned).ok_or_else(|| ClientError::InvalidMessage {
                reason: format!("cannot reply to message {}: it has no {name} property", request.msg_id()),
            })
        };
        let cluster = required(names::CLUSTER)?;
        let mut reply = Message::new(format!("{cluster}{REPLY_TOPIC_SUFFIX}"), body)
            .with_system_property(names::MSG_TYPE, REPLY_MESSAGE_TYPE.to_owned())
            .with_system_property(names::CORRELATION_ID, required(names::CORRELATION_ID)?)
            .with_system_property(names::REPLY_TO_CLIENT, required(names::REPLY_TO_CLIENT)?);
        if let Some(ttl) = request.property(names::TTL) {
            reply = reply.with_system_property(names::TTL, ttl.to_owned());
        }
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;

    fn received(properties: &[(&str, &str)]) -> MessageExt {
        let mut props = Properties::new();
        for (name, value) in properties {
            props.insert(*name, *value).expect("valid property");
        }
        let host = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 1);
        MessageExt {
            topic: "T".into(),
            queue: MessageQueue::new("T", "b", 0),
            queue_offset: 0,
            commit_log_offset: 0,
            body: Bytes::from_static(b"ask"),
            flag: 0,
            sys_flag: 0,
            properties: props,
            born_timestamp_ms: 0,
            store_timestamp_ms: 0,
            born_host: host,
            store_host: host,
            reconsume_times: 0,
            offset_msg_id: String::new(),
        }
    }

    #[test]
    fn a_reply_carries_what_java_puts_in_it() {
        let request = received(&[
            ("CLUSTER", "DefaultCluster"),
            ("CORRELATION_ID", "c-1"),
            ("REPLY_TO_CLIENT", "10.0.0.1@9"),
            ("TTL", "3000"),
        ]);
        let reply = Message::reply_to(&request, "answer").expect("a request message");
        assert_eq!(reply.topic(), "DefaultCluster_REPLY_TOPIC");
        assert_eq!(reply.property("MSG_TYPE"), Some("reply"));
        assert_eq!(reply.property("CORRELATION_ID"), Some("c-1"));
        assert_eq!(reply.property("REPLY_TO_CLIENT"), Some("10.0.0.1@9"));
        assert_eq!(reply.property("TTL"), Some("3000"));
        assert_eq!(reply.body().as_ref(), b"answer");

        let plain = received(&[("CLUSTER", "DefaultCluster")]);
        let err = Message::reply_to(&plain, "x").expect_err("not a request");
        assert!(err.to_string().contains("CORRELATION_ID"), "{err}");
    }

    #[test]
    fn correlation_ids_are_unique_uuids() {
        let pending = PendingRequests::new();
        let ids: std::collections::HashSet<_> = (0..1000).map(|_| pending.next_correlation_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in ids.iter().take(10) {
            assert_eq!(id.len(), 36, "{id}");
            assert_eq!(id.as_bytes()[14], b'4', "version 4: {id}");
        }
    }

    #[test]
    fn replies_reach_only_their_request_and_ended_requests_leave_the_table() {
        let pending = Arc::new(PendingRequests::new());
        let (waiting, mut receiver) = pending.register("c-1".into());
        assert_eq!(pending.len(), 1);
        assert!(!pending.complete(received(&[("CORRELATION_ID", "other")])), "unknown id");
        assert!(!pending.complete(received(&[])), "no id");
        assert!(pending.complete(received(&[("CORRELATION_ID", "c-1")])));
        assert!(receiver.try_recv().is_ok());
        assert_eq!(pending.len(), 0);
        drop(waiting);

        let (waiting, _receiver) = pending.register("c-2".into());
        drop(waiting);
        assert_eq!(pending.len(), 0, "a timed-out request is removed");
        assert!(!pending.complete(received(&[("CORRELATION_ID", "c-2")])), "a late reply is dropped");
    }
}
