//! One queue of a push consumer: its [`QueueHandle`] and the two tasks that serve it, a puller
//! (long-polling PULL_MESSAGE with flow control) and a consumer (concurrent dispatch of
//! batches to the listener, or orderly consumption one batch at a time).

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bolide_protocol::body::MessageQueue;
use bolide_protocol::message::properties as names;
use futures::FutureExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::listener::{ConsumeConcurrentlyStatus, ConsumeContext, ConsumeOrderlyStatus};
use super::process_queue::ProcessQueue;
use super::subscription::Subscription;
use super::{now_ms, send_back, Core, Listener, PULL_RETRY_DELAY};
use crate::consumer::pull::{self, PullOutcome};
use crate::consumer::MAX_SUSPEND;
use crate::message::MessageExt;

/// How long a queue over a flow-control threshold waits before checking again (Java's
/// `PULL_TIME_DELAY_MILLS_WHEN_FLOW_CONTROL`).
const FLOW_CONTROL_DELAY: Duration = Duration::from_millis(50);
/// How long a concurrently consumed batch whose retry could not be sent anywhere waits before
/// it is consumed again locally (Java's `submitConsumeRequestLater`).
const LOCAL_RETRY_DELAY: Duration = Duration::from_secs(5);
/// How long an orderly queue not locked on its broker waits before checking again.
const LOCK_WAIT: Duration = Duration::from_millis(200);

