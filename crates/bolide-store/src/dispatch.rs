//! Dispatch ("reput"): derive consume queue entries and index entries from the commit log.
//!
//! A background thread follows the commit log's published offset and, for each record in order,
//! writes the consume queue entry (normal and commit-typed records) and the index entries
//! (everything but rollback records). Recovery runs the same per-record step over the records it
//! re-scans. Consume queue writes of an offset already present are ignored, so dispatching a
//! record twice is harmless.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
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

/// Called on the dispatch thread for every record that got a consume queue entry, once the entry
/// is readable (RocketMQ's `MessageArrivingListener`): the broker wakes long-polling pulls with it.
/// Keep it short; it runs once per message.
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
    stop: AtomicBool,
    /// True while the dispatch thread is (about to be) parked: appenders unpark it only then,
    /// which saves a futex wake per append under load. A missed wake costs at most the 1 ms
    /// park timeout.
    idle: AtomicBool,
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
            stop: AtomicBool::new(false),
            idle: AtomicBool::new(false),
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

    /// Dispatches everything published so far; returns the number of records dispatched.
    pub(crate) fn dispatch_available(&self) -> Result<u64, StoreError> {
        let mut count = 0;
        loop {
            let offset = self.dispatched_offset();
            if offset >= self.commit_log.max_offset() {
                break;
            }
            let run = self.commit_log.published_run(offset, DISPATCH_RUN_BYTES)?;
            if run.is_empty() {
                // The writer is at the start of the next segment.
                self.dispatched_offset.store(self.commit_log.segment_end(offset), Ordering::Release);
                continue;
            }
            let mut at = 0usize;
            while at < run.len() {
                match Record::decode(&run[at..]) {
                    Ok(Record::Message(message)) => {
                        self.dispatch_record(&message)?;
                        at += message.total_size();
                        count += 1;
                    }
                    Ok(Record::Blank { .. }) => {
                        self.dispatched_offset.store(self.commit_log.segment_end(offset), Ordering::Release);
                        break;
                    }
                    // A partial record at the end of a bounded run: read it again from its start.
                    Err(_) if (at as u64) > 0 => break,
                    Err(err) => {
                        tracing::error!(offset = offset + at as u64, error = %err, "undecodable record in the published commit log");
                        return Err(StoreError::InvalidRecord { offset: offset + at as u64 });
                    }
                }
                self.dispatched_offset.store(offset + at as u64, Ordering::Release);
            }
        }
        if count > 0 {
            let _guard = self.progress.0.lock().unwrap_or_else(|p| p.into_inner());
            self.progress.1.notify_all();
        }
        Ok(count)
    }

    /// Blocks until everything below `offset` is dispatched, or `timeout` passes. Returns whether
    /// it got there.
    pub(crate) fn wait_dispatched(&self, offset: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut guard = self.progress.0.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if self.dispatched_offset() >= offset {
                return true;
            }
            let now = Instant::now();
            if now >= deadline || self.stop.load(Ordering::Acquire) {
                return false;
            }
            let wait = (deadline - now).min(Duration::from_millis(5));
            guard = self.progress.1.wait_timeout(guard, wait).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    /// The dispatch thread: runs until [`Dispatcher::stop`]; wakes when unparked by an append or
    /// every millisecond.
    pub(crate) fn run(&self) {
        while !self.stop.load(Ordering::Acquire) {
            if let Err(err) = self.dispatch_available() {
                tracing::error!(error = %err, "dispatch failed; retrying");
                std::thread::sleep(Duration::from_millis(100));
            }
            self.idle.store(true, Ordering::SeqCst);
            if self.commit_log.max_offset() > self.dispatched_offset() {
                self.idle.store(false, Ordering::SeqCst);
                continue;
            }
            std::thread::park_timeout(Duration::from_millis(1));
            self.idle.store(false, Ordering::SeqCst);
        }
    }

    /// Whether an appender should unpark the dispatch thread (clears the idle flag).
    pub(crate) fn take_idle(&self) -> bool {
        self.idle.swap(false, Ordering::SeqCst)
    }

    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }
}
