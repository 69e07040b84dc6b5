//! [`PushConsumer`]: Java's `DefaultMQPushConsumer`. It divides the subscribed topics' queues
//! among the group (or reads them all when broadcasting), pulls each queue with long polling,
//! hands the messages to a listener and keeps the consumed offsets.
//!
//! Module map: `options` (settings and defaults), `listener` (the two listener kinds),
//! `subscription` (topic + expression), `process_queue` (a queue's in-flight messages),
//! `queue` (the pull and consume tasks of one queue), `assignment` (rebalance, queue locks),
//! `send_back` (retries and dead letters), `broker_requests` (what brokers ask the consumer).

mod assignment;
mod broker_requests;
mod listener;
mod options;
mod process_queue;
mod queue;
mod send_back;
mod subscription;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bolide_protocol::body::{ConsumeFromWhere, ConsumeType, ConsumerData, HeartbeatData, MessageModel, MessageQueue};
use bolide_protocol::header::UnregisterClientRequestHeader;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::offset_store::OffsetStore;
use super::ConsumeFrom;
use crate::config::ClientConfig;
use crate::error::ClientError;
use crate::instance::Instance;
use crate::message::MessageExt;
use crate::producer::Producer;
use queue::QueueHandle;
use subscription::Subscription;

pub use listener::{
    ConcurrentListener, ConsumeConcurrentlyStatus, ConsumeContext, ConsumeOrderlyStatus, ListenerFuture,
    OrderlyListener,
};
pub use options::{
    PushConsumerOptions, DEFAULT_CONSUME_CONCURRENCY, DEFAULT_CONSUME_CONCURRENTLY_MAX_SPAN,
    DEFAULT_MAX_RECONSUME_TIMES, DEFAULT_PULL_THRESHOLD_FOR_QUEUE, DEFAULT_PULL_THRESHOLD_SIZE_FOR_QUEUE_BYTES,
    OFFSET_PERSIST_INTERVAL,
};
pub use subscription::Expression;

/// The listener of a consumer, of one of the two kinds (Java's `MessageListenerConcurrently`
/// and `MessageListenerOrderly`), for [`PushConsumer::start`]. Closures are simpler to pass to
/// [`PushConsumer::start_concurrently`] or [`PushConsumer::start_orderly`].
#[derive(Clone)]
pub enum Listener {
    /// Batches consumed in parallel, retried through the broker.
    Concurrent(Arc<dyn ConcurrentListener>),
    /// Each queue's batches consumed one at a time in queue order, retried locally.
    Orderly(Arc<dyn OrderlyListener>),
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Listener::Concurrent(_) => "Listener::Concurrent",
            Listener::Orderly(_) => "Listener::Orderly",
        })
    }
}

/// Counters of a running consumer, for monitoring and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushConsumerStats {
    /// PULL_MESSAGE requests sent.
    pub pulls: u64,
    /// Pulls put off because a queue held too many messages, bytes or too wide an offset span.
    pub flow_control_delays: u64,
    /// Messages pulled and not yet consumed, over all queues.
    pub cached_messages: u64,
    /// Their body bytes.
    pub cached_bytes: u64,
    /// Messages consumed successfully.
    pub consumed: u64,
    /// Messages whose listener call asked for a retry (or panicked).
    pub failed: u64,
}

#[derive(Debug, Default)]
struct Counters {
    pulls: AtomicU64,
    flow_control_delays: AtomicU64,
    consumed: AtomicU64,
    failed: AtomicU64,
}

/// Everything the tasks of one consumer share.
pub(crate) struct Core {
    instance: Arc<Instance>,
    options: PushConsumerOptions,
    /// The application's subscriptions plus, when clustering, `%RETRY%<group>`.
    subscriptions: Vec<Subscription>,
    listener: Listener,
    /// The queues this consumer reads now. Only the rebalance task and offset resets change
    /// it; short critical sections, never held across `.await`.
    queues: Mutex<HashMap<MessageQueue, Arc<QueueHandle>>>,
    offsets: OffsetStore,
    /// One permit per listener call in progress (`consumeThreadMin`); shutdown takes them all
    /// to wait for the calls in progress.
    permits: Arc<Semaphore>,
    /// Wakes the rebalance task (NOTIFY_CONSUMER_IDS_CHANGED, offset resets).
    rebalance_now: Notify,
    /// Cancelled at shutdown: no new pull, no new listener call. Every queue's own token is
    /// a child of it.
    stopping: CancellationToken,
    counters: Counters,
    /// Resends messages to `%RETRY%<group>` when CONSUMER_SEND_MSG_BACK fails; started on
    /// first use.
    retry_producer: tokio::sync::OnceCell<Producer>,
    config: ClientConfig,
    started_at_ms: i64,
}

