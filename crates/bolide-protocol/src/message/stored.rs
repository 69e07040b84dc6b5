//! The stored message record (message-format.md §1): one commit log entry, and the unit of pull,
//! query and view response bodies (which are plain concatenations of records).
//!
//! ```text
//! @0  total size i32 | @4 magic i32 | @8 body CRC i32 | @12 queue id i32 | @16 flag i32
//! @20 queue offset i64 | @28 commit log offset i64 | @36 sysflag i32 | @40 born timestamp i64
//! @48 born host (4|16 address + i32 port) | store timestamp i64 | store host (4|16 + i32)
//!     | reconsume times i32 | prepared transaction offset i64 | body length i32 | body
//!     | topic length (u8 in v1, i16 in v2) | topic | properties length i16 | properties
//! ```
//! Host widths come from sysflag bits 4 and 5; the topic length width from the magic only.
//!
//! - [`StoredMessage`] is a zero-copy view over a record in any byte slice (an mmap'd segment,
//!   a pull body); with [`bytes::Bytes`], `bytes.slice_ref(message.body())` shares the buffer.
//! - [`Record`] decodes what a commit log position may hold: a message or the blank
//!   end-of-file marker.
//! - [`messages`] walks a concatenation (a pull body) and stops at the first bad record.
//! - [`MessageRecord`] encodes a record into a caller-owned buffer, computing the body CRC.

mod encode;
#[cfg(test)]
mod tests;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

pub use self::encode::{
    blank_record, body_crc, set_commit_log_offset, set_queue_offset, set_store_timestamp, MessageRecord,
};
use super::error::DecodeError;
use super::message_id::OffsetMessageId;
use super::properties;
use super::reader::{read_i32_checked, Reader};
use super::sys_flag::SysFlag;
use super::tag;

/// Magic code of a v1 record (1-byte topic length).
pub const MAGIC_V1: i32 = 0xDAA3_20A7_u32 as i32;
/// Magic code of a v2 record (2-byte topic length), used for topics longer than 127 bytes.
pub const MAGIC_V2: i32 = 0xDAA3_20AB_u32 as i32;
/// Magic code of the blank record that ends a commit log segment.
pub const BLANK_MAGIC: i32 = 0xCBD4_3194_u32 as i32;
/// Size of the blank end-of-file record: total size and magic.
pub const BLANK_RECORD_BYTES: usize = 8;

/// Position of the total size.
pub const TOTAL_SIZE_AT: usize = 0;
/// Position of the magic code.
pub const MAGIC_AT: usize = 4;
/// Position of the body CRC.
pub const BODY_CRC_AT: usize = 8;
/// Position of the queue id.
pub const QUEUE_ID_AT: usize = 12;
/// Position of the user flag.
pub const FLAG_AT: usize = 16;
/// Position of the queue offset.
pub const QUEUE_OFFSET_AT: usize = 20;
/// Position of the commit log (physical) offset.
pub const COMMIT_LOG_OFFSET_AT: usize = 28;
/// Position of the sysflag.
pub const SYS_FLAG_AT: usize = 36;
/// Position of the born timestamp.
pub const BORN_TIMESTAMP_AT: usize = 40;
/// Position of the born host; later fields move with the host widths.
pub const BORN_HOST_AT: usize = 48;

/// Bytes of a record besides born host, store host, body, topic length field, topic and
/// properties: the fixed-width fields.
const FIXED_BYTES: usize = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 4 + 8 + 4 + 2;
/// Smallest possible record: v1, both hosts IPv4, empty body, topic and properties.
pub const MIN_RECORD_BYTES: usize = FIXED_BYTES + 8 + 8 + 1;

/// Record format version, selected by the magic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageVersion {
    /// Magic `0xDAA320A7`, 1-byte topic length; readable by every client.
    V1,
    /// Magic `0xDAA320AB`, 2-byte topic length; since 5.1.0, unreadable by 4.x clients.
    V2,
}

impl MessageVersion {
    /// The version for a magic code, if it is a message magic.
    #[must_use]
    pub const fn from_magic(magic: i32) -> Option<Self> {
        match magic {
            MAGIC_V1 => Some(Self::V1),
            MAGIC_V2 => Some(Self::V2),
            _ => None,
        }
    }

    /// The magic code.
    #[must_use]
    pub const fn magic(self) -> i32 {
        match self {
            Self::V1 => MAGIC_V1,
            Self::V2 => MAGIC_V2,
        }
    }

    /// Width of the topic length field.
    #[must_use]
    pub const fn topic_length_bytes(self) -> usize {
        match self {
            Self::V1 => 1,
            Self::V2 => 2,
        }
    }

