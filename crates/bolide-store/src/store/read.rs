//! Reads: by queue, by commit log offset, by key, by time.

use bolide_protocol::message::properties::KEYS;
use bolide_protocol::message::StoredMessage;
use bytes::Bytes;

use super::MessageStore;
use crate::consume_queue::ConsumeQueueEntry;
use crate::error::StoreError;
use crate::index::MAX_QUERY_RESULTS;

/// Most consume queue entries one read examines when a filter rejects messages.
const MAX_FILTER_SCAN: usize = 16_000;

/// Outcome of [`MessageStore::get_messages`], named like RocketMQ's `GetMessageStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetMessageStatus {
    /// At least one message returned.
    Found,
    /// Entries were there but the filter rejected all examined ones.
    NoMatchedMessage,
    /// The queue does not exist or is empty.
    NoMessageInQueue,
    /// The offset is below the queue's min offset.
    OffsetTooSmall,
    /// The offset equals the max offset: nothing new yet.
    OffsetOverflowOne,
    /// The offset is beyond the max offset.
    OffsetOverflowBadly,
    /// Entries were there but their commit log data is gone (removed by retention).
    OffsetFoundNull,
}

/// Messages read from one queue.
#[derive(Debug, Clone)]
pub struct GetMessagesResult {
    /// What happened.
    pub status: GetMessageStatus,
    /// Whole stored records, in queue order (zero-copy slices of mapped segments).
    pub messages: Vec<Bytes>,
    /// Queue offset of each message in `messages`.
    pub queue_offsets: Vec<u64>,
    /// Where the next read should start.
    pub next_begin_offset: u64,
    /// The queue's min offset.
    pub min_offset: u64,
    /// The queue's max offset (next to be written).
    pub max_offset: u64,
    /// Sum of the records' sizes.
    pub total_bytes: u64,
}

impl GetMessagesResult {
    fn empty(status: GetMessageStatus, next_begin_offset: u64, min_offset: u64, max_offset: u64) -> Self {
        GetMessagesResult {
            status,
            messages: Vec::new(),
            queue_offsets: Vec::new(),
            next_begin_offset,
            min_offset,
            max_offset,
            total_bytes: 0,
        }
    }
}

/// How much one read returns: RocketMQ's `maxTransferCountOnMessageInMemory` and
/// `maxTransferBytesOnMessageInMemory`, and the smaller `...InDisk` pair for messages further
/// behind the end of the commit log than the store's
/// [`in_memory_window`](crate::StoreConfig::in_memory_window), whose reads may wait for the
/// disk. Each message is judged on its own, before it is added: a read stops at the first
/// message that would take it past the limits of that message's kind. The first message is
/// always returned, whatever its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Most messages while they are in memory.
    pub max_count: usize,
    /// Most bytes while they are in memory.
    pub max_bytes: u64,
    /// Most messages once a message is on disk.
    pub in_disk_count: usize,
    /// Most bytes once a message is on disk.
    pub in_disk_bytes: u64,
}

impl ReadLimits {
    /// The same limits wherever the messages are.
    pub fn uniform(max_count: usize, max_bytes: u64) -> Self {
        ReadLimits { max_count, max_bytes, in_disk_count: max_count, in_disk_bytes: max_bytes }
    }

    /// Whether a read holding `count` messages of `bytes` in all is full before a message of
    /// `size` bytes, `behind` bytes behind the end of the commit log.
    fn full(&self, count: usize, bytes: u64, size: u64, behind: u64, window: u64) -> bool {
        let (max_count, max_bytes) =
            if behind > window { (self.in_disk_count, self.in_disk_bytes) } else { (self.max_count, self.max_bytes) };
        count > 0 && (count >= max_count || bytes + size > max_bytes)
    }
}

impl MessageStore {
    /// Up to `max_count` messages (and, past the first, at most `max_bytes`) of a queue from
    /// `queue_offset`. One call examines at most about 16,000 consume queue entries; continue from
    /// `next_begin_offset`.
    ///
    /// # Errors
    /// I/O errors, [`StoreError::InvalidRecord`] if a consume queue entry points at garbage.
    pub fn get_messages(
        &self,
        topic: &str,
        queue_id: i32,
        queue_offset: u64,
        max_count: usize,
        max_bytes: u64,
    ) -> Result<GetMessagesResult, StoreError> {
        self.get_messages_filtered(topic, queue_id, queue_offset, max_count, max_bytes, &|_| true)
    }

