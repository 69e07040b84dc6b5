//! Encoding stored message records straight into a caller-owned buffer, and patching the fields
//! a store assigns late (queue offset, commit log offset, store timestamp).

use std::net::SocketAddr;

use bytes::{BufMut, BytesMut};

use super::{
    MessageVersion, BLANK_MAGIC, BLANK_RECORD_BYTES, BORN_HOST_AT, COMMIT_LOG_OFFSET_AT, FIXED_BYTES, QUEUE_OFFSET_AT,
    SYS_FLAG_AT,
};
use crate::message::error::EncodeError;
use crate::message::properties::MAX_PROPERTIES_BYTES;
use crate::message::sys_flag::{SysFlag, BORNHOST_V6, STOREHOST_V6};

/// The body CRC as stored: CRC-32 (IEEE, as `java.util.zip.CRC32`) of the body bytes as stored,
/// masked with `0x7FFFFFFF` so that Java reads it as a non-negative int.
#[must_use]
pub fn body_crc(body: &[u8]) -> u32 {
    crc32fast::hash(body) & 0x7FFF_FFFF
}

/// The fields of a record to encode. Borrowed: the body, topic and properties are copied
/// straight from where they are into the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageRecord<'a> {
    /// Record version: selects the magic and the topic length width
    /// (see [`MessageVersion::for_topic`]).
    pub version: MessageVersion,
    /// Queue id within the topic.
    pub queue_id: i32,
    /// The producer's opaque flag.
    pub flag: i32,
    /// Entry number in the consume queue.
    pub queue_offset: u64,
    /// Commit log offset where this record starts.
    pub commit_log_offset: u64,
    /// Sysflag. Bits 4 and 5 (host families) are set from `born_host` and `store_host` when
    /// encoding, whatever their value here.
    pub sys_flag: SysFlag,
    /// Producer wall clock, epoch ms.
    pub born_timestamp_ms: i64,
    /// The producer's address.
    pub born_host: SocketAddr,
    /// Broker wall clock at append, epoch ms.
    pub store_timestamp_ms: i64,
    /// The broker's address.
    pub store_host: SocketAddr,
    /// Re-delivery count.
    pub reconsume_times: i32,
    /// Commit log offset of the half message, for a transaction commit record; else 0.
    pub prepared_transaction_offset: u64,
    /// Body as stored (already compressed if the sysflag says so).
    pub body: &'a [u8],
    /// Topic.
    pub topic: &'a str,
    /// Raw properties string (see [`crate::message::properties`]).
    pub properties: &'a [u8],
}

impl MessageRecord<'_> {
    /// The sysflag as written: host family bits derived from the addresses.
    #[must_use]
    pub fn effective_sys_flag(&self) -> SysFlag {
        self.sys_flag.with(BORNHOST_V6, self.born_host.is_ipv6()).with(STOREHOST_V6, self.store_host.is_ipv6())
    }

    /// The record's total size, after checking every field fits its encoding.
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] for a topic, body or properties beyond their length fields,
    /// [`EncodeError::OffsetOutOfRange`] for an offset beyond `i64::MAX`,
    /// [`EncodeError::RecordTooLarge`] past `i32::MAX` bytes in all.
    pub fn encoded_len(&self) -> Result<usize, EncodeError> {
        let too_long = |field, length, max_bytes| EncodeError::TooLong { field, length, max_bytes };
        if self.topic.len() > self.version.max_topic_bytes() {
            return Err(too_long("topic", self.topic.len(), self.version.max_topic_bytes()));
        }
        if self.properties.len() > MAX_PROPERTIES_BYTES {
            return Err(too_long("properties", self.properties.len(), MAX_PROPERTIES_BYTES));
        }
        let max_body = i32::MAX as usize;
        if self.body.len() > max_body {
            return Err(too_long("body", self.body.len(), max_body));
        }
        for (field, value) in [
            ("queue offset", self.queue_offset),
            ("commit log offset", self.commit_log_offset),
            ("prepared transaction offset", self.prepared_transaction_offset),
        ] {
            if i64::try_from(value).is_err() {
                return Err(EncodeError::OffsetOutOfRange { field, value });
            }
        }
        let sys_flag = self.effective_sys_flag();
        let length = FIXED_BYTES
            + sys_flag.born_host_len()
            + sys_flag.store_host_len()
            + self.body.len()
            + self.version.topic_length_bytes()
            + self.topic.len()
            + self.properties.len();
        if length > i32::MAX as usize {
            return Err(EncodeError::RecordTooLarge { length });
        }
        Ok(length)
    }

    /// Appends the record to `out`, reserving its size first; returns the size.
    ///
    /// # Errors
    /// As [`Self::encoded_len`]; nothing is written on error.
    pub fn encode_into(&self, out: &mut BytesMut) -> Result<usize, EncodeError> {
        let length = self.encoded_len()?;
        out.reserve(length);
        self.put(out, length);
        Ok(length)
    }

    /// Writes the record at the start of `dst` (e.g. a segment's mapped memory); returns the
    /// size. Bytes after the record are left untouched.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if `dst` cannot hold it, otherwise as
    /// [`Self::encoded_len`]; nothing is written on error.
    pub fn write_to(&self, dst: &mut [u8]) -> Result<usize, EncodeError> {
        let length = self.encoded_len()?;
        let Some(mut window) = dst.get_mut(..length) else {
            return Err(EncodeError::BufferTooSmall { need: length, have: dst.len() });
        };
        self.put(&mut window, length);
        Ok(length)
    }

    /// Writes the fields; `length` is `encoded_len()`, so every cast below was checked there.
    fn put(&self, out: &mut impl BufMut, length: usize) {
        out.put_i32(length as i32);
        out.put_i32(self.version.magic());
        out.put_u32(body_crc(self.body));
        out.put_i32(self.queue_id);
        out.put_i32(self.flag);
        out.put_i64(self.queue_offset as i64);
        out.put_i64(self.commit_log_offset as i64);
        out.put_i32(self.effective_sys_flag().bits());
        out.put_i64(self.born_timestamp_ms);
        put_host(out, self.born_host);
        out.put_i64(self.store_timestamp_ms);
        put_host(out, self.store_host);
        out.put_i32(self.reconsume_times);
        out.put_i64(self.prepared_transaction_offset as i64);
        out.put_i32(self.body.len() as i32);
        out.put_slice(self.body);
        match self.version {
            MessageVersion::V1 => out.put_u8(self.topic.len() as u8),
            MessageVersion::V2 => out.put_i16(self.topic.len() as i16),
        }
        out.put_slice(self.topic.as_bytes());
        out.put_i16(self.properties.len() as i16);
        out.put_slice(self.properties);
    }
}

