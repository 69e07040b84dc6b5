//! Reading published commit log bytes.

use bolide_protocol::message::StoredMessage;
use bytes::Bytes;

use super::CommitLog;
use crate::error::StoreError;

impl CommitLog {
    /// The message record at `offset` as a (zero-copy for mapped files) slice.
    ///
    /// # Errors
    /// [`StoreError::OffsetNotFound`] outside `[min, max)`; [`StoreError::InvalidRecord`] when no
    /// message record starts there.
    pub(crate) fn read_record(&self, offset: u64) -> Result<Bytes, StoreError> {
        if offset < self.min_offset() || offset >= self.max_offset() {
            return Err(StoreError::OffsetNotFound { offset });
        }
        let mut size = [0u8; 4];
        self.segments.read_into(offset, &mut size)?;
        let size = i32::from_be_bytes(size);
        let available = self.available_in_segment(offset);
        if size <= 0 || size as u64 > available {
            return Err(StoreError::InvalidRecord { offset });
        }
        self.read_checked(offset, size as u32)
    }

    /// The record at `offset` whose size is already known (from a consume queue entry).
    pub(crate) fn read_checked(&self, offset: u64, size: u32) -> Result<Bytes, StoreError> {
        if offset < self.min_offset() || offset + u64::from(size) > self.max_offset() {
            return Err(StoreError::OffsetNotFound { offset });
        }
        let bytes = self.segments.slice(offset, size as usize)?;
        match StoredMessage::decode(&bytes) {
            Ok(message) if message.total_size() == size as usize && message.commit_log_offset() == offset => Ok(bytes),
            _ => Err(StoreError::InvalidRecord { offset }),
        }
    }

    /// Published bytes from `offset` to the end of its segment or of the log, whichever is first.
    fn available_in_segment(&self, offset: u64) -> u64 {
        let size = self.segments.segment_size();
        let seg_end = offset - offset % size + size;
        self.max_offset().min(seg_end).saturating_sub(offset)
    }

    /// A run of published bytes starting at `offset` (a record boundary), at most `max_bytes`
    /// (but at least one whole record if one is published there), never crossing a segment.
    pub(crate) fn published_run(&self, offset: u64, max_bytes: u64) -> Result<Bytes, StoreError> {
        match self.published_run_len(offset, max_bytes)? {
            0 => Ok(Bytes::new()),
            len => self.segments.slice(offset, len),
        }
    }

    /// [`CommitLog::published_run`] lent to `f` instead of returned: no allocation for mapped
    /// files. `f` gets an empty run when the writer is at the start of the next segment.
    pub(crate) fn with_published_run(
        &self,
        offset: u64,
        max_bytes: u64,
        f: &mut dyn FnMut(&[u8]),
    ) -> Result<(), StoreError> {
        match self.published_run_len(offset, max_bytes)? {
            0 => {
                f(&[]);
                Ok(())
            }
            len => self.segments.read_with(offset, len, f),
        }
    }

    fn published_run_len(&self, offset: u64, max_bytes: u64) -> Result<usize, StoreError> {
        let available = self.available_in_segment(offset);
        if available == 0 {
            return Ok(0);
        }
        let mut len = available.min(max_bytes);
        if len < available {
            let mut size = [0u8; 4];
            self.segments.read_into(offset, &mut size)?;
            len = len.max(u64::from(u32::from_be_bytes(size)).min(available));
        }
        Ok(len as usize)
    }

    /// Offset where the segment containing `offset` ends (the next segment's base).
    pub(crate) fn segment_end(&self, offset: u64) -> u64 {
        let size = self.segments.segment_size();
        offset - offset % size + size
    }
}
