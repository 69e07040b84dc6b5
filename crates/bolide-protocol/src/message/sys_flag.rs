//! `MessageSysFlag` (message-format.md §2): the message's system bit field, sent in the send
//! header (`sysFlag`) and stored as field 8 of every record.
//!
//! ```text
//! bit  0      COMPRESSED        body is compressed; algorithm in bits 8-10
//! bit  1      MULTI_TAGS        set by the broker for MULTI_TAG topics
//! bits 2-3    transaction type  0x0 none, 0x4 prepared, 0x8 commit, 0xC rollback
//! bit  4      BORNHOST_V6       born host is 16 + 4 bytes
//! bit  5      STOREHOST_V6      store host is 16 + 4 bytes
//! bit  6      NEED_UNWRAP       (5.x) inner-batch container
//! bit  7      INNER_BATCH       (5.x) inner-batch record
//! bits 8-10   compression type  1 LZ4, 2 ZSTD, 3 ZLIB, 0 ZLIB (legacy)
//! ```
//! The pull request's sysflag is a different field with its own bits; it lives with the pull
//! header.

use super::compression::CompressionType;

/// Body is compressed; the algorithm is in [`COMPRESSION_TYPE_MASK`].
pub const COMPRESSED: i32 = 0x1;
/// Set by the broker when the topic's filter type is `MULTI_TAG`.
pub const MULTI_TAGS: i32 = 0x2;
/// Mask of the 2-bit transaction type.
pub const TRANSACTION_TYPE_MASK: i32 = 0xC;
/// Transaction type: a normal message.
pub const TRANSACTION_NOT_TYPE: i32 = 0x0;
/// Transaction type: a half (prepared) message.
pub const TRANSACTION_PREPARED_TYPE: i32 = 0x4;
/// Transaction type: a committed message.
pub const TRANSACTION_COMMIT_TYPE: i32 = 0x8;
/// Transaction type: a rolled-back message.
pub const TRANSACTION_ROLLBACK_TYPE: i32 = 0xC;
/// The born host is IPv6 (16 address bytes).
pub const BORNHOST_V6: i32 = 0x10;
/// The store host is IPv6 (16 address bytes).
pub const STOREHOST_V6: i32 = 0x20;
/// (5.x) The record is an inner-batch container that consumers must unwrap.
pub const NEED_UNWRAP: i32 = 0x40;
/// (5.x) The record's body holds several messages (batch body encoding).
pub const INNER_BATCH: i32 = 0x80;
/// Mask of the 3-bit compression type.
pub const COMPRESSION_TYPE_MASK: i32 = 0x700;
/// Shift of the compression type.
pub const COMPRESSION_TYPE_SHIFT: u32 = 8;

/// The transaction type carried in bits 2-3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionType {
    /// A normal message (0x0).
    NotType,
    /// A half message as sent by a transactional producer (0x4).
    Prepared,
    /// A committed message (0x8).
    Commit,
    /// A rolled-back message (0xC); never written by current brokers.
    Rollback,
}

impl TransactionType {
    /// The value of bits 2-3.
    #[must_use]
    pub const fn bits(self) -> i32 {
        match self {
            Self::NotType => TRANSACTION_NOT_TYPE,
            Self::Prepared => TRANSACTION_PREPARED_TYPE,
            Self::Commit => TRANSACTION_COMMIT_TYPE,
            Self::Rollback => TRANSACTION_ROLLBACK_TYPE,
        }
    }
}

/// A message sysflag value. Unknown bits are kept as they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SysFlag(i32);

impl SysFlag {
    /// Wraps a raw value.
    #[must_use]
    pub const fn from_bits(bits: i32) -> Self {
        Self(bits)
    }

    /// The raw value, as it travels.
    #[must_use]
    pub const fn bits(self) -> i32 {
        self.0
    }

    /// Whether all of `mask` is set.
    #[must_use]
    pub const fn contains(self, mask: i32) -> bool {
        self.0 & mask == mask
    }

    /// The value with `mask` set (`on`) or cleared.
    #[must_use]
    pub const fn with(self, mask: i32, on: bool) -> Self {
        if on {
            Self(self.0 | mask)
        } else {
            Self(self.0 & !mask)
        }
    }

    /// Whether the body is compressed.
    #[must_use]
    pub const fn is_compressed(self) -> bool {
        self.contains(COMPRESSED)
    }

    /// The transaction type.
    #[must_use]
    pub const fn transaction_type(self) -> TransactionType {
        match self.0 & TRANSACTION_TYPE_MASK {
            TRANSACTION_NOT_TYPE => TransactionType::NotType,
            TRANSACTION_PREPARED_TYPE => TransactionType::Prepared,
            TRANSACTION_COMMIT_TYPE => TransactionType::Commit,
            _ => TransactionType::Rollback,
        }
    }

    /// The value with its transaction type replaced.
    #[must_use]
    pub const fn with_transaction_type(self, transaction_type: TransactionType) -> Self {
        Self((self.0 & !TRANSACTION_TYPE_MASK) | transaction_type.bits())
    }

