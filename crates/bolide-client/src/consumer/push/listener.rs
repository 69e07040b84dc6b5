//! What a push consumer calls with the messages it pulled: a [`ConcurrentListener`] (any
//! number of batches at once, retries through the broker) or an [`OrderlyListener`] (one
//! batch of a queue at a time, in queue order, retried locally).
//!
//! Both are traits with one method returning a boxed future, implemented for every async
//! closure of the right shape, so a listener is usually just
//! `|messages, context| async move { … }`.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bolide_protocol::body::MessageQueue;

use crate::message::MessageExt;

/// The boxed future a listener returns.
pub type ListenerFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// How a concurrently consumed batch ended (Java's `ConsumeConcurrentlyStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeConcurrentlyStatus {
    /// Consumed: the offset may move past the batch.
    Success,
    /// Deliver the whole batch again later: each message goes back to the broker
    /// (CONSUMER_SEND_MSG_BACK) and returns through `%RETRY%<group>` after its delay.
    ReconsumeLater {
        /// The delay level of the redelivery (1 = 1 s … 18 = 2 h with the default table);
        /// 0 lets the broker choose `3 + reconsume times`, as Java's default; a negative level
        /// sends the messages straight to the dead-letter queue `%DLQ%<group>`.
        delay_level: i32,
    },
}

impl ConsumeConcurrentlyStatus {
    /// Java's `RECONSUME_LATER`: the broker picks the delay (10 s, 30 s, 1 min, … per attempt).
    pub const RECONSUME_LATER: Self = ConsumeConcurrentlyStatus::ReconsumeLater { delay_level: 0 };
}

/// How an orderly consumed batch ended (Java's `ConsumeOrderlyStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeOrderlyStatus {
    /// Consumed: the queue moves on to the next messages.
    Success,
    /// Stop this queue for `suspend`, then hand the same batch to the listener again. After
    /// `max_reconsume_times` attempts a message goes to `%DLQ%<group>` and the queue moves on.
    SuspendCurrentQueueAMoment {
        /// How long the queue waits (Java's `suspendCurrentQueueTimeMillis`, 1 s by default).
        suspend: Duration,
    },
}

impl ConsumeOrderlyStatus {
    /// Java's `SUSPEND_CURRENT_QUEUE_A_MOMENT` with its default 1 s pause.
    pub const SUSPEND: Self = ConsumeOrderlyStatus::SuspendCurrentQueueAMoment { suspend: Duration::from_secs(1) };
}

/// Facts about one listener call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumeContext {
    /// The queue the batch was pulled from (for retried messages: the retry topic's queue).
    pub queue: MessageQueue,
    /// How many times this batch was handed to an orderly listener before (0 the first time);
    /// always 0 for concurrent listeners, which see `MessageExt::reconsume_times` instead.
    pub attempt: u32,
}

/// Consumes batches of messages, any number at once (up to the consumer's concurrency).
///
/// A panic inside the listener counts as [`ConsumeConcurrentlyStatus::RECONSUME_LATER`].
pub trait ConcurrentListener: Send + Sync + 'static {
    /// Consumes one batch (at most `consume_message_batch_max_size` messages of one queue).
    fn consume(&self, messages: Vec<MessageExt>, context: ConsumeContext) -> ListenerFuture<ConsumeConcurrentlyStatus>;
}

impl<F, Fut> ConcurrentListener for F
where
    F: Fn(Vec<MessageExt>, ConsumeContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ConsumeConcurrentlyStatus> + Send + 'static,
{
    fn consume(&self, messages: Vec<MessageExt>, context: ConsumeContext) -> ListenerFuture<ConsumeConcurrentlyStatus> {
        Box::pin(self(messages, context))
    }
}

/// Consumes the messages of each queue strictly in queue order, one batch at a time per queue
/// (different queues in parallel).
///
/// A panic inside the listener counts as [`ConsumeOrderlyStatus::SUSPEND`].
pub trait OrderlyListener: Send + Sync + 'static {
    /// Consumes the next batch of one queue.
    fn consume(&self, messages: Vec<MessageExt>, context: ConsumeContext) -> ListenerFuture<ConsumeOrderlyStatus>;
}

impl<F, Fut> OrderlyListener for F
where
    F: Fn(Vec<MessageExt>, ConsumeContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ConsumeOrderlyStatus> + Send + 'static,
{
    fn consume(&self, messages: Vec<MessageExt>, context: ConsumeContext) -> ListenerFuture<ConsumeOrderlyStatus> {
        Box::pin(self(messages, context))
    }
}
