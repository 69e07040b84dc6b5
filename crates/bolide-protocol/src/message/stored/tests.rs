use bytes::BytesMut;

use super::*;
use crate::message::error::EncodeError;
use crate::message::sys_flag::{BORNHOST_V6, STOREHOST_V6, TRANSACTION_COMMIT_TYPE};

/// The worked example of message-format.md §1.2, byte for byte as printed there.
const GOLDEN_HEX: &str = concat!(
    "00000070",           // TOTALSIZE = 112
    "DAA320A7",           // MAGICCODE v1
    "77D18982",           // BODYCRC
    "00000000",           // QUEUEID
    "00000000",           // FLAG
    "0000000000000000",   // QUEUEOFFSET
    "0000000000000000",   // PHYSICALOFFSET
    "00000000",           // SYSFLAG
    "0000018BCFE56800",   // BORNTIMESTAMP
    "C0A8000A0000C350",   // BORNHOST 192.168.0.10:50000
    "0000018BCFE5687B",   // STORETIMESTAMP
    "C0A8001400002A9F",   // STOREHOST 192.168.0.20:10911
    "00000000",           // RECONSUMETIMES
    "0000000000000000",   // PREPARED TRANSACTION OFFSET
    "00000005",           // BODYLENGTH
    "48656C6C6F",         // "Hello"
    "09",                 // TOPICLENGTH
    "546F70696354657374", // "TopicTest"
    "0007",               // PROPERTIESLENGTH
    "54414753014102",     // TAGS 0x01 A 0x02
);

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

fn golden_record() -> MessageRecord<'static> {
    MessageRecord {
        version: MessageVersion::V1,
        queue_id: 0,
        flag: 0,
        queue_offset: 0,
        commit_log_offset: 0,
        sys_flag: SysFlag::default(),
        born_timestamp_ms: 1_700_000_000_000,
        born_host: "192.168.0.10:50000".parse().expect("addr"),
        store_timestamp_ms: 1_700_000_000_123,
        store_host: "192.168.0.20:10911".parse().expect("addr"),
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body: b"Hello",
        topic: "TopicTest",
        properties: b"TAGS\x01A\x02",
    }
}

fn v6_record() -> MessageRecord<'static> {
    MessageRecord {
        version: MessageVersion::V2,
        queue_id: 3,
        flag: -7,
        queue_offset: 42,
        commit_log_offset: 1 << 30,
        sys_flag: SysFlag::from_bits(TRANSACTION_COMMIT_TYPE),
        born_timestamp_ms: -1,
        born_host: "[2001:db8::5]:1".parse().expect("addr"),
        store_timestamp_ms: i64::MAX,
        store_host: "[::1]:65535".parse().expect("addr"),
        reconsume_times: 16,
        prepared_transaction_offset: 99,
        body: &[0, 1, 2, 0xFF],
        topic: "%RETRY%some-group",
        properties: b"UNIQ_KEY\x01ABC\x02TAGS\x01TagA",
    }
}

fn encode(record: &MessageRecord<'_>) -> Vec<u8> {
    let mut out = BytesMut::new();
    let length = record.encode_into(&mut out).expect("encodes");
    assert_eq!(length, out.len());
    out.to_vec()
}

#[test]
fn encodes_the_spec_example_byte_for_byte() {
    let golden = unhex(GOLDEN_HEX);
    assert_eq!(golden.len(), 112);
    assert_eq!(golden_record().encoded_len(), Ok(112));
    assert_eq!(encode(&golden_record()), golden);
    let mut slot = vec![0xEE; 120];
    assert_eq!(golden_record().write_to(&mut slot), Ok(112));
    assert_eq!(&slot[..112], &golden[..]);
    assert_eq!(slot[112..], [0xEE; 8], "bytes after the record are untouched");
}

#[test]
fn decodes_the_spec_example() {
    let golden = unhex(GOLDEN_HEX);
    let message = StoredMessage::decode(&golden).expect("decodes");
    assert_eq!(message.total_size(), 112);
    assert_eq!(message.version(), MessageVersion::V1);
    assert_eq!(message.body_crc(), 0x77D1_8982);
    message.check_body_crc().expect("crc matches");
    assert_eq!((message.queue_id(), message.flag(), message.queue_offset()), (0, 0, 0));
    assert_eq!(message.commit_log_offset(), 0);
    assert_eq!(message.sys_flag(), SysFlag::default());
    assert_eq!(message.born_timestamp_ms(), 1_700_000_000_000);
    assert_eq!(message.born_host(), "192.168.0.10:50000".parse().expect("addr"));
    assert_eq!(message.store_timestamp_ms(), 1_700_000_000_123);
    assert_eq!(message.store_host(), "192.168.0.20:10911".parse().expect("addr"));
    assert_eq!((message.reconsume_times(), message.prepared_transaction_offset()), (0, 0));
    assert_eq!((message.body(), message.topic()), (&b"Hello"[..], "TopicTest"));
    assert_eq!(message.properties(), b"TAGS\x01A\x02");
    assert_eq!((message.tags(), message.tags_code(), message.unique_key()), (Some("A"), 65, None));
    assert_eq!(message.offset_message_id().to_string(), "C0A8001400002A9F0000000000000000");
    assert_eq!(message.to_record(), golden_record());
    assert_eq!(message.as_bytes(), &golden[..]);
}