impl Core {
    fn is_clustering(&self) -> bool {
        self.options.message_model == MessageModel::Clustering
    }

    fn is_orderly(&self) -> bool {
        matches!(self.listener, Listener::Orderly(_))
    }

    fn handles(&self) -> Vec<Arc<QueueHandle>> {
        self.queues.lock().expect("queues lock").values().cloned().collect()
    }

    fn consumer_data(&self) -> ConsumerData {
        ConsumerData {
            consume_from_where: Some(match self.options.consume_from {
                ConsumeFrom::LastOffset => ConsumeFromWhere::LastOffset,
                ConsumeFrom::FirstOffset => ConsumeFromWhere::FirstOffset,
                ConsumeFrom::Timestamp(_) => ConsumeFromWhere::Timestamp,
            }),
            consume_type: Some(ConsumeType::Passively),
            group_name: self.options.group.clone(),
            message_model: Some(self.options.message_model),
            subscription_data_set: self.subscriptions.iter().map(|subscription| subscription.data.clone()).collect(),
            unit_mode: false,
        }
    }
}

/// Receives messages pushed to a listener (Java's `DefaultMQPushConsumer`).
///
/// Subscriptions are set in [`PushConsumerOptions`]; [`PushConsumer::start_concurrently`] or
/// [`PushConsumer::start_orderly`] starts consuming with a listener, [`PushConsumer::shutdown`]
/// stops: pulling first, then waiting for listener calls in progress, then persisting the
/// offsets, so that a restart neither skips nor repeats messages.
///
/// ```no_run
/// use bolide_client::{ClientConfig, ConsumeConcurrentlyStatus, Expression, PushConsumer, PushConsumerOptions};
///
/// # async fn run() -> Result<(), bolide_client::ClientError> {
/// let options = PushConsumerOptions::new("billing").subscribe("Orders", Expression::tags("Paid || Refunded"));
/// let consumer = PushConsumer::start_concurrently(ClientConfig::new("127.0.0.1:9876"), options, |messages, _context| async move {
///     for message in messages {
///         println!("{} {:?}", message.msg_id(), message.body);
///     }
///     ConsumeConcurrentlyStatus::Success
/// })
/// .await?;
/// tokio::signal::ctrl_c().await.ok();
/// consumer.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct PushConsumer {
    core: Arc<Core>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl PushConsumer {
    /// Starts a consumer whose listener, an async closure, may run on several batches at once
    /// (up to `consume_concurrency`); failed batches come back through the broker's retry
    /// topic.
    ///
    /// A SQL92 subscription is checked first by every master serving its topic
    /// (CHECK_CLIENT_CONFIG, as the Java consumer does at start): a bad expression, or a broker
    /// without `enablePropertyFilter=true`, fails the start.
    ///
    /// # Errors
    /// [`ClientError::InvalidConfig`], [`ClientError::InvalidSubscription`],
    /// [`ClientError::NoNameServer`], [`ClientError::SubscriptionRefused`] (with the broker's
    /// explanation, such as where the expression is wrong), [`ClientError::Remoting`] when a
    /// broker to check with does not answer, or an unreadable local offset file
    /// ([`ClientError::OffsetFile`], [`ClientError::OffsetFileCorrupt`]).
    pub async fn start_concurrently<F, Fut>(
        config: ClientConfig,
        options: PushConsumerOptions,
        listener: F,
    ) -> Result<Self, ClientError>
    where
        F: Fn(Vec<MessageExt>, ConsumeContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ConsumeConcurrentlyStatus> + Send + 'static,
    {
        Self::start(config, options, Listener::Concurrent(Arc::new(listener))).await
    }

    /// Starts a consumer that hands each queue's messages to `listener` strictly in queue
    /// order, one batch at a time per queue. When clustering, each queue is locked on its
    /// broker first (LOCK_BATCH_MQ, renewed every 20 s), so that no two consumers of the group
    /// read it at the same time.
    ///
    /// # Errors
    /// As [`PushConsumer::start_concurrently`].
    pub async fn start_orderly<F, Fut>(
        config: ClientConfig,
        options: PushConsumerOptions,
        listener: F,
    ) -> Result<Self, ClientError>
    where
        F: Fn(Vec<MessageExt>, ConsumeContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ConsumeOrderlyStatus> + Send + 'static,
    {
        Self::start(config, options, Listener::Orderly(Arc::new(listener))).await
    }

    /// Starts a consumer with a listener of either kind, such as a type implementing
    /// [`ConcurrentListener`] or [`OrderlyListener`].
    ///
    /// # Errors
    /// As [`PushConsumer::start_concurrently`].
    pub async fn start(
        config: ClientConfig,
        options: PushConsumerOptions,
        listener: Listener,
    ) -> Result<Self, ClientError> {
        options.validate()?;
        let version = now_ms();
        let mut subscriptions = Vec::new();
        for (topic, expression) in &options.subscriptions {
            subscriptions.push(Subscription::new(topic, expression, version)?);
        }
        if options.message_model == MessageModel::Clustering {
            let retry = format!("%RETRY%{}", options.group);
            subscriptions.push(Subscription::new(&retry, &Expression::all(), version)?);
        }
        let slot: Arc<OnceLock<Weak<Core>>> = Arc::default();
        let processors = broker_requests::processors(slot.clone());
        let instance = Instance::start(config.clone(), HeartbeatData::default(), processors)?;
        let offsets = match options.message_model {
            MessageModel::Clustering => OffsetStore::remote(&options.group),
            MessageModel::Broadcasting => {
                let root = options.offset_store_dir.clone().unwrap_or_else(options::default_offset_store_dir);
                OffsetStore::local_file(
                    &options.group,
                    OffsetStore::default_path(&root, instance.client_id(), &options.group),
                )?
            }
        };
        let core = Arc::new(Core {
            instance,
            permits: Arc::new(Semaphore::new(options.consume_concurrency)),
            options,
            subscriptions,
            listener,
            queues: Mutex::default(),
            offsets,
            rebalance_now: Notify::new(),
            stopping: CancellationToken::new(),
            counters: Counters::default(),
            retry_producer: tokio::sync::OnceCell::new(),
            config,
            started_at_ms: version,
        });
        slot.set(Arc::downgrade(&core)).expect("set once, before any request can arrive");
        let consumer_data = core.consumer_data();
        core.instance.update_heartbeat(|data| data.consumer_data_set = vec![consumer_data]).await;
        for subscription in &core.subscriptions {
            // Heartbeats go to the brokers of cached routes; the retry topic may not exist yet.
            if let Err(err) = core.instance.update_route(subscription.topic(), false).await {
                tracing::debug!(topic = %subscription.topic(), error = %err, "no route yet");
            }
        }
        for subscription in &core.subscriptions {
            if let Err(err) = subscription.check_in_brokers(&core.instance, &core.options.group).await {
                tracing::warn!(topic = %subscription.topic(), error = %err, "subscription refused; not starting");
                let header = UnregisterClientRequestHeader {
                    consumer_group: Some(core.options.group.clone()),
                    ..UnregisterClientRequestHeader::default()
                };
                core.instance.shutdown(header).await;
                return Err(err);
            }
        }
        let tasks = vec![
            tokio::spawn(assignment::rebalance_loop(core.clone())),
            tokio::spawn(persist_loop(core.clone())),
            tokio::spawn(assignment::lock_loop(core.clone())),
        ];
        tracing::info!(group = %core.options.group, client_id = %core.instance.client_id(), "push consumer started");
        Ok(Self { core, tasks: Mutex::new(tasks) })
    }

    /// The client id brokers see.
    pub fn client_id(&self) -> &str {
        self.core.instance.client_id()
    }

    /// The settings the consumer runs with.
    pub fn options(&self) -> &PushConsumerOptions {
        &self.core.options
    }

    /// The queues this consumer reads now, sorted.
    pub fn assignment(&self) -> Vec<MessageQueue> {
        let mut queues: Vec<MessageQueue> = self.core.queues.lock().expect("queues lock").keys().cloned().collect();
        queues.sort();
        queues
    }

    /// The consumed offset (next offset to consume) this consumer keeps for `queue`.
    pub fn consumed_offset(&self, queue: &MessageQueue) -> Option<u64> {
        self.core.offsets.cached(queue)
    }

    /// Counters since start.
    pub fn stats(&self) -> PushConsumerStats {
        let (mut cached_messages, mut cached_bytes) = (0, 0);
        for handle in self.core.handles() {
            let (count, bytes) = handle.cached();
            cached_messages += count as u64;
            cached_bytes += bytes;
        }
        let counters = &self.core.counters;
        PushConsumerStats {
            pulls: counters.pulls.load(Ordering::Relaxed),
            flow_control_delays: counters.flow_control_delays.load(Ordering::Relaxed),
            cached_messages,
            cached_bytes,
            consumed: counters.consumed.load(Ordering::Relaxed),
            failed: counters.failed.load(Ordering::Relaxed),
        }
    }

    /// Divides the queues again now instead of at the next 20 s tick.
    pub fn rebalance_now(&self) {
        self.core.rebalance_now.notify_one();
    }

    /// Stops the consumer: no new pull and no new listener call; listener calls in progress
    /// may finish (up to `shutdown_timeout`); then the offsets are persisted, orderly queue
    /// locks released and the client unregistered from the brokers. Messages pulled but not
    /// handed to the listener are read again by whoever reads the queue next. Calling it
    /// again does nothing.
    pub async fn shutdown(&self) {
        if self.core.stopping.is_cancelled() {
            return;
        }
        self.core.stopping.cancel();
        let core = &self.core;
        let all = u32::try_from(core.options.consume_concurrency).unwrap_or(u32::MAX);
        match tokio::time::timeout(core.options.shutdown_timeout, core.permits.acquire_many(all)).await {
            Ok(_) => {}
            Err(_) => tracing::warn!(
                timeout = ?core.options.shutdown_timeout,
                "listener calls still running at shutdown; their messages will be delivered again"
            ),
        }
        let handles = core.handles();
        for handle in &handles {
            handle.release();
        }
        let queues: Vec<MessageQueue> = handles.iter().map(|handle| handle.queue.clone()).collect();
        if let Err(err) = core.offsets.persist(&core.instance, &queues).await {
            tracing::warn!(error = %err, "offsets not persisted at shutdown");
        }
        if core.is_orderly() && core.is_clustering() {
            assignment::unlock(core, &queues).await;
        }
        let header = UnregisterClientRequestHeader {
            consumer_group: Some(core.options.group.clone()),
            ..UnregisterClientRequestHeader::default()
        };
        core.instance.shutdown(header).await;
        if let Some(producer) = core.retry_producer.get() {
            producer.shutdown().await;
        }
        let tasks = std::mem::take(&mut *self.tasks.lock().expect("tasks lock"));
        for task in tasks {
            task.abort();
        }
        for handle in handles {
            handle.abort_tasks();
        }
        tracing::info!(group = %core.options.group, "push consumer stopped");
    }
}

impl Drop for PushConsumer {
    fn drop(&mut self) {
        // Without shutdown, at least stop the tasks; offsets since the last persist are lost.
        self.core.stopping.cancel();
        for task in self.tasks.lock().expect("tasks lock").drain(..) {
            task.abort();
        }
    }
}

/// Persists the offsets every `persist_interval` (Java's `persistConsumerOffsetInterval`).
async fn persist_loop(core: Arc<Core>) {
    let mut tick = tokio::time::interval(core.options.persist_interval);
    tick.tick().await;
    loop {
        tokio::select! {
            () = core.stopping.cancelled() => return,
            _ = tick.tick() => {}
        }
        let queues: Vec<MessageQueue> = core.handles().iter().map(|handle| handle.queue.clone()).collect();
        if let Err(err) = core.offsets.persist(&core.instance, &queues).await {
            tracing::debug!(error = %err, "periodic offset persist failed; retried at the next tick");
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(0))
}

/// How long a queue waits before pulling again after a failed pull (Java's
/// `pullTimeDelayMillsWhenException` is 3 s).
pub(crate) const PULL_RETRY_DELAY: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consumer_can_be_shared_between_tasks() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<PushConsumer>();
        shareable::<Listener>();
    }
}