    /// Longest topic the topic length field can carry. v1 stops at 127 because Java reads the
    /// length as a signed byte.
    #[must_use]
    pub const fn max_topic_bytes(self) -> usize {
        match self {
            Self::V1 => i8::MAX as usize,
            Self::V2 => i16::MAX as usize,
        }
    }

    /// The Java broker's choice with `autoMessageVersionOnTopicLen` on (the default): v2 iff
    /// the topic is longer than 127 bytes.
    #[must_use]
    pub const fn for_topic(topic: &str) -> Self {
        if topic.len() > i8::MAX as usize {
            Self::V2
        } else {
            Self::V1
        }
    }
}

/// What a commit log position holds.
#[derive(Debug, Clone, Copy)]
pub enum Record<'a> {
    /// A message record.
    Message(StoredMessage<'a>),
    /// The blank end-of-file marker: skip `total_size` bytes, to the next segment.
    Blank {
        /// Bytes from the marker to the end of the segment.
        total_size: usize,
    },
}

impl<'a> Record<'a> {
    /// Decodes the record at the start of `buf` (which may continue past it), applying the
    /// validation rules of message-format.md §1.5 except the body CRC: call
    /// [`StoredMessage::check_body_crc`] for that (the store does by default on recovery,
    /// clients never do).
    ///
    /// # Errors
    /// [`DecodeError::Truncated`] if `buf` ends before the record does (a torn tail);
    /// any other [`DecodeError`] for a corrupt record.
    pub fn decode(buf: &'a [u8]) -> Result<Self, DecodeError> {
        let total_size = read_i32_checked(buf, TOTAL_SIZE_AT, "total size")?;
        let magic = read_i32_checked(buf, MAGIC_AT, "magic code")?;
        if magic == BLANK_MAGIC {
            return match usize::try_from(total_size) {
                Ok(total_size) if total_size >= BLANK_RECORD_BYTES => Ok(Self::Blank { total_size }),
                _ => Err(DecodeError::InvalidTotalSize { total_size, offset: 0 }),
            };
        }
        let Some(version) = MessageVersion::from_magic(magic) else {
            return Err(DecodeError::BadMagic { magic: magic as u32, offset: MAGIC_AT });
        };
        let size = match usize::try_from(total_size) {
            Ok(size) if size >= MIN_RECORD_BYTES + version.topic_length_bytes() - 1 => size,
            _ => return Err(DecodeError::InvalidTotalSize { total_size, offset: 0 }),
        };
        let Some(record) = buf.get(..size) else {
            return Err(DecodeError::Truncated { field: "record", offset: 0, need: size, have: buf.len() });
        };
        StoredMessage::parse(record, version).map(Self::Message)
    }

    /// Bytes this record occupies: the distance to the next record.
    #[must_use]
    pub fn total_size(&self) -> usize {
        match self {
            Self::Message(message) => message.total_size(),
            Self::Blank { total_size } => *total_size,
        }
    }
}

/// A zero-copy view of one stored message record. Cheap to copy; every accessor reads the
/// underlying bytes.
#[derive(Clone, Copy)]
pub struct StoredMessage<'a> {
    /// Exactly the record's bytes (`total size` long).
    record: &'a [u8],
    version: MessageVersion,
    sys_flag: SysFlag,
    body: &'a [u8],
    topic: &'a str,
    properties: &'a [u8],
}

impl<'a> StoredMessage<'a> {
    /// Decodes the message record at the start of `buf`, which may continue past it; the record
    /// is [`Self::total_size`] bytes long. The blank marker is an error here
    /// ([`DecodeError::UnexpectedBlank`]); use [`Record::decode`] when reading a segment.
    ///
    /// # Errors
    /// As [`Record::decode`].
    pub fn decode(buf: &'a [u8]) -> Result<Self, DecodeError> {
        match Record::decode(buf)? {
            Record::Message(message) => Ok(message),
            Record::Blank { .. } => Err(DecodeError::UnexpectedBlank { offset: 0 }),
        }
    }

    /// Parses a record whose total size and magic were checked; `record` is exactly its bytes.
    fn parse(record: &'a [u8], version: MessageVersion) -> Result<Self, DecodeError> {
        let mut reader = Reader { record, at: SYS_FLAG_AT };
        let sys_flag = SysFlag::from_bits(reader.i32("sysflag")?);
        for (field, at) in [("queue offset", QUEUE_OFFSET_AT), ("commit log offset", COMMIT_LOG_OFFSET_AT)] {
            check_offset(read_i64(record, at), field, at)?;
        }
        reader.at = BORN_HOST_AT;
        reader.host("born host", sys_flag.born_host_v6())?;
        reader.skip("store timestamp", 8)?;
        reader.host("store host", sys_flag.store_host_v6())?;
        reader.skip("reconsume times", 4)?;
        let prepared_at = reader.at;
        check_offset(reader.i64("prepared transaction offset")?, "prepared transaction offset", prepared_at)?;
        let body_length = reader.length("body", 4)?;
        let body = reader.take("body", body_length)?;
        let topic_length = match version {
            MessageVersion::V1 => usize::from(reader.take("topic length", 1)?[0]),
            MessageVersion::V2 => reader.length("topic", 2)?,
        };
        let topic_at = reader.at;
        let topic = std::str::from_utf8(reader.take("topic", topic_length)?)
            .map_err(|_| DecodeError::InvalidUtf8 { field: "topic", offset: topic_at })?;
        let properties_length = reader.length("properties", 2)?;
        let properties = reader.take("properties", properties_length)?;
        if reader.at != record.len() {
            return Err(DecodeError::LengthMismatch { total_size: record.len(), computed: reader.at, offset: 0 });
        }
        Ok(Self { record, version, sys_flag, body, topic, properties })
    }

