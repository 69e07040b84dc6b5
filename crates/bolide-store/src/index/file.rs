//! One index file: a 40-byte header, `slots` 4-byte hash slots and `entries` 20-byte entries
//! chained per slot (store-format §5).
//!
//! ```text
//! header: beginTimestamp(8) endTimestamp(8) beginPhyOffset(8) endPhyOffset(8) hashSlotCount(4) indexCount(4)
//! slot:   entry number of the newest entry whose key hashes here (0 = empty)
//! entry:  keyHash(4) commitLogOffset(8) timeDiffSeconds(4) prevEntryNumber(4)
//! ```

use std::path::Path;
use std::sync::Arc;

use crate::error::StoreError;
use crate::segment::Segment;

pub(crate) const HEADER_BYTES: u64 = 40;
pub(crate) const SLOT_BYTES: u64 = 4;
pub(crate) const ENTRY_BYTES: u64 = 20;

/// Size of an index file with the given geometry.
pub(crate) fn index_file_size(slots: u32, entries: u32) -> u64 {
    HEADER_BYTES + u64::from(slots) * SLOT_BYTES + u64::from(entries) * ENTRY_BYTES
}

/// The header fields, kept in memory and written through on every put.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct IndexHeader {
    pub(crate) begin_timestamp_ms: i64,
    pub(crate) end_timestamp_ms: i64,
    pub(crate) begin_phy_offset: i64,
    pub(crate) end_phy_offset: i64,
    pub(crate) hash_slot_count: i32,
    /// Next entry number; starts at 1.
    pub(crate) index_count: i32,
}

impl IndexHeader {
    fn to_bytes(self) -> [u8; HEADER_BYTES as usize] {
        let mut out = [0u8; HEADER_BYTES as usize];
        out[0..8].copy_from_slice(&self.begin_timestamp_ms.to_be_bytes());
        out[8..16].copy_from_slice(&self.end_timestamp_ms.to_be_bytes());
        out[16..24].copy_from_slice(&self.begin_phy_offset.to_be_bytes());
        out[24..32].copy_from_slice(&self.end_phy_offset.to_be_bytes());
        out[32..36].copy_from_slice(&self.hash_slot_count.to_be_bytes());
        out[36..40].copy_from_slice(&self.index_count.to_be_bytes());
        out
    }

    fn from_bytes(raw: &[u8; HEADER_BYTES as usize]) -> Self {
        let long = |at: usize| i64::from_be_bytes(raw[at..at + 8].try_into().expect("8 bytes"));
        let int = |at: usize| i32::from_be_bytes(raw[at..at + 4].try_into().expect("4 bytes"));
        IndexHeader {
            begin_timestamp_ms: long(0),
            end_timestamp_ms: long(8),
            begin_phy_offset: long(16),
            end_phy_offset: long(24),
            hash_slot_count: int(32),
            index_count: int(36).max(1),
        }
    }
}

#[derive(Debug)]
pub(crate) struct IndexFile {
    pub(crate) name: String,
    segment: Arc<dyn Segment>,
    slots: u32,
    entries: u32,
    pub(crate) header: IndexHeader,
}

impl IndexFile {
    /// Wraps a freshly created file; header values start from `previous` (the file it replaces).
    pub(crate) fn create(
        name: String,
        segment: Arc<dyn Segment>,
        slots: u32,
        entries: u32,
        previous: Option<&IndexHeader>,
    ) -> Result<Self, StoreError> {
        let mut header = IndexHeader { index_count: 1, ..IndexHeader::default() };
        if let Some(prev) = previous {
            header.begin_timestamp_ms = prev.end_timestamp_ms;
            header.end_timestamp_ms = prev.end_timestamp_ms;
            header.begin_phy_offset = prev.end_phy_offset;
            header.end_phy_offset = prev.end_phy_offset;
        }
        let file = IndexFile { name, segment, slots, entries, header };
        file.write_header()?;
        Ok(file)
    }

    /// Wraps an existing file, reading its header.
    pub(crate) fn load(name: String, segment: Arc<dyn Segment>, slots: u32, entries: u32) -> Result<Self, StoreError> {
        let mut raw = [0u8; HEADER_BYTES as usize];
        segment.read_into(0, &mut raw).map_err(|e| crate::error::io_error("read", Path::new(&name), e))?;
        Ok(IndexFile { header: IndexHeader::from_bytes(&raw), name, segment, slots, entries })
    }

    pub(crate) fn is_full(&self) -> bool {
        self.header.index_count as u64 >= u64::from(self.entries)
    }

    fn write_header(&self) -> Result<(), StoreError> {
        self.write(0, &self.header.to_bytes())
    }

    fn write(&self, pos: u64, data: &[u8]) -> Result<(), StoreError> {
        self.segment.write(pos, data).map_err(|e| crate::error::io_error("write", Path::new(&self.name), e))
    }

    fn read_i32(&self, pos: u64) -> Result<i32, StoreError> {
        let mut raw = [0u8; 4];
        self.segment.read_into(pos, &mut raw).map_err(|e| crate::error::io_error("read", Path::new(&self.name), e))?;
        Ok(i32::from_be_bytes(raw))
    }

    fn slot_pos(&self, key_hash: i32) -> u64 {
        HEADER_BYTES + (key_hash as u64 % u64::from(self.slots)) * SLOT_BYTES
    }

