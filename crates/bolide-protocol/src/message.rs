//! Message encodings (message-format.md, data-formats.md §4-8): the properties string, message
//! sysflag bits, stored-message records (commit log entries and pull bodies), batch bodies,
//! message ids, body compression and tag hash codes.
//!
//! Everything here is zero-copy on the read side (views over `&[u8]` or `Bytes` slices) and
//! writes into caller-owned buffers on the encode side, so the store can encode straight into a
//! segment and read records from mapped memory.
//!
//! - [`properties`]: `name 0x01 value 0x02 ...`, well-known names, allocation-free lookup;
//! - [`sys_flag`]: [`SysFlag`] and its bits;
//! - [`stored`]: [`StoredMessage`] view, [`Record`] (message or blank), [`MessageRecord`] encoder;
//! - [`batch`]: SEND_BATCH_MESSAGE body entries;
//! - [`message_id`]: [`OffsetMessageId`] and the client [`UniqueId`];
//! - [`compression`]: zlib / LZ4 / zstd bodies;
//! - [`tag`]: Java `String.hashCode` tags codes;
//! - [`error`]: [`DecodeError`] and [`EncodeError`].

pub mod batch;
pub mod compression;
pub mod error;
pub mod message_id;
pub mod properties;
mod reader;
pub mod stored;
pub mod sys_flag;
pub mod tag;

pub use self::batch::{BatchEntry, SharedBatchEntry};
pub use self::compression::CompressionType;
pub use self::error::{DecodeError, EncodeError};
pub use self::message_id::{OffsetMessageId, UniqueId, UniqueIdGenerator};
pub use self::properties::{find_property, Properties};
pub use self::stored::{MessageRecord, MessageVersion, Record, StoredMessage};
pub use self::sys_flag::{SysFlag, TransactionType};
