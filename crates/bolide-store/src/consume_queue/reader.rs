//! Reading a consume queue.

use super::entry::{ConsumeQueueEntry, ENTRY_SIZE};
use super::ConsumeQueue;
use crate::error::StoreError;

impl ConsumeQueue {
    /// The entry at byte position `pos` of the queue stream (must be below the write offset).
    pub(crate) fn entry_at(&self, pos: u64) -> Result<ConsumeQueueEntry, StoreError> {
        let mut raw = [0u8; ENTRY_SIZE as usize];
        self.segments.read_into(pos, &mut raw)?;
        Ok(ConsumeQueueEntry::from_bytes(&raw))
    }

    /// The entry at `queue_offset`, or `None` outside `[first segment, max offset)`.
    pub(crate) fn entry(&self, queue_offset: u64) -> Result<Option<ConsumeQueueEntry>, StoreError> {
        if queue_offset >= self.max_queue_offset() {
            return Ok(None);
        }
        let pos = queue_offset * ENTRY_SIZE;
        if self.segments.find(pos).is_none() {
            return Ok(None);
        }
        self.entry_at(pos).map(Some)
    }

    /// Up to `max_count` entries starting at `from` (clamped to the min offset), with their queue
    /// offsets. Filler entries are skipped.
    pub(crate) fn entries(&self, from: u64, max_count: usize) -> Result<Vec<(u64, ConsumeQueueEntry)>, StoreError> {
        let start = from.max(self.min_queue_offset());
        let end = self.max_queue_offset().min(start.saturating_add(max_count as u64));
        let mut out = Vec::with_capacity(end.saturating_sub(start) as usize);
        let size = self.segments.segment_size();
        let mut offset = start;
        let mut buf = Vec::new();
        while offset < end {
            let pos = offset * ENTRY_SIZE;
            let seg_end = pos - pos % size + size;
            let stop = (end * ENTRY_SIZE).min(seg_end);
            buf.resize((stop - pos) as usize, 0);
            self.segments.read_into(pos, &mut buf)?;
            for chunk in buf.chunks_exact(ENTRY_SIZE as usize) {
                let entry = ConsumeQueueEntry::from_bytes(chunk.try_into().expect("chunk of 20 bytes"));
                if !entry.is_filler() {
                    out.push((offset, entry));
                }
                offset += 1;
            }
        }
        Ok(out)
    }
}
