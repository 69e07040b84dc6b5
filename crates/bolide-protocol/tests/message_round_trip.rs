//! Property tests of the message encodings: round trips of stored records, batch bodies and
//! properties; arbitrary and mutated bytes never panic any decoder and never make it claim more
//! bytes than it was given.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use bolide_protocol::message::batch::{self, BatchEntry};
use bolide_protocol::message::compression::{self, CompressionType};
use bolide_protocol::message::pop_receipt::{PopReceipt, PopRetry};
use bolide_protocol::message::properties::{self, Properties};
use bolide_protocol::message::stored::{self, body_crc, MessageRecord, MessageVersion, Record, StoredMessage};
use bolide_protocol::message::{OffsetMessageId, SysFlag, UniqueId};
use bytes::{Bytes, BytesMut};
use proptest::collection::vec;
use proptest::prelude::*;

fn socket_addr() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, port)| SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), port)),
        (any::<[u8; 16]>(), any::<u16>()).prop_map(|(ip, port)| SocketAddr::new(IpAddr::V6(Ipv6Addr::from(ip)), port)),
    ]
}

fn offset() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0), 0..=i64::MAX as u64]
}

/// Owned inputs of a record; `MessageRecord` borrows from it.
#[derive(Debug, Clone)]
struct Fields {
    v2: bool,
    ints: (i32, i32, i32, i32),
    offsets: (u64, u64, u64),
    times: (i64, i64),
    hosts: (SocketAddr, SocketAddr),
    body: Vec<u8>,
    topic: String,
    properties: Vec<u8>,
}

impl Fields {
    fn record(&self) -> MessageRecord<'_> {
        let version = if self.v2 || self.topic.len() > 127 { MessageVersion::V2 } else { MessageVersion::V1 };
        MessageRecord {
            version,
            queue_id: self.ints.0,
            flag: self.ints.1,
            queue_offset: self.offsets.0,
            commit_log_offset: self.offsets.1,
            sys_flag: SysFlag::from_bits(self.ints.2),
            born_timestamp_ms: self.times.0,
            born_host: self.hosts.0,
            store_timestamp_ms: self.times.1,
            store_host: self.hosts.1,
            reconsume_times: self.ints.3,
            prepared_transaction_offset: self.offsets.2,
            body: &self.body,
            topic: &self.topic,
            properties: &self.properties,
        }
    }
}

fn fields() -> impl Strategy<Value = Fields> {
    (
        any::<bool>(),
        any::<(i32, i32, i32, i32)>(),
        (offset(), offset(), offset()),
        any::<(i64, i64)>(),
        (socket_addr(), socket_addr()),
        vec(any::<u8>(), 0..600),
        "[%|a-zA-Z0-9_-]{0,160}",
        vec(any::<u8>(), 0..200),
    )
        .prop_map(|(v2, ints, offsets, times, hosts, body, topic, properties)| Fields {
            v2,
            ints,
            offsets,
            times,
            hosts,
            body,
            topic,
            properties,
        })
}

fn encode(record: &MessageRecord<'_>) -> Vec<u8> {
    let mut out = BytesMut::new();
    let length = record.encode_into(&mut out).expect("valid fields encode");
    assert_eq!(length, out.len());
    out.to_vec()
}

/// What a successful decode promises: it claims no more than it was given, and re-encoding the
/// decoded fields reproduces its bytes exactly, except the body CRC, which encoders recompute.
fn assert_decode_encode(buf: &[u8], message: &StoredMessage<'_>) {
    let size = message.total_size();
    assert!(size <= buf.len(), "claimed {size} of {} bytes", buf.len());
    assert_eq!(message.as_bytes(), &buf[..size]);
    let mut expected = buf[..size].to_vec();
    expected[8..12].copy_from_slice(&body_crc(message.body()).to_be_bytes());
    assert_eq!(encode(&message.to_record()), expected);
}