    /// Whether the born host is IPv6.
    #[must_use]
    pub const fn born_host_v6(self) -> bool {
        self.contains(BORNHOST_V6)
    }

    /// Whether the store host is IPv6.
    #[must_use]
    pub const fn store_host_v6(self) -> bool {
        self.contains(STOREHOST_V6)
    }

    /// Bytes the born host takes in a record: 8 (IPv4) or 20 (IPv6).
    #[must_use]
    pub const fn born_host_len(self) -> usize {
        if self.born_host_v6() {
            20
        } else {
            8
        }
    }

    /// Bytes the store host takes in a record: 8 (IPv4) or 20 (IPv6).
    #[must_use]
    pub const fn store_host_len(self) -> usize {
        if self.store_host_v6() {
            20
        } else {
            8
        }
    }

    /// Whether this is an inner-batch container (both [`NEED_UNWRAP`] and [`INNER_BATCH`]).
    #[must_use]
    pub const fn is_inner_batch(self) -> bool {
        self.contains(NEED_UNWRAP | INNER_BATCH)
    }

    /// The raw 3-bit compression type field, meaningful only when compressed.
    #[must_use]
    pub const fn compression_type_bits(self) -> i32 {
        (self.0 & COMPRESSION_TYPE_MASK) >> COMPRESSION_TYPE_SHIFT
    }

    /// The compression algorithm: `Ok(None)` when the body is not compressed.
    ///
    /// # Errors
    /// The raw type value when it is one of the reserved values 4-7.
    pub fn compression(self) -> Result<Option<CompressionType>, i32> {
        if !self.is_compressed() {
            return Ok(None);
        }
        let bits = self.compression_type_bits();
        CompressionType::from_type_bits(bits).map(Some).ok_or(bits)
    }

    /// The value marked as compressed with `compression` (bit 0 and bits 8-10).
    #[must_use]
    pub const fn with_compression(self, compression: CompressionType) -> Self {
        Self((self.0 & !COMPRESSION_TYPE_MASK) | COMPRESSED | (compression.type_bits() << COMPRESSION_TYPE_SHIFT))
    }

    /// The value after a consumer decompressed the body: bit 0 cleared, type bits kept, as the
    /// Java client does.
    #[must_use]
    pub const fn decompressed(self) -> Self {
        Self(self.0 & !COMPRESSED)
    }
}

impl From<i32> for SysFlag {
    fn from(bits: i32) -> Self {
        Self(bits)
    }
}

impl From<SysFlag> for i32 {
    fn from(flag: SysFlag) -> Self {
        flag.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_types() {
        assert_eq!(SysFlag::from_bits(0).transaction_type(), TransactionType::NotType);
        assert_eq!(SysFlag::from_bits(0x4).transaction_type(), TransactionType::Prepared);
        assert_eq!(SysFlag::from_bits(0x8 | 0x1).transaction_type(), TransactionType::Commit);
        assert_eq!(SysFlag::from_bits(0xC).transaction_type(), TransactionType::Rollback);
        let flag = SysFlag::from_bits(0x4 | BORNHOST_V6).with_transaction_type(TransactionType::Commit);
        assert_eq!(flag.bits(), 0x8 | BORNHOST_V6);
    }

    #[test]
    fn host_lengths() {
        assert_eq!(SysFlag::default().born_host_len(), 8);
        assert_eq!(SysFlag::from_bits(BORNHOST_V6).born_host_len(), 20);
        assert_eq!(SysFlag::from_bits(BORNHOST_V6).store_host_len(), 8);
        assert_eq!(SysFlag::from_bits(STOREHOST_V6).store_host_len(), 20);
    }

    #[test]
    fn compression_bits() {
        assert_eq!(SysFlag::from_bits(0x300).compression(), Ok(None));
        assert_eq!(SysFlag::from_bits(0x1).compression(), Ok(Some(CompressionType::Zlib)));
        assert_eq!(SysFlag::from_bits(0x101).compression(), Ok(Some(CompressionType::Lz4)));
        assert_eq!(SysFlag::from_bits(0x201).compression(), Ok(Some(CompressionType::Zstd)));
        assert_eq!(SysFlag::from_bits(0x301).compression(), Ok(Some(CompressionType::Zlib)));
        assert_eq!(SysFlag::from_bits(0x401).compression(), Err(4));
        let flag = SysFlag::from_bits(0x701 | TRANSACTION_COMMIT_TYPE).with_compression(CompressionType::Zstd);
        assert_eq!(flag.bits(), 0x201 | TRANSACTION_COMMIT_TYPE);
        assert_eq!(flag.decompressed().bits(), 0x200 | TRANSACTION_COMMIT_TYPE);
        assert!(SysFlag::from_bits(NEED_UNWRAP | INNER_BATCH).is_inner_batch());
        assert!(!SysFlag::from_bits(INNER_BATCH).is_inner_batch());
    }
}
