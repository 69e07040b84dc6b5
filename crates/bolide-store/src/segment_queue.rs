//! An ordered run of equally sized segments forming one logical byte stream (RocketMQ's
//! `MappedFileQueue`): the commit log and every consume queue are one each.
//!
//! Segment `n + 1` starts where segment `n` ends; a file's name is its base offset as 20 zero-padded
//! decimal digits. The queue tracks two positions of the stream: the write offset (bytes below it
//! are published to readers) and the flushed offset (bytes below it are durable). One writer at a
//! time advances the write offset; any thread may flush.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use bytes::Bytes;

use crate::error::{io_error, StoreError};
use crate::segment::{Segment, SegmentStorage};

/// Formats a base offset as a segment file name.
pub(crate) fn segment_name(base_offset: u64) -> String {
    format!("{base_offset:020}")
}

/// Parses a segment file name; `None` for anything that is not exactly 20 digits.
pub(crate) fn parse_segment_name(name: &str) -> Option<u64> {
    if name.len() == 20 && name.bytes().all(|b| b.is_ascii_digit()) {
        name.parse().ok()
    } else {
        None
    }
}

#[derive(Debug, Clone)]
pub(crate) struct SegmentRef {
    pub(crate) base_offset: u64,
    pub(crate) segment: Arc<dyn Segment>,
}

#[derive(Debug)]
pub(crate) struct SegmentQueue {
    storage: Arc<dyn SegmentStorage>,
    dir: PathBuf,
    segment_size: u64,
    /// Sorted by base offset, contiguous. Written by the single writer (new segments) and by
    /// retention (removal of the first ones); read-locked by everyone else.
    segments: RwLock<Vec<SegmentRef>>,
    /// End of the bytes published to readers (release on store, acquire on load).
    write_offset: AtomicU64,
    /// End of the bytes known durable.
    flushed_offset: AtomicU64,
    /// The segment after the last one, created ahead of need by [`SegmentQueue::prepare_next`]
    /// (off the append path, as Java's `AllocateMappedFileService` does) and taken by
    /// [`SegmentQueue::find_or_create`]. Its file exists, zeroed, under its final name; after a
    /// crash, recovery removes it like any segment past the end of the stream. Both take this
    /// lock around creating a segment, so they never create the same file twice.
    spare: Mutex<Option<SegmentRef>>,
    /// Present when the stream is pre-written ahead of its writer (see [`SegmentQueue::prewrite`]).
    prewrite: Option<PrewriteFence>,
}

/// Keeps the pre-writer's zeros and the writer's bytes apart.
///
/// The pre-writer only writes at or above `ready`, which only grows, so the writer writes below
/// `ready` without asking. A write that reaches past `ready` takes the lock first (waiting for a
/// chunk of zeros being written) and records its end, and the pre-writer starts its next chunk
/// past every recorded end, rounded up to a whole page.
#[derive(Debug, Default)]
struct PrewriteFence {
    /// End of the bytes pre-written ahead of the writer.
    ready: AtomicU64,
    /// Held while zeros are written; the furthest end of a write that reached past `ready`.
    writer_end: Mutex<u64>,
}

impl PrewriteFence {
    fn lock(&self) -> MutexGuard<'_, u64> {
        self.writer_end.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Called by the writer before it writes bytes ending at `end`.
    fn before_write(&self, end: u64) {
        if end > self.ready.load(Ordering::Acquire) {
            let mut writer_end = self.lock();
            *writer_end = (*writer_end).max(end);
        }
    }
}

/// Size of one step of pre-writing, done with the fence locked.
const PREWRITE_CHUNK_BYTES: u64 = 1024 * 1024;

/// Pre-written ranges start on a page boundary, so a page the writer has begun stays untouched.
const PREWRITE_ALIGN_BYTES: u64 = 64 * 1024;

/// Zeros for pre-writing and recovery's zeroing: one chunk, in the zero-filled data segment of
/// the binary.
static ZERO_CHUNK: [u8; PREWRITE_CHUNK_BYTES as usize] = [0; PREWRITE_CHUNK_BYTES as usize];