fn put_host(out: &mut impl BufMut, host: SocketAddr) {
    match host {
        SocketAddr::V4(v4) => out.put_slice(&v4.ip().octets()),
        SocketAddr::V6(v6) => out.put_slice(&v6.ip().octets()),
    }
    out.put_i32(i32::from(host.port()));
}

/// The blank end-of-file record for a segment with `remaining_bytes` left at the write
/// position: `[remaining i32][0xCBD43194]`. Only these 8 bytes are written; the rest of the
/// segment stays as it is.
///
/// # Panics
/// If `remaining_bytes` is below 8 or above `i32::MAX`: a store never leaves less than 8 bytes
/// at the end of a segment, and segment sizes are Java ints.
#[must_use]
pub fn blank_record(remaining_bytes: usize) -> [u8; BLANK_RECORD_BYTES] {
    assert!(remaining_bytes >= BLANK_RECORD_BYTES, "a segment always keeps room for the blank record");
    let total_size = i32::try_from(remaining_bytes).expect("segment sizes fit a Java int");
    let mut blank = [0u8; BLANK_RECORD_BYTES];
    blank[..4].copy_from_slice(&total_size.to_be_bytes());
    blank[4..].copy_from_slice(&BLANK_MAGIC.to_be_bytes());
    blank
}

/// Overwrites the queue offset of an encoded record (assigned under the append lock).
///
/// # Panics
/// If `record` is shorter than a record header or `queue_offset` exceeds `i64::MAX`.
pub fn set_queue_offset(record: &mut [u8], queue_offset: u64) {
    let value = i64::try_from(queue_offset).expect("queue offsets fit a Java long");
    record[QUEUE_OFFSET_AT..QUEUE_OFFSET_AT + 8].copy_from_slice(&value.to_be_bytes());
}

/// Overwrites the commit log offset of an encoded record.
///
/// # Panics
/// If `record` is shorter than a record header or `commit_log_offset` exceeds `i64::MAX`.
pub fn set_commit_log_offset(record: &mut [u8], commit_log_offset: u64) {
    let value = i64::try_from(commit_log_offset).expect("commit log offsets fit a Java long");
    record[COMMIT_LOG_OFFSET_AT..COMMIT_LOG_OFFSET_AT + 8].copy_from_slice(&value.to_be_bytes());
}

/// Overwrites the store timestamp of an encoded record; its position depends on the born host
/// width, read from the record's sysflag.
///
/// # Panics
/// If `record` is shorter than a record header.
pub fn set_store_timestamp(record: &mut [u8], store_timestamp_ms: i64) {
    let sys_flag = i32::from_be_bytes(record[SYS_FLAG_AT..SYS_FLAG_AT + 4].try_into().expect("4 bytes"));
    let at = BORN_HOST_AT + SysFlag::from_bits(sys_flag).born_host_len();
    record[at..at + 8].copy_from_slice(&store_timestamp_ms.to_be_bytes());
}
