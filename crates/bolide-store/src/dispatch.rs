//! Dispatch ("reput"): derive consume queue entries and index entries from the commit log.
//!
//! For each record of the commit log in order, dispatch writes the consume queue entry (normal and
//! commit-typed records) and the index entries (everything but rollback records). The appender
//! dispatches what it just published itself, right after the append (no hand-off to another
//! thread, no wake-up per message); when another thread is dispatching at that moment, that one
//! picks the new record up before it lets go. A background thread follows the commit log's
//! published offset as a safety net, and takes the steps too slow for an appender: a failed step
//! is retried there, and index file rolls (which sync the full file) happen there. Recovery
//! runs the same per-record step over the records it re-scans. Consume queue writes of an offset
//! already present are ignored, so dispatching a record twice is harmless.

use std::sync::atomic::{fence, AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bolide_protocol::message::properties::{DELAY, KEYS};
use bolide_protocol::message::{Record, StoredMessage, TransactionType};

use crate::commit_log::CommitLog;
use crate::consume_queue::{ConsumeQueueEntry, ConsumeQueues};
use crate::error::StoreError;
use crate::index::IndexService;

/// The topic delayed messages wait in; its tags codes are delivery times.
pub const SCHEDULE_TOPIC: &str = "SCHEDULE_TOPIC_XXXX";

/// Bytes read per dispatch step.
const DISPATCH_RUN_BYTES: u64 = 1024 * 1024;

/// Called for every record that got a consume queue entry, once the entry is readable (RocketMQ's
/// `MessageArrivingListener`), on the thread that dispatched it: normally the appender (a broker
/// runtime worker), else the dispatch thread. The broker wakes long-polling pulls with it. Keep it
/// short and non-blocking; it runs once per message.
pub type ArrivalListener = Arc<dyn Fn(&StoredMessage<'_>) + Send + Sync>;

#[derive(Debug)]
pub(crate) struct Dispatcher {
    commit_log: Arc<CommitLog>,
    queues: Arc<ConsumeQueues>,
    index: Option<Arc<IndexService>>,
    /// Delay of each level in ms, level 1 first (`messageDelayLevel`).
    delay_levels_ms: Vec<i64>,
    /// Commit log offset up to which every record has been dispatched.
    dispatched_offset: AtomicU64,
    /// Store timestamp of the last dispatched record.
    dispatched_timestamp_ms: AtomicI64,
    /// Wakes waiters of [`Dispatcher::wait_dispatched`].
    progress: (Mutex<()>, Condvar),
    /// Threads in [`Dispatcher::wait_dispatched`]: without any, progress notifies nobody (a
    /// notification costs a lock and a futex call, once per message when appenders dispatch).
    progress_waiters: AtomicUsize,
    stop: AtomicBool,
    /// Held by whoever is dispatching (the dispatch thread or an appender): one at a time, in
    /// commit log order.
    busy: AtomicBool,
    /// Set by a thread that found `busy` taken: the holder dispatches again after letting go.
    missed: AtomicBool,
    /// Told about every new consume queue entry (set once, after recovery).
    arrivals: Arrivals,
}

/// The listener slot (a closure has no `Debug`).
#[derive(Default)]
struct Arrivals(OnceLock<ArrivalListener>);

impl std::fmt::Debug for Arrivals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() { "Arrivals(set)" } else { "Arrivals(none)" })
    }
}

impl Dispatcher {
    pub(crate) fn new(
        commit_log: Arc<CommitLog>,
        queues: Arc<ConsumeQueues>,
        index: Option<Arc<IndexService>>,
        delay_levels_ms: Vec<i64>,
    ) -> Self {
        Dispatcher {
            commit_log,
            queues,
            index,
            delay_levels_ms,
            dispatched_offset: AtomicU64::new(0),
            dispatched_timestamp_ms: AtomicI64::new(0),
            progress: (Mutex::new(()), Condvar::new()),
            progress_waiters: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            busy: AtomicBool::new(false),
            missed: AtomicBool::new(false),
            arrivals: Arrivals::default(),
        }
    }