#[test]
fn ipv6_hosts_and_v2_round_trip() {
    let record = v6_record();
    let bytes = encode(&record);
    // 92 fixed bytes for v2, plus 12 per IPv6 host.
    assert_eq!(bytes.len(), 92 + 24 + 4 + record.topic.len() + record.properties.len());
    assert_eq!(&bytes[4..8], &MAGIC_V2.to_be_bytes());
    let message = StoredMessage::decode(&bytes).expect("decodes");
    let expected =
        MessageRecord { sys_flag: SysFlag::from_bits(TRANSACTION_COMMIT_TYPE | BORNHOST_V6 | STOREHOST_V6), ..record };
    assert_eq!(message.to_record(), expected);
    assert_eq!(message.store_timestamp_ms(), i64::MAX);
    assert_eq!(message.tags(), Some("TagA"), "a missing final separator is tolerated");
    assert_eq!(message.offset_message_id().to_string().len(), 56);
    // Host family bits follow the addresses, whatever the caller passed.
    let v4 = MessageRecord { sys_flag: SysFlag::from_bits(BORNHOST_V6 | STOREHOST_V6), ..golden_record() };
    assert_eq!(encode(&v4), unhex(GOLDEN_HEX));
}

#[test]
fn truncation_at_every_byte_is_a_truncation_error() {
    for record in [golden_record(), v6_record()] {
        let bytes = encode(&record);
        for cut in 0..bytes.len() {
            let err = Record::decode(&bytes[..cut]).expect_err("truncated");
            assert!(err.is_truncation(), "cut at {cut}: {err}");
            let mut walk = messages(&bytes[..cut]);
            if cut > 0 {
                assert_eq!(walk.next(), Some(Err(err)));
            }
            assert!(walk.next().is_none());
        }
    }
}

#[test]
fn walks_a_pull_body_and_stops_at_garbage() {
    let mut body = BytesMut::new();
    let first = golden_record();
    first.encode_into(&mut body).expect("encode");
    let second = MessageRecord { queue_offset: 1, commit_log_offset: 112, ..v6_record() };
    second.encode_into(&mut body).expect("encode");
    let end_of_two = body.len();
    body.extend_from_slice(&[0, 0, 0, 100, 1, 2, 3, 4]);
    let mut walk = messages(&body);
    assert_eq!(walk.next().expect("first").expect("ok").to_record(), first);
    assert_eq!(walk.next().expect("second").expect("ok").commit_log_offset(), 112);
    assert_eq!(walk.position(), end_of_two);
    assert_eq!(walk.next(), Some(Err(DecodeError::BadMagic { magic: 0x0102_0304, offset: end_of_two + 4 })));
    assert_eq!(walk.next(), None);
    assert_eq!(messages(&[]).next(), None);
}

#[test]
fn blank_record() {
    let blank = super::blank_record(4096);
    assert_eq!(blank, [0, 0, 0x10, 0, 0xCB, 0xD4, 0x31, 0x94]);
    assert!(matches!(Record::decode(&blank), Ok(Record::Blank { total_size: 4096 })));
    assert_eq!(StoredMessage::decode(&blank).expect_err("blank"), DecodeError::UnexpectedBlank { offset: 0 });
    let tiny = [0, 0, 0, 4, 0xCB, 0xD4, 0x31, 0x94];
    assert!(matches!(Record::decode(&tiny), Err(DecodeError::InvalidTotalSize { total_size: 4, .. })));
}

