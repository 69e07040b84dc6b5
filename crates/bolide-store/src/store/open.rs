//! Opening a store: lock, abort file, loading every structure, recovery (store-format §11).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{Inner, MessageStore, ABORT_FILE, LOCK_FILE};
use crate::checkpoint::{Checkpoint, CheckpointData};
use crate::commit_log::flush::FlushControl;
use crate::commit_log::recovery::ScanOptions;
use crate::commit_log::CommitLog;
use crate::config::{FlushDiskType, StoreConfig};
use crate::consume_queue::ConsumeQueues;
use crate::dispatch::Dispatcher;
use crate::error::{io_error, StoreError};
use crate::index::IndexService;
use crate::segment::{FileStorage, SegmentStorage};

/// What recovery did at open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryReport {
    /// The abort file was present: the previous run did not shut down cleanly.
    pub after_crash: bool,
    /// Commit log offset where the scan started (chosen from the checkpoint).
    pub scan_start_offset: u64,
    /// Recovered end of the commit log.
    pub end_offset: u64,
    /// Records re-validated and re-dispatched.
    pub records_scanned: u64,
    /// Wall time of the whole open, ms.
    pub duration_ms: u64,
}

impl RecoveryReport {
    /// Bytes of commit log scanned.
    pub fn bytes_scanned(&self) -> u64 {
        self.end_offset.saturating_sub(self.scan_start_offset)
    }
}

/// Lifecycle log line written once a store is open (tests and tools may wait for it).
pub const RECOVERED: &str = "store recovered";

impl MessageStore {
    /// Opens (creating if needed) the store at `config.store_path_root_dir` on memory-mapped
    /// files, holding an exclusive OS lock on `<root>/lock`, and recovers it.
    ///
    /// # Errors
    /// [`StoreError::Config`], [`StoreError::Locked`], [`StoreError::CorruptCommitLog`] (see its
    /// message for the way forward), segment size mismatches, I/O errors.
    pub fn open(config: StoreConfig) -> Result<Self, StoreError> {
        config.validate()?;
        let root = config.store_path_root_dir.clone();
        fs::create_dir_all(&root).map_err(|e| io_error("create", &root, e))?;
        let lock = take_lock(&root)?;
        let mut store = Self::open_with_storage(config, Arc::new(FileStorage::new()))?;
        store._lock_file = Some(lock);
        Ok(store)
    }

    /// Opens the store on any [`SegmentStorage`] (no OS lock is taken).
    ///
    /// # Errors
    /// As [`MessageStore::open`], except [`StoreError::Locked`].
    pub fn open_with_storage(config: StoreConfig, storage: Arc<dyn SegmentStorage>) -> Result<Self, StoreError> {
        config.validate()?;
        let started = Instant::now();
        let root = config.store_path_root_dir.clone();
        let after_crash =
            storage.list(&root).map_err(|e| io_error("list", &root, e))?.iter().any(|f| f.name == ABORT_FILE);
        storage
            .write_marker(&root, ABORT_FILE, std::process::id().to_string().as_bytes())
            .map_err(|e| io_error("create", &root.join(ABORT_FILE), e))?;
        let (checkpoint, checkpoint_data) = Checkpoint::open(storage.as_ref(), &root)?;
        let queues = Arc::new(ConsumeQueues::load(
            Arc::clone(&storage),
            &root.join("consumequeue"),
            config.mapped_file_size_consume_queue,
        )?);
        let index = if config.message_index_enable {
            let dir = root.join("index");
            Some(Arc::new(IndexService::load(
                Arc::clone(&storage),
                &dir,
                config.max_hash_slot_num,
                config.max_index_num,
            )?))
        } else {
            None
        };
        // Under SYNC_FLUSH the log is synced after nearly every append: written the way that
        // syncs fastest, and pre-written ahead of the writer.
        let synced_log_storage = match config.flush_disk_type {
            FlushDiskType::SyncFlush => storage.for_frequent_syncs(),
            FlushDiskType::AsyncFlush => None,
        };
        let prewrite = synced_log_storage.is_some() && config.prewrite_commit_log;
        let commit_log = Arc::new(CommitLog::load(
            synced_log_storage.unwrap_or_else(|| Arc::clone(&storage)),
            &config.commit_log_dir(),
            config.mapped_file_size_commit_log,
            config.max_message_size,
            prewrite,
        )?);
        let delay_levels_ms = config
            .delay_levels()
            .map_err(|level| StoreError::Config(format!("messageDelayLevel: {level:?} is not a duration")))?
            .iter()
            .map(|delay| delay.as_millis() as i64)
            .collect();
        let dispatcher =
            Arc::new(Dispatcher::new(Arc::clone(&commit_log), Arc::clone(&queues), index.clone(), delay_levels_ms));
        let parts = Parts {
            config: &config,
            commit_log: &commit_log,
            queues: &queues,
            index: index.as_deref(),
            dispatcher: &dispatcher,
        };
        let mut recovery = parts.recover(after_crash, &checkpoint_data)?;
        let flush = Arc::new(FlushControl::new(commit_log.flushed_offset()));
        let inner = Arc::new(Inner {
            config,
            storage,
            root,
            commit_log,
            queues,
            index,
            dispatcher,
            flush,
            checkpoint,
            checkpoint_data: Mutex::new(checkpoint_data),
            disk_full: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            dispatch_thread: OnceLock::new(),
            maintenance_stop: (Mutex::new(false), Condvar::new()),
        });
        inner.write_checkpoint()?;
        recovery.duration_ms = started.elapsed().as_millis() as u64;
        tracing::info!(
            after_crash,
            start = recovery.scan_start_offset,
            end = recovery.end_offset,
            records = recovery.records_scanned,
            duration_ms = recovery.duration_ms,
            "{RECOVERED}"
        );
        let threads = super::services::start(&inner)?;
        Ok(MessageStore { inner, threads: Mutex::new(threads), recovery, _lock_file: None })
    }
}