    pub(crate) fn dispatched_offset(&self) -> u64 {
        self.dispatched_offset.load(Ordering::Acquire)
    }

    pub(crate) fn dispatched_timestamp_ms(&self) -> i64 {
        self.dispatched_timestamp_ms.load(Ordering::Acquire)
    }

    /// Sets the arrival listener; `false` if one was already set.
    pub(crate) fn set_arrival_listener(&self, listener: ArrivalListener) -> bool {
        self.arrivals.0.set(listener).is_ok()
    }

    /// Recovery: dispatching resumes at `offset`.
    pub(crate) fn reset(&self, offset: u64, timestamp_ms: i64) {
        self.dispatched_offset.store(offset, Ordering::Release);
        self.dispatched_timestamp_ms.store(timestamp_ms, Ordering::Release);
    }

    /// Writes the consume queue and index entries of one record.
    pub(crate) fn dispatch_record(&self, message: &StoredMessage<'_>) -> Result<(), StoreError> {
        let transaction = message.sys_flag().transaction_type();
        if matches!(transaction, TransactionType::NotType | TransactionType::Commit) {
            let entry = ConsumeQueueEntry {
                commit_log_offset: message.commit_log_offset(),
                size: message.total_size() as u32,
                tags_code: self.tags_code(message),
            };
            self.queues.get_or_create(message.topic(), message.queue_id())?.put(message.queue_offset(), entry)?;
            if let Some(listener) = self.arrivals.0.get() {
                listener(message);
            }
        }
        if let Some(index) = &self.index {
            if transaction != TransactionType::Rollback {
                let keys = message.property(KEYS).unwrap_or("").split(' ');
                let unique = message.unique_key().into_iter();
                index.put(
                    message.topic(),
                    unique.chain(keys),
                    message.commit_log_offset(),
                    message.store_timestamp_ms(),
                )?;
            }
        }
        self.dispatched_timestamp_ms.store(message.store_timestamp_ms(), Ordering::Release);
        Ok(())
    }

    /// The consume queue tags code: the tag hash, except in the schedule topic, where it is the
    /// delivery time `store time + delay of the DELAY level` (level clamped to the highest; an
    /// unknown level waits 1 s), as Java's `computeDeliverTimestamp` makes it.
    fn tags_code(&self, message: &StoredMessage<'_>) -> i64 {
        if message.topic() != SCHEDULE_TOPIC {
            return message.tags_code();
        }
        let level = message.property(DELAY).and_then(|value| value.trim().parse::<i64>().ok()).unwrap_or(0);
        if level <= 0 {
            return message.tags_code();
        }
        let level = level.min(self.delay_levels_ms.len() as i64);
        let delay_ms = usize::try_from(level - 1).ok().and_then(|index| self.delay_levels_ms.get(index));
        message.store_timestamp_ms() + delay_ms.copied().unwrap_or(1_000)
    }

