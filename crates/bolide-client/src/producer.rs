//! [`Producer`]: sync, oneway, batch and queue-selecting sends with the Java producer's
//! defaults (behaviours.md §2.3): round-robin queue choice, 2 retries on another broker,
//! 3 s timeout, zlib compression of bodies of 4 KiB and more, heartbeats as a producer group.
//! Submodules: `encode` (one request per send), `callback` (sends with a callback and
//! back-pressure), `request` (request-reply), `transaction` ([`TransactionProducer`]).

mod callback;
mod encode;
mod request;
mod transaction;

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bolide_protocol::body::{HeartbeatData, MessageQueue, ProducerData};
use bolide_protocol::header::{SendMessageResponseHeader, UnregisterClientRequestHeader};
use bolide_protocol::message::UniqueIdGenerator;
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::ProcessorRegistry;
use tokio::time::Instant;

use crate::config::ClientConfig;
use crate::error::ClientError;
use crate::instance::{refusal, Instance};
use crate::message::{Message, SendResult, SendStatus};
use crate::route::TopicRoute;

pub use callback::{DEFAULT_MAX_IN_FLIGHT_CALLBACKS, DEFAULT_MAX_IN_FLIGHT_CALLBACK_BYTES};
pub use encode::DEFAULT_COMPRESS_OVER_BYTES;
pub use request::REPLY_TOPIC_SUFFIX;
pub use transaction::{
    ListenerError, TransactionListener, TransactionProducer, TransactionSendResult, TransactionState,
    MAX_PENDING_CHECKS,
};

/// Extra attempts of a failed sync send (`retryTimesWhenSendFailed`).
pub const DEFAULT_RETRY_TIMES: u32 = 2;

/// Picks the queue of a [`Producer::send_with_selector`] call among the topic's writable
/// queues (never empty), e.g. by a hash of an order id so that one order's messages stay in
/// one queue and so in order. Any `Fn(&[MessageQueue], &Message) -> usize` is a selector; the
/// result is taken modulo the number of queues.
pub trait QueueSelector {
    /// The index of the queue to use.
    fn select(&self, queues: &[MessageQueue], message: &Message) -> usize;
}

impl<F: Fn(&[MessageQueue], &Message) -> usize> QueueSelector for F {
    fn select(&self, queues: &[MessageQueue], message: &Message) -> usize {
        self(queues, message)
    }
}

/// Selects by a hash of a key (Java's `SelectMessageQueueByHash`, with a stable hash): the same
/// key always maps to the same queue while the queue count stays the same.
#[derive(Debug, Clone)]
pub struct SelectByHash<K>(pub K);

impl<K: AsRef<[u8]>> QueueSelector for SelectByHash<K> {
    fn select(&self, queues: &[MessageQueue], _message: &Message) -> usize {
        // FNV-1a: stable across processes and Rust versions, unlike `DefaultHasher`.
        let hash = self
            .0
            .as_ref()
            .iter()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3));
        (hash % queues.len() as u64) as usize
    }
}

/// Producer settings beyond [`ClientConfig`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerOptions {
    /// Producer group announced in heartbeats and sent with every message.
    pub group: String,
    /// Extra attempts of a sync send on another broker (2).
    pub retry_times: u32,
    /// Bodies of at least this many bytes are zlib-compressed (4096); `usize::MAX` disables.
    pub compress_over_bytes: usize,
    /// Timeout of one send call, retries included (3 s).
    pub send_timeout: Duration,
    /// [`Producer::send_with_callback`] sends in flight at most (10 000).
    pub max_in_flight_callbacks: usize,
    /// Body bytes of [`Producer::send_with_callback`] sends in flight at most (100 MiB).
    pub max_in_flight_callback_bytes: usize,
}

impl ProducerOptions {
    /// Java's defaults for `group`.
    pub fn new(group: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            retry_times: DEFAULT_RETRY_TIMES,
            compress_over_bytes: DEFAULT_COMPRESS_OVER_BYTES,
            send_timeout: crate::config::DEFAULT_REQUEST_TIMEOUT,
            max_in_flight_callbacks: DEFAULT_MAX_IN_FLIGHT_CALLBACKS,
            max_in_flight_callback_bytes: DEFAULT_MAX_IN_FLIGHT_CALLBACK_BYTES,
        }
    }
}

