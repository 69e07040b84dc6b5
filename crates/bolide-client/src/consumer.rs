//! [`PullConsumer`]: the Java "lite pull" consumer in assign mode. The application assigns
//! queues, optionally seeks, then calls [`PullConsumer::poll`] in a loop and commits offsets.
//! Pulls use long polling (behaviours.md §8): when no assigned queue has a message, the broker
//! holds the requests until one arrives or the poll's time is up.

mod offset_store;
mod pull;
pub(crate) mod push;
mod rebalance;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bolide_protocol::body::{
    ConsumeFromWhere, ConsumeType, ConsumerData, HeartbeatData, MessageModel, MessageQueue, SubscriptionData,
};
use bolide_protocol::header::UnregisterClientRequestHeader;
use bolide_remoting::ProcessorRegistry;
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;
use tokio::time::Instant;

use crate::config::ClientConfig;
use crate::error::ClientError;
use crate::instance::Instance;
use crate::message::MessageExt;
use pull::{OffsetKind, PullOutcome};

/// Messages asked for per queue and pull (`pullBatchSize`).
pub const DEFAULT_PULL_BATCH_SIZE: u32 = 32;
/// How often subscribe mode re-divides the queues among the group (`rebalance.waitInterval`).
pub const REBALANCE_INTERVAL: Duration = Duration::from_secs(20);
/// The longest time the broker holds one pull (`suspendTimeoutMillis` of push consumers).
pub const MAX_SUSPEND: Duration = Duration::from_secs(15);

pub use rebalance::AllocateStrategy;

/// Where a queue without a committed offset starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsumeFrom {
    /// At the queue's end: only messages sent from now on (the Java default).
    #[default]
    LastOffset,
    /// At the queue's first message still stored.
    FirstOffset,
    /// At the first message stored at or after this time (epoch ms). Retry topics start at
    /// their end, as in Java.
    Timestamp(i64),
}

/// Consumer settings beyond [`ClientConfig`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullConsumerOptions {
    /// Consumer group: committed offsets belong to it.
    pub group: String,
    /// Start of a queue the group has no offset for.
    pub consume_from: ConsumeFrom,
    /// Messages per queue and pull (32; the broker caps it at 32).
    pub pull_batch_size: u32,
}

impl PullConsumerOptions {
    /// Java's defaults for `group`.
    pub fn new(group: impl Into<String>) -> Self {
        Self { group: group.into(), consume_from: ConsumeFrom::LastOffset, pull_batch_size: DEFAULT_PULL_BATCH_SIZE }
    }
}

/// Where one assigned queue stands.
#[derive(Debug, Clone, Default)]
struct Position {
    /// Next offset to pull, `None` until looked up.
    next: Option<u64>,
    /// Offset last committed by this consumer.
    committed: Option<u64>,
}

/// Reads assigned queues. Methods take `&mut self`: one task owns a consumer, as with Kafka's.
///
/// ```no_run
/// use std::time::Duration;
/// use bolide_client::{ClientConfig, ConsumeFrom, PullConsumer, PullConsumerOptions};
///
/// # async fn run() -> Result<(), bolide_client::ClientError> {
/// let options = PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new("my_group") };
/// let mut consumer = PullConsumer::with_options(ClientConfig::new("127.0.0.1:9876"), options).await?;
/// let queues = consumer.queues("TopicTest").await?;
/// consumer.assign(queues).await;
/// loop {
///     for message in consumer.poll(Duration::from_secs(5)).await? {
///         println!("{} {:?}", message.msg_id(), message.body);
///     }
///     consumer.commit().await?;
/// }
/// # }
/// ```
pub struct PullConsumer {
    instance: Arc<Instance>,
    options: PullConsumerOptions,
    assigned: Vec<MessageQueue>,
    positions: HashMap<MessageQueue, Position>,
    /// Round-robin start so that no queue is always served first.
    turn: usize,
    /// Topics of subscribe mode, whose queues the group divides by rebalancing.
    subscriptions: Vec<String>,
    /// When subscribe mode rebalances next.
    next_rebalance: Instant,
}

impl PullConsumer {
    /// Starts a consumer of `group` with the Java defaults.
    ///
    /// # Errors
    /// [`ClientError::NoNameServer`] or [`ClientError::InvalidConfig`].
    pub async fn start(config: ClientConfig, group: impl Into<String>) -> Result<Self, ClientError> {
        Self::with_options(config, PullConsumerOptions::new(group)).await
    }

