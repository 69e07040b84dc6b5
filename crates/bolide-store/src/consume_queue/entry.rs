//! The 20-byte consume queue entry: `commitLogOffset(8) size(4) tagsCode(8)`, big-endian.

/// Bytes per entry (`CQ_STORE_UNIT_SIZE`).
pub const ENTRY_SIZE: u64 = 20;

/// Size written into filler entries that pad a queue's first segment (`Integer.MAX_VALUE`).
pub(crate) const FILLER_SIZE: u32 = i32::MAX as u32;

/// One consume queue entry: where a message is in the commit log and its tag hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsumeQueueEntry {
    /// Commit log offset of the record.
    pub commit_log_offset: u64,
    /// The record's TOTALSIZE.
    pub size: u32,
    /// Tag hash code (message-format §8.1), or a delivery time for the schedule topic.
    pub tags_code: i64,
}

impl ConsumeQueueEntry {
    /// The filler entry `(0, Integer.MAX_VALUE, 0)`.
    pub(crate) const FILLER: ConsumeQueueEntry =
        ConsumeQueueEntry { commit_log_offset: 0, size: FILLER_SIZE, tags_code: 0 };

    /// Encodes into the on-disk form.
    pub fn to_bytes(&self) -> [u8; ENTRY_SIZE as usize] {
        let mut out = [0u8; ENTRY_SIZE as usize];
        out[0..8].copy_from_slice(&self.commit_log_offset.to_be_bytes());
        out[8..12].copy_from_slice(&self.size.to_be_bytes());
        out[12..20].copy_from_slice(&self.tags_code.to_be_bytes());
        out
    }

    /// Decodes the on-disk form.
    pub fn from_bytes(bytes: &[u8; ENTRY_SIZE as usize]) -> Self {
        let mut offset = [0u8; 8];
        offset.copy_from_slice(&bytes[0..8]);
        let mut size = [0u8; 4];
        size.copy_from_slice(&bytes[8..12]);
        let mut tags = [0u8; 8];
        tags.copy_from_slice(&bytes[12..20]);
        ConsumeQueueEntry {
            commit_log_offset: u64::from_be_bytes(offset),
            size: u32::from_be_bytes(size),
            tags_code: i64::from_be_bytes(tags),
        }
    }

    /// The recovery rule: `offset >= 0 && size > 0` (as Java's signed values).
    pub fn is_valid(&self) -> bool {
        (self.commit_log_offset as i64) >= 0 && (self.size as i32) > 0
    }

    /// True for the padding entries written before a queue's first real entry.
    pub fn is_filler(&self) -> bool {
        self.size == FILLER_SIZE && self.commit_log_offset == 0
    }

    /// True for an all-zero slot (never written).
    pub(crate) fn is_zero(&self) -> bool {
        self.commit_log_offset == 0 && self.size == 0 && self.tags_code == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_validity() {
        let e = ConsumeQueueEntry { commit_log_offset: 1_073_741_824, size: 112, tags_code: -5 };
        let bytes = e.to_bytes();
        assert_eq!(&bytes[..8], &[0, 0, 0, 0, 0x40, 0, 0, 0]);
        assert_eq!(ConsumeQueueEntry::from_bytes(&bytes), e);
        assert!(e.is_valid());
        assert!(ConsumeQueueEntry::FILLER.is_valid() && ConsumeQueueEntry::FILLER.is_filler());
        assert!(!ConsumeQueueEntry::from_bytes(&[0; 20]).is_valid());
    }
}