/// Feeds bytes to every decoder; none may panic, and successes keep their promises.
fn decode_everything(buf: &[u8]) {
    match Record::decode(buf) {
        Ok(Record::Message(message)) => {
            assert_decode_encode(buf, &message);
            let _ = message.check_body_crc();
            let _ = (message.tags_code(), message.unique_key(), message.offset_message_id().to_string());
            let _ = Properties::parse_bytes(message.properties());
        }
        Ok(Record::Blank { total_size }) => assert!(total_size >= stored::BLANK_RECORD_BYTES),
        Err(_) => {}
    }
    let mut walk = stored::messages(buf);
    for message in walk.by_ref().flatten() {
        assert_decode_encode(message.as_bytes(), &message);
    }
    assert!(walk.position() <= buf.len());
    let bytes = Bytes::copy_from_slice(buf);
    let shared: Vec<_> = batch::shared_entries(&bytes).filter_map(Result::ok).collect();
    let borrowed: Vec<_> = batch::entries(buf).filter_map(Result::ok).collect();
    assert_eq!(shared.len(), borrowed.len());
    let mut reencoded = BytesMut::new();
    for (shared, borrowed) in shared.iter().zip(&borrowed) {
        assert_eq!(shared.as_entry(), *borrowed);
        borrowed.encode_into(&mut reencoded).expect("decoded entries re-encode");
    }
    assert!(reencoded.len() <= buf.len());
    let _ = properties::iter_bytes(buf).count();
    let _ = Properties::parse_bytes(buf);
    let text = String::from_utf8_lossy(buf);
    let _ = (OffsetMessageId::parse(&text), UniqueId::parse(&text), properties::find_property(&text, "TAGS"));
    if let Ok(receipt) = PopReceipt::parse(&text) {
        let again = receipt.to_string();
        assert_eq!(PopReceipt::parse(&again), Ok(receipt));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn stored_record_round_trips(fields in fields()) {
        let record = fields.record();
        let bytes = encode(&record);
        prop_assert_eq!(bytes.len(), record.encoded_len().expect("fits"));
        let message = StoredMessage::decode(&bytes).expect("decodes");
        prop_assert_eq!(message.to_record(), MessageRecord { sys_flag: record.effective_sys_flag(), ..record });
        prop_assert_eq!(message.body_crc(), body_crc(&fields.body));
        prop_assert!(message.check_body_crc().is_ok());
        let mut slot = vec![0u8; bytes.len() + 3];
        prop_assert_eq!(record.write_to(&mut slot), Ok(bytes.len()));
        prop_assert_eq!(&slot[..bytes.len()], &bytes[..]);
        let id = message.offset_message_id();
        prop_assert_eq!(OffsetMessageId::parse(&id.to_string()), Ok(id));
    }

    #[test]
    fn pull_body_walks_every_record(all in vec(fields(), 0..5), tail in vec(any::<u8>(), 0..12)) {
        let mut body = BytesMut::new();
        for fields in &all {
            fields.record().encode_into(&mut body).expect("fits");
        }
        let end = body.len();
        body.extend_from_slice(&tail);
        let mut walk = stored::messages(&body);
        for fields in &all {
            let message = walk.next().expect("a record").expect("valid");
            prop_assert_eq!(message.body(), &fields.body[..]);
            prop_assert_eq!(message.topic(), fields.topic.as_str());
        }
        prop_assert_eq!(walk.position(), end);
        match walk.next() {
            None => prop_assert!(tail.is_empty()),
            Some(Ok(_)) => prop_assert!(false, "the tail is too short to be a record"),
            Some(Err(err)) => prop_assert!(err.is_truncation() || !tail.is_empty()),
        }
        prop_assert!(walk.next().is_none());
    }

    #[test]
    fn batch_round_trips(entries in vec((any::<i32>(), vec(any::<u8>(), 0..300), vec(any::<u8>(), 0..100)), 0..8)) {
        let mut body = BytesMut::new();
        for (flag, message_body, message_properties) in &entries {
            let entry = BatchEntry { flag: *flag, body: message_body, properties: message_properties };
            prop_assert_eq!(entry.encode_into(&mut body), Ok(batch::ENTRY_OVERHEAD_BYTES + message_body.len() + message_properties.len()));
        }
        let body = body.freeze();
        let decoded: Vec<_> = batch::shared_entries(&body).collect::<Result<_, _>>().expect("decodes");
        prop_assert_eq!(decoded.len(), entries.len());
        for (entry, (flag, message_body, message_properties)) in decoded.iter().zip(&entries) {
            prop_assert_eq!(entry.flag, *flag);
            prop_assert_eq!(&entry.body[..], &message_body[..]);
            prop_assert_eq!(&entry.properties[..], &message_properties[..]);
        }
        prop_assert_eq!(batch::entries(&body).count(), entries.len());
    }

    #[test]
    fn properties_round_trip(pairs in vec(("[A-Za-z_#.]{1,12}", "[^\u{1}\u{2}]{1,20}"), 0..10)) {
        let mut map = Properties::new();
        for (name, value) in &pairs {
            map.insert(name.as_str(), value.as_str()).expect("valid pair");
        }
        let wire = map.to_wire_string();
        prop_assert_eq!(wire.len(), map.encoded_len());
        let mut encoded = Vec::new();
        map.encode(&mut encoded);
        prop_assert_eq!(encoded, wire.as_bytes().to_vec());
        prop_assert_eq!(Properties::parse(&wire), map.clone());
        prop_assert_eq!(Properties::parse_bytes(wire.as_bytes()), map.clone());
        for (name, value) in map.iter() {
            prop_assert_eq!(properties::find_property(&wire, name), Some(value));
            prop_assert_eq!(properties::find_property_bytes(wire.as_bytes(), name), Some(value.as_bytes()));
        }
    }

    #[test]
    fn parsing_matches_a_model_of_java(raw in "[AB\u{1}\u{2}é]{0,30}") {
        // Java's string2messageProperties, restated naively: split on 0x02, name before the
        // first 0x01, value after it, both non-empty, later names win.
        let mut model: Vec<(String, String)> = Vec::new();
        for item in raw.split('\u{2}') {
            if let Some((name, value)) = item.split_once('\u{1}') {
                if !name.is_empty() && !value.is_empty() {
                    match model.iter_mut().find(|(n, _)| n == name) {
                        Some(entry) => entry.1 = value.to_owned(),
                        None => model.push((name.to_owned(), value.to_owned())),
                    }
                }
            }
        }
        let parsed = Properties::parse(&raw);
        let parsed: Vec<_> = parsed.iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
        prop_assert_eq!(parsed, model);
    }

    #[test]
    fn arbitrary_text_never_panics(raw in "[0-9 a-f\u{1}\u{2}-]{0,64}") {
        decode_everything(raw.as_bytes());
    }

    #[test]
    fn parsing_is_idempotent(raw in "[A-C\u{1}\u{2}é]{0,40}") {
        let once = Properties::parse(&raw);
        prop_assert_eq!(Properties::parse(&once.to_wire_string()), once.clone());
        for (name, value) in once.iter() {
            prop_assert_eq!(properties::find_property(&raw, name), Some(value));
        }
    }

    #[test]
    fn pop_receipt_round_trips(
        numbers in any::<(i64, i64, i64, i32, i32)>(),
        retry in prop_oneof![Just(PopRetry::Normal), Just(PopRetry::RetryV1), Just(PopRetry::RetryV2)],
        broker_name in "[a-zA-Z0-9_-]{1,20}",
        queue_offset in proptest::option::of(any::<i64>()),
    ) {
        let receipt = PopReceipt {
            ck_queue_offset: numbers.0,
            pop_time_ms: numbers.1,
            invisible_time_ms: numbers.2,
            revive_queue_id: numbers.3,
            retry,
            broker_name: &broker_name,
            queue_id: numbers.4,
            queue_offset,
        };
        let text = receipt.to_string();
        prop_assert_eq!(PopReceipt::parse(&text), Ok(receipt));
    }

    #[test]
    fn arbitrary_bytes_never_panic(buf in vec(any::<u8>(), 0..400)) {
        decode_everything(&buf);
    }

    #[test]
    fn mutated_records_never_panic(fields in fields(), flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4), cut in any::<prop::sample::Index>()) {
        let mut bytes = encode(&fields.record());
        for (at, value) in &flips {
            let at = at.index(bytes.len());
            bytes[at] = *value;
        }
        decode_everything(&bytes);
        decode_everything(&bytes[..cut.index(bytes.len() + 1)]);
    }

    #[test]
    fn mutated_batches_never_panic(bodies in vec(vec(any::<u8>(), 0..40), 1..4), flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let mut body = BytesMut::new();
        for message_body in &bodies {
            BatchEntry { flag: 1, body: message_body, properties: b"TAGS\x01A\x02" }.encode_into(&mut body).expect("fits");
        }
        for (at, value) in &flips {
            let at = at.index(body.len());
            body[at] = *value;
        }
        decode_everything(&body);
    }

    #[test]
    fn decompression_of_garbage_is_bounded(buf in vec(any::<u8>(), 0..200)) {
        for compression in [CompressionType::Zlib, CompressionType::Lz4, CompressionType::Zstd] {
            if let Ok(out) = compression::decompress(&buf, compression, 4096) {
                prop_assert!(out.len() <= 4096);
            }
        }
    }
}

