//! Header encode and decode per serialization, for a typical SEND_MESSAGE_V2 request.

use bolide_protocol::frame::{self, FrameLimits};
use bolide_protocol::header::{SendMessageFields, SendMessageRequestHeaderV2, SendMessageResponseHeader};
use bolide_protocol::{binary_header, json_header, RemotingCommand, RequestCode, ResponseCode, SerializeType};
use bytes::BytesMut;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

fn send_request(serialize_type: SerializeType) -> RemotingCommand {
    let mut command = RemotingCommand::request(RequestCode::SEND_MESSAGE_V2);
    for (key, value) in [
        ("a", "ProducerGroupA"),
        ("b", "TopicTest"),
        ("c", "TBW102"),
        ("d", "4"),
        ("e", "1"),
        ("f", "0"),
        ("g", "1717000000000"),
        ("h", "0"),
        ("i", "UNIQ_KEY\u{1}AC11000128F418B4AAC28A1E6B3C0000\u{2}WAIT\u{1}true\u{2}"),
        ("j", "0"),
        ("k", "false"),
        ("m", "false"),
        ("n", "broker-a"),
    ] {
        command = command.with_ext(key, value);
    }
    command.opaque = 42;
    command.serialize_type = serialize_type;
    command.with_body(vec![b'x'; 1024])
}

fn header_codec(c: &mut Criterion) {
    let mut group = c.benchmark_group("header");
    group.throughput(Throughput::Elements(1));
    let json = send_request(SerializeType::Json);
    let binary = send_request(SerializeType::RocketMq);
    let mut json_bytes = BytesMut::new();
    json_header::encode(&json, &mut json_bytes);
    let mut binary_bytes = BytesMut::new();
    binary_header::encode(&binary, &mut binary_bytes).expect("fits");

    group.bench_function("json/encode", |b| {
        let mut out = BytesMut::with_capacity(1024);
        b.iter(|| {
            out.clear();
            json_header::encode(black_box(&json), &mut out);
        })
    });
    group.bench_function("json/decode", |b| b.iter(|| json_header::decode(black_box(&json_bytes)).expect("valid")));
    group.bench_function("binary/encode", |b| {
        let mut out = BytesMut::with_capacity(1024);
        b.iter(|| {
            out.clear();
            binary_header::encode(black_box(&binary), &mut out).expect("fits");
        })
    });
    group.bench_function("binary/decode", |b| {
        b.iter(|| binary_header::decode(black_box(&binary_bytes)).expect("valid"))
    });
    // The typed header from the decoded fields: what the broker does per send, and the client
    // per answer.
    group.bench_function("typed/send_v2", |b| {
        b.iter(|| black_box(&binary).decode_header::<SendMessageRequestHeaderV2>().expect("valid"))
    });
    // The same fields read in place (what the broker's send path reads since 2026-12-06 21:50).
    group.bench_function("typed/send_fields", |b| {
        b.iter(|| SendMessageFields::read_short(black_box(&binary).fields()).expect("valid"))
    });
    // A producer's request header written into a command: from an owned V2 header (copies of
    // the group, topic, template, properties and broker name first), or from the borrowed view.
    let owned = binary.decode_header::<SendMessageRequestHeaderV2>().expect("valid");
    group.bench_function("write/send_v2", |b| {
        b.iter(|| {
            let header = owned.clone();
            RemotingCommand::request(RequestCode::SEND_MESSAGE_V2).with_header(black_box(&header))
        })
    });
    let view = SendMessageFields::read_short(binary.fields()).expect("valid");
    group.bench_function("write/send_fields", |b| {
        b.iter(|| RemotingCommand::request(RequestCode::SEND_MESSAGE_V2).with_header(black_box(&view)))
    });
    let answer = RemotingCommand::response(ResponseCode::SUCCESS, 42)
        .with_ext("msgId", "7F00000100002A9F0000000000000400")
        .with_ext("queueId", "1")
        .with_ext("queueOffset", "1024")
        .with_ext("transactionId", "AC11000128F418B4AAC28A1E6B3C0000")
        .with_ext("MSG_REGION", "DefaultRegion")
        .with_ext("TRACE_ON", "true");
    group.bench_function("typed/send_response", |b| {
        b.iter(|| black_box(&answer).decode_header::<SendMessageResponseHeader>().expect("valid"))
    });
    group.finish();

    let mut group = c.benchmark_group("frame");
    group.throughput(Throughput::Elements(1));
    let mut frame_bytes = BytesMut::new();
    frame::encode(&json, &mut frame_bytes, FrameLimits::default()).expect("fits");
    group.bench_function("json_1KiB/decode", |b| {
        b.iter(|| {
            let mut buf = frame_bytes.clone();
            frame::decode(&mut buf, FrameLimits::default()).expect("valid").expect("whole")
        })
    });
    group.finish();
}

criterion_group!(benches, header_codec);
criterion_main!(benches);