/// Takes the exclusive lock on `<root>/lock` and writes "lock" into it, as Java does.
fn take_lock(root: &Path) -> Result<File, StoreError> {
    let path = root.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| io_error("open", &path, e))?;
    if !crate::sys::try_lock_exclusive(&file).map_err(|e| io_error("lock", &path, e))? {
        return Err(StoreError::Locked(root.to_path_buf()));
    }
    file.write_all(b"lock").map_err(|e| io_error("write", &path, e))?;
    Ok(file)
}

/// Borrowed parts recovery works on.
struct Parts<'a> {
    config: &'a StoreConfig,
    commit_log: &'a CommitLog,
    queues: &'a ConsumeQueues,
    index: Option<&'a IndexService>,
    dispatcher: &'a Dispatcher,
}

impl Parts<'_> {
    /// Consume queues have already cut their own torn tails (on load). Here: pick the scan start,
    /// scan and re-dispatch, cut the commit log, drop queue entries past its end, rebuild the
    /// queue offset table.
    fn recover(&self, after_crash: bool, checkpoint: &CheckpointData) -> Result<RecoveryReport, StoreError> {
        let start = self.scan_start(after_crash, checkpoint);
        let options = ScanOptions {
            check_crc: self.config.check_crc_on_recover,
            durable_offset: if checkpoint.extension_valid { checkpoint.commit_log_flushed_offset } else { 0 },
            truncate_at: self.config.truncate_corrupt_commit_log_at,
            search_window_bytes: 2 * (self.config.max_message_size + 64 * 1024),
        };
        let outcome = self.commit_log.recover(start, options, |message| self.dispatcher.dispatch_record(message))?;
        let end = outcome.end_offset;
        if self.commit_log.segments().first_base_offset().is_none() {
            self.queues.destroy_all()?;
        }
        for queue in self.queues.all() {
            queue.truncate_beyond(end)?;
        }
        if let Some(index) = self.index {
            index.recovered(end);
        }
        // Make the re-validated range durable again: it may only have been in the page cache.
        self.commit_log.segments().mark_unflushed_from(start);
        self.commit_log.flush()?;
        let last_ts = if outcome.last_store_timestamp_ms > 0 {
            outcome.last_store_timestamp_ms
        } else {
            checkpoint.physic_msg_timestamp_ms
        };
        let table = self.queues.all().into_iter().map(|q| (q.topic().to_owned(), q.queue_id(), q.max_queue_offset()));
        self.commit_log.restore_append_state(table, last_ts);
        let commit_log_min = self.commit_log.min_offset();
        for queue in self.queues.all() {
            queue.correct_min_offset(commit_log_min)?;
        }
        self.dispatcher.reset(end, last_ts);
        Ok(RecoveryReport {
            after_crash,
            scan_start_offset: outcome.start_offset,
            end_offset: end,
            records_scanned: outcome.records,
            duration_ms: 0,
        })
    }

    /// Where the scan starts: the checkpoint's offsets when Bolide wrote them, otherwise Java's
    /// rules (by store timestamp after a crash, by the consume queues' reach after a clean stop).
    fn scan_start(&self, after_crash: bool, checkpoint: &CheckpointData) -> u64 {
        let segments = self.commit_log.segments();
        let Some(first) = segments.first_base_offset() else {
            return 0;
        };
        let end = segments.write_offset();
        if checkpoint.extension_valid {
            let start = checkpoint.commit_log_flushed_offset.min(checkpoint.dispatched_flushed_offset);
            if start >= first && start <= end {
                return start;
            }
        }
        if after_crash {
            let min_ts = checkpoint.min_timestamp_ms();
            self.commit_log.start_segment_where(|_, m| m.store_timestamp_ms() > 0 && m.store_timestamp_ms() <= min_ts)
        } else {
            let reach = self.queues.all().iter().map(|q| q.max_physical_end()).max().unwrap_or(0);
            self.commit_log.start_segment_where(|base, _| base <= reach)
        }
    }
}

/// How long `close` waits for the dispatcher to catch up.
pub(crate) const CLOSE_DISPATCH_TIMEOUT: Duration = Duration::from_secs(30);
