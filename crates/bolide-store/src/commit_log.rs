//! The commit log: one append-only stream of message records shared by all topics and queues,
//! stored in fixed-size segments under `commitlog/` (store-format §3).
//!
//! - [`writer`]: appends (single and batch) under the append lock, assigning queue offsets,
//!   commit log offsets and store timestamps, and the end-of-segment blank record;
//! - [`reader`]: records by offset and runs of published bytes for the dispatcher;
//! - [`recovery`]: finding the real end of the log at start-up, and telling a torn tail from
//!   corruption;
//! - [`flush`]: asynchronous flushing and group commit for synchronous flushing;
//! - [`ahead`]: creating the next segment and prefaulting (or pre-writing) pages ahead of the
//!   writer.

pub(crate) mod ahead;
pub(crate) mod flush;
mod reader;
pub(crate) mod recovery;
mod writer;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

pub(crate) use writer::now_ms;
pub use writer::AppendResult;

use crate::error::StoreError;
use crate::segment::SegmentStorage;
use crate::segment_queue::SegmentQueue;

/// State only the appender touches, behind the append lock.
#[derive(Debug, Default)]
struct AppendState {
    /// Next queue offset per topic and queue id. Looked up by `&str`, so appends to an existing
    /// queue allocate nothing.
    queue_offsets: HashMap<String, HashMap<i32, u64>>,
    /// Store timestamp of the last record, to keep store timestamps non-decreasing.
    last_store_timestamp_ms: i64,
}

#[derive(Debug)]
pub(crate) struct CommitLog {
    segments: SegmentQueue,
    append: Mutex<AppendState>,
    max_message_size: u64,
    /// Store timestamp of the last appended record.
    last_store_timestamp_ms: AtomicI64,
    /// Store timestamp of the last record known flushed (the checkpoint's physicMsgTimestamp).
    flushed_store_timestamp_ms: AtomicI64,
}

impl CommitLog {
    pub(crate) fn load(
        storage: Arc<dyn SegmentStorage>,
        dir: &Path,
        segment_size: u64,
        max_message_size: u64,
        prewrite: bool,
    ) -> Result<Self, StoreError> {
        let segments = SegmentQueue::load(storage, dir, segment_size)?;
        Ok(CommitLog {
            segments: if prewrite { segments.with_prewrite() } else { segments },
            append: Mutex::new(AppendState::default()),
            max_message_size,
            last_store_timestamp_ms: AtomicI64::new(0),
            flushed_store_timestamp_ms: AtomicI64::new(0),
        })
    }

    pub(crate) fn segments(&self) -> &SegmentQueue {
        &self.segments
    }

    /// Offset after the last published record.
    pub(crate) fn max_offset(&self) -> u64 {
        self.segments.write_offset()
    }

    /// Offset of the first stored byte (the first segment's base), or the max offset when empty.
    pub(crate) fn min_offset(&self) -> u64 {
        self.segments.first_base_offset().unwrap_or_else(|| self.max_offset()).min(self.max_offset())
    }

    pub(crate) fn flushed_offset(&self) -> u64 {
        self.segments.flushed_offset()
    }

    pub(crate) fn last_store_timestamp_ms(&self) -> i64 {
        self.last_store_timestamp_ms.load(Ordering::Acquire)
    }

    pub(crate) fn flushed_store_timestamp_ms(&self) -> i64 {
        self.flushed_store_timestamp_ms.load(Ordering::Acquire)
    }

    /// Makes every published byte durable; returns the flushed offset.
    pub(crate) fn flush(&self) -> Result<u64, StoreError> {
        let timestamp = self.last_store_timestamp_ms();
        let flushed = self.segments.flush()?;
        self.flushed_store_timestamp_ms.fetch_max(timestamp, Ordering::AcqRel);
        Ok(flushed)
    }

    /// Recovery: sets the next queue offset of every queue and the last store timestamp.
    pub(crate) fn restore_append_state(&self, queues: impl Iterator<Item = (String, i32, u64)>, last_ts: i64) {
        let mut state = self.append.lock().unwrap_or_else(|p| p.into_inner());
        state.queue_offsets.clear();
        for (topic, queue_id, next) in queues {
            state.queue_offsets.entry(topic).or_default().insert(queue_id, next);
        }
        state.last_store_timestamp_ms = last_ts;
        self.last_store_timestamp_ms.store(last_ts, Ordering::Release);
        self.flushed_store_timestamp_ms.store(last_ts, Ordering::Release);
    }

    /// Forgets the queue offsets of `topic` (its queues were deleted).
    pub(crate) fn forget_topic(&self, topic: &str) {
        self.append.lock().unwrap_or_else(|p| p.into_inner()).queue_offsets.remove(topic);
    }
}
