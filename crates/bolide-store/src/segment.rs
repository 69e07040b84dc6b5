//! The disk seam: fixed-size segment files and the directory that holds them.
//!
//! Everything the store keeps on disk (commit log segments, consume queue segments, index files,
//! the checkpoint) is a [`Segment`]: a fixed-size byte region with random-access writes, reads and
//! an explicit durability call. A [`SegmentStorage`] creates, lists, opens and removes them by
//! directory and file name. Two implementations live here: [`FileStorage`] (memory-mapped files,
//! what the broker uses) and [`MemoryStorage`] (the reference implementation, which can also
//! simulate a power loss by dropping every byte that was not synced).
//!
//! # Correctness
//!
//! An implementation must guarantee, for every segment it hands out:
//!
//! - a new segment reads as zeros everywhere, and its size never changes;
//! - a `write` is visible to every later `read_into`/`slice` of the same bytes, from any thread, once
//!   the caller has published it (the store publishes positions with release/acquire atomics);
//! - after `sync(from, to)` returns `Ok`, bytes `[from, to)` survive a crash of the process and of
//!   the machine; a crash may lose or tear any byte written but not synced;
//! - a `Bytes` returned by `slice` stays valid (and unchanged, as long as nobody writes that range)
//!   even after the segment is removed;
//! - a segment created by `create` and the directory entry naming it are durable when `create`
//!   returns, and a removed segment no longer appears in `list`.
//!
//! Writers never write a range that a reader may be reading: the commit log is append-only and a
//! consume queue only appends after its write position; both rewrite bytes only during recovery,
//! before any reader exists.

pub mod conformance;
mod file;
mod memory;

use std::fmt;
use std::io;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

pub use file::FileStorage;
pub use memory::MemoryStorage;

/// One fixed-size file. See the module documentation for the contract.
pub trait Segment: Send + Sync + fmt::Debug {
    /// The fixed size in bytes.
    fn size_bytes(&self) -> u64;

    /// Copies `data` to position `pos`.
    ///
    /// # Errors
    /// `InvalidInput` when `[pos, pos + data.len())` is outside the segment; I/O errors of the
    /// implementation.
    fn write(&self, pos: u64, data: &[u8]) -> io::Result<()>;

    /// Copies `buf.len()` bytes at position `pos` into `buf`.
    ///
    /// # Errors
    /// `InvalidInput` when the range is outside the segment.
    fn read_into(&self, pos: u64, buf: &mut [u8]) -> io::Result<()>;

    /// Returns `len` bytes at position `pos`; zero copy for memory-mapped files.
    ///
    /// # Errors
    /// `InvalidInput` when the range is outside the segment.
    fn slice(&self, pos: u64, len: usize) -> io::Result<Bytes>;

    /// Calls `f` with the `len` bytes at position `pos`, borrowed where the implementation can
    /// (memory-mapped files: no allocation, unlike [`Segment::slice`]); the default takes a slice.
    ///
    /// # Errors
    /// `InvalidInput` when the range is outside the segment.
    fn read_with(&self, pos: u64, len: usize, f: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        f(&self.slice(pos, len)?);
        Ok(())
    }

    /// Makes bytes `[from, to)` durable.
    ///
    /// # Errors
    /// The implementation's sync error. The caller must treat it as fatal for the data concerned.
    fn sync(&self, from: u64, to: u64) -> io::Result<()>;

    /// A hint that bytes `[from, to)` will be written soon: bring them in now, off the writer's
    /// path (for mapped files: take the page faults that would otherwise stall the writer). Never
    /// changes the content, so it may run concurrently with writes. The default does nothing.
    ///
    /// # Errors
    /// The implementation's error (the caller may ignore it: this is only a hint).
    fn prefault(&self, from: u64, to: u64) -> io::Result<()> {
        let _ = (from, to);
        Ok(())
    }

    /// A hint that bytes `[from, to)` need not stay resident in this process for now (for mapped
    /// files: drop the pages from the process's mapping; they stay in the OS page cache, written
    /// or not, and the next access maps them again). Never changes the content, synced or not,
    /// and may run concurrently with reads, slices and writes. The default does nothing.
    ///
    /// # Errors
    /// The implementation's error (the caller may ignore it: this is only a hint).
    fn release(&self, from: u64, to: u64) -> io::Result<()> {
        let _ = (from, to);
        Ok(())
    }