    /// The whole record, as stored.
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.record
    }

    /// Total size in bytes: the distance to the next record.
    #[must_use]
    pub fn total_size(&self) -> usize {
        self.record.len()
    }

    /// Record version (from the magic code).
    #[must_use]
    pub fn version(&self) -> MessageVersion {
        self.version
    }

    /// The stored body CRC (masked CRC-32 of the body as stored; not verified by decoding).
    #[must_use]
    pub fn body_crc(&self) -> u32 {
        read_i32(self.record, BODY_CRC_AT) as u32
    }

    /// Checks the stored body CRC against the body.
    ///
    /// # Errors
    /// [`DecodeError::BodyCrcMismatch`], with offset 0 (the record start).
    pub fn check_body_crc(&self) -> Result<(), DecodeError> {
        let computed = body_crc(self.body);
        if computed == self.body_crc() {
            Ok(())
        } else {
            Err(DecodeError::BodyCrcMismatch { stored: self.body_crc(), computed, offset: 0 })
        }
    }

    /// Queue id within the topic.
    #[must_use]
    pub fn queue_id(&self) -> i32 {
        read_i32(self.record, QUEUE_ID_AT)
    }

    /// The producer's opaque flag.
    #[must_use]
    pub fn flag(&self) -> i32 {
        read_i32(self.record, FLAG_AT)
    }

    /// Entry number in the consume queue (0 for prepared/rollback typed records).
    #[must_use]
    pub fn queue_offset(&self) -> u64 {
        read_i64(self.record, QUEUE_OFFSET_AT) as u64
    }

    /// Commit log offset of this record (its "physical offset").
    #[must_use]
    pub fn commit_log_offset(&self) -> u64 {
        read_i64(self.record, COMMIT_LOG_OFFSET_AT) as u64
    }

    /// The message sysflag.
    #[must_use]
    pub fn sys_flag(&self) -> SysFlag {
        self.sys_flag
    }

    /// Producer wall clock, epoch milliseconds.
    #[must_use]
    pub fn born_timestamp_ms(&self) -> i64 {
        read_i64(self.record, BORN_TIMESTAMP_AT)
    }

    /// The producer's address as the broker saw it.
    #[must_use]
    pub fn born_host(&self) -> SocketAddr {
        read_host(self.record, BORN_HOST_AT, self.sys_flag.born_host_v6())
    }

    fn store_timestamp_at(&self) -> usize {
        BORN_HOST_AT + self.sys_flag.born_host_len()
    }

    fn store_host_at(&self) -> usize {
        self.store_timestamp_at() + 8
    }

    fn reconsume_times_at(&self) -> usize {
        self.store_host_at() + self.sys_flag.store_host_len()
    }

    /// Broker wall clock at append, epoch milliseconds.
    #[must_use]
    pub fn store_timestamp_ms(&self) -> i64 {
        read_i64(self.record, self.store_timestamp_at())
    }

    /// The broker's address (`brokerIP1:listenPort`).
    #[must_use]
    pub fn store_host(&self) -> SocketAddr {
        read_host(self.record, self.store_host_at(), self.sys_flag.store_host_v6())
    }

    /// How many times the message was re-delivered through the retry topic.
    #[must_use]
    pub fn reconsume_times(&self) -> i32 {
        read_i32(self.record, self.reconsume_times_at())
    }

    /// For a transaction commit record, the commit log offset of its half message; else 0.
    #[must_use]
    pub fn prepared_transaction_offset(&self) -> u64 {
        read_i64(self.record, self.reconsume_times_at() + 4) as u64
    }

    /// The body as stored (still compressed if the sysflag says so).
    #[must_use]
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The topic.
    #[must_use]
    pub fn topic(&self) -> &'a str {
        self.topic
    }

    /// The raw properties string (not checked for UTF-8; see [`properties`]).
    #[must_use]
    pub fn properties(&self) -> &'a [u8] {
        self.properties
    }

    /// Looks a property up without allocating; `None` also when its value is not UTF-8.
    #[must_use]
    pub fn property(&self, name: &str) -> Option<&'a str> {
        properties::find_property_bytes(self.properties, name).and_then(|value| std::str::from_utf8(value).ok())
    }

    /// The `TAGS` property.
    #[must_use]
    pub fn tags(&self) -> Option<&'a str> {
        self.property(properties::TAGS)
    }

    /// The consume-queue tags code of this message's tag (0 without a tag).
    #[must_use]
    pub fn tags_code(&self) -> i64 {
        tag::tags_code(self.tags())
    }

    /// The `UNIQ_KEY` property: the client's message id.
    #[must_use]
    pub fn unique_key(&self) -> Option<&'a str> {
        self.property(properties::UNIQ_KEY)
    }

    /// The offset message id: store host and commit log offset.
    #[must_use]
    pub fn offset_message_id(&self) -> OffsetMessageId {
        OffsetMessageId { store_host: self.store_host(), commit_log_offset: self.commit_log_offset() }
    }

    /// The fields of this record, for re-encoding it (e.g. a copy to a retry topic).
    #[must_use]
    pub fn to_record(&self) -> MessageRecord<'a> {
        MessageRecord {
            version: self.version,
            queue_id: self.queue_id(),
            flag: self.flag(),
            queue_offset: self.queue_offset(),
            commit_log_offset: self.commit_log_offset(),
            sys_flag: self.sys_flag,
            born_timestamp_ms: self.born_timestamp_ms(),
            born_host: self.born_host(),
            store_timestamp_ms: self.store_timestamp_ms(),
            store_host: self.store_host(),
            reconsume_times: self.reconsume_times(),
            prepared_transaction_offset: self.prepared_transaction_offset(),
            body: self.body,
            topic: self.topic,
            properties: self.properties,
        }
    }
}

