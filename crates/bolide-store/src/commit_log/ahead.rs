//! Work done ahead of the writer, off the append path (Java's `AllocateMappedFileService` and
//! mapped-file warm-up): the next segment is created before the writer needs it, and the pages
//! the writer is about to fill are faulted in by another thread.
//!
//! Without this, the appender itself pays for both: creating a segment costs two syncs (file and
//! directory), and the first write to each fresh page of a mapped file faults, the kernel
//! reading and zeroing the hole (a third of the appender's time in a profile of 1 KiB appends).
//!
//! When the commit log is written with positioned writes (`SYNC_FLUSH`), pages are not faulted
//! in: instead the bytes ahead of the writer are pre-written with zeros and synced
//! (`SegmentQueue::prewrite`), so that the group commit's syncs write data only.
//!
//! The same thread also lets go of what lies behind: once a second, the pages of the log below
//! the flushed offset (minus the tail that consumers are reading) are dropped from the process's
//! mappings. They stay in the OS page cache, so reads stay as fast, but the broker's resident
//! size stays at its working set instead of growing with every byte written or read back.
//!
//! When the store is given a page-cache budget for the log (`StoreConfig::commit_log_cached_bytes`,
//! which the broker derives from `accessMessageInMemoryMaxRatio`), the same thread also evicts
//! synced bytes lying further behind the flushed offset than that from the OS page cache, so
//! that the log's footprint in memory stays bounded and the pages it gives back are reused for
//! the bytes being written. On virtual machines that hand freed guest memory back to the host
//! (free page reporting), new page-cache pages otherwise cost a host fault each.

use std::time::{Duration, Instant};

use super::CommitLog;

/// How far past the write offset pages are faulted in. Large enough to stay ahead of the writer
/// between two rounds, small enough that the dirty zero pages it creates stay few.
pub(crate) const PREFAULT_AHEAD_BYTES: u64 = 32 * 1024 * 1024;

/// Smallest range worth a prefault call.
const PREFAULT_MIN_STEP_BYTES: u64 = 1024 * 1024;

/// How far past the write offset bytes are pre-written (positioned writes only).
const PREWRITE_AHEAD_BYTES: u64 = 64 * 1024 * 1024;

/// Smallest range worth pre-writing: each round that pre-writes ends with a sync.
const PREWRITE_MIN_STEP_BYTES: u64 = 8 * 1024 * 1024;

/// Pause between rounds.
pub(crate) const AHEAD_POLL_INTERVAL: Duration = Duration::from_millis(5);

/// How often the pages behind the flushed offset are released from the process's mappings.
const RELEASE_INTERVAL: Duration = Duration::from_secs(1);

/// The most recent flushed bytes stay mapped: consumers keeping up read them next.
const RESIDENT_TAIL_BYTES: u64 = 8 * 1024 * 1024;

/// Smallest range worth an eviction call.
const EVICT_MIN_STEP_BYTES: u64 = 4 * 1024 * 1024;

/// Evicted ranges end on a page boundary, so each round starts where the last one stopped.
const EVICT_ALIGN_BYTES: u64 = 4096;

/// What the work-ahead thread remembers between rounds.
#[derive(Debug)]
pub(crate) struct AheadState {
    /// Stream offset up to which pages have been prefaulted.
    prefaulted_offset: u64,
    /// Cleared when prefaulting fails (an old kernel without `MADV_POPULATE_WRITE`): the
    /// writer then takes its own page faults, as before.
    prefault_enabled: bool,
    /// Stream offset up to which bytes have been pre-written.
    prewritten_offset: u64,
    /// Cleared when pre-writing fails (for example a full disk): syncs then also record the
    /// blocks they allocate, as without it.
    prewrite_enabled: bool,
    /// When pages were last released.
    last_release: Instant,
    /// Cleared when releasing fails: pages then stay mapped until the segment is removed.
    release_enabled: bool,
    /// How many bytes behind the flushed offset stay in the page cache; `None` (also after
    /// evicting fails) leaves the page cache to the operating system.
    cached_bytes: Option<u64>,
    /// Stream offset below which bytes have been evicted.
    evicted_offset: u64,
}

impl AheadState {
    /// The state of a new work-ahead thread; `cached_bytes` as in [`AheadState::cached_bytes`].
    pub(crate) fn new(cached_bytes: Option<u64>) -> Self {
        AheadState {
            prefaulted_offset: 0,
            prefault_enabled: true,
            prewritten_offset: 0,
            prewrite_enabled: true,
            last_release: Instant::now(),
            release_enabled: true,
            cached_bytes,
            evicted_offset: 0,
        }
    }
}

impl CommitLog {
    /// One round of work ahead of the writer. Failures are logged, never fatal: the writer
    /// creates segments itself when none is ready (and reports errors then).
    pub(crate) fn work_ahead(&self, state: &mut AheadState) {
        if let Err(err) = self.segments.prepare_next() {
            tracing::warn!(error = %err, "creating the next commit log segment ahead failed; the writer will create it");
        }
        if state.release_enabled && state.last_release.elapsed() >= RELEASE_INTERVAL {
            state.last_release = Instant::now();
            let below = self.segments.flushed_offset().saturating_sub(RESIDENT_TAIL_BYTES);
            if let Err(err) = self.segments.release(0, below) {
                state.release_enabled = false;
                tracing::info!(error = %err, "releasing flushed commit log pages unavailable; they stay mapped");
            }
        }
        self.evict_behind(state);
        if self.segments.prewrites() {
            self.prewrite_ahead(state);
            return;
        }
        if !state.prefault_enabled {
            return;
        }
        let write_offset = self.segments.write_offset();
        let from = state.prefaulted_offset.max(write_offset);
        let to = write_offset + PREFAULT_AHEAD_BYTES;
        if to < from + PREFAULT_MIN_STEP_BYTES {
            return;
        }
        match self.segments.prefault(from, to) {
            Ok(reached) => state.prefaulted_offset = reached,
            Err(err) => {
                state.prefault_enabled = false;
                tracing::info!(error = %err, "prefaulting commit log pages unavailable; the appender takes its own page faults");
            }
        }
    }

    fn evict_behind(&self, state: &mut AheadState) {
        let Some(cached_bytes) = state.cached_bytes else { return };
        let below = self.segments.flushed_offset().saturating_sub(cached_bytes);
        let below = below - below % EVICT_ALIGN_BYTES;
        if below < state.evicted_offset + EVICT_MIN_STEP_BYTES {
            return;
        }
        match self.segments.evict(state.evicted_offset, below) {
            Ok(()) => state.evicted_offset = below,
            Err(err) => {
                state.cached_bytes = None;
                tracing::info!(error = %err, "evicting old commit log pages from the page cache unavailable; the operating system keeps them until it needs the memory");
            }
        }
    }

    fn prewrite_ahead(&self, state: &mut AheadState) {
        if !state.prewrite_enabled {
            return;
        }
        let to = self.segments.write_offset() + PREWRITE_AHEAD_BYTES;
        if to < state.prewritten_offset + PREWRITE_MIN_STEP_BYTES {
            return;
        }
        match self.segments.prewrite(to) {
            Ok(reached) => state.prewritten_offset = reached,
            Err(err) => {
                state.prewrite_enabled = false;
                tracing::warn!(error = %err, "pre-writing the commit log ahead of the writer failed; syncs will also record newly allocated blocks");
            }
        }
    }
}
