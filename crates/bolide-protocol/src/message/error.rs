//! Errors of the binary message encodings (stored records and batch bodies).
//!
//! Decoding errors name the field being read and the byte offset where it starts, counted from
//! the start of the buffer handed to the decoder (the iterators add the record's position, so an
//! error from a pull body points into the whole body). Nothing here allocates until an error
//! actually occurs.

/// A stored record or batch entry that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The buffer ends before a field, or before the length the record announces.
    #[error("truncated at byte {offset}: {field} needs {need} bytes, {have} left")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Where the field starts.
        offset: usize,
        /// Bytes the field needs.
        need: usize,
        /// Bytes available from `offset`.
        have: usize,
    },
    /// A field runs past the end the record's total size declares: the record is corrupt (more
    /// data would not help).
    #[error("{field} at byte {offset} needs {need} bytes but the record ends at byte {record_end}")]
    PastRecordEnd {
        /// The field being read.
        field: &'static str,
        /// Where the field starts.
        offset: usize,
        /// Bytes the field needs.
        need: usize,
        /// Where the record ends according to its total size.
        record_end: usize,
    },
    /// The total size field is negative or smaller than the smallest possible record.
    #[error("invalid total size {total_size} at byte {offset}")]
    InvalidTotalSize {
        /// The value read.
        total_size: i32,
        /// Where the record starts.
        offset: usize,
    },
    /// The magic code is neither message v1 nor v2 (nor, where allowed, the blank marker).
    #[error("unknown magic code {magic:#010X} at byte {offset}")]
    BadMagic {
        /// The value read.
        magic: u32,
        /// Where the magic code is.
        offset: usize,
    },
    /// The blank end-of-file marker appeared where a message was expected (e.g. in a pull body).
    #[error("end-of-file blank record at byte {offset} where a message was expected")]
    UnexpectedBlank {
        /// Where the record starts.
        offset: usize,
    },
    /// A length field is negative.
    #[error("{field} length {length} at byte {offset} is negative")]
    NegativeLength {
        /// The length field.
        field: &'static str,
        /// The value read.
        length: i64,
        /// Where the length field is.
        offset: usize,
    },
    /// An offset field (queue offset, commit log offset, prepared transaction offset) is negative.
    #[error("{field} {value} at byte {offset} is negative")]
    NegativeOffset {
        /// The field.
        field: &'static str,
        /// The value read.
        value: i64,
        /// Where the field is.
        offset: usize,
    },
    /// A host's port is outside 0..=65535 (Java cannot build the address either).
    #[error("{field} port {port} at byte {offset} is out of range")]
    InvalidPort {
        /// `born host` or `store host`.
        field: &'static str,
        /// The value read.
        port: i32,
        /// Where the port is.
        offset: usize,
    },
    /// The total size disagrees with the length computed from the field lengths.
    #[error("record at byte {offset} declares {total_size} bytes but its fields take {computed}")]
    LengthMismatch {
        /// The declared total size.
        total_size: usize,
        /// The size implied by the field lengths.
        computed: usize,
        /// Where the record starts.
        offset: usize,
    },
    /// A text field is not valid UTF-8.
    #[error("{field} at byte {offset} is not valid UTF-8")]
    InvalidUtf8 {
        /// The field.
        field: &'static str,
        /// Where the field starts.
        offset: usize,
    },
    /// The stored body CRC does not match the body (only reported by explicit checks).
    #[error("body CRC mismatch in record at byte {offset}: stored {stored:#010X}, computed {computed:#010X}")]
    BodyCrcMismatch {
        /// The CRC field as stored.
        stored: u32,
        /// The CRC of the body bytes.
        computed: u32,
        /// Where the record starts.
        offset: usize,
    },
}

impl DecodeError {
    /// The same error with every offset moved by `base` bytes, for errors found inside a record
    /// that starts at `base` within a larger buffer.
    #[must_use]
    pub fn shifted(self, base: usize) -> Self {
        match self {
            Self::Truncated { field, offset, need, have } => {
                Self::Truncated { field, offset: offset + base, need, have }
            }
            Self::PastRecordEnd { field, offset, need, record_end } => {
                Self::PastRecordEnd { field, offset: offset + base, need, record_end: record_end + base }
            }
            Self::InvalidTotalSize { total_size, offset } => {
                Self::InvalidTotalSize { total_size, offset: offset + base }
            }
            Self::BadMagic { magic, offset } => Self::BadMagic { magic, offset: offset + base },
            Self::UnexpectedBlank { offset } => Self::UnexpectedBlank { offset: offset + base },
            Self::NegativeLength { field, length, offset } => {
                Self::NegativeLength { field, length, offset: offset + base }
            }
            Self::NegativeOffset { field, value, offset } => {
                Self::NegativeOffset { field, value, offset: offset + base }
            }
            Self::InvalidPort { field, port, offset } => Self::InvalidPort { field, port, offset: offset + base },
            Self::LengthMismatch { total_size, computed, offset } => {
                Self::LengthMismatch { total_size, computed, offset: offset + base }
            }
            Self::InvalidUtf8 { field, offset } => Self::InvalidUtf8 { field, offset: offset + base },
            Self::BodyCrcMismatch { stored, computed, offset } => {
                Self::BodyCrcMismatch { stored, computed, offset: offset + base }
            }
        }
    }

    /// Whether the error only says the buffer ends too early: the bytes read so far are
    /// consistent, and more data might complete the record. A commit log recovery treats this as
    /// a torn tail, anything else as corruption.
    #[must_use]
    pub fn is_truncation(&self) -> bool {
        matches!(self, Self::Truncated { .. })
    }
}

/// A record or batch entry that cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A variable-length field is longer than its length field can express (topic: 127 bytes
    /// for magic v1, 32767 for v2; properties: 32767 bytes; body: `i32::MAX`).
    #[error("{field} of {length} bytes exceeds the limit of {max_bytes} bytes")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its length in bytes.
        length: usize,
        /// The largest length the encoding allows.
        max_bytes: usize,
    },
    /// An offset is beyond Java's signed 64-bit range.
    #[error("{field} {value} does not fit a signed 64-bit integer")]
    OffsetOutOfRange {
        /// The field.
        field: &'static str,
        /// The value.
        value: u64,
    },
    /// The whole record would be larger than `i32::MAX` bytes.
    #[error("record of {length} bytes exceeds the largest size a 32-bit total size can express")]
    RecordTooLarge {
        /// The record length.
        length: usize,
    },
    /// The destination slice cannot hold the record.
    #[error("destination of {have} bytes cannot hold a record of {need} bytes")]
    BufferTooSmall {
        /// Bytes needed.
        need: usize,
        /// Bytes available.
        have: usize,
    },
}
