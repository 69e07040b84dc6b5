//! Errors of the protocol crate. "Not enough bytes yet" is never an error: decoders return
//! `Ok(None)` for it and consume nothing.

/// A frame or command header that cannot be decoded or encoded. The connection that sent it
/// should be closed; nothing else is affected.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The length prefix is negative or too small to hold the header word.
    #[error("invalid frame length {length}: must be at least 4")]
    InvalidLength {
        /// The length prefix as read.
        length: i32,
    },
    /// The length prefix is larger than the configured maximum frame size.
    #[error("frame of {length} bytes exceeds the limit of {max_bytes} bytes")]
    TooLarge {
        /// The length prefix as read (or the length a command would encode to).
        length: u64,
        /// The configured limit.
        max_bytes: usize,
    },
    /// The most significant byte of the header word is neither 0 (JSON) nor 1 (ROCKETMQ).
    #[error("unknown header serialize type {0} (expected 0 for JSON or 1 for ROCKETMQ)")]
    UnknownSerializeType(u8),
    /// The header length does not fit in the frame.
    #[error("header length {header_length} exceeds the frame's {available} bytes after the header word")]
    HeaderTooLong {
        /// Header length from the header word.
        header_length: usize,
        /// Bytes the frame has for header and body.
        available: usize,
    },
    /// The JSON header is not valid JSON (or not UTF-8), or a field has the wrong type.
    #[error("undecodable JSON header: {0}")]
    JsonHeader(#[from] serde_json::Error),
    /// The ROCKETMQ binary header is inconsistent.
    #[error("undecodable binary header: {0}")]
    BinaryHeader(#[from] BinaryHeaderError),
}

/// What is wrong with a ROCKETMQ binary header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BinaryHeaderError {
    /// The header ends before a field it announces.
    #[error("truncated at byte {offset}: {field} needs {need} bytes, {have} left")]
    Truncated {
        /// Which field was being read.
        field: &'static str,
        /// Position in the header.
        offset: usize,
        /// Bytes needed.
        need: usize,
        /// Bytes left.
        have: usize,
    },
    /// A length field is negative.
    #[error("{field} length {length} is negative")]
    NegativeLength {
        /// Which length.
        field: &'static str,
        /// The value read.
        length: i64,
    },
    /// A string is not valid UTF-8.
    #[error("{field} is not valid UTF-8")]
    InvalidUtf8 {
        /// Which string.
        field: &'static str,
    },
    /// A value does not fit the binary form (code or version beyond 16 bits, key beyond 32767
    /// bytes).
    #[error("{field} value {value} does not fit the binary header")]
    OutOfRange {
        /// Which field.
        field: &'static str,
        /// The value.
        value: i64,
    },
}

/// A typed request or response header that cannot be built from `extFields`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The command has no `extFields` at all but the header has required fields.
    #[error("the command carries no header fields; expected field {field}")]
    NoFields {
        /// The first required field.
        field: &'static str,
    },
    /// A required field is absent. The text matches the Java servers' remark.
    #[error("the custom field {field} is null")]
    Missing {
        /// The Java field name.
        field: &'static str,
    },
    /// A field is present but cannot be parsed as its type.
    #[error("the custom field {field} has value {value:?}, which is not a valid {expected}")]
    Invalid {
        /// The Java field name.
        field: &'static str,
        /// The text received.
        value: String,
        /// The expected type, e.g. `i64`.
        expected: &'static str,
    },
    /// The fields parse but break a rule of the header (e.g. an out-of-range enum value).
    #[error("the custom field {field} is invalid: {reason}")]
    Rule {
        /// The Java field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}
