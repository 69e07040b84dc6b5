//! Writing a consume queue: dispatch puts, recovery, truncation and retention.

use std::sync::atomic::Ordering;

use super::entry::{ConsumeQueueEntry, ENTRY_SIZE};
use super::ConsumeQueue;
use crate::error::StoreError;

/// Entries read per step when scanning.
const SCAN_ENTRIES: usize = 4096;

impl ConsumeQueue {
    /// Writes `entry` at `queue_offset`. Returns `false` (and writes nothing) when that offset is
    /// already present, which makes re-dispatch idempotent.
    pub(crate) fn put(&self, queue_offset: u64, entry: ConsumeQueueEntry) -> Result<bool, StoreError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let pos = queue_offset * ENTRY_SIZE;
        let written = self.segments.write_offset();
        if self.segments.first_base_offset().is_none() {
            // A queue's first segment may start mid-stream (files removed, queue created on a
            // store that starts mid-log): pad the segment up to the entry with filler entries.
            let base = pos - pos % self.segments.segment_size();
            self.fill(base, pos)?;
            self.min_queue_offset.store(queue_offset, Ordering::Release);
        } else if pos < written {
            return Ok(false);
        } else if pos > written {
            tracing::error!(
                topic = %self.topic, queue_id = self.queue_id, expected = written / ENTRY_SIZE, got = queue_offset,
                "consume queue gap, padding with filler entries"
            );
            self.fill(written, pos)?;
        }
        self.segments.write_at(pos, &entry.to_bytes())?;
        self.segments.publish(pos + ENTRY_SIZE);
        self.max_physical_end.store(entry.commit_log_offset + u64::from(entry.size), Ordering::Release);
        Ok(true)
    }

    /// Writes filler entries over `[from, to)` (byte positions, multiples of 20).
    fn fill(&self, from: u64, to: u64) -> Result<(), StoreError> {
        let filler = ConsumeQueueEntry::FILLER.to_bytes();
        let mut chunk = Vec::new();
        let mut pos = from;
        while pos < to {
            let seg_end = pos - pos % self.segments.segment_size() + self.segments.segment_size();
            let end = to.min(seg_end).min(pos + SCAN_ENTRIES as u64 * ENTRY_SIZE);
            chunk.clear();
            for _ in 0..(end - pos) / ENTRY_SIZE {
                chunk.extend_from_slice(&filler);
            }
            self.segments.write_at(pos, &chunk)?;
            pos = end;
        }
        Ok(())
    }

    /// Recovery: scans from the third-last segment, stops at the first invalid entry and cuts the
    /// queue there (zeroing stale entries that follow it).
    pub(crate) fn recover(&self) -> Result<(), StoreError> {
        let segments = self.segments.snapshot();
        let Some(first) = segments.first() else {
            self.segments.truncate(0, None)?;
            return Ok(());
        };
        let first_base = first.base_offset;
        let size = self.segments.segment_size();
        let start = segments.len().saturating_sub(3);
        let mut end = segments[start].base_offset;
        let mut last_valid = None;
        let mut buf = vec![0u8; SCAN_ENTRIES * ENTRY_SIZE as usize];
        'scan: for seg in &segments[start..] {
            let mut pos = 0;
            while pos < size {
                let n = (size - pos).min(buf.len() as u64) as usize;
                seg.segment.read_into(pos, &mut buf[..n]).map_err(|e| self.io_err(e))?;
                for chunk in buf[..n].chunks_exact(ENTRY_SIZE as usize) {
                    let entry = ConsumeQueueEntry::from_bytes(chunk.try_into().expect("chunk of 20 bytes"));
                    if !entry.is_valid() {
                        break 'scan;
                    }
                    end += ENTRY_SIZE;
                    if !entry.is_filler() {
                        last_valid = Some(entry);
                    }
                }
                pos += n as u64;
            }
        }
        let stale_end = self.stale_end(end)?;
        self.segments.truncate(end, Some(stale_end))?;
        // What was scanned may only have been in the page cache of a crashed process: have the
        // next flush sync it before a checkpoint vouches for it.
        self.segments.mark_unflushed_from(segments[start].base_offset.min(end));
        if let Some(entry) = last_valid {
            self.max_physical_end.store(entry.commit_log_offset + u64::from(entry.size), Ordering::Release);
        }
        self.min_queue_offset.store(self.first_real_offset(first_base / ENTRY_SIZE)?, Ordering::Release);
        Ok(())
    }

    /// First offset at or after `end` (same segment) whose entry is all zero.
    fn stale_end(&self, end: u64) -> Result<u64, StoreError> {
        let size = self.segments.segment_size();
        let seg_end = end - end % size + size;
        let mut pos = end;
        let mut raw = [0u8; ENTRY_SIZE as usize];
        while pos < seg_end && self.segments.find(pos).is_some() {
            self.segments.read_into(pos, &mut raw)?;
            if ConsumeQueueEntry::from_bytes(&raw).is_zero() {
                break;
            }
            pos += ENTRY_SIZE;
        }
        Ok(pos)
    }

    /// The first queue offset at or after `from` that is not a filler entry.
    fn first_real_offset(&self, from: u64) -> Result<u64, StoreError> {
        let max = self.max_queue_offset();
        let mut offset = from;
        while offset < max {
            match self.entry(offset)? {
                Some(entry) if entry.is_filler() => offset += 1,
                _ => break,
            }
        }
        Ok(offset)
    }

    /// Recovery: removes entries that point at or beyond `commit_log_end` (the log was cut there).
    pub(crate) fn truncate_beyond(&self, commit_log_end: u64) -> Result<(), StoreError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let old_end = self.segments.write_offset();
        let first = self.segments.first_base_offset().unwrap_or(old_end);
        let mut end = old_end;
        let mut last_kept = None;
        while end > first {
            let entry = self.entry_at(end - ENTRY_SIZE)?;
            if entry.is_filler() || entry.commit_log_offset + u64::from(entry.size) <= commit_log_end {
                last_kept = Some(entry);
                break;
            }
            end -= ENTRY_SIZE;
        }
        if end == old_end {
            return Ok(());
        }
        tracing::info!(
            topic = %self.topic, queue_id = self.queue_id, removed = (old_end - end) / ENTRY_SIZE,
            "consume queue entries beyond the commit log end removed"
        );
        let size = self.segments.segment_size();
        let zero_until = if end % size == 0 { end } else { old_end.min(end - end % size + size) };
        self.segments.truncate(end, Some(zero_until))?;
        let max_end = last_kept.filter(|e| !e.is_filler()).map_or(0, |e| e.commit_log_offset + u64::from(e.size));
        self.max_physical_end.store(max_end, Ordering::Release);
        Ok(())
    }

    /// Moves the min offset to the first entry pointing at or after `commit_log_min`.
    pub(crate) fn correct_min_offset(&self, commit_log_min: u64) -> Result<(), StoreError> {
        let mut low = self.min_queue_offset();
        let mut high = self.max_queue_offset();
        while low < high {
            let mid = low + (high - low) / 2;
            let entry = self.entry_at(mid * ENTRY_SIZE)?;
            if entry.is_filler() || entry.commit_log_offset < commit_log_min {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        self.min_queue_offset.fetch_max(low, Ordering::AcqRel);
        Ok(())
    }

    /// Removes leading segments whose last entry points below `commit_log_min` (never the last
    /// one), then corrects the min offset. Returns how many segments were removed.
    pub(crate) fn remove_expired(&self, commit_log_min: u64) -> Result<usize, StoreError> {
        let size = self.segments.segment_size();
        let removed = self.segments.remove_leading(usize::MAX, |seg| {
            let mut raw = [0u8; ENTRY_SIZE as usize];
            match seg.segment.read_into(size - ENTRY_SIZE, &mut raw) {
                Ok(()) => {
                    let last = ConsumeQueueEntry::from_bytes(&raw);
                    last.is_valid() && !last.is_filler() && last.commit_log_offset < commit_log_min
                }
                Err(_) => false,
            }
        })?;
        if let Some(first) = self.segments.first_base_offset() {
            self.min_queue_offset.fetch_max(first / ENTRY_SIZE, Ordering::AcqRel);
        }
        self.correct_min_offset(commit_log_min)?;
        Ok(removed.len())
    }

    fn io_err(&self, source: std::io::Error) -> StoreError {
        crate::error::io_error("read", self.segments.dir(), source)
    }
}
