//! Memory-mapped segment files.
//!
//! Two ways of writing them: copying into the mapping and syncing with `msync` (the default,
//! cheapest per write), or positioned writes (`pwrite`) synced with `fdatasync`, the mapping then
//! serving reads only ([`FileStorage::positioned`], for a stream synced after nearly every
//! append). Syncing a mapping has to write-protect every page it cleans, so the next write to a
//! partly filled page faults again; a positioned write leaves no page mapped writable, and into
//! blocks that were written before (see `SegmentQueue::prewrite`), `fdatasync` writes the data
//! alone, with no file-system journal commit for newly allocated blocks.
//!
//! The only `unsafe` code of the store lives here: mapping a file, copying into the mapping, and
//! handing out read-only views of bytes that the store has published and never rewrites while
//! readers may exist (see the contract in `segment.rs`). A mapping is shared through an `Arc`, so a
//! `Bytes` slice keeps it alive after the file is removed. Truncating a segment file from outside
//! the process while it is mapped would fault the process (SIGBUS); the store never truncates.
#![allow(unsafe_code)]

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use memmap2::MmapRaw;

use super::{check_range, FileEntry, Segment, SegmentStorage};

/// Segments as memory-mapped files under real directories.
#[derive(Debug, Default, Clone, Copy)]
pub struct FileStorage {
    positioned: bool,
}

impl FileStorage {
    /// Segments written through their mapping and synced with `msync`.
    pub fn new() -> Self {
        FileStorage { positioned: false }
    }

    /// Segments written with positioned writes and synced with `fdatasync`; reads still go
    /// through the mapping. Prefaulting does nothing on them (it would map pages writable).
    pub fn positioned() -> Self {
        FileStorage { positioned: true }
    }
}

/// A mapped file. The mapping covers the whole file, created at full size.
#[derive(Debug)]
struct FileSegment {
    map: Arc<MmapRaw>,
    size: u64,
    /// The open file, when writes are positioned writes rather than copies into the mapping.
    positioned: Option<File>,
    /// Where the file is, for [`Segment::evict`] (a mapped segment keeps no descriptor open).
    path: PathBuf,
}

/// A read-only view into a mapping, used as the owner of a `Bytes`.
struct MappedSlice {
    map: Arc<MmapRaw>,
    start: usize,
    len: usize,
}

impl AsRef<[u8]> for MappedSlice {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `start + len` was checked against the mapping's length when the slice was made;
        // the mapping lives as long as `self.map`; the store never writes bytes it has published
        // to readers (module documentation), so no `&mut` access overlaps this range.
        unsafe { std::slice::from_raw_parts(self.map.as_ptr().add(self.start), self.len) }
    }
}

impl FileSegment {
    fn map(file: File, path: PathBuf, positioned: bool) -> io::Result<FileSegment> {
        let size = file.metadata()?.len();
        if size == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "cannot map an empty segment file"));
        }
        let map = MmapRaw::map_raw(&file)?;
        Ok(FileSegment { map: Arc::new(map), size, positioned: positioned.then_some(file), path })
    }

    /// Whole pages inside `[from, to)`, checked against the segment; `None` when there are none.
    fn whole_pages(&self, from: u64, to: u64) -> io::Result<Option<(u64, u64)>> {
        // A page shared with bytes outside the range stays.
        let start = from.next_multiple_of(PAGE_BYTES);
        let end = to - to % PAGE_BYTES;
        if end <= start {
            return Ok(None);
        }
        check_range(self.size, start, (end - start) as usize)?;
        Ok(Some((start, end)))
    }
}

impl Segment for FileSegment {
    fn size_bytes(&self) -> u64 {
        self.size
    }

