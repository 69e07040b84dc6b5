//! [`MessageStore`]: the store's public face. Open (with recovery), append, read, query, retain,
//! close.
//!
//! - [`open`](self::open): directory lock, abort file, loading and recovery;
//! - [`read`](self::read): reads by queue, by commit log offset, by key and by time;
//! - [`services`](self::services): the background threads (dispatch, flush, checkpoint and
//!   retention) and shutdown.

mod open;
mod read;
mod services;

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{JoinHandle, Thread};
use std::time::Duration;

use bolide_protocol::message::MessageRecord;

pub use open::RecoveryReport;
pub use read::{GetMessageStatus, GetMessagesResult, ReadLimits};

use crate::checkpoint::{Checkpoint, CheckpointData};
use crate::commit_log::flush::{DurableCallback, FlushControl};
use crate::commit_log::{AppendResult, CommitLog};
use crate::config::{FlushDiskType, StoreConfig};
use crate::consume_queue::ConsumeQueues;
use crate::dispatch::Dispatcher;
use crate::error::StoreError;
use crate::index::IndexService;
use crate::retention::{Retention, RetentionReport};
use crate::segment::SegmentStorage;

/// Name of the file whose presence at start-up means the previous run crashed.
pub const ABORT_FILE: &str = "abort";
/// Name of the lock file held while the store is open.
pub const LOCK_FILE: &str = "lock";

/// State shared with the background threads.
#[derive(Debug)]
struct Inner {
    config: StoreConfig,
    storage: Arc<dyn SegmentStorage>,
    root: PathBuf,
    commit_log: Arc<CommitLog>,
    queues: Arc<ConsumeQueues>,
    index: Option<Arc<IndexService>>,
    dispatcher: Arc<Dispatcher>,
    flush: Arc<FlushControl>,
    checkpoint: Checkpoint,
    /// Last checkpoint written or read (its HA fields are preserved on rewrite).
    checkpoint_data: Mutex<CheckpointData>,
    /// Set by retention when usage exceeds `diskSpaceWarningLevelRatio`.
    disk_full: AtomicBool,
    /// Set by `close`; appends are refused from then on.
    closed: AtomicBool,
    /// The dispatch thread (appenders dispatch their own records; it retries and catches up).
    dispatch_thread: OnceLock<Thread>,
    /// Stops the maintenance thread (checkpoint + retention) and the work-ahead thread.
    maintenance_stop: (Mutex<bool>, std::sync::Condvar),
}

/// The message store. Cheap to share behind an `Arc`; every method takes `&self`.
///
/// Appends are serialised by one append lock; reads never take it. Under `SYNC_FLUSH`,
/// [`MessageStore::append`] returns only once the record is durable (group commit);
/// [`MessageStore::append_then`] returns at once and reports durability through a callback.
#[derive(Debug)]
pub struct MessageStore {
    inner: Arc<Inner>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    recovery: RecoveryReport,
    /// Holds the OS lock on `<root>/lock` while open (file storage only).
    _lock_file: Option<File>,
}

impl MessageStore {
    /// Appends one message. `record`'s queue offset, commit log offset and store timestamp are
    /// assigned by the store; host-family sysflag bits follow the addresses.
    ///
    /// Under `SYNC_FLUSH` this blocks until the record is durable.
    ///
    /// # Errors
    /// [`StoreError::Poisoned`], [`StoreError::DiskFull`], [`StoreError::Closed`],
    /// [`StoreError::MessageTooLarge`], [`StoreError::Encode`], I/O errors; under `SYNC_FLUSH`
    /// [`StoreError::FlushTimeout`] (the message *is* stored; `appended` says where).
    pub fn append(&self, record: &MessageRecord<'_>) -> Result<AppendResult, StoreError> {
        self.append_batch(std::slice::from_ref(record))
    }