    /// As [`MessageStore::get_messages`], keeping only entries whose tags code passes `filter`
    /// (broker-side tag filtering; examines at most 16,000 entries).
    ///
    /// # Errors
    /// As [`MessageStore::get_messages`].
    pub fn get_messages_filtered(
        &self,
        topic: &str,
        queue_id: i32,
        queue_offset: u64,
        max_count: usize,
        max_bytes: u64,
        filter: &dyn Fn(i64) -> bool,
    ) -> Result<GetMessagesResult, StoreError> {
        self.read_messages(topic, queue_id, queue_offset, ReadLimits::uniform(max_count, max_bytes), filter)
    }

    /// As [`MessageStore::get_messages_filtered`], with separate limits for messages in memory
    /// and on disk ([`ReadLimits`]): the pull path.
    ///
    /// # Errors
    /// As [`MessageStore::get_messages`].
    pub fn read_messages(
        &self,
        topic: &str,
        queue_id: i32,
        queue_offset: u64,
        limits: ReadLimits,
        filter: &dyn Fn(i64) -> bool,
    ) -> Result<GetMessagesResult, StoreError> {
        let Some(queue) = self.inner.queues.get(topic, queue_id) else {
            return Ok(GetMessagesResult::empty(GetMessageStatus::NoMessageInQueue, 0, 0, 0));
        };
        let (min, max) = (queue.min_queue_offset(), queue.max_queue_offset());
        let status = if max == 0 {
            Some((GetMessageStatus::NoMessageInQueue, 0))
        } else if queue_offset < min {
            Some((GetMessageStatus::OffsetTooSmall, min))
        } else if queue_offset == max {
            Some((GetMessageStatus::OffsetOverflowOne, queue_offset))
        } else if queue_offset > max {
            Some((GetMessageStatus::OffsetOverflowBadly, max))
        } else {
            None
        };
        if let Some((status, next)) = status {
            return Ok(GetMessagesResult::empty(status, next, min, max));
        }
        let mut result = GetMessagesResult::empty(GetMessageStatus::OffsetFoundNull, queue_offset, min, max);
        let mut filtered = false;
        let mut offset = queue_offset;
        let mut scanned = 0;
        let max_count = limits.max_count.max(limits.in_disk_count);
        let (end, window) = (self.inner.commit_log.max_offset(), self.inner.config.in_memory_window);
        'read: while offset < max && result.messages.len() < max_count && scanned < MAX_FILTER_SCAN {
            let entries = queue.entries(offset, (max_count - result.messages.len()).clamp(32, 1024))?;
            if entries.is_empty() {
                break;
            }
            for (at, entry) in entries {
                let behind = end.saturating_sub(entry.commit_log_offset);
                if limits.full(result.messages.len(), result.total_bytes, u64::from(entry.size), behind, window) {
                    break 'read;
                }
                offset = at + 1;
                scanned += 1;
                if !filter(entry.tags_code) {
                    filtered = true;
                    continue;
                }
                match self.inner.commit_log.read_checked(entry.commit_log_offset, entry.size) {
                    Ok(bytes) => {
                        result.total_bytes += bytes.len() as u64;
                        result.messages.push(bytes);
                        result.queue_offsets.push(at);
                    }
                    Err(StoreError::OffsetNotFound { .. }) => continue,
                    Err(err) => return Err(err),
                }
            }
        }
        result.next_begin_offset = offset;
        result.status = if !result.messages.is_empty() {
            GetMessageStatus::Found
        } else if filtered {
            GetMessageStatus::NoMatchedMessage
        } else {
            GetMessageStatus::OffsetFoundNull
        };
        Ok(result)
    }

    /// The queue's min offset (0 for an unknown queue).
    pub fn min_queue_offset(&self, topic: &str, queue_id: i32) -> u64 {
        self.inner.queues.get(topic, queue_id).map_or(0, |q| q.min_queue_offset())
    }

    /// The queue's max offset: the next offset to be written (0 for an unknown queue).
    pub fn max_queue_offset(&self, topic: &str, queue_id: i32) -> u64 {
        self.inner.queues.get(topic, queue_id).map_or(0, |q| q.max_queue_offset())
    }

    /// Queue ids that have a consume queue for `topic`, ascending.
    pub fn queue_ids(&self, topic: &str) -> Vec<i32> {
        self.inner.queues.queue_ids(topic)
    }

    /// Up to `max_count` consume queue entries of a queue from `queue_offset` (raised to the
    /// queue's min offset), with their queue offsets; empty for an unknown queue. The schedule
    /// service walks `SCHEDULE_TOPIC_XXXX` with it: there the tags code is the delivery time.
    ///
    /// # Errors
    /// I/O errors.
    pub fn queue_entries(
        &self,
        topic: &str,
        queue_id: i32,
        queue_offset: u64,
        max_count: usize,
    ) -> Result<Vec<(u64, ConsumeQueueEntry)>, StoreError> {
        match self.inner.queues.get(topic, queue_id) {
            Some(queue) => queue.entries(queue_offset, max_count),
            None => Ok(Vec::new()),
        }
    }

    /// The whole record at a commit log offset (zero-copy slice).
    ///
    /// # Errors
    /// [`StoreError::OffsetNotFound`], [`StoreError::InvalidRecord`].
    pub fn message_at(&self, commit_log_offset: u64) -> Result<Bytes, StoreError> {
        self.inner.commit_log.read_record(commit_log_offset)
    }

    /// Store timestamp of the message at a queue offset.
    ///
    /// # Errors
    /// [`StoreError::OffsetNotFound`] if the entry or its data is gone.
    pub fn store_time_at(&self, topic: &str, queue_id: i32, queue_offset: u64) -> Result<i64, StoreError> {
        let queue =
            self.inner.queues.get(topic, queue_id).ok_or(StoreError::OffsetNotFound { offset: queue_offset })?;
        let entry = queue
            .entry(queue_offset)?
            .filter(|e| !e.is_filler())
            .ok_or(StoreError::OffsetNotFound { offset: queue_offset })?;
        let bytes = self.inner.commit_log.read_checked(entry.commit_log_offset, entry.size)?;
        let message =
            StoredMessage::decode(&bytes).map_err(|_| StoreError::InvalidRecord { offset: entry.commit_log_offset })?;
        Ok(message.store_timestamp_ms())
    }

    /// The smallest queue offset whose message was stored at or after `timestamp_ms`; the max
    /// offset when none was (binary search over store timestamps, which are non-decreasing).
    ///
    /// # Errors
    /// I/O errors.
    pub fn queue_offset_by_time(&self, topic: &str, queue_id: i32, timestamp_ms: i64) -> Result<u64, StoreError> {
        let (mut low, mut high) = (self.min_queue_offset(topic, queue_id), self.max_queue_offset(topic, queue_id));
        while low < high {
            let mid = low + (high - low) / 2;
            let stored_at = match self.store_time_at(topic, queue_id, mid) {
                Ok(ts) => ts,
                Err(StoreError::OffsetNotFound { .. }) => i64::MIN,
                Err(err) => return Err(err),
            };
            if stored_at < timestamp_ms {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        Ok(low)
    }

    /// Store timestamp of the oldest message still stored, `None` when the log is empty.
    ///
    /// # Errors
    /// I/O errors.
    pub fn earliest_store_time(&self) -> Result<Option<i64>, StoreError> {
        let min = self.inner.commit_log.min_offset();
        if min >= self.inner.commit_log.max_offset() {
            return Ok(None);
        }
        let bytes = self.inner.commit_log.read_record(min)?;
        let message = StoredMessage::decode(&bytes).map_err(|_| StoreError::InvalidRecord { offset: min })?;
        Ok(Some(message.store_timestamp_ms()))
    }

    /// Messages of `topic` whose `KEYS` (space-separated) or `UNIQ_KEY` equals `key`, stored
    /// within `[begin_ms, end_ms]`, newest first, at most `max_count` (capped at 64). Hash
    /// collisions are filtered out by reading each candidate. Empty when indexing is off.
    ///
    /// # Errors
    /// I/O errors.
    pub fn query_by_key(
        &self,
        topic: &str,
        key: &str,
        max_count: usize,
        begin_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<Bytes>, StoreError> {
        let Some(index) = &self.inner.index else { return Ok(Vec::new()) };
        let max_count = max_count.min(MAX_QUERY_RESULTS);
        let mut out = Vec::new();
        for offset in index.query(topic, key, MAX_QUERY_RESULTS, begin_ms, end_ms)? {
            let bytes = match self.inner.commit_log.read_record(offset) {
                Ok(bytes) => bytes,
                Err(StoreError::OffsetNotFound { .. } | StoreError::InvalidRecord { .. }) => continue,
                Err(err) => return Err(err),
            };
            let Ok(message) = StoredMessage::decode(&bytes) else { continue };
            let matches = message.topic() == topic
                && (message.unique_key() == Some(key)
                    || message.property(KEYS).is_some_and(|keys| keys.split(' ').any(|k| k == key)));
            if matches {
                out.push(bytes);
                if out.len() >= max_count {
                    break;
                }
            }
        }
        Ok(out)
    }
}