    fn write(&self, pos: u64, data: &[u8]) -> io::Result<()> {
        check_range(self.size, pos, data.len())?;
        if let Some(file) = &self.positioned {
            // The page cache is shared with the mapping, so readers of the mapping see the bytes.
            return file.write_all_at(data, pos);
        }
        // SAFETY: the range is inside the mapping (checked above); only the single writer of this
        // segment writes, and only to ranges no reader is reading (module documentation).
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), self.map.as_mut_ptr().add(pos as usize), data.len());
        }
        Ok(())
    }

    fn read_into(&self, pos: u64, buf: &mut [u8]) -> io::Result<()> {
        check_range(self.size, pos, buf.len())?;
        // SAFETY: the range is inside the mapping; `buf` is a distinct Rust allocation.
        unsafe {
            std::ptr::copy_nonoverlapping(self.map.as_ptr().add(pos as usize), buf.as_mut_ptr(), buf.len());
        }
        Ok(())
    }

    fn slice(&self, pos: u64, len: usize) -> io::Result<Bytes> {
        check_range(self.size, pos, len)?;
        Ok(Bytes::from_owner(MappedSlice { map: Arc::clone(&self.map), start: pos as usize, len }))
    }

    fn read_with(&self, pos: u64, len: usize, f: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        check_range(self.size, pos, len)?;
        // SAFETY: the range is inside the mapping, which outlives the call; readers only read
        // ranges the single writer has published and no longer writes (module documentation),
        // as for `slice`.
        let bytes = unsafe { std::slice::from_raw_parts(self.map.as_ptr().add(pos as usize), len) };
        f(bytes);
        Ok(())
    }

    fn sync(&self, from: u64, to: u64) -> io::Result<()> {
        if to <= from {
            return Ok(());
        }
        check_range(self.size, from, (to - from) as usize)?;
        match &self.positioned {
            // Syncs every dirty page of the file: only this range's writer leaves any.
            Some(file) => file.sync_data(),
            None => self.map.flush_range(from as usize, (to - from) as usize),
        }
    }

    fn prefault(&self, from: u64, to: u64) -> io::Result<()> {
        if to <= from || self.positioned.is_some() {
            return Ok(());
        }
        check_range(self.size, from, (to - from) as usize)?;
        // madvise wants a page-aligned start; the mapping itself starts on a page boundary.
        let start = from - from % PREFAULT_ALIGN_BYTES;
        // SAFETY: `[start, to)` lies inside the mapping (checked above; `start <= from`).
        // MADV_POPULATE_WRITE (Linux 5.14) faults the pages in writable without changing their
        // content, so it cannot race with the writer's copies.
        let rc = unsafe {
            libc::madvise(
                self.map.as_mut_ptr().add(start as usize).cast(),
                (to - start) as usize,
                libc::MADV_POPULATE_WRITE,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    fn release(&self, from: u64, to: u64) -> io::Result<()> {
        let Some((start, end)) = self.whole_pages(from, to)? else { return Ok(()) };
        // SAFETY: `[start, end)` lies inside the mapping (checked above) and is page aligned (the
        // mapping starts on a page boundary). On a shared file mapping MADV_DONTNEED only unmaps
        // the pages: their content, including bytes written but not yet synced, stays in the page
        // cache and the next access maps it again, so concurrent readers, `Bytes` slices and the
        // writer see the same bytes as before.
        let rc = unsafe {
            libc::madvise(self.map.as_mut_ptr().add(start as usize).cast(), (end - start) as usize, libc::MADV_DONTNEED)
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    fn evict(&self, from: u64, to: u64) -> io::Result<()> {
        let Some((start, end)) = self.whole_pages(from, to)? else { return Ok(()) };
        // The page cache drops no page that a process maps: unmap ours first.
        self.release(start, end)?;
        let opened;
        let file = match &self.positioned {
            Some(file) => file,
            None => match File::open(&self.path) {
                Ok(file) => {
                    opened = file;
                    &opened
                }
                // Removed meanwhile (retention): nothing left to evict.
                Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(err) => return Err(err),
            },
        };
        // POSIX_FADV_DONTNEED drops the range's clean pages that nobody maps; dirty ones (bytes
        // not yet synced) are only queued for write-back and stay cached.
        // SAFETY: plain system call on a descriptor `file` keeps open; no memory is passed.
        let rc = unsafe {
            libc::posix_fadvise(
                file.as_raw_fd(),
                start as libc::off_t,
                (end - start) as libc::off_t,
                libc::POSIX_FADV_DONTNEED,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(rc))
        }
    }
}

/// The page size `release` rounds to: the common 4 KiB (on larger-page systems `madvise`
/// refuses unaligned ranges, and the store then keeps its pages, as before).
const PAGE_BYTES: u64 = 4096;

/// Alignment of the start of a prefaulted range: the largest common page size, so the start is
/// aligned on 4 KiB and 16 KiB page systems too (64 KiB pages are multiples of it as well).
const PREFAULT_ALIGN_BYTES: u64 = 64 * 1024;

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn not_found_is_empty<T>(result: io::Result<Vec<T>>) -> io::Result<Vec<T>> {
    match result {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        other => other,
    }
}

impl SegmentStorage for FileStorage {
    fn list(&self, dir: &Path) -> io::Result<Vec<FileEntry>> {
        not_found_is_empty((|| {
            let mut out = Vec::new();
            for entry in fs::read_dir(dir)? {
                let entry = entry?;
                let meta = entry.metadata()?;
                if !meta.is_file() {
                    continue;
                }
                let modified_ms = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_millis() as u64);
                let name = entry.file_name().to_string_lossy().into_owned();
                out.push(FileEntry { name, len: meta.len(), modified_ms });
            }
            Ok(out)
        })())
    }

    fn list_dirs(&self, dir: &Path) -> io::Result<Vec<String>> {
        not_found_is_empty((|| {
            let mut out = Vec::new();
            for entry in fs::read_dir(dir)? {
                let entry = entry?;
                if entry.file_type()?.is_dir() {
                    out.push(entry.file_name().to_string_lossy().into_owned());
                }
            }
            Ok(out)
        })())
    }

    fn create(&self, dir: &Path, name: &str, size_bytes: u64) -> io::Result<Arc<dyn Segment>> {
        fs::create_dir_all(dir)?;
        let path = dir.join(name);
        if path.exists() {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("{} exists", path.display())));
        }
        // Sized and synced under a temporary name, then renamed: a crash mid-way never leaves a
        // short file under a segment name (only a `.tmp` file, which no listing matches).
        let tmp = dir.join(format!("{name}.tmp"));
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&tmp)?;
        file.set_len(size_bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, &path)?;
        sync_dir(dir)?;
        Ok(Arc::new(FileSegment::map(file, path, self.positioned)?))
    }

    fn open(&self, dir: &Path, name: &str) -> io::Result<Arc<dyn Segment>> {
        let path = dir.join(name);
        let file = OpenOptions::new().read(true).write(true).open(&path)?;
        Ok(Arc::new(FileSegment::map(file, path, self.positioned)?))
    }

    fn for_frequent_syncs(&self) -> Option<Arc<dyn SegmentStorage>> {
        Some(Arc::new(FileStorage::positioned()))
    }

    fn remove(&self, dir: &Path, name: &str) -> io::Result<()> {
        match fs::remove_file(dir.join(name)) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn remove_dir_all(&self, dir: &Path) -> io::Result<()> {
        match fs::remove_dir_all(dir) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn usage_ratio(&self, dir: &Path) -> io::Result<Option<f64>> {
        crate::sys::disk_usage_ratio(dir).map(Some)
    }

    fn write_marker(&self, dir: &Path, name: &str, contents: &[u8]) -> io::Result<()> {
        fs::create_dir_all(dir)?;
        let mut file = File::create(dir.join(name))?;
        io::Write::write_all(&mut file, contents)?;
        file.sync_all()?;
        sync_dir(dir)
    }
}