impl SegmentQueue {
    /// Loads the segments found in `dir`. Positions are set to the end of the last segment;
    /// recovery then finds the real end and calls [`SegmentQueue::truncate`].
    pub(crate) fn load(storage: Arc<dyn SegmentStorage>, dir: &Path, segment_size: u64) -> Result<Self, StoreError> {
        let mut entries: Vec<(u64, String, u64)> = storage
            .list(dir)
            .map_err(|e| io_error("list", dir, e))?
            .into_iter()
            .filter_map(|entry| Some((parse_segment_name(&entry.name)?, entry.name, entry.len)))
            .collect();
        entries.sort_unstable();
        if let Some((_, name, 0)) = entries.last() {
            storage.remove(dir, name).map_err(|e| io_error("remove", &dir.join(name), e))?;
            entries.pop();
        }
        let mut segments = Vec::with_capacity(entries.len());
        for (base_offset, name, len) in entries {
            let path = dir.join(&name);
            if len != segment_size {
                return Err(StoreError::SegmentSizeMismatch { path, expected: segment_size, found: len });
            }
            if base_offset % segment_size != 0 {
                return Err(StoreError::SegmentNameMisaligned { path, segment_size });
            }
            if let Some(prev) = segments.last().map(|s: &SegmentRef| s.base_offset) {
                if prev + segment_size != base_offset {
                    return Err(StoreError::SegmentGap { path, expected: prev + segment_size });
                }
            }
            let segment = storage.open(dir, &name).map_err(|e| io_error("open", &path, e))?;
            segments.push(SegmentRef { base_offset, segment });
        }
        let end = segments.last().map_or(0, |s| s.base_offset + segment_size);
        Ok(SegmentQueue {
            storage,
            dir: dir.to_path_buf(),
            segment_size,
            segments: RwLock::new(segments),
            write_offset: AtomicU64::new(end),
            flushed_offset: AtomicU64::new(end),
            spare: Mutex::new(None),
            prewrite: None,
        })
    }

    /// Turns on pre-writing ahead of the writer ([`SegmentQueue::prewrite`]).
    pub(crate) fn with_prewrite(mut self) -> Self {
        self.prewrite = Some(PrewriteFence::default());
        self
    }