    /// Dispatches everything published so far unless another thread is dispatching; that one then
    /// dispatches what was published before this call (it looks again after letting go). Returns
    /// the number of records this call dispatched.
    ///
    /// # Errors
    /// The first failed step; what was dispatched before it stays dispatched.
    pub(crate) fn try_dispatch(&self) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            // Sequentially consistent throughout: whichever of two threads loses the race for
            // `busy`, either the loser's `missed` is seen by the holder after it lets go, or
            // the loser sees `busy` free and tries again. The holder looks again only then, so
            // it does not keep taking every new record from the appenders.
            fence(Ordering::SeqCst);
            if self.busy.swap(true, Ordering::SeqCst) {
                self.missed.store(true, Ordering::SeqCst);
                if self.busy.load(Ordering::SeqCst) {
                    return Ok(total);
                }
                continue;
            }
            let result = self.dispatch_available();
            self.busy.store(false, Ordering::SeqCst);
            total += result?;
            if !self.missed.swap(false, Ordering::SeqCst) {
                return Ok(total);
            }
        }
    }

    /// Dispatches everything published so far; returns the number of records dispatched. Callers
    /// hold `busy`, or are the only thread left (close).
    pub(crate) fn dispatch_available(&self) -> Result<u64, StoreError> {
        let mut count = 0;
        loop {
            let offset = self.dispatched_offset();
            if offset >= self.commit_log.max_offset() {
                break;
            }
            let mut outcome = Ok(());
            self.commit_log.with_published_run(offset, DISPATCH_RUN_BYTES, &mut |run| {
                outcome = self.dispatch_run(offset, run, &mut count);
            })?;
            outcome?;
        }
        if count > 0 && self.progress_waiters.load(Ordering::SeqCst) > 0 {
            let _guard = self.progress.0.lock().unwrap_or_else(|p| p.into_inner());
            self.progress.1.notify_all();
        }
        Ok(count)
    }

    /// Dispatches the records of `run`, which starts at commit log offset `offset`, advancing
    /// the dispatched offset record by record.
    fn dispatch_run(&self, offset: u64, run: &[u8], count: &mut u64) -> Result<(), StoreError> {
        if run.is_empty() {
            // The writer is at the start of the next segment.
            self.dispatched_offset.store(self.commit_log.segment_end(offset), Ordering::Release);
            return Ok(());
        }
        let mut at = 0usize;
        while at < run.len() {
            match Record::decode(&run[at..]) {
                Ok(Record::Message(message)) => {
                    self.dispatch_record(&message)?;
                    at += message.total_size();
                    *count += 1;
                }
                Ok(Record::Blank { .. }) => {
                    self.dispatched_offset.store(self.commit_log.segment_end(offset), Ordering::Release);
                    return Ok(());
                }
                // A partial record at the end of a bounded run: read it again from its start.
                Err(_) if (at as u64) > 0 => return Ok(()),
                Err(err) => {
                    tracing::error!(offset = offset + at as u64, error = %err, "undecodable record in the published commit log");
                    return Err(StoreError::InvalidRecord { offset: offset + at as u64 });
                }
            }
            self.dispatched_offset.store(offset + at as u64, Ordering::Release);
        }
        Ok(())
    }

    /// Blocks until everything below `offset` is dispatched, or `timeout` passes. Returns whether
    /// it got there.
    pub(crate) fn wait_dispatched(&self, offset: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        self.progress_waiters.fetch_add(1, Ordering::SeqCst);
        let mut guard = self.progress.0.lock().unwrap_or_else(|p| p.into_inner());
        let reached = loop {
            if self.dispatched_offset() >= offset {
                break true;
            }
            let now = Instant::now();
            if now >= deadline || self.stop.load(Ordering::Acquire) {
                break false;
            }
            // A notification missed between the check and the wait costs at most this.
            let wait = (deadline - now).min(Duration::from_millis(5));
            guard = self.progress.1.wait_timeout(guard, wait).unwrap_or_else(|p| p.into_inner()).0;
        };
        drop(guard);
        self.progress_waiters.fetch_sub(1, Ordering::SeqCst);
        reached
    }

    /// Dispatches what an append just published, on the appender's thread. Returns `false` when
    /// it left the work to the dispatch thread, which the caller then wakes: before an index file
    /// roll (it syncs the full file) and after a failure (the thread retries and reports it).
    pub(crate) fn dispatch_appended(&self) -> bool {
        if self.index.as_ref().is_some_and(|index| index.roll_due()) {
            return false;
        }
        match self.try_dispatch() {
            Ok(_) => true,
            Err(err) => {
                tracing::debug!(error = %err, "dispatch after append failed; the dispatch thread retries");
                false
            }
        }
    }

    /// The dispatch thread: runs until [`Dispatcher::stop`]; wakes when unparked or every
    /// millisecond, and dispatches whatever appenders left (normally nothing).
    pub(crate) fn run(&self) {
        while !self.stop.load(Ordering::Acquire) {
            if let Err(err) = self.try_dispatch() {
                tracing::error!(error = %err, "dispatch failed; retrying");
                std::thread::sleep(Duration::from_millis(100));
            }
            std::thread::park_timeout(Duration::from_millis(1));
        }
    }

    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }
}