/// Rewrites the fuzz seed corpora from the encoders. Run with
/// `cargo test -p bolide-protocol --test message_round_trip -- --ignored` after a format change.
#[test]
#[ignore = "writes files into fuzz/corpus"]
fn write_fuzz_seed_corpora() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let write = |dir: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(dir);
        std::fs::create_dir_all(&dir).expect("corpus dir");
        std::fs::write(dir.join(name), bytes).expect("corpus file");
    };
    let ipv4 = Fields {
        v2: false,
        ints: (0, 0, 0, 0),
        offsets: (0, 0, 0),
        times: (1_700_000_000_000, 1_700_000_000_123),
        hosts: ("192.168.0.10:50000".parse().expect("addr"), "192.168.0.20:10911".parse().expect("addr")),
        body: b"Hello".to_vec(),
        topic: "TopicTest".to_owned(),
        properties: b"TAGS\x01A\x02".to_vec(),
    };
    let ipv6 = Fields {
        v2: true,
        ints: (3, 7, 0x8 | 0x1 | 0x300, 2),
        offsets: (42, 4096, 1024),
        hosts: ("[2001:db8::5]:40000".parse().expect("addr"), "[::1]:10911".parse().expect("addr")),
        body: vec![0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        topic: "%RETRY%group_a".to_owned(),
        properties: b"UNIQ_KEY\x017F0000010F2A18B4AAC2155F2D2C0000\x02WAIT\x01true\x02KEYS\x01k1 k2\x02".to_vec(),
        ..ipv4.clone()
    };
    let spec = encode(&ipv4.record());
    let both = [spec.clone(), encode(&ipv6.record())].concat();
    write("stored_message", "spec_example_v1", &spec);
    write("stored_message", "ipv6_v2_commit_compressed", &encode(&ipv6.record()));
    write("stored_message", "pull_body_two_records", &both);
    write("stored_message", "blank_record", &stored::blank_record(64));
    write("stored_message", "truncated", &spec[..50]);
    let mut batch_body = BytesMut::new();
    for (flag, body, props) in [
        (0, &b"Hello"[..], &b"TAGS\x01A\x02UNIQ_KEY\x01ID0\x02"[..]),
        (5, b"", b""),
        (-1, b"\x00\x01\x02", b"KEYS\x01a b\x02WAIT\x01false\x02"),
    ] {
        BatchEntry { flag, body, properties: props }.encode_into(&mut batch_body).expect("fits");
    }
    write("batch_body", "three_entries", &batch_body);
    write("batch_body", "one_entry", &batch_body[..22 + 5 + 22]);
    write("batch_body", "truncated", &batch_body[..30]);
}
