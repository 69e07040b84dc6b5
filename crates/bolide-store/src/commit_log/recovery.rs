//! Finding the end of the commit log at start-up (store-format §11.3).
//!
//! The scan starts at a record boundary chosen from the checkpoint and walks record by record:
//! a valid record (decodable, body CRC matching, PHYSICALOFFSET equal to its position) is handed
//! to the caller for re-dispatch; the blank record moves to the next segment; anything else ends
//! the log. Before cutting there, the scan looks for evidence that it is corruption rather than
//! a torn tail: a valid record further on (in a window after the bad one, or at the start of any
//! later segment), or a bad record below the offset the checkpoint recorded as flushed. Either
//! stops start-up with [`StoreError::CorruptCommitLog`] unless the operator named that exact
//! offset in `truncateCorruptCommitLogAt`.

use bolide_protocol::message::stored::{MAGIC_V1, MAGIC_V2};
use bolide_protocol::message::{Record, StoredMessage};

use super::CommitLog;
use crate::error::StoreError;
use crate::segment_queue::segment_name;

/// How the scan went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ScanOutcome {
    /// Where the scan started.
    pub(crate) start_offset: u64,
    /// The recovered end of the log.
    pub(crate) end_offset: u64,
    /// Valid records seen.
    pub(crate) records: u64,
    /// Store timestamp of the last valid record seen (0 if none).
    pub(crate) last_store_timestamp_ms: i64,
}

/// Options of a scan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScanOptions {
    pub(crate) check_crc: bool,
    /// The checkpoint's flushed offset: bytes below it were durable, so a bad record there is
    /// corruption.
    pub(crate) durable_offset: u64,
    pub(crate) truncate_at: Option<u64>,
    /// Bytes after a bad record searched for a valid one.
    pub(crate) search_window_bytes: u64,
}

enum Step {
    Next(u64),
    End(u64),
}