impl PartialEq for StoredMessage<'_> {
    /// Two views are equal when their record bytes are: every field derives from them.
    fn eq(&self, other: &Self) -> bool {
        self.record == other.record
    }
}

impl Eq for StoredMessage<'_> {}

impl std::fmt::Debug for StoredMessage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredMessage")
            .field("total_size", &self.total_size())
            .field("version", &self.version)
            .field("topic", &self.topic)
            .field("queue_id", &self.queue_id())
            .field("queue_offset", &self.queue_offset())
            .field("commit_log_offset", &self.commit_log_offset())
            .field("sys_flag", &self.sys_flag)
            .field("body_len", &self.body.len())
            .field("properties", &String::from_utf8_lossy(self.properties))
            .finish_non_exhaustive()
    }
}

/// Walks a concatenation of message records, such as a pull, query or view response body.
/// Yields each record in order; after the first error (truncated or garbage record, or a blank
/// marker) it yields that error once and then stops, like the Java client, which drops the rest.
/// Error offsets count from the start of `buf`.
#[must_use]
pub fn messages(buf: &[u8]) -> Messages<'_> {
    Messages { buf, at: 0 }
}

/// Iterator returned by [`messages`].
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Messages<'_> {
    /// Position of the next record in the buffer: after the last one decoded, or the end of the
    /// buffer once an error has been reported.
    #[must_use]
    pub fn position(&self) -> usize {
        self.at
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<StoredMessage<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.buf.get(self.at..).filter(|rest| !rest.is_empty())?;
        match StoredMessage::decode(rest) {
            Ok(message) => {
                self.at += message.total_size();
                Some(Ok(message))
            }
            Err(err) => {
                let err = err.shifted(self.at);
                self.at = self.buf.len();
                Some(Err(err))
            }
        }
    }
}

fn check_offset(value: i64, field: &'static str, offset: usize) -> Result<(), DecodeError> {
    if value < 0 {
        return Err(DecodeError::NegativeOffset { field, value, offset });
    }
    Ok(())
}

/// Reads a field the decoder already bounds-checked.
fn read_i32(record: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(record[at..at + 4].try_into().expect("checked when decoding"))
}

fn read_i64(record: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(record[at..at + 8].try_into().expect("checked when decoding"))
}

fn read_host(record: &[u8], at: usize, v6: bool) -> SocketAddr {
    let (ip, port_at) = if v6 {
        let octets: [u8; 16] = record[at..at + 16].try_into().expect("checked when decoding");
        (IpAddr::V6(Ipv6Addr::from(octets)), at + 16)
    } else {
        let octets: [u8; 4] = record[at..at + 4].try_into().expect("checked when decoding");
        (IpAddr::V4(Ipv4Addr::from(octets)), at + 4)
    };
    let port = u16::try_from(read_i32(record, port_at)).expect("port range checked when decoding");
    SocketAddr::new(ip, port)
}