    /// Starts a consumer with explicit options.
    ///
    /// # Errors
    /// As [`PullConsumer::start`].
    pub async fn with_options(config: ClientConfig, options: PullConsumerOptions) -> Result<Self, ClientError> {
        if options.group.is_empty() || options.pull_batch_size == 0 {
            return Err(ClientError::InvalidConfig { reason: "empty group or zero pull batch size".into() });
        }
        let instance = Instance::start(config, HeartbeatData::default(), ProcessorRegistry::new())?;
        Ok(Self {
            instance,
            options,
            assigned: Vec::new(),
            positions: HashMap::new(),
            turn: 0,
            subscriptions: Vec::new(),
            next_rebalance: Instant::now(),
        })
    }

    /// The client id brokers see.
    pub fn client_id(&self) -> &str {
        self.instance.client_id()
    }

    /// Every readable queue of `topic` (Java's `fetchMessageQueues`).
    ///
    /// # Errors
    /// [`ClientError::NoRoute`] if no NameServer knows the topic; transport errors.
    pub async fn queues(&self, topic: &str) -> Result<Vec<MessageQueue>, ClientError> {
        let route = self.instance.update_route(topic, false).await?;
        Ok(route.read_queues.clone())
    }

    /// Reads exactly `queues` from now on. Positions of queues kept are kept; new queues start
    /// at the group's committed offset (or per [`ConsumeFrom`]).
    pub async fn assign(&mut self, queues: Vec<MessageQueue>) {
        self.positions.retain(|queue, _| queues.contains(queue));
        for queue in &queues {
            self.positions.entry(queue.clone()).or_default();
        }
        self.assigned = queues;
        self.announce().await;
    }

    /// Subscribe mode: reads `topic`'s queues shared out among the group's live consumers
    /// (every consumer of the group must subscribe to the same topics). The share is computed
    /// at the next poll and every 20 s after ([`REBALANCE_INTERVAL`]), or by
    /// [`PullConsumer::rebalance`]. Do not mix with [`PullConsumer::assign`].
    ///
    /// # Errors
    /// [`ClientError::NoRoute`] if no NameServer knows the topic; transport errors.
    pub async fn subscribe(&mut self, topic: &str) -> Result<(), ClientError> {
        self.instance.update_route(topic, false).await?;
        if !self.subscriptions.iter().any(|known| known == topic) {
            self.subscriptions.push(topic.to_owned());
        }
        self.announce().await;
        self.next_rebalance = Instant::now();
        Ok(())
    }

    /// Subscribe mode: divides the subscribed topics' queues among the group's consumers now
    /// (AllocateMessageQueueAveragely over sorted queues and client ids). Queues given up have
    /// their positions committed first.
    ///
    /// # Errors
    /// Routing, transport and broker errors; the assignment is unchanged then.
    pub async fn rebalance(&mut self) -> Result<(), ClientError> {
        let mut mine = Vec::new();
        for topic in self.subscriptions.clone() {
            let route = self.instance.update_route(&topic, false).await?;
            let mut all = route.read_queues.clone();
            all.sort_by(|a, b| (&a.topic, &a.broker_name, a.queue_id).cmp(&(&b.topic, &b.broker_name, b.queue_id)));
            let Some(addr) = route.masters.values().min().cloned() else {
                return Err(ClientError::NoQueue { topic, kind: "readable" });
            };
            let mut clients = rebalance::consumer_ids(&self.instance, &addr, &self.options.group).await?;
            rebalance::sort_client_ids(&mut clients);
            let Some(index) = clients.iter().position(|id| id == self.instance.client_id()) else {
                tracing::debug!(%topic, "this client is not yet listed in its group; no queue this round");
                continue;
            };
            mine.extend(rebalance::allocate_averagely(&all, clients.len(), index));
        }
        let dropped: Vec<MessageQueue> = self.assigned.iter().filter(|queue| !mine.contains(queue)).cloned().collect();
        for queue in dropped {
            if let Some(next) = self.position(&queue) {
                if let Err(err) = self.commit_offset(&queue, next).await {
                    tracing::warn!(?queue, error = %err, "commit of a queue given up failed");
                }
            }
        }
        self.positions.retain(|queue, _| mine.contains(queue));
        for queue in &mine {
            self.positions.entry(queue.clone()).or_default();
        }
        self.assigned = mine;
        self.next_rebalance = Instant::now() + REBALANCE_INTERVAL;
        Ok(())
    }

    /// The assigned queues.
    pub fn assignment(&self) -> &[MessageQueue] {
        &self.assigned
    }

    /// Moves the position of an assigned queue to `offset` (next message to read).
    ///
    /// # Errors
    /// [`ClientError::InvalidConfig`] if `queue` is not assigned.
    pub fn seek(&mut self, queue: &MessageQueue, offset: u64) -> Result<(), ClientError> {
        let position = self
            .positions
            .get_mut(queue)
            .ok_or_else(|| ClientError::InvalidConfig { reason: format!("{queue:?} is not assigned") })?;
        position.next = Some(offset);
        Ok(())
    }