    /// Appends a batch for one topic and queue, contiguously and with consecutive queue
    /// offsets. Same durability and errors as [`MessageStore::append`].
    ///
    /// # Errors
    /// As [`MessageStore::append`]; [`StoreError::InvalidMessage`] for an empty or mixed batch.
    pub fn append_batch(&self, records: &[MessageRecord<'_>]) -> Result<AppendResult, StoreError> {
        let appended = self.append_unflushed(records)?;
        if self.inner.config.flush_disk_type == FlushDiskType::SyncFlush {
            let timeout = Duration::from_millis(self.inner.config.sync_flush_timeout);
            match self.inner.flush.wait_durable(appended.end_offset(), timeout) {
                Ok(()) => {}
                Err(StoreError::FlushTimeout { timeout_ms, .. }) => {
                    return Err(StoreError::FlushTimeout { timeout_ms, appended: Some(appended) })
                }
                Err(err) => return Err(err),
            }
        }
        Ok(appended)
    }

    /// Appends without waiting; `on_durable` is called once the records are durable (under
    /// `ASYNC_FLUSH`: at once), or with the error that prevents it (poisoned, closed). It runs on
    /// the flush thread: keep it short (send on a channel, complete a future).
    ///
    /// # Errors
    /// As [`MessageStore::append_batch`] for the append itself (then `on_durable` is not called).
    pub fn append_then(
        &self,
        records: &[MessageRecord<'_>],
        on_durable: DurableCallback,
    ) -> Result<AppendResult, StoreError> {
        let appended = self.append_unflushed(records)?;
        if self.inner.config.flush_disk_type == FlushDiskType::SyncFlush {
            self.inner.flush.on_durable(appended.end_offset(), on_durable);
        } else {
            on_durable(Ok(()));
        }
        Ok(appended)
    }

    fn append_unflushed(&self, records: &[MessageRecord<'_>]) -> Result<AppendResult, StoreError> {
        self.check_writable()?;
        let appended = self.inner.commit_log.append(records)?;
        if !self.inner.dispatcher.dispatch_appended() {
            if let Some(thread) = self.inner.dispatch_thread.get() {
                thread.unpark();
            }
        }
        Ok(appended)
    }

    fn check_writable(&self) -> Result<(), StoreError> {
        self.inner.flush.check_healthy()?;
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        if self.inner.disk_full.load(Ordering::Acquire) {
            return Err(StoreError::DiskFull { usage_percent: self.inner.config.disk_space_warning_level_ratio });
        }
        Ok(())
    }

    /// Calls `listener` for every message that becomes readable through a consume queue from now
    /// on, on the thread that dispatches it (normally the appending thread, else the dispatch
    /// thread): keep it short and non-blocking. Returns `false` (and drops `listener`) if one is already set.
    pub fn set_arrival_listener(&self, listener: crate::dispatch::ArrivalListener) -> bool {
        self.inner.dispatcher.set_arrival_listener(listener)
    }

    /// `Err(Poisoned)` after a failed sync: the store must be reopened.
    ///
    /// # Errors
    /// [`StoreError::Poisoned`].
    pub fn health(&self) -> Result<(), StoreError> {
        self.inner.flush.check_healthy()
    }

    /// The configuration in force.
    pub fn config(&self) -> &StoreConfig {
        &self.inner.config
    }

    /// What recovery found at open.
    pub fn recovery_report(&self) -> &RecoveryReport {
        &self.recovery
    }

    /// Smallest commit log offset still stored.
    pub fn min_commit_log_offset(&self) -> u64 {
        self.inner.commit_log.min_offset()
    }

    /// Commit log offset after the last record.
    pub fn max_commit_log_offset(&self) -> u64 {
        self.inner.commit_log.max_offset()
    }

    /// Commit log offset known durable.
    pub fn flushed_commit_log_offset(&self) -> u64 {
        self.inner.commit_log.flushed_offset()
    }

    /// Commit log offset up to which consume queues and index are built.
    pub fn dispatched_commit_log_offset(&self) -> u64 {
        self.inner.dispatcher.dispatched_offset()
    }

    /// Number of commit log syncs so far (group commit batches under `SYNC_FLUSH`).
    pub fn flush_count(&self) -> u64 {
        self.inner.flush.flush_count()
    }

    /// Time the flush thread has spent in those syncs so far; with [`MessageStore::flush_count`]
    /// and the wall time, how much of it the disk was busy with the commit log's syncs.
    pub fn flush_sync_time(&self) -> Duration {
        self.inner.flush.sync_time()
    }

    /// Blocks until everything appended so far is visible through the consume queues, or
    /// `timeout` passes; returns whether it got there.
    pub fn wait_dispatched(&self, timeout: Duration) -> bool {
        let target = self.inner.commit_log.max_offset();
        if let Some(thread) = self.inner.dispatch_thread.get() {
            thread.unpark();
        }
        self.inner.dispatcher.wait_dispatched(target, timeout)
    }

    /// Deletes every consume queue of `topic` (its messages stay in the commit log until
    /// retention removes them, and are no longer reachable by queue). Messages of the topic
    /// appended concurrently with the deletion may re-create a queue.
    ///
    /// # Errors
    /// I/O errors removing files.
    pub fn delete_topic(&self, topic: &str) -> Result<(), StoreError> {
        // Dispatch everything appended so far, then checkpoint after deleting: recovery after a
        // crash then starts past this topic's messages instead of rebuilding its queues.
        self.wait_dispatched(Duration::from_secs(10));
        self.inner.commit_log.forget_topic(topic);
        self.inner.queues.delete_topic(topic)?;
        self.inner.write_checkpoint()
    }

    /// Runs one retention round now (`manual` deletes expired segments whatever the hour).
    ///
    /// # Errors
    /// I/O errors.
    pub fn run_retention(&self, manual: bool) -> Result<RetentionReport, StoreError> {
        self.inner.run_retention(manual)
    }
}

impl Inner {
    fn run_retention(&self, manual: bool) -> Result<RetentionReport, StoreError> {
        let retention = Retention {
            config: &self.config,
            storage: self.storage.as_ref(),
            commit_log: &self.commit_log,
            queues: &self.queues,
            index: self.index.as_deref(),
            dispatched_offset: self.dispatcher.dispatched_offset(),
        };
        let report = retention.run(crate::commit_log::now_ms(), manual)?;
        if self.disk_full.swap(report.disk_full, Ordering::AcqRel) != report.disk_full {
            tracing::warn!(usage_percent = ?report.disk_usage_percent, disk_full = report.disk_full, "disk-full state changed");
        }
        Ok(report)
    }
}