/// Sends messages. Cheap to clone; clones share connections and counters.
///
/// ```no_run
/// use bolide_client::{ClientConfig, Message, Producer};
///
/// # async fn run() -> Result<(), bolide_client::ClientError> {
/// let producer = Producer::start(ClientConfig::new("127.0.0.1:9876"), "my_producer_group").await?;
/// let result = producer.send(&Message::new("TopicTest", "hello").with_tags("TagA")).await?;
/// println!("stored as {} at {:?} offset {}", result.msg_id, result.queue, result.queue_offset);
/// producer.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Producer {
    inner: Arc<Inner>,
}

struct Inner {
    instance: Arc<Instance>,
    options: ProducerOptions,
    /// Round-robin position over a topic's write queues (Java keeps one per thread).
    counter: AtomicUsize,
    ids: UniqueIdGenerator,
    /// Requests waiting for their reply; shared with the PUSH_REPLY_MESSAGE_TO_CLIENT processor.
    requests: Arc<request::PendingRequests>,
    /// Back-pressure of [`Producer::send_with_callback`].
    in_flight: callback::InFlight,
}

impl Producer {
    /// Starts a producer of `group` with the Java defaults.
    ///
    /// # Errors
    /// [`ClientError::NoNameServer`] or [`ClientError::InvalidConfig`].
    pub async fn start(config: ClientConfig, group: impl Into<String>) -> Result<Self, ClientError> {
        Self::with_options(config, ProducerOptions::new(group)).await
    }

    /// Starts a producer with explicit options.
    ///
    /// # Errors
    /// As [`Producer::start`].
    pub async fn with_options(config: ClientConfig, options: ProducerOptions) -> Result<Self, ClientError> {
        Self::start_with_processors(config, options, ProcessorRegistry::new()).await
    }