    /// Moves to the queue's first stored message (GET_MIN_OFFSET).
    ///
    /// # Errors
    /// As [`PullConsumer::seek`], plus the broker call's errors.
    pub async fn seek_to_begin(&mut self, queue: &MessageQueue) -> Result<(), ClientError> {
        let offset = self.min_offset(queue).await?;
        self.seek(queue, offset)
    }

    /// Moves past the queue's last message (GET_MAX_OFFSET): only new messages are read.
    ///
    /// # Errors
    /// As [`PullConsumer::seek_to_begin`].
    pub async fn seek_to_end(&mut self, queue: &MessageQueue) -> Result<(), ClientError> {
        let offset = self.max_offset(queue).await?;
        self.seek(queue, offset)
    }

    /// The queue's smallest offset still stored.
    ///
    /// # Errors
    /// Routing, transport and broker errors.
    pub async fn min_offset(&self, queue: &MessageQueue) -> Result<u64, ClientError> {
        pull::offset(&self.instance, queue, OffsetKind::Min).await
    }

    /// The queue's next offset to be written (its message count, if nothing was deleted).
    ///
    /// # Errors
    /// As [`PullConsumer::min_offset`].
    pub async fn max_offset(&self, queue: &MessageQueue) -> Result<u64, ClientError> {
        pull::offset(&self.instance, queue, OffsetKind::Max).await
    }

    /// The group's committed offset of `queue` on the broker, `None` if it has none.
    ///
    /// # Errors
    /// As [`PullConsumer::min_offset`].
    pub async fn committed(&self, queue: &MessageQueue) -> Result<Option<u64>, ClientError> {
        pull::committed_offset(&self.instance, &self.options.group, queue).await
    }

    /// The position (next offset to read) of an assigned queue, once known.
    pub fn position(&self, queue: &MessageQueue) -> Option<u64> {
        self.positions.get(queue).and_then(|position| position.next)
    }

    /// Waits up to `timeout` for messages from the assigned queues and returns those found
    /// (empty if none arrived in time), advancing the positions past them.
    ///
    /// # Errors
    /// The first error when every queue failed; single failing queues are logged and retried
    /// at the next poll.
    pub async fn poll(&mut self, timeout: Duration) -> Result<Vec<MessageExt>, ClientError> {
        let deadline = Instant::now() + timeout;
        if !self.subscriptions.is_empty() && Instant::now() >= self.next_rebalance {
            if let Err(err) = self.rebalance().await {
                tracing::warn!(error = %err, "rebalance failed; keeping the current queues");
                self.next_rebalance = Instant::now() + REBALANCE_INTERVAL;
            }
        }
        self.resolve_positions().await?;
        // A quick pass first: while messages flow, no request is left held at the broker.
        let found = self.pull_round(None, deadline).await?;
        if !found.is_empty() {
            return Ok(found);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(found);
        }
        self.pull_round(Some(left.min(MAX_SUSPEND)), deadline).await
    }

