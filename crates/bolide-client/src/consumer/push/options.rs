//! [`PushConsumerOptions`]: a push consumer's settings, with Java's defaults.

use std::path::PathBuf;
use std::time::Duration;

use bolide_protocol::body::MessageModel;

use super::subscription::Expression;
use crate::consumer::rebalance::AllocateStrategy;
use crate::consumer::{ConsumeFrom, DEFAULT_PULL_BATCH_SIZE, REBALANCE_INTERVAL};
use crate::error::ClientError;

/// Listener calls at once (`consumeThreadMin`).
pub const DEFAULT_CONSUME_CONCURRENCY: usize = 20;
/// Messages a queue may hold before its pulls are put off (`pullThresholdForQueue`).
pub const DEFAULT_PULL_THRESHOLD_FOR_QUEUE: usize = 1000;
/// Body bytes a queue may hold before its pulls are put off (`pullThresholdSizeForQueue`, 100 MiB).
pub const DEFAULT_PULL_THRESHOLD_SIZE_FOR_QUEUE_BYTES: u64 = 100 << 20;
/// Largest offset distance inside a concurrently consumed queue (`consumeConcurrentlyMaxSpan`).
pub const DEFAULT_CONSUME_CONCURRENTLY_MAX_SPAN: u64 = 2000;
/// Deliveries of a message before it goes to `%DLQ%<group>` (`maxReconsumeTimes`).
pub const DEFAULT_MAX_RECONSUME_TIMES: i32 = 16;
/// How often offsets are persisted (`persistConsumerOffsetInterval`).
pub const OFFSET_PERSIST_INTERVAL: Duration = Duration::from_secs(5);
/// How long shutdown waits for listener calls in progress.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of a [`crate::PushConsumer`] beyond [`crate::ClientConfig`]. Fields are public;
/// [`PushConsumerOptions::new`] fills in Java's defaults.
///
/// ```
/// use bolide_client::{Expression, MessageModel, PushConsumerOptions};
///
/// let mut options = PushConsumerOptions::new("audit")
///     .subscribe("Orders", Expression::all())
///     .subscribe("Payments", Expression::sql92("amount > 100"));
/// options.message_model = MessageModel::Broadcasting;
/// assert_eq!(options.consume_concurrency, 20);
/// ```
#[derive(Debug, Clone)]
pub struct PushConsumerOptions {
    /// Consumer group.
    pub group: String,
    /// Topics and their filter expressions.
    pub subscriptions: Vec<(String, Expression)>,
    /// Clustering (the group shares the queues, offsets on the brokers) or broadcasting (every
    /// consumer reads everything, offsets in a local file).
    pub message_model: MessageModel,
    /// Where a queue the group has no offset for starts.
    pub consume_from: ConsumeFrom,
    /// How the group divides the queues (clustering).
    pub allocate: AllocateStrategy,
    /// Listener calls at once, over all queues (20).
    pub consume_concurrency: usize,
    /// Messages per listener call (1).
    pub consume_message_batch_max_size: usize,
    /// Messages per pull (32).
    pub pull_batch_size: u32,
    /// Messages a queue may hold before pulls wait (1000).
    pub pull_threshold_for_queue: usize,
    /// Body bytes a queue may hold before pulls wait (100 MiB).
    pub pull_threshold_size_for_queue_bytes: u64,
    /// Offset span a concurrently consumed queue may hold before pulls wait (2000).
    pub consume_concurrently_max_span: u64,
    /// Deliveries before a message goes to the dead-letter queue (16).
    pub max_reconsume_times: i32,
    /// How often the queues are divided again (20 s).
    pub rebalance_interval: Duration,
    /// How often offsets are persisted (5 s).
    pub persist_interval: Duration,
    /// How long shutdown waits for listener calls in progress (30 s).
    pub shutdown_timeout: Duration,
    /// Broadcasting: the folder of offset files (Java's `rocketmq.client.localOffsetStoreDir`,
    /// `~/.rocketmq_offsets` by default); the file is `<dir>/<clientId>/<group>/offsets.json`.
    pub offset_store_dir: Option<PathBuf>,
}

