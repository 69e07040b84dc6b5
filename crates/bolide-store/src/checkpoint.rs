//! The `checkpoint` file: one 4096-byte page recording how far each structure is known durable.
//!
//! ```text
//! @0  physicMsgTimestamp   store time of the last commit log record known flushed
//! @8  logicsMsgTimestamp   store time of the last record dispatched to flushed consume queues
//! @16 indexMsgTimestamp    end time of the newest flushed index file
//! @24 masterFlushedOffset  (5.x HA; kept as read)
//! @32 confirmPhyOffset     (5.x; kept as read)
//! @40 commit log offset known flushed              } Bolide extension, ignored by Java; valid
//! @48 commit log offset dispatched and flushed     } only while @56 equals @0 (a Java broker
//! @56 copy of physicMsgTimestamp                   } rewriting @0 invalidates them)
//! ```
//!
//! Crash recovery starts scanning the commit log at `min(@40, @48)` when the extension is valid,
//! otherwise at the segment chosen by Java's timestamp rule, so its cost depends only on what was
//! written after the last checkpoint.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{io_error, StoreError};
use crate::segment::{Segment, SegmentStorage};

/// Checkpoint file name.
pub const CHECKPOINT_FILE: &str = "checkpoint";
/// Checkpoint file size.
pub const CHECKPOINT_BYTES: u64 = 4096;

/// The checkpoint's fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckpointData {
    /// `physicMsgTimestamp`.
    pub physic_msg_timestamp_ms: i64,
    /// `logicsMsgTimestamp`.
    pub logics_msg_timestamp_ms: i64,
    /// `indexMsgTimestamp`.
    pub index_msg_timestamp_ms: i64,
    /// `masterFlushedOffset` (not used by Bolide, preserved).
    pub master_flushed_offset: i64,
    /// `confirmPhyOffset` (not used by Bolide, preserved).
    pub confirm_phy_offset: i64,
    /// Commit log offset known flushed (Bolide; 0 when absent).
    pub commit_log_flushed_offset: u64,
    /// Commit log offset below which every record is in flushed consume queues (Bolide).
    pub dispatched_flushed_offset: u64,
    /// Whether the two Bolide offsets were written together with the current @0 value.
    pub extension_valid: bool,
}

impl CheckpointData {
    fn decode(raw: &[u8; 64]) -> Self {
        let long = |at: usize| i64::from_be_bytes(raw[at..at + 8].try_into().expect("8 bytes"));
        let physic = long(0);
        let extension_valid = long(56) == physic && (long(40) != 0 || long(48) != 0);
        CheckpointData {
            physic_msg_timestamp_ms: physic,
            logics_msg_timestamp_ms: long(8),
            index_msg_timestamp_ms: long(16),
            master_flushed_offset: long(24),
            confirm_phy_offset: long(32),
            commit_log_flushed_offset: long(40).max(0) as u64,
            dispatched_flushed_offset: long(48).max(0) as u64,
            extension_valid,
        }
    }

    fn encode(&self) -> [u8; 64] {
        let mut raw = [0u8; 64];
        let fields = [
            self.physic_msg_timestamp_ms,
            self.logics_msg_timestamp_ms,
            self.index_msg_timestamp_ms,
            self.master_flushed_offset,
            self.confirm_phy_offset,
            self.commit_log_flushed_offset as i64,
            self.dispatched_flushed_offset as i64,
            self.physic_msg_timestamp_ms,
        ];
        for (i, value) in fields.iter().enumerate() {
            raw[i * 8..i * 8 + 8].copy_from_slice(&value.to_be_bytes());
        }
        raw
    }

    /// Java's `minTimestamp`: `min(physic, logics) - 3 s`, not below 0.
    pub fn min_timestamp_ms(&self) -> i64 {
        (self.physic_msg_timestamp_ms.min(self.logics_msg_timestamp_ms) - 3000).max(0)
    }
}

/// The open checkpoint file.
#[derive(Debug)]
pub(crate) struct Checkpoint {
    segment: Arc<dyn Segment>,
    path: PathBuf,
}

impl Checkpoint {
    /// Opens (or creates, zeroed) `<root>/checkpoint` and reads it.
    pub(crate) fn open(storage: &dyn SegmentStorage, root: &Path) -> Result<(Self, CheckpointData), StoreError> {
        let path = root.join(CHECKPOINT_FILE);
        let exists =
            storage.list(root).map_err(|e| io_error("list", root, e))?.iter().any(|f| f.name == CHECKPOINT_FILE);
        let segment = if exists {
            storage.open(root, CHECKPOINT_FILE)
        } else {
            storage.create(root, CHECKPOINT_FILE, CHECKPOINT_BYTES)
        }
        .map_err(|e| io_error("open", &path, e))?;
        let mut raw = [0u8; 64];
        segment.read_into(0, &mut raw).map_err(|e| io_error("read", &path, e))?;
        Ok((Checkpoint { segment, path }, CheckpointData::decode(&raw)))
    }

    /// Writes and syncs `data`.
    pub(crate) fn store(&self, data: &CheckpointData) -> Result<(), StoreError> {
        self.segment.write(0, &data.encode()).map_err(|e| io_error("write", &self.path, e))?;
        self.segment.sync(0, 64).map_err(|e| io_error("sync", &self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::MemoryStorage;

    #[test]
    fn round_trip_and_java_rewrite_invalidates_extension() {
        let storage = MemoryStorage::new();
        let (cp, data) = Checkpoint::open(&storage, Path::new("root")).expect("open");
        assert_eq!(data, CheckpointData::default());
        let written = CheckpointData {
            physic_msg_timestamp_ms: 10_000,
            logics_msg_timestamp_ms: 9_000,
            index_msg_timestamp_ms: 8_000,
            commit_log_flushed_offset: 4096,
            dispatched_flushed_offset: 2048,
            extension_valid: true,
            ..CheckpointData::default()
        };
        cp.store(&written).expect("store");
        let (_, read) = Checkpoint::open(&storage, Path::new("root")).expect("reopen");
        assert_eq!(read, written);
        assert_eq!(read.min_timestamp_ms(), 6_000);
        // A Java broker rewrites @0 only: the Bolide offsets no longer apply.
        cp.segment.write(0, &20_000i64.to_be_bytes()).expect("write");
        let (_, read) = Checkpoint::open(&storage, Path::new("root")).expect("reopen");
        assert!(!read.extension_valid);
    }
}