    /// Commits the position of every assigned queue that moved since its last commit
    /// (UPDATE_CONSUMER_OFFSET).
    ///
    /// # Errors
    /// The first failed commit; the others are still attempted.
    pub async fn commit(&mut self) -> Result<(), ClientError> {
        let mut first_error = None;
        for queue in self.assigned.clone() {
            let Some(position) = self.positions.get(&queue).cloned() else { continue };
            let Some(next) = position.next else { continue };
            if position.committed == Some(next) {
                continue;
            }
            match pull::commit_offset(&self.instance, &self.options.group, &queue, next).await {
                Ok(()) => {
                    if let Some(position) = self.positions.get_mut(&queue) {
                        position.committed = Some(next);
                    }
                }
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Commits `offset` as the group's offset of `queue` (assigned or not).
    ///
    /// # Errors
    /// Routing, transport and broker errors.
    pub async fn commit_offset(&mut self, queue: &MessageQueue, offset: u64) -> Result<(), ClientError> {
        pull::commit_offset(&self.instance, &self.options.group, queue, offset).await?;
        if let Some(position) = self.positions.get_mut(queue) {
            position.committed = Some(offset);
        }
        Ok(())
    }

    /// Unregisters the group from every broker and closes the connections (uncommitted
    /// positions are not committed: call [`PullConsumer::commit`] first).
    pub async fn shutdown(self) {
        let header = UnregisterClientRequestHeader {
            consumer_group: Some(self.options.group.clone()),
            ..UnregisterClientRequestHeader::default()
        };
        self.instance.shutdown(header).await;
    }

    /// Heartbeats announce the group and a `*` subscription for every assigned topic.
    async fn announce(&self) {
        let mut topics: Vec<&str> = self.assigned.iter().map(|queue| queue.topic.as_str()).collect();
        topics.extend(self.subscriptions.iter().map(String::as_str));
        topics.sort_unstable();
        topics.dedup();
        let consumer = ConsumerData {
            consume_from_where: Some(match self.options.consume_from {
                ConsumeFrom::LastOffset => ConsumeFromWhere::LastOffset,
                ConsumeFrom::FirstOffset => ConsumeFromWhere::FirstOffset,
                ConsumeFrom::Timestamp(_) => ConsumeFromWhere::Timestamp,
            }),
            consume_type: Some(ConsumeType::Actively),
            group_name: self.options.group.clone(),
            message_model: Some(MessageModel::Clustering),
            subscription_data_set: topics.iter().map(|topic| SubscriptionData::tag(*topic, "*", 0)).collect(),
            unit_mode: false,
        };
        for topic in &topics {
            // Heartbeats go to the brokers of cached routes: make sure these are cached.
            if let Err(err) = self.instance.route(topic, false).await {
                tracing::warn!(%topic, error = %err, "no route for an assigned topic");
            }
        }
        self.instance.update_heartbeat(|data| data.consumer_data_set = vec![consumer]).await;
    }

    /// Looks up where each assigned queue without a position starts.
    async fn resolve_positions(&mut self) -> Result<(), ClientError> {
        for queue in self.assigned.clone() {
            if self.position(&queue).is_some() {
                continue;
            }
            let start = match self.committed(&queue).await? {
                Some(offset) => offset,
                None => match self.options.consume_from {
                    ConsumeFrom::FirstOffset => self.min_offset(&queue).await?,
                    ConsumeFrom::LastOffset => self.max_offset(&queue).await?,
                    ConsumeFrom::Timestamp(ms) => pull::offset_by_time(&self.instance, &queue, ms).await?,
                },
            };
            self.positions.entry(queue).or_default().next = Some(start);
        }
        Ok(())
    }

    /// Pulls every assigned queue at once; with `suspend`, the broker may hold each pull that
    /// long. Returns as soon as one pull brings messages, with those of the pulls done by then.
    async fn pull_round(
        &mut self,
        suspend: Option<Duration>,
        deadline: Instant,
    ) -> Result<Vec<MessageExt>, ClientError> {
        if self.assigned.is_empty() {
            tokio::time::sleep_until(deadline).await;
            return Ok(Vec::new());
        }
        self.turn = self.turn.wrapping_add(1);
        let count = self.assigned.len();
        let mut pulls = FuturesUnordered::new();
        for step in 0..count {
            let queue = self.assigned[(self.turn + step) % count].clone();
            let Some(offset) = self.position(&queue) else { continue };
            let instance = self.instance.clone();
            let (group, batch) = (self.options.group.clone(), self.options.pull_batch_size);
            pulls.push(async move {
                let outcome = pull::pull(&instance, &group, &queue, offset, batch, suspend).await;
                (queue, outcome)
            });
        }
        let mut found = Vec::new();
        let mut errors = Vec::new();
        let mut answered = 0;
        loop {
            let next = if found.is_empty() {
                match tokio::time::timeout_at(deadline, pulls.next()).await {
                    Ok(next) => next,
                    Err(_) => break,
                }
            } else {
                // Take what has already arrived, then return without waiting for held pulls.
                match pulls.next().now_or_never() {
                    Some(next) => next,
                    None => break,
                }
            };
            let Some((queue, outcome)) = next else { break };
            answered += 1;
            match outcome {
                Ok(PullOutcome::Found { messages, next_offset }) => {
                    self.advance(&queue, next_offset);
                    found.extend(messages);
                }
                Ok(PullOutcome::NoNewMessage { next_offset }) => self.advance(&queue, next_offset),
                Ok(PullOutcome::OffsetMoved { next_offset }) => {
                    tracing::info!(?queue, next_offset, "pull offset moved");
                    self.advance(&queue, next_offset);
                }
                Ok(PullOutcome::RetryLater) => {}
                Err(err) => {
                    tracing::warn!(?queue, error = %err, "pull failed");
                    errors.push(err);
                }
            }
        }
        drop(pulls);
        if found.is_empty() && answered > 0 && errors.len() == answered {
            return Err(errors.swap_remove(0));
        }
        Ok(found)
    }

    fn advance(&mut self, queue: &MessageQueue, next_offset: u64) {
        if let Some(position) = self.positions.get_mut(queue) {
            position.next = Some(next_offset);
        }
    }
}
