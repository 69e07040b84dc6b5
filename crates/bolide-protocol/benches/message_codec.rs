//! Stored-record encode and decode of a 1 KiB message, and properties lookup: the per-message
//! costs of an append and of serving a pull.

use std::hint::black_box;

use bolide_protocol::message::properties::{self, find_property};
use bolide_protocol::message::stored::{self, MessageRecord, MessageVersion, StoredMessage};
use bolide_protocol::message::SysFlag;
use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const PROPERTIES: &str = concat!(
    "KEYS\u{1}order-12345\u{2}",
    "UNIQ_KEY\u{1}7F0000010F2A18B4AAC2155F2D2C0000\u{2}",
    "WAIT\u{1}true\u{2}",
    "CLUSTER\u{1}DefaultCluster\u{2}",
    "TAGS\u{1}TagA\u{2}",
);

fn record(body: &[u8]) -> MessageRecord<'_> {
    MessageRecord {
        version: MessageVersion::V1,
        queue_id: 3,
        flag: 0,
        queue_offset: 1_000_000,
        commit_log_offset: 5 << 30,
        sys_flag: SysFlag::default(),
        born_timestamp_ms: 1_700_000_000_000,
        born_host: "10.0.0.7:50000".parse().expect("addr"),
        store_timestamp_ms: 1_700_000_000_005,
        store_host: "10.0.0.1:10911".parse().expect("addr"),
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body,
        topic: "BenchmarkTopic",
        properties: PROPERTIES.as_bytes(),
    }
}

fn stored_record(c: &mut Criterion) {
    let body = vec![0x5A; 1024];
    let record = record(&body);
    let length = record.encoded_len().expect("fits");
    let mut group = c.benchmark_group("stored_record_1KiB");
    group.throughput(Throughput::Bytes(length as u64));

    let mut buffer = BytesMut::with_capacity(length * 64);
    group.bench_function("encode_into", |b| {
        b.iter(|| {
            if buffer.capacity() - buffer.len() < length {
                buffer.clear();
            }
            black_box(record.encode_into(&mut buffer).expect("fits"))
        });
    });

    let mut segment = vec![0u8; length];
    group.bench_function("write_to_slice", |b| b.iter(|| black_box(record.write_to(&mut segment).expect("fits"))));

    let mut encoded = BytesMut::new();
    record.encode_into(&mut encoded).expect("fits");
    group.bench_function("decode", |b| {
        b.iter(|| {
            let message = StoredMessage::decode(black_box(&encoded)).expect("valid");
            black_box((message.queue_offset(), message.store_host(), message.body().len()))
        });
    });
    group.bench_function("decode_check_crc", |b| {
        b.iter(|| {
            let message = StoredMessage::decode(black_box(&encoded)).expect("valid");
            message.check_body_crc().expect("crc");
            black_box(message.total_size())
        });
    });

    let pull_body: Vec<u8> = (0..32).flat_map(|_| encoded.iter().copied()).collect();
    group.throughput(Throughput::Bytes(pull_body.len() as u64));
    group.bench_function("walk_pull_body_32", |b| {
        b.iter(|| {
            stored::messages(black_box(&pull_body)).map(|message| message.expect("valid").tags_code()).sum::<i64>()
        })
    });
    group.finish();
}

fn properties_lookup(c: &mut Criterion) {
    let mut group = c.benchmark_group("properties");
    group.bench_function("find_tags", |b| b.iter(|| find_property(black_box(PROPERTIES), properties::TAGS)));
    group.bench_function("find_missing", |b| b.iter(|| find_property(black_box(PROPERTIES), properties::DELAY)));
    group.bench_function("parse_map", |b| b.iter(|| properties::Properties::parse(black_box(PROPERTIES))));
    group.finish();
}

criterion_group!(benches, stored_record, properties_lookup);
criterion_main!(benches);