    /// A hint that bytes `[from, to)` will not be read again soon: drop them from this process
    /// (as [`Segment::release`]) and from the OS page cache, so that their memory goes back to
    /// the system now rather than when it runs short. Never changes the content, synced or not,
    /// and may run concurrently with reads, slices and writes: the next read brings the bytes
    /// back from disk. Bytes not yet synced stay cached, so callers evict synced bytes. The
    /// default does nothing.
    ///
    /// # Errors
    /// The implementation's error (the caller may ignore it: this is only a hint).
    fn evict(&self, from: u64, to: u64) -> io::Result<()> {
        let _ = (from, to);
        Ok(())
    }
}

/// A regular file found in a directory by [`SegmentStorage::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// File name (no directory part).
    pub name: String,
    /// Length in bytes.
    pub len: u64,
    /// Last modification time, epoch milliseconds (0 when unknown).
    pub modified_ms: u64,
}

/// Creates, lists, opens and removes segments. Paths are directories; names are file names.
pub trait SegmentStorage: Send + Sync + fmt::Debug {
    /// Regular files directly in `dir`, in no particular order; an absent directory is empty.
    ///
    /// # Errors
    /// I/O errors other than "not found".
    fn list(&self, dir: &Path) -> io::Result<Vec<FileEntry>>;

    /// Names of the sub-directories directly in `dir`; an absent directory has none.
    ///
    /// # Errors
    /// I/O errors other than "not found".
    fn list_dirs(&self, dir: &Path) -> io::Result<Vec<String>>;

    /// Creates `dir/name` (and missing parent directories) as a zeroed segment of `size_bytes`.
    ///
    /// # Errors
    /// `AlreadyExists` if the file exists; I/O errors.
    fn create(&self, dir: &Path, name: &str, size_bytes: u64) -> io::Result<Arc<dyn Segment>>;

    /// Opens an existing segment; its size is the file's length.
    ///
    /// # Errors
    /// `NotFound`; I/O errors.
    fn open(&self, dir: &Path, name: &str) -> io::Result<Arc<dyn Segment>>;

    /// Removes `dir/name`. Slices already handed out stay valid.
    ///
    /// # Errors
    /// I/O errors (removing an absent file is not an error).
    fn remove(&self, dir: &Path, name: &str) -> io::Result<()>;

    /// Removes `dir` and everything below it (absent is not an error).
    ///
    /// # Errors
    /// I/O errors.
    fn remove_dir_all(&self, dir: &Path) -> io::Result<()>;

    /// Writes a small, non-segment file atomically enough for markers (the `abort` file).
    ///
    /// # Errors
    /// I/O errors.
    fn write_marker(&self, dir: &Path, name: &str, contents: &[u8]) -> io::Result<()>;

    /// The same files, written the way that makes syncs cheapest, for a stream synced after
    /// nearly every append (the commit log under `SYNC_FLUSH`); `None` (the default) when this
    /// storage has no such way. Segments it hands out may also benefit from having their never
    /// written bytes written (as zeros) and synced ahead of the writer (`SegmentQueue::prewrite`).
    fn for_frequent_syncs(&self) -> Option<Arc<dyn SegmentStorage>> {
        None
    }

    /// Used fraction (0.0-1.0) of the disk holding `dir`, if the storage can tell.
    ///
    /// # Errors
    /// I/O errors.
    fn usage_ratio(&self, dir: &Path) -> io::Result<Option<f64>> {
        let _ = dir;
        Ok(None)
    }
}

/// Checks that `[pos, pos + len)` lies inside a segment of `size` bytes.
pub(crate) fn check_range(size: u64, pos: u64, len: usize) -> io::Result<()> {
    let end = pos.checked_add(len as u64);
    match end {
        Some(end) if end <= size => Ok(()),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("range {pos}+{len} outside segment of {size} bytes"),
        )),
    }
}
