//! The in-memory reference implementation of the disk seam, with simulated power loss.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;

use super::{check_range, FileEntry, Segment, SegmentStorage};

/// Segments kept in memory. Cloning shares the same "disk", so a store reopened on a clone sees
/// what the previous one left. [`MemoryStorage::crash`] simulates a power loss.
#[derive(Debug, Default, Clone)]
pub struct MemoryStorage {
    files: Arc<Mutex<BTreeMap<PathBuf, Arc<MemorySegment>>>>,
    usage_ratio: Arc<Mutex<Option<f64>>>,
}

#[derive(Debug)]
struct MemorySegment {
    size: u64,
    bytes: Mutex<Buffers>,
}

/// `live` is what reads see; `durable` is what survives [`MemoryStorage::crash`].
#[derive(Debug)]
struct Buffers {
    live: Vec<u8>,
    durable: Vec<u8>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain byte buffers behind, still usable.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MemoryStorage {
    /// An empty disk.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the disk usage this storage reports (for retention tests).
    pub fn set_usage_ratio(&self, ratio: Option<f64>) {
        *lock(&self.usage_ratio) = ratio;
    }

    /// Simulates a power loss: every byte written since its last `sync` reverts to what was last
    /// synced. Stores using this storage must be dropped (not closed) before calling this.
    pub fn crash(&self) {
        for segment in lock(&self.files).values() {
            let mut buffers = lock(&segment.bytes);
            let durable = buffers.durable.clone();
            buffers.live = durable;
        }
    }
}

impl Segment for MemorySegment {
    fn size_bytes(&self) -> u64 {
        self.size
    }

    fn write(&self, pos: u64, data: &[u8]) -> io::Result<()> {
        check_range(self.size, pos, data.len())?;
        let start = pos as usize;
        lock(&self.bytes).live[start..start + data.len()].copy_from_slice(data);
        Ok(())
    }

    fn read_into(&self, pos: u64, buf: &mut [u8]) -> io::Result<()> {
        check_range(self.size, pos, buf.len())?;
        let start = pos as usize;
        buf.copy_from_slice(&lock(&self.bytes).live[start..start + buf.len()]);
        Ok(())
    }

    fn slice(&self, pos: u64, len: usize) -> io::Result<Bytes> {
        check_range(self.size, pos, len)?;
        let start = pos as usize;
        Ok(Bytes::copy_from_slice(&lock(&self.bytes).live[start..start + len]))
    }

    fn sync(&self, from: u64, to: u64) -> io::Result<()> {
        if to <= from {
            return Ok(());
        }
        check_range(self.size, from, (to - from) as usize)?;
        let mut buffers = lock(&self.bytes);
        let Buffers { live, durable } = &mut *buffers;
        durable[from as usize..to as usize].copy_from_slice(&live[from as usize..to as usize]);
        Ok(())
    }
}

impl SegmentStorage for MemoryStorage {
    fn list(&self, dir: &Path) -> io::Result<Vec<FileEntry>> {
        let files = lock(&self.files);
        Ok(files
            .iter()
            .filter(|(path, _)| path.parent() == Some(dir))
            .filter_map(|(path, segment)| {
                let name = path.file_name()?.to_string_lossy().into_owned();
                Some(FileEntry { name, len: segment.size, modified_ms: 0 })
            })
            .collect())
    }

    fn list_dirs(&self, dir: &Path) -> io::Result<Vec<String>> {
        let files = lock(&self.files);
        let mut out: Vec<String> = files
            .keys()
            .filter_map(|path| path.strip_prefix(dir).ok())
            .filter(|rest| rest.components().count() > 1)
            .filter_map(|rest| rest.components().next())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        out.dedup();
        Ok(out)
    }

    fn create(&self, dir: &Path, name: &str, size_bytes: u64) -> io::Result<Arc<dyn Segment>> {
        let mut files = lock(&self.files);
        let path = dir.join(name);
        if files.contains_key(&path) {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("{} exists", path.display())));
        }
        let len = usize::try_from(size_bytes).map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
        let segment = Arc::new(MemorySegment {
            size: size_bytes,
            bytes: Mutex::new(Buffers { live: vec![0; len], durable: vec![0; len] }),
        });
        files.insert(path, Arc::clone(&segment));
        Ok(segment)
    }

    fn open(&self, dir: &Path, name: &str) -> io::Result<Arc<dyn Segment>> {
        let files = lock(&self.files);
        match files.get(&dir.join(name)) {
            Some(segment) => Ok(Arc::clone(segment) as Arc<dyn Segment>),
            None => Err(io::Error::new(io::ErrorKind::NotFound, format!("{} not found", dir.join(name).display()))),
        }
    }

    fn remove(&self, dir: &Path, name: &str) -> io::Result<()> {
        lock(&self.files).remove(&dir.join(name));
        Ok(())
    }

    fn remove_dir_all(&self, dir: &Path) -> io::Result<()> {
        lock(&self.files).retain(|path, _| !path.starts_with(dir));
        Ok(())
    }

    fn usage_ratio(&self, _dir: &Path) -> io::Result<Option<f64>> {
        Ok(*lock(&self.usage_ratio))
    }

    fn write_marker(&self, dir: &Path, name: &str, contents: &[u8]) -> io::Result<()> {
        let mut files = lock(&self.files);
        let len = contents.len().max(1);
        let mut live = vec![0; len];
        live[..contents.len()].copy_from_slice(contents);
        let segment = MemorySegment { size: len as u64, bytes: Mutex::new(Buffers { durable: live.clone(), live }) };
        files.insert(dir.join(name), Arc::new(segment));
        Ok(())
    }
}