    /// Starts a producer whose client core also answers the broker requests in `processors`
    /// (a transactional producer's check-backs). Replies to requests are always answered.
    pub(crate) async fn start_with_processors(
        config: ClientConfig,
        options: ProducerOptions,
        mut processors: ProcessorRegistry,
    ) -> Result<Self, ClientError> {
        if options.group.is_empty() {
            return Err(ClientError::InvalidConfig { reason: "the producer group is empty".into() });
        }
        let heartbeat = HeartbeatData {
            producer_data_set: vec![ProducerData { group_name: options.group.clone() }],
            ..HeartbeatData::default()
        };
        let requests = Arc::new(request::PendingRequests::new());
        let pending = requests.clone();
        processors.register(RequestCode::PUSH_REPLY_MESSAGE_TO_CLIENT, move |ctx, request| {
            request::receive_reply(pending.clone(), ctx, request)
        });
        let instance = Instance::start(config, heartbeat, processors)?;
        let seed = std::collections::hash_map::RandomState::new().build_hasher().finish() as i32;
        let ids = UniqueIdGenerator::new(instance.local_ip(), std::process::id(), seed);
        let in_flight = callback::InFlight::new(options.max_in_flight_callbacks, options.max_in_flight_callback_bytes);
        let counter = AtomicUsize::new(seed as u16 as usize);
        let inner = Inner { instance, options, counter, ids, requests, in_flight };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The client id brokers see (`ip@instance`).
    pub fn client_id(&self) -> &str {
        self.inner.instance.client_id()
    }

    /// The options in force.
    pub fn options(&self) -> &ProducerOptions {
        &self.inner.options
    }

    /// Sends `message` and waits for the broker to store it; retries on another broker after a
    /// transport failure or a retryable refusal (up to [`ProducerOptions::retry_times`] more
    /// attempts within [`ProducerOptions::send_timeout`]).
    ///
    /// # Errors
    /// [`ClientError::InvalidMessage`] before sending; the last attempt's error otherwise.
    pub async fn send(&self, message: &Message) -> Result<SendResult, ClientError> {
        self.send_with_timeout(message, self.inner.options.send_timeout).await
    }

    /// [`Producer::send`] with its own timeout.
    ///
    /// # Errors
    /// As [`Producer::send`].
    pub async fn send_with_timeout(&self, message: &Message, timeout: Duration) -> Result<SendResult, ClientError> {
        let encoded = self.encode_single(message)?;
        self.send_with_retries(message.topic(), &encoded, timeout).await
    }

    /// Sends `message` without waiting for the broker (no result, no retry).
    ///
    /// # Errors
    /// [`ClientError::InvalidMessage`], routing errors, or a transport error queueing the frame.
    pub async fn send_oneway(&self, message: &Message) -> Result<(), ClientError> {
        let encoded = self.encode_single(message)?;
        let route = self.inner.instance.route(message.topic(), true).await?;
        let queue = select(&route, self.next(), None, message.topic())?.clone();
        let addr = self.inner.instance.master_addr(&queue.broker_name)?;
        let request = encoded.request(&self.inner.options.group, &queue).into_oneway();
        self.inner.instance.invoke_oneway(&addr, request, self.inner.options.send_timeout).await
    }

    /// Sends `message` to one given queue (no retry: the queue is the caller's choice).
    ///
    /// # Errors
    /// As [`Producer::send`].
    pub async fn send_to_queue(&self, message: &Message, queue: &MessageQueue) -> Result<SendResult, ClientError> {
        if queue.topic != message.topic() {
            return Err(ClientError::InvalidMessage {
                reason: format!("message topic {} differs from queue topic {}", message.topic(), queue.topic),
            });
        }
        let encoded = self.encode_single(message)?;
        self.inner.instance.route(message.topic(), true).await?;
        self.send_to(queue, &encoded, self.inner.options.send_timeout).await
    }

    /// Sends `message` to the queue `selector` picks among the topic's writable queues: messages
    /// with the same selector result keep their order.
    ///
    /// # Errors
    /// As [`Producer::send_to_queue`].
    pub async fn send_with_selector(
        &self,
        message: &Message,
        selector: &impl QueueSelector,
    ) -> Result<SendResult, ClientError> {
        let route = self.inner.instance.route(message.topic(), true).await?;
        if route.write_queues.is_empty() {
            return Err(ClientError::NoQueue { topic: message.topic().to_owned(), kind: "writable" });
        }
        let index = selector.select(&route.write_queues, message) % route.write_queues.len();
        let queue = route.write_queues[index].clone();
        self.send_to_queue(message, &queue).await
    }

    /// Sends several messages of one topic in one request (SEND_BATCH_MESSAGE); they are stored
    /// consecutively in one queue. Batches are never compressed, as in Java.
    ///
    /// # Errors
    /// [`ClientError::InvalidMessage`] for an empty batch, mixed topics or delayed messages;
    /// otherwise as [`Producer::send`].
    pub async fn send_batch(&self, messages: &[Message]) -> Result<SendResult, ClientError> {
        let encoded = encode::Encoded::batch(messages, &self.inner.ids, now_ms())?;
        self.send_with_retries(messages[0].topic(), &encoded, self.inner.options.send_timeout).await
    }

    /// Attempts until one succeeds, an error is not retryable, the retries are used up or the
    /// deadline passes; each retry prefers another broker and re-reads the route (behaviours.md
    /// §2.3).
    async fn send_with_retries(
        &self,
        topic: &str,
        encoded: &encode::Encoded,
        timeout: Duration,
    ) -> Result<SendResult, ClientError> {
        let deadline = Instant::now() + timeout;
        let mut route = self.inner.instance.route(topic, true).await?;
        let mut failed_broker: Option<String> = None;
        let mut last_error = None;
        for attempt in 0..=self.inner.options.retry_times {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if attempt > 0 {
                // The failure may come from a stale route: look again before retrying.
                route = self.inner.instance.update_route(topic, true).await.unwrap_or(route);
            }
            let queue = select(&route, self.next(), failed_broker.as_deref(), topic)?;
            match self.send_to(queue, encoded, left).await {
                Ok(result) => return Ok(result),
                Err(err) if err.is_send_retryable() => {
                    tracing::debug!(broker = %queue.broker_name, attempt, error = %err, "send failed, retrying");
                    failed_broker = Some(queue.broker_name.clone());
                    last_error = Some(err);
                }
                Err(err) => return Err(err),
            }
        }
        Err(last_error.unwrap_or(ClientError::Timeout { timeout }))
    }

    /// Waits for the [`Producer::send_with_callback`] sends in flight (each bounded by
    /// [`ProducerOptions::send_timeout`]), then unregisters the producer group from every broker
    /// and closes the connections. Calls made afterwards fail with [`ClientError::Shutdown`].
    pub async fn shutdown(&self) {
        self.inner.in_flight.drain().await;
        let header = UnregisterClientRequestHeader {
            producer_group: Some(self.inner.options.group.clone()),
            ..UnregisterClientRequestHeader::default()
        };
        self.inner.instance.shutdown(header).await;
    }

    fn next(&self) -> usize {
        self.inner.counter.fetch_add(1, Ordering::Relaxed)
    }

    fn encode_single(&self, message: &Message) -> Result<encode::Encoded, ClientError> {
        encode::Encoded::single(message, &self.inner.ids, now_ms(), self.inner.options.compress_over_bytes)
    }

    /// One attempt: SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE to the queue's broker.
    async fn send_to(
        &self,
        queue: &MessageQueue,
        encoded: &encode::Encoded,
        timeout: Duration,
    ) -> Result<SendResult, ClientError> {
        let instance = &self.inner.instance;
        let addr = instance.master_addr(&queue.broker_name)?;
        let request = encoded.request(&self.inner.options.group, queue);
        let response = instance.invoke(&addr, request, timeout).await?;
        send_result(response, queue, encoded, &addr)
    }
}

fn select<'a>(
    route: &'a TopicRoute,
    counter: usize,
    avoid: Option<&str>,
    topic: &str,
) -> Result<&'a MessageQueue, ClientError> {
    route
        .select_write_queue(counter, avoid)
        .ok_or_else(|| ClientError::NoQueue { topic: topic.to_owned(), kind: "writable" })
}