impl PushConsumerOptions {
    /// Java's defaults for `group`, with no subscription yet.
    pub fn new(group: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            subscriptions: Vec::new(),
            message_model: MessageModel::Clustering,
            consume_from: ConsumeFrom::LastOffset,
            allocate: AllocateStrategy::Averagely,
            consume_concurrency: DEFAULT_CONSUME_CONCURRENCY,
            consume_message_batch_max_size: 1,
            pull_batch_size: DEFAULT_PULL_BATCH_SIZE,
            pull_threshold_for_queue: DEFAULT_PULL_THRESHOLD_FOR_QUEUE,
            pull_threshold_size_for_queue_bytes: DEFAULT_PULL_THRESHOLD_SIZE_FOR_QUEUE_BYTES,
            consume_concurrently_max_span: DEFAULT_CONSUME_CONCURRENTLY_MAX_SPAN,
            max_reconsume_times: DEFAULT_MAX_RECONSUME_TIMES,
            rebalance_interval: REBALANCE_INTERVAL,
            persist_interval: OFFSET_PERSIST_INTERVAL,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            offset_store_dir: None,
        }
    }

    /// Adds (or replaces) the subscription to `topic`.
    #[must_use]
    pub fn subscribe(mut self, topic: impl Into<String>, expression: Expression) -> Self {
        let topic = topic.into();
        self.subscriptions.retain(|(known, _)| *known != topic);
        self.subscriptions.push((topic, expression));
        self
    }

    pub(crate) fn validate(&self) -> Result<(), ClientError> {
        let invalid = |reason: &str| Err(ClientError::InvalidConfig { reason: reason.to_owned() });
        if self.group.is_empty() || self.group.len() > 255 {
            return invalid("a consumer group has 1 to 255 characters");
        }
        if self.subscriptions.is_empty() {
            return invalid("a push consumer needs at least one subscription");
        }
        if self.consume_concurrency == 0 || self.consume_concurrency > 1000 {
            return invalid("consume concurrency must be 1 to 1000");
        }
        if self.consume_message_batch_max_size == 0 || self.consume_message_batch_max_size > 1024 {
            return invalid("consume message batch max size must be 1 to 1024");
        }
        if self.pull_batch_size == 0 || self.pull_batch_size > 1024 {
            return invalid("pull batch size must be 1 to 1024");
        }
        if self.pull_threshold_for_queue == 0 || self.pull_threshold_size_for_queue_bytes == 0 {
            return invalid("pull thresholds must be positive");
        }
        if self.consume_concurrently_max_span == 0 {
            return invalid("consume concurrently max span must be positive");
        }
        if !(-1..=16_384).contains(&self.max_reconsume_times) {
            return invalid("max reconsume times must be -1 to 16384");
        }
        if self.rebalance_interval.is_zero() || self.persist_interval.is_zero() {
            return invalid("rebalance and persist intervals must be positive");
        }
        Ok(())
    }
}

/// `~/.rocketmq_offsets` (the current folder if there is no home).
pub(crate) fn default_offset_store_dir() -> PathBuf {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from);
    home.unwrap_or_default().join(".rocketmq_offsets")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_javas_and_mistakes_are_refused() {
        let options = PushConsumerOptions::new("g").subscribe("T", Expression::all());
        assert!(options.validate().is_ok());
        assert_eq!(
            (options.pull_batch_size, options.pull_threshold_for_queue, options.consume_concurrently_max_span),
            (32, 1000, 2000)
        );
        assert!(PushConsumerOptions::new("g").validate().is_err(), "no subscription");
        let zero = PushConsumerOptions { consume_concurrency: 0, ..options.clone() };
        assert!(matches!(zero.validate(), Err(ClientError::InvalidConfig { .. })));
        let twice = options.subscribe("T", Expression::tags("A"));
        assert_eq!(twice.subscriptions.len(), 1, "subscribing again replaces");
    }
}