/// The state of one queue this consumer reads.
pub(crate) struct QueueHandle {
    pub(crate) queue: MessageQueue,
    subscription: Subscription,
    process_queue: Mutex<ProcessQueue>,
    /// Cancelled when the queue is given up (rebalance, offset reset) or at shutdown: no new
    /// pull and no new listener call.
    pub(crate) dropped: CancellationToken,
    /// Set once the queue's offset was persisted for the last time: listener calls finishing
    /// later must not move it (another consumer may own the queue by then).
    released: AtomicBool,
    /// Orderly clustering: whether the broker lock is held.
    pub(crate) locked: AtomicBool,
    /// Listener calls of this queue in progress.
    in_flight: AtomicUsize,
    /// Wakes the orderly consumer when messages arrive.
    arrived: tokio::sync::Notify,
    /// Concurrent consumption: pulled batches in queue order, to the dispatcher.
    batches: Mutex<Option<mpsc::UnboundedSender<Vec<MessageExt>>>>,
    pub(crate) last_pull_ms: AtomicI64,
    pub(crate) last_consume_ms: AtomicI64,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl QueueHandle {
    /// Creates the handle and starts its tasks, pulling from `offset`.
    pub(crate) fn start(core: &Arc<Core>, queue: MessageQueue, subscription: Subscription, offset: u64) -> Arc<Self> {
        let handle = Arc::new(Self {
            queue,
            subscription,
            process_queue: Mutex::default(),
            dropped: core.stopping.child_token(),
            released: AtomicBool::new(false),
            locked: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            arrived: tokio::sync::Notify::new(),
            batches: Mutex::new(None),
            last_pull_ms: AtomicI64::new(0),
            last_consume_ms: AtomicI64::new(0),
            tasks: Mutex::new(Vec::new()),
        });
        let consumer = match &core.listener {
            Listener::Concurrent(_) => {
                let (sender, receiver) = mpsc::unbounded_channel();
                *handle.batches.lock().expect("batches lock") = Some(sender);
                tokio::spawn(dispatch_concurrently(core.clone(), handle.clone(), receiver))
            }
            Listener::Orderly(_) => tokio::spawn(consume_orderly(core.clone(), handle.clone())),
        };
        let puller = tokio::spawn(pull_loop(core.clone(), handle.clone(), offset));
        handle.tasks.lock().expect("tasks lock").extend([puller, consumer]);
        handle
    }

    /// Messages and bytes held.
    pub(crate) fn cached(&self) -> (usize, u64) {
        let process_queue = self.process_queue.lock().expect("process queue lock");
        (process_queue.count(), process_queue.bytes())
    }

    /// Running info: held offsets.
    pub(crate) fn offset_range(&self) -> Option<(u64, u64)> {
        self.process_queue.lock().expect("process queue lock").offset_range()
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// No offset update from now on.
    pub(crate) fn release(&self) {
        self.released.store(true, Ordering::Release);
    }

    /// Stops pulling and consuming, forgetting what was pulled (offset reset).
    pub(crate) fn drop_and_clear(&self) {
        self.dropped.cancel();
        self.release();
        self.process_queue.lock().expect("process queue lock").clear();
    }

    pub(crate) fn abort_tasks(&self) {
        for task in self.tasks.lock().expect("tasks lock").drain(..) {
            task.abort();
        }
    }

    /// Records the consumed offset unless the queue was released.
    fn commit(&self, core: &Core, offset: Option<u64>) {
        if let Some(offset) = offset {
            if !self.released.load(Ordering::Acquire) {
                core.offsets.advance(&self.queue, offset);
            }
        }
    }

    /// Why the next pull must wait, if it must (Java's flow control in `pullMessage`).
    fn flow_control(&self, core: &Core) -> Option<&'static str> {
        let process_queue = self.process_queue.lock().expect("process queue lock");
        let options = &core.options;
        if process_queue.count() > options.pull_threshold_for_queue {
            Some("cached message count")
        } else if process_queue.bytes() > options.pull_threshold_size_for_queue_bytes {
            Some("cached message size")
        } else if !core.is_orderly() && process_queue.span() > options.consume_concurrently_max_span {
            Some("offset span")
        } else {
            None
        }
    }
}

/// Restores the original topic of a message read from the retry topic (Java's
/// `resetRetryAndNamespace`).
fn restore_retry_topic(mut message: MessageExt, retry_topic: &str) -> MessageExt {
    if message.topic == retry_topic {
        if let Some(original) = message.property(names::RETRY_TOPIC) {
            message.topic = original.to_owned();
        }
    }
    message
}

/// Sleeps `delay` unless `token` is cancelled first; false if cancelled.
async fn pause(token: &CancellationToken, delay: Duration) -> bool {
    tokio::select! {
        () = token.cancelled() => false,
        () = tokio::time::sleep(delay) => true,
    }
}

async fn pull_loop(core: Arc<Core>, handle: Arc<QueueHandle>, mut offset: u64) {
    let retry_topic = format!("%RETRY%{}", core.options.group);
    let must_lock = core.is_orderly() && core.is_clustering();
    loop {
        if handle.dropped.is_cancelled() {
            return;
        }
        if let Some(reason) = handle.flow_control(&core) {
            core.counters.flow_control_delays.fetch_add(1, Ordering::Relaxed);
            tracing::trace!(queue = ?handle.queue, reason, "flow control: pull put off");
            if !pause(&handle.dropped, FLOW_CONTROL_DELAY).await {
                return;
            }
            continue;
        }
        if must_lock && !handle.locked.load(Ordering::Acquire) {
            if !pause(&handle.dropped, LOCK_WAIT).await {
                return;
            }
            continue;
        }
        core.counters.pulls.fetch_add(1, Ordering::Relaxed);
        handle.last_pull_ms.store(now_ms(), Ordering::Relaxed);
        let pull = pull::pull_subscribed(
            &core.instance,
            &core.options.group,
            &handle.queue,
            offset,
            core.options.pull_batch_size,
            Some(MAX_SUSPEND),
            Some(&handle.subscription.data),
        );
        let outcome = tokio::select! {
            () = handle.dropped.cancelled() => return,
            outcome = pull => outcome,
        };
        let delay = match outcome {
            Ok(outcome) => apply(&core, &handle, outcome, &retry_topic, &mut offset),
            Err(err) => {
                tracing::debug!(queue = ?handle.queue, error = %err, "pull failed; retrying");
                Some(PULL_RETRY_DELAY)
            }
        };
        if let Some(delay) = delay {
            if !pause(&handle.dropped, delay).await {
                return;
            }
        }
    }
}

/// Takes in one pull's outcome: holds and hands over the messages wanted, moves the next pull
/// offset and, when nothing is held, the consumed offset. Returns how long to wait before the
/// next pull, if at all.
fn apply(
    core: &Core,
    handle: &QueueHandle,
    outcome: PullOutcome,
    retry_topic: &str,
    offset: &mut u64,
) -> Option<Duration> {
    match outcome {
        PullOutcome::Found { messages, next_offset } => {
            let kept: Vec<MessageExt> = messages
                .into_iter()
                .filter(|message| handle.subscription.wants(message))
                .map(|message| restore_retry_topic(message, retry_topic))
                .collect();
            let consumed = {
                let mut process_queue = handle.process_queue.lock().expect("process queue lock");
                process_queue.put(&kept, next_offset);
                process_queue.consumed_offset()
            };
            handle.commit(core, consumed);
            *offset = next_offset;
            if !kept.is_empty() {
                hand_over(core, handle, kept);
            }
            None
        }
        PullOutcome::NoNewMessage { next_offset } => {
            let consumed = {
                let mut process_queue = handle.process_queue.lock().expect("process queue lock");
                process_queue.put(&[], next_offset);
                process_queue.consumed_offset()
            };
            handle.commit(core, consumed);
            *offset = next_offset;
            None
        }
        PullOutcome::OffsetMoved { next_offset } => {
            tracing::info!(queue = ?handle.queue, from = *offset, to = next_offset, "pull offset moved");
            if !handle.released.load(Ordering::Acquire) {
                core.offsets.set(&handle.queue, next_offset);
            }
            handle.process_queue.lock().expect("process queue lock").put(&[], next_offset);
            *offset = next_offset;
            None
        }
        PullOutcome::RetryLater => Some(FLOW_CONTROL_DELAY),
    }
}

/// Passes pulled messages to the consumer task of the queue.
fn hand_over(core: &Core, handle: &QueueHandle, messages: Vec<MessageExt>) {
    match &core.listener {
        Listener::Concurrent(_) => {
            let sender = handle.batches.lock().expect("batches lock").clone();
            if let Some(sender) = sender {
                for batch in messages.chunks(core.options.consume_message_batch_max_size) {
                    // A closed channel means the queue is being dropped; the messages stay
                    // unconsumed and so below the committed offset.
                    let _ = sender.send(batch.to_vec());
                }
            }
        }
        Listener::Orderly(_) => handle.arrived.notify_one(),
    }
}

/// Concurrent consumption: takes batches in queue order, waits for a listener permit, and runs
/// each batch on its own task. Stopping between batches leaves the later ones unconsumed, so
/// the consumed offset never passes a message that was not handed to the listener.
async fn dispatch_concurrently(
    core: Arc<Core>,
    handle: Arc<QueueHandle>,
    mut batches: mpsc::UnboundedReceiver<Vec<MessageExt>>,
) {
    let Listener::Concurrent(listener) = core.listener.clone() else { return };
    loop {
        let batch = tokio::select! {
            () = handle.dropped.cancelled() => return,
            batch = batches.recv() => match batch {
                Some(batch) => batch,
                None => return,
            },
        };
        let permit = tokio::select! {
            () = handle.dropped.cancelled() => return,
            permit = core.permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        if handle.dropped.is_cancelled() {
            return;
        }
        handle.in_flight.fetch_add(1, Ordering::AcqRel);
        let (core, handle, listener) = (core.clone(), handle.clone(), listener.clone());
        tokio::spawn(async move {
            let context = ConsumeContext { queue: handle.queue.clone(), attempt: 0 };
            let call = AssertUnwindSafe(listener.consume(batch.clone(), context)).catch_unwind();
            let status = call.await.unwrap_or_else(|_| {
                tracing::warn!(queue = ?handle.queue, "listener panicked; the batch will be consumed again");
                ConsumeConcurrentlyStatus::RECONSUME_LATER
            });
            handle.last_consume_ms.store(now_ms(), Ordering::Relaxed);
            finish_concurrently(&core, &handle, batch, status).await;
            handle.in_flight.fetch_sub(1, Ordering::AcqRel);
            drop(permit);
        });
    }
}

/// Java's `processConsumeResult` for concurrent consumption.
async fn finish_concurrently(
    core: &Arc<Core>,
    handle: &Arc<QueueHandle>,
    batch: Vec<MessageExt>,
    status: ConsumeConcurrentlyStatus,
) {
    let count = batch.len() as u64;
    let mut failed = Vec::new();
    match status {
        ConsumeConcurrentlyStatus::Success => {
            core.counters.consumed.fetch_add(count, Ordering::Relaxed);
        }
        ConsumeConcurrentlyStatus::ReconsumeLater { delay_level } => {
            core.counters.failed.fetch_add(count, Ordering::Relaxed);
            if core.is_clustering() {
                for message in &batch {
                    if !send_back::retry(core, message, delay_level).await {
                        failed.push(message.clone());
                    }
                }
            } else {
                // Java drops failed broadcast messages too: there is no per-client retry topic.
                tracing::warn!(queue = ?handle.queue, count, "broadcast messages not consumed are dropped");
            }
        }
    }
    let done = batch.iter().filter(|message| !failed.iter().any(|f| f.queue_offset == message.queue_offset));
    let consumed = handle.process_queue.lock().expect("process queue lock").remove(done.map(|m| m.queue_offset));
    handle.commit(core, consumed);
    if !failed.is_empty() {
        for message in &mut failed {
            message.reconsume_times += 1;
        }
        let handle = handle.clone();
        tokio::spawn(async move {
            if pause(&handle.dropped, LOCAL_RETRY_DELAY).await {
                let sender = handle.batches.lock().expect("batches lock").clone();
                if let Some(sender) = sender {
                    let _ = sender.send(failed);
                }
            }
        });
    }
}

/// Orderly consumption: one batch of the queue at a time, in queue order; a suspended batch is
/// handed over again after the pause, until it succeeds or reaches the dead-letter queue.
async fn consume_orderly(core: Arc<Core>, handle: Arc<QueueHandle>) {
    let Listener::Orderly(listener) = core.listener.clone() else { return };
    let must_lock = core.is_clustering();
    loop {
        let has_messages = handle.process_queue.lock().expect("process queue lock").count() > 0;
        if !has_messages {
            tokio::select! {
                () = handle.dropped.cancelled() => return,
                () = handle.arrived.notified() => continue,
            }
        }
        if must_lock && !handle.locked.load(Ordering::Acquire) {
            if !pause(&handle.dropped, LOCK_WAIT).await {
                return;
            }
            continue;
        }
        let permit = tokio::select! {
            () = handle.dropped.cancelled() => return,
            permit = core.permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        if handle.dropped.is_cancelled() {
            return;
        }
        let batch =
            handle.process_queue.lock().expect("process queue lock").take(core.options.consume_message_batch_max_size);
        if batch.is_empty() {
            continue;
        }
        handle.in_flight.fetch_add(1, Ordering::AcqRel);
        let attempt = u32::try_from(batch[0].reconsume_times).unwrap_or(0);
        let context = ConsumeContext { queue: handle.queue.clone(), attempt };
        let call = AssertUnwindSafe(listener.consume(batch.clone(), context)).catch_unwind();
        let status = call.await.unwrap_or_else(|_| {
            tracing::warn!(queue = ?handle.queue, "orderly listener panicked; the queue is suspended");
            ConsumeOrderlyStatus::SUSPEND
        });
        handle.last_consume_ms.store(now_ms(), Ordering::Relaxed);
        let suspend = finish_orderly(&core, &handle, batch, status).await;
        handle.in_flight.fetch_sub(1, Ordering::AcqRel);
        drop(permit);
        if let Some(suspend) = suspend {
            if !pause(&handle.dropped, suspend).await {
                return;
            }
        }
    }
}

/// Java's `processConsumeResult` for orderly consumption; returns the pause before the next
/// attempt, if the batch is to be consumed again.
async fn finish_orderly(
    core: &Arc<Core>,
    handle: &Arc<QueueHandle>,
    mut batch: Vec<MessageExt>,
    status: ConsumeOrderlyStatus,
) -> Option<Duration> {
    let count = batch.len() as u64;
    match status {
        ConsumeOrderlyStatus::Success => {
            core.counters.consumed.fetch_add(count, Ordering::Relaxed);
            let consumed = handle.process_queue.lock().expect("process queue lock").commit();
            handle.commit(core, consumed);
            None
        }
        ConsumeOrderlyStatus::SuspendCurrentQueueAMoment { suspend } => {
            core.counters.failed.fetch_add(count, Ordering::Relaxed);
            // Java's checkReconsumeTimes: exhausted messages go to the dead-letter queue; if
            // one of them cannot, or another may still be retried, the whole batch waits.
            let mut again = false;
            for message in &mut batch {
                if message.reconsume_times >= core.options.max_reconsume_times {
                    if !send_back::to_dead_letter_queue(core, message).await {
                        again = true;
                        message.reconsume_times += 1;
                    }
                } else {
                    again = true;
                    message.reconsume_times += 1;
                }
            }
            if again {
                handle.process_queue.lock().expect("process queue lock").make_available_again(batch);
                Some(suspend)
            } else {
                let consumed = handle.process_queue.lock().expect("process queue lock").commit();
                handle.commit(core, consumed);
                None
            }
        }
    }
}