/// Maps a SEND response to a result (Java's `processSendResponse`).
fn send_result(
    response: RemotingCommand,
    queue: &MessageQueue,
    encoded: &encode::Encoded,
    addr: &str,
) -> Result<SendResult, ClientError> {
    let status = match response.response_code() {
        ResponseCode::SUCCESS => SendStatus::SendOk,
        ResponseCode::FLUSH_DISK_TIMEOUT => SendStatus::FlushDiskTimeout,
        ResponseCode::FLUSH_SLAVE_TIMEOUT => SendStatus::FlushSlaveTimeout,
        ResponseCode::SLAVE_NOT_AVAILABLE => SendStatus::SlaveNotAvailable,
        code => return Err(refusal(code, response.remark, addr)),
    };
    let header: SendMessageResponseHeader =
        response.decode_header().map_err(|source| ClientError::Header { addr: addr.to_owned(), source })?;
    let queue_offset = u64::try_from(header.queue_offset).map_err(|_| ClientError::Header {
        addr: addr.to_owned(),
        source: bolide_protocol::HeaderError::Rule { field: "queueOffset", reason: "negative".into() },
    })?;
    Ok(SendResult {
        status,
        msg_id: encoded.msg_id().to_owned(),
        offset_msg_id: header.msg_id,
        queue: MessageQueue::new(queue.topic.as_str(), queue.broker_name.as_str(), header.queue_id),
        queue_offset,
        region_id: header.msg_region,
        transaction_id: header.transaction_id,
    })
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_selector_is_stable_and_in_range() {
        let queues: Vec<_> = (0..4).map(|id| MessageQueue::new("T", "b", id)).collect();
        let message = Message::new("T", "x");
        let first = SelectByHash("order-1").select(&queues, &message);
        assert!(first < 4);
        assert_eq!(SelectByHash("order-1").select(&queues, &message), first);
        let spread: std::collections::HashSet<_> =
            (0..64).map(|i| SelectByHash(format!("order-{i}")).select(&queues, &message)).collect();
        assert_eq!(spread.len(), 4, "keys spread over every queue");
    }

    #[test]
    fn closures_are_selectors() {
        let queues: Vec<_> = (0..3).map(|id| MessageQueue::new("T", "b", id)).collect();
        let last = |queues: &[MessageQueue], _: &Message| queues.len() - 1;
        assert_eq!(last.select(&queues, &Message::new("T", "x")), 2);
    }
}
