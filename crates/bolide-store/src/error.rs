//! The store's error type.

use std::io;
use std::path::{Path, PathBuf};

/// Everything the store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An I/O operation on a store file failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done ("open", "sync", ...).
        op: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A segment file's length differs from the configured segment size.
    #[error("{path}: length {found} does not match the configured segment size {expected}; open the directory with the sizes it was created with")]
    SegmentSizeMismatch {
        /// The file.
        path: PathBuf,
        /// Configured size.
        expected: u64,
        /// Actual length.
        found: u64,
    },
    /// A segment file's name is not a multiple of the segment size.
    #[error("{path}: name is not a multiple of the segment size {segment_size}")]
    SegmentNameMisaligned {
        /// The file.
        path: PathBuf,
        /// Configured size.
        segment_size: u64,
    },
    /// Segment files are not contiguous.
    #[error("{path}: expected the segment starting at {expected} before it")]
    SegmentGap {
        /// The file after the gap.
        path: PathBuf,
        /// The base offset that is missing.
        expected: u64,
    },
    /// The requested offset is not (or no longer) stored.
    #[error("offset {offset} is not in the store")]
    OffsetNotFound {
        /// The offset asked for.
        offset: u64,
    },
    /// The bytes at a commit log offset are not a valid message record.
    #[error("no valid message record at commit log offset {offset}")]
    InvalidRecord {
        /// The offset asked for.
        offset: u64,
    },
    /// Recovery found an invalid record that is followed by valid ones, or that lies below the
    /// last checkpointed flush: this is corruption, not a torn tail, so nothing is cut silently.
    #[error(
        "commit log corrupt in {file} at offset {offset} (position {position} in the file), \
         valid data follows at {next_valid_offset:?}, durable up to at least {checkpoint_flushed_offset}; \
         to discard everything from this offset on, set truncateCorruptCommitLogAt={offset} and restart"
    )]
    CorruptCommitLog {
        /// The segment file.
        file: PathBuf,
        /// Commit log offset of the invalid record.
        offset: u64,
        /// Position inside the file.
        position: u64,
        /// Offset of a valid record found after it, if any.
        next_valid_offset: Option<u64>,
        /// The checkpoint's flushed offset (a lower bound of what had been made durable).
        checkpoint_flushed_offset: u64,
    },
    /// A record or batch is larger than `maxMessageSize` allows, or than a segment.
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    MessageTooLarge {
        /// Encoded size.
        size: u64,
        /// Limit.
        limit: u64,
    },
    /// The message cannot be encoded (field out of range).
    #[error("invalid message: {0}")]
    InvalidMessage(&'static str),
    /// The record encoder refused a field.
    #[error("invalid message: {0}")]
    Encode(#[from] bolide_protocol::message::EncodeError),
    /// A flush failed earlier; the store refuses writes until it is reopened.
    #[error("store is poisoned by a failed flush ({cause}); restart to recover from disk")]
    Poisoned {
        /// The first failure, rendered.
        cause: String,
    },
    /// The store is shutting down or was closed.
    #[error("store is closed")]
    Closed,
    /// The disk is too full to accept writes (`diskSpaceWarningLevelRatio` exceeded).
    #[error("disk usage {usage_percent}% is above the limit; writes refused until space is freed")]
    DiskFull {
        /// Current usage.
        usage_percent: u64,
    },
    /// Another process holds the store's lock file.
    #[error("store directory {0} is locked by another process")]
    Locked(PathBuf),
    /// A sync-flush append was stored but not made durable within `syncFlushTimeout`.
    #[error("flush did not complete within {timeout_ms} ms (the message is stored)")]
    FlushTimeout {
        /// The timeout used.
        timeout_ms: u64,
        /// Where the message was stored (set by `MessageStore::append`).
        appended: Option<crate::commit_log::AppendResult>,
    },
    /// The configuration is invalid.
    #[error("invalid store configuration: {0}")]
    Config(String),
}

pub(crate) fn io_error(op: &'static str, path: &Path, source: io::Error) -> StoreError {
    StoreError::Io { op, path: path.to_path_buf(), source }
}