    /// Whether the stream is pre-written ahead of its writer.
    pub(crate) fn prewrites(&self) -> bool {
        self.prewrite.is_some()
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn segment_size(&self) -> u64 {
        self.segment_size
    }

    pub(crate) fn write_offset(&self) -> u64 {
        self.write_offset.load(Ordering::Acquire)
    }

    pub(crate) fn flushed_offset(&self) -> u64 {
        self.flushed_offset.load(Ordering::Acquire)
    }

    /// Publishes bytes below `offset` to readers. Only the writer calls this.
    pub(crate) fn publish(&self, offset: u64) {
        self.write_offset.store(offset, Ordering::Release);
    }

    /// Recovery: forget that bytes from `offset` on were flushed, so the next flush syncs them.
    pub(crate) fn mark_unflushed_from(&self, offset: u64) {
        self.flushed_offset.fetch_min(offset, Ordering::AcqRel);
    }

    /// Base offset of the first segment, or `None` when the queue has no segment.
    pub(crate) fn first_base_offset(&self) -> Option<u64> {
        self.read_segments().first().map(|s| s.base_offset)
    }

    pub(crate) fn snapshot(&self) -> Vec<SegmentRef> {
        self.read_segments().clone()
    }

    fn read_segments(&self) -> std::sync::RwLockReadGuard<'_, Vec<SegmentRef>> {
        self.segments.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_segments(&self) -> std::sync::RwLockWriteGuard<'_, Vec<SegmentRef>> {
        self.segments.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The segment containing `offset`, if it exists.
    pub(crate) fn find(&self, offset: u64) -> Option<SegmentRef> {
        let segments = self.read_segments();
        let first = segments.first()?.base_offset;
        if offset < first {
            return None;
        }
        let index = ((offset - first) / self.segment_size) as usize;
        segments.get(index).cloned()
    }

    fn lock_spare(&self) -> MutexGuard<'_, Option<SegmentRef>> {
        self.spare.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The segment containing `offset`, created (with any missing segments before it, when the
    /// queue is empty only the one) if it does not exist yet. Only the writer calls this.
    pub(crate) fn find_or_create(&self, offset: u64) -> Result<SegmentRef, StoreError> {
        if let Some(found) = self.find(offset) {
            return Ok(found);
        }
        let base_offset = offset - offset % self.segment_size;
        let name = segment_name(base_offset);
        let mut spare = self.lock_spare();
        let segment = match spare.take() {
            Some(ready) if ready.base_offset == base_offset => ready.segment,
            stale => {
                if let Some(stale) = stale {
                    self.remove_file(stale.base_offset)?;
                }
                self.create_segment(base_offset)?
            }
        };
        let mut segments = self.write_segments();
        if let Some(last) = segments.last() {
            if last.base_offset + self.segment_size != base_offset {
                return Err(StoreError::SegmentGap { path: self.dir.join(name), expected: last.base_offset });
            }
        }
        tracing::debug!(dir = %self.dir.display(), base_offset, "segment in use");
        let created = SegmentRef { base_offset, segment };
        segments.push(created.clone());
        Ok(created)
    }

    fn create_segment(&self, base_offset: u64) -> Result<Arc<dyn Segment>, StoreError> {
        let name = segment_name(base_offset);
        self.storage
            .create(&self.dir, &name, self.segment_size)
            .map_err(|e| io_error("create", &self.dir.join(&name), e))
    }

    fn remove_file(&self, base_offset: u64) -> Result<(), StoreError> {
        let name = segment_name(base_offset);
        self.storage.remove(&self.dir, &name).map_err(|e| io_error("remove", &self.dir.join(&name), e))
    }

    /// Creates the segment after the last one, if the queue has segments and none is ready yet,
    /// so that the writer finds it ready when it rolls over. Returns whether it created one.
    /// Called off the append path.
    pub(crate) fn prepare_next(&self) -> Result<bool, StoreError> {
        let mut spare = self.lock_spare();
        let Some(last) = self.read_segments().last().map(|s| s.base_offset) else { return Ok(false) };
        let next = last + self.segment_size;
        if spare.as_ref().is_some_and(|s| s.base_offset == next) {
            return Ok(false);
        }
        if let Some(stale) = spare.take() {
            self.remove_file(stale.base_offset)?;
        }
        let segment = self.create_segment(next)?;
        tracing::debug!(dir = %self.dir.display(), base_offset = next, "next segment created ahead");
        *spare = Some(SegmentRef { base_offset: next, segment });
        Ok(true)
    }

    /// The segment containing `offset` among those that exist or the one ready as the spare.
    fn find_or_spare(&self, offset: u64) -> Option<SegmentRef> {
        self.find(offset).or_else(|| {
            self.lock_spare()
                .as_ref()
                .filter(|spare| spare.base_offset <= offset && offset < spare.base_offset + self.segment_size)
                .cloned()
        })
    }

    /// Prefaults `[from, to)` of the stream (see [`Segment::prefault`]), in the segments that
    /// exist or are ready as the spare; returns where it stopped (`to`, or the end of the last
    /// such segment).
    pub(crate) fn prefault(&self, from: u64, to: u64) -> io::Result<u64> {
        let mut at = from;
        while at < to {
            let Some(seg) = self.find_or_spare(at) else { break };
            let end = to.min(seg.base_offset + self.segment_size);
            seg.segment.prefault(at - seg.base_offset, end - seg.base_offset)?;
            at = end;
        }
        Ok(at)
    }

    /// Writes zeros over the never-written bytes of the stream up to `until`, in the segments
    /// that exist or are ready as the spare, then syncs them; returns where the pre-written bytes
    /// end (0 when pre-writing is off). Called off the append path, concurrently with the writer.
    ///
    /// Nothing changes for readers (those bytes are zeros already); what changes is the disk:
    /// their blocks are allocated and written, so a later sync of data written over them records
    /// no new blocks (on ext4 and XFS, `fdatasync` then skips the journal commit), as Java's
    /// `warmMappedFile` intends. Never writes below the end of the writer's last write (see
    /// [`PrewriteFence`]).
    pub(crate) fn prewrite(&self, until: u64) -> io::Result<u64> {
        let Some(fence) = &self.prewrite else { return Ok(0) };
        let mut written: Option<(SegmentRef, u64, u64)> = None;
        loop {
            let writer_end = fence.lock();
            let from = fence
                .ready
                .load(Ordering::Acquire)
                .max(writer_end.next_multiple_of(PREWRITE_ALIGN_BYTES))
                .max(self.write_offset().next_multiple_of(PREWRITE_ALIGN_BYTES));
            if from >= until {
                break;
            }
            let Some(seg) = self.find_or_spare(from) else { break };
            let seg_end = seg.base_offset + self.segment_size;
            let to = until.min(seg_end).min(from + PREWRITE_CHUNK_BYTES);
            seg.segment.write(from - seg.base_offset, &ZERO_CHUNK[..(to - from) as usize])?;
            fence.ready.store(to, Ordering::Release);
            drop(writer_end);
            if let Some((prev, start, end)) = written.take_if(|(prev, ..)| prev.base_offset != seg.base_offset) {
                prev.segment.sync(start - prev.base_offset, end - prev.base_offset)?;
            }
            let start = written.map_or(from, |(_, start, _)| start);
            written = Some((seg, start, to));
        }
        if let Some((seg, start, end)) = written {
            seg.segment.sync(start - seg.base_offset, end - seg.base_offset)?;
        }
        Ok(fence.ready.load(Ordering::Acquire))
    }

    /// Releases `[from, to)` of the stream from this process's memory (see
    /// [`Segment::release`]), in the segments that exist.
    pub(crate) fn release(&self, from: u64, to: u64) -> io::Result<()> {
        self.for_each_part(from, to, |segment, start, end| segment.release(start, end))
    }

    /// Evicts `[from, to)` of the stream from this process and the OS page cache (see
    /// [`Segment::evict`]), in the segments that exist.
    pub(crate) fn evict(&self, from: u64, to: u64) -> io::Result<()> {
        self.for_each_part(from, to, |segment, start, end| segment.evict(start, end))
    }

    /// Calls `hint` with each existing segment's part of `[from, to)`, in segment positions.
    fn for_each_part(
        &self,
        from: u64,
        to: u64,
        hint: impl Fn(&dyn Segment, u64, u64) -> io::Result<()>,
    ) -> io::Result<()> {
        for seg in self.snapshot() {
            let start = from.max(seg.base_offset);
            let end = to.min(seg.base_offset + self.segment_size);
            if start < end {
                hint(seg.segment.as_ref(), start - seg.base_offset, end - seg.base_offset)?;
            }
        }
        Ok(())
    }

    /// Writes `data` at stream offset `offset`; the range must lie inside one segment.
    pub(crate) fn write_at(&self, offset: u64, data: &[u8]) -> Result<(), StoreError> {
        let seg = self.find_or_create(offset)?;
        if let Some(fence) = &self.prewrite {
            fence.before_write(offset + data.len() as u64);
        }
        seg.segment.write(offset - seg.base_offset, data).map_err(|e| self.io("write", seg.base_offset, e))
    }

    /// Copies bytes at `offset` into `buf`; the range must lie inside one existing segment.
    pub(crate) fn read_into(&self, offset: u64, buf: &mut [u8]) -> Result<(), StoreError> {
        let seg = self.find(offset).ok_or(StoreError::OffsetNotFound { offset })?;
        seg.segment.read_into(offset - seg.base_offset, buf).map_err(|e| self.io("read", seg.base_offset, e))
    }

    /// `len` bytes at `offset` as a (zero-copy where possible) slice, inside one segment.
    pub(crate) fn slice(&self, offset: u64, len: usize) -> Result<Bytes, StoreError> {
        let seg = self.find(offset).ok_or(StoreError::OffsetNotFound { offset })?;
        seg.segment.slice(offset - seg.base_offset, len).map_err(|e| self.io("read", seg.base_offset, e))
    }

    /// Calls `f` with `len` bytes at `offset`, inside one segment, borrowed where possible.
    pub(crate) fn read_with(&self, offset: u64, len: usize, f: &mut dyn FnMut(&[u8])) -> Result<(), StoreError> {
        let seg = self.find(offset).ok_or(StoreError::OffsetNotFound { offset })?;
        seg.segment.read_with(offset - seg.base_offset, len, f).map_err(|e| self.io("read", seg.base_offset, e))
    }

    /// Makes everything below the write offset durable and returns the new flushed offset.
    ///
    /// # Errors
    /// The first sync error; the flushed offset then stays where it was.
    pub(crate) fn flush(&self) -> Result<u64, StoreError> {
        let target = self.write_offset();
        // Segments removed by retention need no sync.
        let mut from = self.flushed_offset().max(self.first_base_offset().unwrap_or(0));
        while from < target {
            let seg = self.find(from).ok_or(StoreError::OffsetNotFound { offset: from })?;
            let seg_end = seg.base_offset + self.segment_size;
            let to = target.min(seg_end);
            seg.segment
                .sync(from - seg.base_offset, to - seg.base_offset)
                .map_err(|e| self.io("sync", seg.base_offset, e))?;
            from = to;
            self.flushed_offset.fetch_max(from, Ordering::AcqRel);
        }
        Ok(self.flushed_offset())
    }

    /// Recovery: makes `offset` the end of the stream. Later segments are removed, the bytes after
    /// `offset` in its segment are zeroed until `zero_until` (an offset inside the same segment at
    /// which the stale bytes are known to end, or the segment end), and both positions are set.
    pub(crate) fn truncate(&self, offset: u64, zero_until: Option<u64>) -> Result<(), StoreError> {
        if let Some(spare) = self.lock_spare().take() {
            self.remove_file(spare.base_offset)?;
        }
        let mut segments = self.write_segments();
        while let Some(last) = segments.last() {
            if last.base_offset < offset {
                break;
            }
            let name = segment_name(last.base_offset);
            self.storage.remove(&self.dir, &name).map_err(|e| io_error("remove", &self.dir.join(&name), e))?;
            segments.pop();
        }
        if let Some(last) = segments.last() {
            let seg_end = last.base_offset + self.segment_size;
            if offset < seg_end {
                let stop = zero_until.unwrap_or(seg_end).min(seg_end);
                zero_range(last, offset, stop).map_err(|e| self.io("zero", last.base_offset, e))?;
                last.segment
                    .sync(offset - last.base_offset, stop.max(offset) - last.base_offset)
                    .map_err(|e| self.io("sync", last.base_offset, e))?;
            }
        }
        drop(segments);
        if let Some(fence) = &self.prewrite {
            // Pre-writing starts again past the new end.
            let mut writer_end = fence.lock();
            *writer_end = offset;
            fence.ready.store(0, Ordering::Release);
        }
        self.write_offset.store(offset, Ordering::Release);
        self.flushed_offset.store(offset, Ordering::Release);
        Ok(())
    }

    /// Removes leading segments for which `expired(base_offset, segment)` holds, never the last
    /// one, at most `max` of them. Returns the removed base offsets.
    pub(crate) fn remove_leading<F>(&self, max: usize, mut expired: F) -> Result<Vec<u64>, StoreError>
    where
        F: FnMut(&SegmentRef) -> bool,
    {
        let mut removed = Vec::new();
        loop {
            let candidate = {
                let segments = self.read_segments();
                if segments.len() <= 1 || removed.len() >= max {
                    break;
                }
                segments[0].clone()
            };
            if !expired(&candidate) {
                break;
            }
            let name = segment_name(candidate.base_offset);
            self.storage.remove(&self.dir, &name).map_err(|e| io_error("remove", &self.dir.join(&name), e))?;
            self.write_segments().retain(|s| s.base_offset != candidate.base_offset);
            removed.push(candidate.base_offset);
        }
        Ok(removed)
    }

    /// Removes every segment and the directory.
    pub(crate) fn destroy(&self) -> Result<(), StoreError> {
        self.lock_spare().take();
        self.write_segments().clear();
        self.storage.remove_dir_all(&self.dir).map_err(|e| io_error("remove", &self.dir, e))
    }

    fn io(&self, op: &'static str, base_offset: u64, source: io::Error) -> StoreError {
        io_error(op, &self.dir.join(segment_name(base_offset)), source)
    }
}

/// Zeroes `[from, to)` of `seg`, a chunk at a time.
fn zero_range(seg: &SegmentRef, from: u64, to: u64) -> io::Result<()> {
    let mut pos = from;
    while pos < to {
        let n = (to - pos).min(PREWRITE_CHUNK_BYTES);
        seg.segment.write(pos - seg.base_offset, &ZERO_CHUNK[..n as usize])?;
        pos += n;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::MemoryStorage;

    #[test]
    fn names_round_trip() {
        assert_eq!(segment_name(1_073_741_824), "00000000001073741824");
        assert_eq!(parse_segment_name("00000000001073741824"), Some(1_073_741_824));
        assert_eq!(parse_segment_name("0000000000107374182"), None);
        assert_eq!(parse_segment_name("abort"), None);
    }

    #[test]
    fn write_flush_truncate_and_remove() {
        let storage: Arc<dyn SegmentStorage> = Arc::new(MemoryStorage::new());
        let q = SegmentQueue::load(Arc::clone(&storage), Path::new("q"), 100).expect("load");
        q.write_at(0, b"hello").expect("write");
        q.write_at(150, b"world").expect("write");
        q.publish(155);
        assert_eq!(q.flush().expect("flush"), 155);
        let mut buf = [0u8; 5];
        q.read_into(150, &mut buf).expect("read");
        assert_eq!(&buf, b"world");
        assert_eq!(q.snapshot().len(), 2);
        q.truncate(3, None).expect("truncate");
        assert_eq!(q.snapshot().len(), 1);
        assert_eq!(&q.slice(0, 5).expect("slice")[..], b"hel\0\0");
        q.write_at(120, b"x").expect("write");
        assert_eq!(q.remove_leading(10, |_| true).expect("remove"), vec![0]);
        assert_eq!(q.first_base_offset(), Some(100));
    }

    /// The pre-writer runs flat out beside a writer that appends, rolls segments and publishes;
    /// every byte the writer wrote must read back, whatever the interleaving.
    #[test]
    fn prewriting_never_overwrites_the_writer() {
        const SEGMENT: u64 = 3 * PREWRITE_CHUNK_BYTES + 4096;
        for round in 0..4u64 {
            let storage: Arc<dyn SegmentStorage> = Arc::new(MemoryStorage::new());
            let q = Arc::new(SegmentQueue::load(storage, Path::new("log"), SEGMENT).expect("load").with_prewrite());
            let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let prewriter = {
                let (q, done) = (Arc::clone(&q), Arc::clone(&done));
                std::thread::spawn(move || {
                    let mut rounds = 0u64;
                    while !done.load(Ordering::Acquire) {
                        let _ = q.prepare_next();
                        // Both far ahead and barely ahead of the writer.
                        let ahead = if rounds % 2 == 0 { 2 * PREWRITE_CHUNK_BYTES } else { 70_000 };
                        q.prewrite(q.write_offset() + ahead).expect("prewrite");
                        rounds += 1;
                    }
                    rounds
                })
            };
            let mut offset = 0u64;
            let mut record = Vec::new();
            let mut n = 0u64;
            while offset < 12 * SEGMENT {
                let len = 1 + ((n * 7919 + round * 31) % 150_000) as usize;
                if offset % SEGMENT + len as u64 > SEGMENT {
                    offset += SEGMENT - offset % SEGMENT;
                }
                record.clear();
                record.extend((0..len).map(|i| (((n as usize) + i) % 255 + 1) as u8));
                q.write_at(offset, &record).expect("write");
                // Written, not yet published: the window in which only the fence protects it.
                std::thread::yield_now();
                offset += len as u64;
                q.publish(offset);
                n += 1;
            }
            done.store(true, Ordering::Release);
            assert!(prewriter.join().expect("prewriter") > 0);
            let mut at = 0u64;
            for m in 0..n {
                let len = 1 + ((m * 7919 + round * 31) % 150_000) as usize;
                if at % SEGMENT + len as u64 > SEGMENT {
                    at += SEGMENT - at % SEGMENT;
                }
                let got = q.slice(at, len).expect("slice");
                let lost = got.iter().enumerate().position(|(i, b)| *b != (((m as usize) + i) % 255 + 1) as u8);
                assert_eq!(lost, None, "record {m} at {at} (round {round}) was overwritten");
                at += len as u64;
            }
        }
    }

    /// A write not yet published (the append lock is held between the two) is past the write
    /// offset: only the fence keeps the pre-writer off it.
    #[test]
    fn prewriting_skips_a_written_but_unpublished_record() {
        let storage: Arc<dyn SegmentStorage> = Arc::new(MemoryStorage::new());
        let q = SegmentQueue::load(storage, Path::new("log"), 1 << 22).expect("load").with_prewrite();
        q.write_at(0, &[1; 10]).expect("write");
        q.publish(10);
        assert_eq!(q.prewrite(1 << 20).expect("prewrite"), 1 << 20, "pre-writes from the next page on");
        let record = vec![9u8; 1_500_000];
        q.write_at(10, &record).expect("write");
        let reached = q.prewrite(1 << 21).expect("prewrite");
        assert!(reached == 1 << 21, "pre-writes past the record: {reached}");
        assert!(q.slice(10, record.len()).expect("slice").iter().all(|b| *b == 9), "the record is intact");
        assert!(q.slice(0, 10).expect("slice").iter().all(|b| *b == 1));
    }

    #[test]
    fn prewriting_is_off_unless_asked_for() {
        let storage: Arc<dyn SegmentStorage> = Arc::new(MemoryStorage::new());
        let q = SegmentQueue::load(storage, Path::new("q"), 1 << 20).expect("load");
        q.write_at(0, b"x").expect("write");
        assert!(!q.prewrites());
        assert_eq!(q.prewrite(1 << 20).expect("prewrite"), 0);
    }
}
