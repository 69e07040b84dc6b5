//! Appending records. Encoding (and the body CRC) happens outside the append lock into a
//! per-thread buffer; under the lock only the late fields are patched and the bytes copied into
//! the segment, so appends allocate nothing once the buffer and the queue table are warm.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use bolide_protocol::message::stored::{
    blank_record, set_commit_log_offset, set_queue_offset, set_store_timestamp, BLANK_RECORD_BYTES, SYS_FLAG_AT,
};
use bolide_protocol::message::{MessageRecord, SysFlag, TransactionType};
use bytes::BytesMut;

use super::CommitLog;
use crate::error::StoreError;

/// Where an append landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendResult {
    /// Commit log offset of the first record.
    pub commit_log_offset: u64,
    /// Bytes written (all records).
    pub size_bytes: u64,
    /// Queue offset of the first record (0 for prepared/rollback transaction records).
    pub queue_offset: u64,
    /// Number of records.
    pub message_count: u32,
    /// Store timestamp written into every record, epoch ms.
    pub store_timestamp_ms: i64,
}

impl AppendResult {
    /// Commit log offset just past the last record: durable once the flushed offset reaches it.
    pub fn end_offset(&self) -> u64 {
        self.commit_log_offset + self.size_bytes
    }
}

thread_local! {
    /// Reused encode buffer; grows to the largest batch a thread appends.
    static ENCODE_BUFFER: RefCell<BytesMut> = RefCell::new(BytesMut::with_capacity(64 * 1024));
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn takes_queue_offset(record: &[u8]) -> bool {
    let bits = i32::from_be_bytes(record[SYS_FLAG_AT..SYS_FLAG_AT + 4].try_into().expect("4 bytes"));
    matches!(SysFlag::from_bits(bits).transaction_type(), TransactionType::NotType | TransactionType::Commit)
}

impl CommitLog {
    /// Appends `records` (one message, or a batch for one topic and queue) contiguously.
    ///
    /// # Errors
    /// [`StoreError::MessageTooLarge`], [`StoreError::InvalidMessage`] (a batch mixing queues,
    /// an empty batch), [`StoreError::Encode`], or an I/O error creating a segment.
    pub(crate) fn append(&self, records: &[MessageRecord<'_>]) -> Result<AppendResult, StoreError> {
        let first = records.first().ok_or(StoreError::InvalidMessage("empty batch"))?;
        if records.iter().any(|r| r.topic != first.topic || r.queue_id != first.queue_id) {
            return Err(StoreError::InvalidMessage("a batch must target one topic and queue"));
        }
        ENCODE_BUFFER.with(|cell| {
            let mut buf = cell.borrow_mut();
            buf.clear();
            for record in records {
                if record.body.len() as u64 > self.max_message_size {
                    return Err(StoreError::MessageTooLarge {
                        size: record.body.len() as u64,
                        limit: self.max_message_size,
                    });
                }
                record.encode_into(&mut buf)?;
            }
            let limit = self.segments.segment_size() - BLANK_RECORD_BYTES as u64;
            if buf.len() as u64 > limit {
                return Err(StoreError::MessageTooLarge { size: buf.len() as u64, limit });
            }
            self.write_locked(&mut buf, first.topic, first.queue_id, records.len() as u32)
        })
    }

    /// The part under the append lock: place, patch, copy, publish.
    fn write_locked(&self, buf: &mut [u8], topic: &str, queue_id: i32, count: u32) -> Result<AppendResult, StoreError> {
        let total = buf.len() as u64;
        let segment_size = self.segments.segment_size();
        let mut state = self.append.lock().unwrap_or_else(|p| p.into_inner());
        let store_timestamp_ms = now_ms().max(state.last_store_timestamp_ms);
        let mut offset = self.segments.write_offset();
        let remaining = segment_size - offset % segment_size;
        if total + BLANK_RECORD_BYTES as u64 > remaining {
            // Not enough room: end this segment with the blank record; the batch goes whole into
            // the next one.
            self.segments.write_at(offset, &blank_record(remaining as usize))?;
            offset += remaining;
        }
        let next_queue_offset = match state.queue_offsets.get_mut(topic).and_then(|q| q.get(&queue_id)) {
            Some(next) => *next,
            None => 0,
        };
        let mut queue_offset = next_queue_offset;
        let mut at = 0usize;
        while at < buf.len() {
            let size = i32::from_be_bytes(buf[at..at + 4].try_into().expect("4 bytes")) as usize;
            let record = &mut buf[at..at + size];
            if takes_queue_offset(record) {
                set_queue_offset(record, queue_offset);
                queue_offset += 1;
            } else {
                set_queue_offset(record, 0);
            }
            set_commit_log_offset(record, offset + at as u64);
            set_store_timestamp(record, store_timestamp_ms);
            at += size;
        }
        self.segments.write_at(offset, buf)?;
        self.segments.publish(offset + total);
        if queue_offset != next_queue_offset {
            match state.queue_offsets.get_mut(topic) {
                Some(queues) => {
                    queues.insert(queue_id, queue_offset);
                }
                None => {
                    state.queue_offsets.entry(topic.to_owned()).or_default().insert(queue_id, queue_offset);
                }
            }
        }
        state.last_store_timestamp_ms = store_timestamp_ms;
        self.last_store_timestamp_ms.store(store_timestamp_ms, std::sync::atomic::Ordering::Release);
        let first_queue_offset = if queue_offset != next_queue_offset { next_queue_offset } else { 0 };
        Ok(AppendResult {
            commit_log_offset: offset,
            size_bytes: total,
            queue_offset: first_queue_offset,
            message_count: count,
            store_timestamp_ms,
        })
    }
}