#[test]
fn corrupt_records_are_named_errors() {
    let golden = unhex(GOLDEN_HEX);
    let with = |at: usize, patch: &[u8]| {
        let mut bytes = golden.clone();
        bytes[at..at + patch.len()].copy_from_slice(patch);
        StoredMessage::decode(&bytes).expect_err("corrupt")
    };
    assert_eq!(with(4, &[0, 0, 0, 1]), DecodeError::BadMagic { magic: 1, offset: 4 });
    assert_eq!(with(0, &[0, 0, 0, 90]), DecodeError::InvalidTotalSize { total_size: 90, offset: 0 });
    assert_eq!(with(0, &[0xFF, 0, 0, 0]), DecodeError::InvalidTotalSize { total_size: -16_777_216, offset: 0 });
    assert_eq!(
        with(20, &[0x80, 0, 0, 0, 0, 0, 0, 0]),
        DecodeError::NegativeOffset { field: "queue offset", value: i64::MIN, offset: 20 }
    );
    assert_eq!(
        with(52, &[0xFF, 0xFF, 0xFF, 0xFF]),
        DecodeError::InvalidPort { field: "born host", port: -1, offset: 52 }
    );
    assert_eq!(
        with(84, &[0xFF, 0xFF, 0xFF, 0xFF]),
        DecodeError::NegativeLength { field: "body", length: -1, offset: 84 }
    );
    assert_eq!(
        with(84, &[0, 0, 0, 200]),
        DecodeError::PastRecordEnd { field: "body", offset: 88, need: 200, record_end: 112 }
    );
    assert_eq!(
        with(93, &[8]),
        DecodeError::PastRecordEnd { field: "properties", offset: 104, need: 0x7400, record_end: 112 }
    );
    assert_eq!(with(103, &[0, 6]), DecodeError::LengthMismatch { total_size: 112, computed: 111, offset: 0 });
    assert_eq!(with(94, &[0xFF]), DecodeError::InvalidUtf8 { field: "topic", offset: 94 });
    // A sysflag claiming an IPv6 born host shifts every later field: a length error, no panic.
    assert!(matches!(with(39, &[0x10]), DecodeError::PastRecordEnd { .. } | DecodeError::InvalidPort { .. }));
    let mut bad_crc = golden.clone();
    bad_crc[88] = b'J';
    let message = StoredMessage::decode(&bad_crc).expect("CRC is not checked by decode");
    assert_eq!(
        message.check_body_crc(),
        Err(DecodeError::BodyCrcMismatch { stored: 0x77D1_8982, computed: body_crc(b"Jello"), offset: 0 })
    );
}

#[test]
fn encode_limits() {
    let long_topic = "t".repeat(128);
    let record = MessageRecord { topic: &long_topic, ..golden_record() };
    assert_eq!(record.encoded_len(), Err(EncodeError::TooLong { field: "topic", length: 128, max_bytes: 127 }));
    let record = MessageRecord { version: MessageVersion::for_topic(&long_topic), ..record };
    assert_eq!(record.version, MessageVersion::V2);
    let bytes = encode(&record);
    assert_eq!(StoredMessage::decode(&bytes).expect("decodes").topic(), long_topic);
    let properties = vec![b'x'; 32_768];
    let record = MessageRecord { properties: &properties, ..golden_record() };
    assert!(matches!(record.encoded_len(), Err(EncodeError::TooLong { field: "properties", .. })));
    let record = MessageRecord { queue_offset: u64::MAX, ..golden_record() };
    assert!(matches!(record.encoded_len(), Err(EncodeError::OffsetOutOfRange { field: "queue offset", .. })));
    let mut small = [0u8; 111];
    assert_eq!(golden_record().write_to(&mut small), Err(EncodeError::BufferTooSmall { need: 112, have: 111 }));
    assert_eq!(small, [0u8; 111]);
}

#[test]
fn late_fields_can_be_patched() {
    for record in [golden_record(), v6_record()] {
        let mut bytes = encode(&record);
        set_queue_offset(&mut bytes, 7);
        set_commit_log_offset(&mut bytes, 1 << 33);
        set_store_timestamp(&mut bytes, 123_456);
        let patched = StoredMessage::decode(&bytes).expect("decodes").to_record();
        let expected = MessageRecord {
            queue_offset: 7,
            commit_log_offset: 1 << 33,
            store_timestamp_ms: 123_456,
            sys_flag: record.effective_sys_flag(),
            ..record
        };
        assert_eq!(patched, expected);
    }
}

#[test]
fn message_version() {
    assert_eq!(MessageVersion::from_magic(MAGIC_V1), Some(MessageVersion::V1));
    assert_eq!(MessageVersion::from_magic(-626_843_477), Some(MessageVersion::V2));
    assert_eq!(MessageVersion::from_magic(BLANK_MAGIC), None);
    assert_eq!(BLANK_MAGIC, -875_286_124);
    assert_eq!(MessageVersion::for_topic(&"a".repeat(127)), MessageVersion::V1);
    assert_eq!(MIN_RECORD_BYTES, 91);
}
