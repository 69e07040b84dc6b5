//! Consume queues: per (topic, queue id) indexes of 20-byte entries pointing into the commit log.
//!
//! Entry `i` (queue offset `i`) lives at byte `i * 20` of the queue's segment stream, in
//! `consumequeue/<topic>/<queueId>/<20-digit base>` files. The dispatcher is the only writer;
//! writes of an already present queue offset are ignored, so re-dispatch after a crash is
//! idempotent.

mod entry;
mod reader;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

pub use entry::{ConsumeQueueEntry, ENTRY_SIZE};

use crate::error::{io_error, StoreError};
use crate::segment::SegmentStorage;
use crate::segment_queue::SegmentQueue;

/// One consume queue.
#[derive(Debug)]
pub(crate) struct ConsumeQueue {
    topic: Arc<str>,
    queue_id: i32,
    segments: SegmentQueue,
    /// Smallest queue offset still readable (moves up when retention removes commit log data).
    min_queue_offset: AtomicU64,
    /// `commitLogOffset + size` of the last entry, 0 when empty.
    max_physical_end: AtomicU64,
    /// Serialises writers (the dispatcher, recovery, topic deletion).
    write_lock: Mutex<()>,
}

impl ConsumeQueue {
    fn open(
        storage: Arc<dyn SegmentStorage>,
        root: &Path,
        topic: &str,
        queue_id: i32,
        segment_size: u64,
    ) -> Result<Self, StoreError> {
        let dir = queue_dir(root, topic, queue_id);
        let segments = SegmentQueue::load(storage, &dir, segment_size)?;
        let queue = ConsumeQueue {
            topic: Arc::from(topic),
            queue_id,
            segments,
            min_queue_offset: AtomicU64::new(0),
            max_physical_end: AtomicU64::new(0),
            write_lock: Mutex::new(()),
        };
        Ok(queue)
    }

    pub(crate) fn topic(&self) -> &str {
        &self.topic
    }

    pub(crate) fn queue_id(&self) -> i32 {
        self.queue_id
    }

    /// The next queue offset to be written (RocketMQ's max offset).
    pub(crate) fn max_queue_offset(&self) -> u64 {
        self.segments.write_offset() / ENTRY_SIZE
    }

    pub(crate) fn min_queue_offset(&self) -> u64 {
        self.min_queue_offset.load(Ordering::Acquire).min(self.max_queue_offset())
    }

    pub(crate) fn max_physical_end(&self) -> u64 {
        self.max_physical_end.load(Ordering::Acquire)
    }

    pub(crate) fn flush(&self) -> Result<u64, StoreError> {
        self.segments.flush()
    }
}

/// Directory of one queue.
pub(crate) fn queue_dir(root: &Path, topic: &str, queue_id: i32) -> PathBuf {
    root.join(topic).join(queue_id.to_string())
}

type QueueTable = HashMap<String, HashMap<i32, Arc<ConsumeQueue>>>;

/// All consume queues of the store, created on first dispatch.
#[derive(Debug)]
pub(crate) struct ConsumeQueues {
    storage: Arc<dyn SegmentStorage>,
    root: PathBuf,
    segment_size: u64,
    table: RwLock<QueueTable>,
}

impl ConsumeQueues {
    /// Loads every queue under `root` (`consumequeue/`) and recovers each one's end.
    pub(crate) fn load(storage: Arc<dyn SegmentStorage>, root: &Path, segment_size: u64) -> Result<Self, StoreError> {
        let mut table: QueueTable = HashMap::new();
        for topic in storage.list_dirs(root).map_err(|e| io_error("list", root, e))? {
            let topic_dir = root.join(&topic);
            for queue in storage.list_dirs(&topic_dir).map_err(|e| io_error("list", &topic_dir, e))? {
                let Ok(queue_id) = queue.parse::<i32>() else {
                    tracing::warn!(dir = %topic_dir.join(&queue).display(), "ignoring non-numeric queue directory");
                    continue;
                };
                let cq = ConsumeQueue::open(Arc::clone(&storage), root, &topic, queue_id, segment_size)?;
                cq.recover()?;
                table.entry(topic.clone()).or_default().insert(queue_id, Arc::new(cq));
            }
        }
        Ok(ConsumeQueues { storage, root: root.to_path_buf(), segment_size, table: RwLock::new(table) })
    }

    pub(crate) fn get(&self, topic: &str, queue_id: i32) -> Option<Arc<ConsumeQueue>> {
        let table = self.table.read().unwrap_or_else(|p| p.into_inner());
        table.get(topic).and_then(|queues| queues.get(&queue_id)).cloned()
    }

    /// The queue, created (empty) if it does not exist.
    pub(crate) fn get_or_create(&self, topic: &str, queue_id: i32) -> Result<Arc<ConsumeQueue>, StoreError> {
        if let Some(found) = self.get(topic, queue_id) {
            return Ok(found);
        }
        let mut table = self.table.write().unwrap_or_else(|p| p.into_inner());
        let queues = table.entry(topic.to_owned()).or_default();
        if let Some(found) = queues.get(&queue_id) {
            return Ok(Arc::clone(found));
        }
        let cq =
            Arc::new(ConsumeQueue::open(Arc::clone(&self.storage), &self.root, topic, queue_id, self.segment_size)?);
        queues.insert(queue_id, Arc::clone(&cq));
        Ok(cq)
    }

    /// Every queue.
    pub(crate) fn all(&self) -> Vec<Arc<ConsumeQueue>> {
        let table = self.table.read().unwrap_or_else(|p| p.into_inner());
        table.values().flat_map(|queues| queues.values().cloned()).collect()
    }

    /// Queue ids of `topic`.
    pub(crate) fn queue_ids(&self, topic: &str) -> Vec<i32> {
        let table = self.table.read().unwrap_or_else(|p| p.into_inner());
        let mut ids: Vec<i32> = table.get(topic).map(|q| q.keys().copied().collect()).unwrap_or_default();
        ids.sort_unstable();
        ids
    }

    /// Removes every queue of `topic` from memory and disk.
    pub(crate) fn delete_topic(&self, topic: &str) -> Result<(), StoreError> {
        let removed = {
            let mut table = self.table.write().unwrap_or_else(|p| p.into_inner());
            table.remove(topic)
        };
        for queue in removed.into_iter().flat_map(|q| q.into_values()) {
            let _guard = queue.write_lock.lock().unwrap_or_else(|p| p.into_inner());
            queue.segments.destroy()?;
        }
        let dir = self.root.join(topic);
        self.storage.remove_dir_all(&dir).map_err(|e| io_error("remove", &dir, e))
    }

    /// Removes every queue (recovery found no commit log).
    pub(crate) fn destroy_all(&self) -> Result<(), StoreError> {
        let topics: Vec<String> = {
            let table = self.table.read().unwrap_or_else(|p| p.into_inner());
            table.keys().cloned().collect()
        };
        for topic in topics {
            self.delete_topic(&topic)?;
        }
        Ok(())
    }

    /// Flushes every queue; returns the first error after trying all of them.
    pub(crate) fn flush_all(&self) -> Result<(), StoreError> {
        let mut first_err = None;
        for queue in self.all() {
            if let Err(err) = queue.flush() {
                first_err.get_or_insert(err);
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}
