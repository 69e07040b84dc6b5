//! The optional whole-record CRC property of 5.x stores (message-format.md §1.6), used when the
//! Java store options `enabledAppendPropCRC` / `forceVerifyPropCRC` are on (both default off).
//!
//! ```text
//! "__CRC32#" 0x01 d0 d1 d2 d3 d4 d5 d6 d7 d8 d9 0x02        (20 bytes, the end of PROPERTIES)
//! ```
//! The digits are the masked CRC-32 of the whole record except these 20 bytes, least significant
//! digit first, padded with `0` on the right (123 is `3210000000`). The CRC covers the queue
//! offset, commit log offset and store timestamp, so it is written after those are final.
//!
//! To produce such a record, end the properties with [`PROPERTY_CRC_BYTES`] placeholder bytes
//! (after a `0x02` if the client's properties lack a final one, and without any `__CRC32#` item
//! from the client), encode, patch the late fields, then call [`write_property_crc`].

use super::StoredMessage;
use crate::message::error::DecodeError;
use crate::message::properties::{CRC32, NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR};

/// Bytes the CRC property takes at the end of the properties.
pub const PROPERTY_CRC_BYTES: usize = CRC32.len() + 1 + 10 + 1;

/// The CRC property item for a masked CRC value.
#[must_use]
pub fn property_crc_item(crc: u32) -> [u8; PROPERTY_CRC_BYTES] {
    let mut item = [b'0'; PROPERTY_CRC_BYTES];
    item[..CRC32.len()].copy_from_slice(CRC32.as_bytes());
    item[CRC32.len()] = NAME_VALUE_SEPARATOR;
    let mut rest = crc;
    for digit in &mut item[CRC32.len() + 1..PROPERTY_CRC_BYTES - 1] {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    item[PROPERTY_CRC_BYTES - 1] = PROPERTY_SEPARATOR;
    item
}

fn record_crc(record: &[u8]) -> u32 {
    crc32fast::hash(&record[..record.len() - PROPERTY_CRC_BYTES]) & 0x7FFF_FFFF
}

/// Fills the last [`PROPERTY_CRC_BYTES`] bytes of an encoded record with its CRC property.
///
/// # Panics
/// If `record` is shorter than [`PROPERTY_CRC_BYTES`]; the caller reserved those bytes inside
/// the properties when encoding.
pub fn write_property_crc(record: &mut [u8]) {
    assert!(record.len() >= PROPERTY_CRC_BYTES, "the record reserves room for its CRC property");
    let item = property_crc_item(record_crc(record));
    let end = record.len();
    record[end - PROPERTY_CRC_BYTES..].copy_from_slice(&item);
}

/// Checks a record's trailing CRC property, as the Java store does on recovery with
/// `forceVerifyPropCRC`.
///
/// # Errors
/// [`DecodeError::RecordCrcMissing`] if the properties do not end with a well-formed CRC item,
/// [`DecodeError::RecordCrcMismatch`] if it does not match. Offsets are 0 (the record start).
pub fn check_property_crc(message: &StoredMessage<'_>) -> Result<(), DecodeError> {
    let properties = message.properties();
    let Some(item) = properties.len().checked_sub(PROPERTY_CRC_BYTES).map(|at| &properties[at..]) else {
        return Err(DecodeError::RecordCrcMissing { offset: 0 });
    };
    let digits = &item[CRC32.len() + 1..PROPERTY_CRC_BYTES - 1];
    let well_formed = item.starts_with(CRC32.as_bytes())
        && item[CRC32.len()] == NAME_VALUE_SEPARATOR
        && item[PROPERTY_CRC_BYTES - 1] == PROPERTY_SEPARATOR
        && digits.iter().all(u8::is_ascii_digit);
    if !well_formed {
        return Err(DecodeError::RecordCrcMissing { offset: 0 });
    }
    let stored = digits.iter().rev().fold(0u64, |value, digit| value * 10 + u64::from(digit - b'0'));
    let computed = record_crc(message.as_bytes());
    if stored == u64::from(computed) {
        Ok(())
    } else {
        Err(DecodeError::RecordCrcMismatch { stored: stored as u32, computed, offset: 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::stored::{set_queue_offset, MessageRecord, MessageVersion};
    use crate::message::SysFlag;

    #[test]
    fn digits_are_reversed_and_right_padded() {
        assert_eq!(&property_crc_item(123), b"__CRC32#\x013210000000\x02");
        assert_eq!(&property_crc_item(2_147_483_647), b"__CRC32#\x017463847412\x02");
        assert_eq!(PROPERTY_CRC_BYTES, 20);
    }

    #[test]
    fn written_crc_checks_and_detects_changes() {
        let properties = [&b"TAGS\x01A\x02"[..], &[0u8; PROPERTY_CRC_BYTES]].concat();
        let record = MessageRecord {
            version: MessageVersion::V1,
            queue_id: 1,
            flag: 0,
            queue_offset: 0,
            commit_log_offset: 0,
            sys_flag: SysFlag::default(),
            born_timestamp_ms: 1,
            born_host: "127.0.0.1:1".parse().expect("addr"),
            store_timestamp_ms: 2,
            store_host: "127.0.0.1:10911".parse().expect("addr"),
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body: b"body",
            topic: "T",
            properties: &properties,
        };
        let mut bytes = vec![0u8; record.encoded_len().expect("fits")];
        record.write_to(&mut bytes).expect("fits");
        let message = StoredMessage::decode(&bytes).expect("decodes");
        assert_eq!(check_property_crc(&message), Err(DecodeError::RecordCrcMissing { offset: 0 }));
        write_property_crc(&mut bytes);
        let message = StoredMessage::decode(&bytes).expect("decodes");
        assert_eq!(check_property_crc(&message), Ok(()));
        assert!(message.property(CRC32).is_some());
        assert_eq!(message.tags(), Some("A"));
        set_queue_offset(&mut bytes, 5);
        let message = StoredMessage::decode(&bytes).expect("decodes");
        assert!(matches!(check_property_crc(&message), Err(DecodeError::RecordCrcMismatch { .. })));
    }
}