impl CommitLog {
    /// Walks back from the last segment to the first whose first record satisfies `accept`;
    /// returns its base (the first segment's base when none does).
    pub(crate) fn start_segment_where(&self, mut accept: impl FnMut(u64, &StoredMessage<'_>) -> bool) -> u64 {
        let segments = self.segments.snapshot();
        for seg in segments.iter().rev() {
            let Ok(run) = self.published_run(seg.base_offset, 64 * 1024) else { continue };
            if let Ok(Record::Message(message)) = Record::decode(&run) {
                if accept(seg.base_offset, &message) {
                    return seg.base_offset;
                }
            }
        }
        segments.first().map_or(0, |s| s.base_offset)
    }

    /// Scans from `start` (a record boundary), calls `on_record` for every valid record, and cuts
    /// the log at the end found.
    pub(crate) fn recover<F>(
        &self,
        start: u64,
        options: ScanOptions,
        mut on_record: F,
    ) -> Result<ScanOutcome, StoreError>
    where
        F: FnMut(&StoredMessage<'_>) -> Result<(), StoreError>,
    {
        let mut outcome =
            ScanOutcome { start_offset: start, end_offset: start, records: 0, last_store_timestamp_ms: 0 };
        if self.segments.first_base_offset().is_none() {
            self.segments.truncate(start, None)?;
            return Ok(outcome);
        }
        let mut offset = start;
        loop {
            match self.scan_segment(offset, &options, &mut outcome, &mut on_record)? {
                Step::Next(next) => offset = next,
                Step::End(end) => {
                    outcome.end_offset = end;
                    break;
                }
            }
        }
        let zero_until = if options.truncate_at == Some(outcome.end_offset) {
            None // an operator-requested cut may leave valid records behind: clear the segment
        } else {
            Some(self.stale_end(outcome.end_offset)?)
        };
        self.segments.truncate(outcome.end_offset, zero_until)?;
        Ok(outcome)
    }

    /// Scans one segment from `offset`; returns where to continue or the end of the log.
    fn scan_segment<F>(
        &self,
        offset: u64,
        options: &ScanOptions,
        outcome: &mut ScanOutcome,
        on_record: &mut F,
    ) -> Result<Step, StoreError>
    where
        F: FnMut(&StoredMessage<'_>) -> Result<(), StoreError>,
    {
        let Some(seg) = self.segments.find(offset) else { return Ok(Step::End(offset)) };
        let seg_end = seg.base_offset + self.segments.segment_size();
        let data = self.segments.slice(offset, (seg_end - offset) as usize)?;
        let mut at = 0usize;
        while at < data.len() {
            let here = offset + at as u64;
            match Record::decode(&data[at..]) {
                Ok(Record::Blank { total_size }) if at + total_size == data.len() => return Ok(Step::Next(seg_end)),
                Ok(Record::Message(message)) if self.record_ok(&message, here, options.check_crc) => {
                    on_record(&message)?;
                    outcome.records += 1;
                    outcome.last_store_timestamp_ms = message.store_timestamp_ms();
                    at += message.total_size();
                }
                _ => return self.invalid_at(here, options).map(Step::End),
            }
        }
        Ok(Step::Next(seg_end))
    }

    fn record_ok(&self, message: &StoredMessage<'_>, at: u64, check_crc: bool) -> bool {
        message.commit_log_offset() == at && (!check_crc || message.check_body_crc().is_ok())
    }

    /// Decides what an invalid record at `at` means; returns the end of the log if it is a tail.
    fn invalid_at(&self, at: u64, options: &ScanOptions) -> Result<u64, StoreError> {
        if options.truncate_at == Some(at) {
            tracing::warn!(offset = at, "truncating the commit log at the corrupt record as configured");
            return Ok(at);
        }
        let next_valid = self.find_valid_after(at, options)?;
        if next_valid.is_some() || at < options.durable_offset {
            let size = self.segments.segment_size();
            let base = at - at % size;
            return Err(StoreError::CorruptCommitLog {
                file: self.segments.dir().join(segment_name(base)),
                offset: at,
                position: at - base,
                next_valid_offset: next_valid,
                checkpoint_flushed_offset: options.durable_offset,
            });
        }
        Ok(at)
    }

    /// A valid record after `at`: searched byte by byte in a window of the same segment, and at
    /// the start of every later segment.
    fn find_valid_after(&self, at: u64, options: &ScanOptions) -> Result<Option<u64>, StoreError> {
        let seg_end = self.segment_end(at);
        let window_end = seg_end.min(at + options.search_window_bytes);
        if window_end > at + 1 {
            let data = self.segments.slice(at, (window_end - at) as usize)?;
            let mut pos = 1;
            while pos + 8 <= data.len() {
                let magic = i32::from_be_bytes(data[pos + 4..pos + 8].try_into().expect("4 bytes"));
                if magic == MAGIC_V1 || magic == MAGIC_V2 {
                    let here = at + pos as u64;
                    let rest = self.published_run(here, 64 * 1024)?;
                    if let Ok(Record::Message(message)) = Record::decode(&rest) {
                        if self.record_ok(&message, here, true) {
                            return Ok(Some(here));
                        }
                    }
                }
                pos += 1;
            }
        }
        for seg in self.segments.snapshot().iter().filter(|s| s.base_offset > at) {
            let data = self.published_run(seg.base_offset, 64 * 1024)?;
            if let Ok(Record::Message(message)) = Record::decode(&data) {
                if self.record_ok(&message, seg.base_offset, true) {
                    return Ok(Some(seg.base_offset));
                }
            }
        }
        Ok(None)
    }

    /// End of the stale bytes after `end` in its segment: the first all-zero 4 KiB-aligned block.
    fn stale_end(&self, end: u64) -> Result<u64, StoreError> {
        const BLOCK: u64 = 4096;
        let seg_end = self.segment_end(end);
        if self.segments.find(end).is_none() {
            return Ok(end);
        }
        let mut pos = end;
        let mut buf = vec![0u8; BLOCK as usize];
        while pos < seg_end {
            let block_end = (pos - pos % BLOCK + BLOCK).min(seg_end);
            let chunk = &mut buf[..(block_end - pos) as usize];
            self.segments.read_into(pos, chunk)?;
            if chunk.iter().all(|b| *b == 0) {
                return Ok(pos);
            }
            pos = block_end;
        }
        Ok(seg_end)
    }
}