    fn entry_pos(&self, number: i32) -> u64 {
        HEADER_BYTES + u64::from(self.slots) * SLOT_BYTES + number as u64 * ENTRY_BYTES
    }

    /// Adds an entry; returns `false` when the file is full (nothing written).
    pub(crate) fn put(
        &mut self,
        key_hash: i32,
        commit_log_offset: u64,
        store_timestamp_ms: i64,
    ) -> Result<bool, StoreError> {
        if self.is_full() {
            return Ok(false);
        }
        let slot_pos = self.slot_pos(key_hash);
        let mut slot_value = self.read_i32(slot_pos)?;
        let slot_was_empty = slot_value <= 0 || slot_value > self.header.index_count;
        if slot_was_empty {
            slot_value = 0;
        }
        let time_diff = if self.header.begin_timestamp_ms <= 0 {
            0
        } else {
            ((store_timestamp_ms - self.header.begin_timestamp_ms) / 1000).clamp(0, i64::from(i32::MAX)) as i32
        };
        let number = self.header.index_count;
        let mut entry = [0u8; ENTRY_BYTES as usize];
        entry[0..4].copy_from_slice(&key_hash.to_be_bytes());
        entry[4..12].copy_from_slice(&(commit_log_offset as i64).to_be_bytes());
        entry[12..16].copy_from_slice(&time_diff.to_be_bytes());
        entry[16..20].copy_from_slice(&slot_value.to_be_bytes());
        self.write(self.entry_pos(number), &entry)?;
        self.write(slot_pos, &number.to_be_bytes())?;
        if self.header.index_count <= 1 {
            self.header.begin_phy_offset = commit_log_offset as i64;
            self.header.begin_timestamp_ms = store_timestamp_ms;
        }
        if slot_was_empty {
            self.header.hash_slot_count += 1;
        }
        self.header.index_count += 1;
        self.header.end_phy_offset = commit_log_offset as i64;
        self.header.end_timestamp_ms = store_timestamp_ms;
        self.write_header()?;
        Ok(true)
    }

    /// Commit log offsets of entries with `key_hash` stored within `[begin_ms, end_ms]`, newest
    /// first, at most `max` of them appended to `out`.
    pub(crate) fn query(
        &self,
        key_hash: i32,
        begin_ms: i64,
        end_ms: i64,
        max: usize,
        out: &mut Vec<u64>,
    ) -> Result<(), StoreError> {
        let count = self.header.index_count;
        let mut next = self.read_i32(self.slot_pos(key_hash))?;
        if next <= 0 || next >= count {
            return Ok(());
        }
        let mut raw = [0u8; ENTRY_BYTES as usize];
        while out.len() < max {
            self.segment
                .read_into(self.entry_pos(next), &mut raw)
                .map_err(|e| crate::error::io_error("read", Path::new(&self.name), e))?;
            let hash = i32::from_be_bytes(raw[0..4].try_into().expect("4 bytes"));
            let offset = i64::from_be_bytes(raw[4..12].try_into().expect("8 bytes"));
            let diff = i32::from_be_bytes(raw[12..16].try_into().expect("4 bytes"));
            let prev = i32::from_be_bytes(raw[16..20].try_into().expect("4 bytes"));
            let time = self.header.begin_timestamp_ms + i64::from(diff) * 1000;
            if hash == key_hash && time >= begin_ms && time <= end_ms && offset >= 0 {
                out.push(offset as u64);
            }
            if prev <= 0 || prev >= count || prev == next || time < begin_ms {
                break;
            }
            next = prev;
        }
        Ok(())
    }

    pub(crate) fn sync(&self) -> Result<(), StoreError> {
        self.segment
            .sync(0, self.segment.size_bytes())
            .map_err(|e| crate::error::io_error("sync", Path::new(&self.name), e))
    }
}

/// `abs(String.hashCode())` of `topic + "#" + key`, with `Integer.MIN_VALUE` mapped to 0.
pub(crate) fn key_hash(topic: &str, key: &str) -> i32 {
    let hash = topic
        .encode_utf16()
        .chain("#".encode_utf16())
        .chain(key.encode_utf16())
        .fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)));
    hash.checked_abs().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::{MemoryStorage, SegmentStorage};

    #[test]
    fn hash_matches_java() {
        // "T#k".hashCode() = 'T'*961 + '#'*31 + 'k' = 80771 + 1085 + 107
        assert_eq!(key_hash("T", "k"), 84 * 961 + 35 * 31 + 107);
    }

    #[test]
    fn put_and_query_with_collisions() {
        let storage = MemoryStorage::new();
        let seg = storage.create(Path::new("index"), "f", index_file_size(4, 8)).expect("create");
        let mut file = IndexFile::create("f".into(), seg, 4, 8, None).expect("file");
        for i in 0..7u64 {
            assert!(file.put((i % 2) as i32, 100 * i, 1_000_000 + i as i64 * 1000).expect("put"));
        }
        assert!(!file.put(0, 999, 2_000_000).expect("put"), "full after 7 entries (entry 0 unused)");
        let mut out = Vec::new();
        file.query(0, 0, i64::MAX, 64, &mut out).expect("query");
        assert_eq!(out, vec![600, 400, 200, 0]);
        out.clear();
        file.query(1, 1_003_000, 1_005_000, 64, &mut out).expect("query");
        assert_eq!(out, vec![500, 300]);
        assert_eq!(file.header.index_count, 8);
        assert_eq!(file.header.hash_slot_count, 2);
    }
}
