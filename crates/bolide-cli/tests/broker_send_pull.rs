//! The real `bolide broker` process driven as producers and consumers drive it, with raw frames:
//! single sends (V1 and V2 headers) and batch sends answer where the messages went, refused sends
//! carry the Java codes and a remark saying what to fix, auto-creation from TBW102 reaches the
//! name server, pulls return the stored records byte for byte with every status and
//! `nextBeginOffset` rule, and long polling wakes on arrival, times out on time and ends at
//! SIGTERM.

mod messaging;
mod support;

use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bolide_protocol::message::batch::BatchEntry;
use bolide_protocol::message::{MessageRecord, MessageVersion, OffsetMessageId, SysFlag};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess, TempDir};
use bytes::BytesMut;
use messaging::{
    batch_request, create_topic, ext_i64, heartbeat, properties, pulled, start_broker, Outgoing, Pull, Pulled,
    TryClient,
};
use serde_json::Value;
use support::{start_namesrv, WireClient};

const GROUP: &str = "e2e-consumers";
const PUSH_GROUP: &str = "e2e-push-consumers";

/// A broker on its own ports and data dir, without a name server.
struct Broker {
    dir: TempDir,
    port: u16,
    process: ServerProcess,
}

fn broker(settings: &[&str]) -> Broker {
    let dir = temp_dir();
    let port = free_port_pair();
    let process = start_broker(port, &dir.path().join("store"), None, settings);
    Broker { dir, port, process }
}

fn store_host(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn offset_id(text: &str) -> OffsetMessageId {
    OffsetMessageId::parse(text).unwrap_or_else(|err| panic!("{text:?} is an offset message id: {err}"))
}

fn assert_refused(response: &RemotingCommand, code: ResponseCode, remark_parts: &[&str]) {
    assert_eq!(response.code, code.value(), "{:?}", response.remark);
    let remark = response.remark.as_deref().unwrap_or("");
    for part in remark_parts {
        assert!(remark.contains(part), "remark {remark:?} should mention {part:?}");
    }
}

/// A refused send: the code, the remark, and the trace fields the Java broker puts on every send
/// answer.
fn assert_send_refused(response: &RemotingCommand, code: ResponseCode, remark_parts: &[&str]) {
    assert_refused(response, code, remark_parts);
    assert_eq!(response.ext("MSG_REGION"), Some("DefaultRegion"));
    assert_eq!(response.ext("TRACE_ON"), Some("true"));
}

/// The record the broker must have written for `sent` at `pulled`'s offsets and store time:
/// encoded here, independently of the broker, and compared byte for byte.
fn expected_record(sent: &Outgoing, born_host: SocketAddr, store_port: u16, props: &[u8], at: &Pulled) -> Vec<u8> {
    let record = MessageRecord {
        version: MessageVersion::V1,
        queue_id: at.queue_id,
        flag: sent.flag,
        queue_offset: at.queue_offset,
        commit_log_offset: at.commit_log_offset,
        sys_flag: SysFlag::from_bits(0),
        born_timestamp_ms: sent.born_timestamp_ms,
        born_host,
        store_timestamp_ms: at.store_timestamp_ms,
        store_host: store_host(store_port),
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body: &sent.body,
        topic: &sent.topic,
        properties: props,
    };
    let mut out = BytesMut::new();
    record.encode_into(&mut out).expect("encodable record");
    out.to_vec()
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_millis() as i64
}

#[test]
fn sends_answer_where_each_message_went_and_pulls_return_the_records_byte_exact() {
    let broker = broker(&[]);
    let mut client = TryClient::connect(broker.port).expect("connect");
    assert_eq!(client.must(create_topic("Orders", 4)).code, 0);
    let born_host = client.local_addr();
    let cluster = properties(&[("CLUSTER", "DefaultCluster")]);

    // SEND_MESSAGE (10), long header names.
    let first_props = properties(&[("UNIQ_KEY", "7F0000010001000000000000000000A1"), ("TAGS", "TagA"), ("KEYS", "k1")]);
    let first = Outgoing { flag: 7, ..Outgoing::new("Orders", 2, &b"first body"[..], first_props.clone()) };
    let v1 = client.must(first.v1());
    assert_eq!(v1.code, 0, "{:?}", v1.remark);
    assert_eq!((ext_i64(&v1, "queueId"), ext_i64(&v1, "queueOffset")), (2, 0));
    assert_eq!(v1.ext("MSG_REGION"), Some("DefaultRegion"));
    assert_eq!(v1.ext("TRACE_ON"), Some("true"));
    assert_eq!(v1.ext("transactionId"), Some("7F0000010001000000000000000000A1"), "the message's UNIQ_KEY");
    let first_id = offset_id(v1.ext("msgId").expect("msgId"));
    assert_eq!(first_id.store_host, store_host(broker.port), "brokerIP1:listenPort");

    // SEND_MESSAGE_V2 (310), one-letter keys, without a UNIQ_KEY: the broker adds one.
    let second_props = properties(&[("TAGS", "TagB"), ("WAIT", "true")]);
    let second = Outgoing::new("Orders", 2, vec![0u8, 1, 2, 255, 254], second_props.clone());
    let v2 = client.must(second.v2());
    assert_eq!(v2.code, 0, "{:?}", v2.remark);
    assert_eq!((ext_i64(&v2, "queueId"), ext_i64(&v2, "queueOffset")), (2, 1));
    assert_eq!((v2.ext("MSG_REGION"), v2.ext("TRACE_ON")), (Some("DefaultRegion"), Some("true")));
    let second_id = offset_id(v2.ext("msgId").expect("msgId"));
    assert!(second_id.commit_log_offset > first_id.commit_log_offset);
    let generated_key = v2.ext("transactionId").expect("the broker's UNIQ_KEY").to_owned();

    // SEND_BATCH_MESSAGE (320): consecutive queue offsets, one offset id per message.
    let batch_header = Outgoing::new("Orders", 2, Vec::new(), properties(&[("WAIT", "false")]));
    let entry_props: Vec<String> = (0..3)
        .map(|n| properties(&[("UNIQ_KEY", &format!("7F00000100010000000000000000B00{n}")), ("TAGS", "TagC")]))
        .collect();
    let bodies: Vec<Vec<u8>> = (0..3).map(|n| format!("batch entry {n} ").repeat(n + 1).into_bytes()).collect();
    let entries: Vec<BatchEntry<'_>> = (0..3)
        .map(|n| BatchEntry { flag: n as i32, body: &bodies[n], properties: entry_props[n].as_bytes() })
        .collect();
    let batch = client.must(batch_request(&batch_header, &entries));
    assert_eq!(batch.code, 0, "{:?}", batch.remark);
    assert_eq!((ext_i64(&batch, "queueId"), ext_i64(&batch, "queueOffset")), (2, 2), "offset of the first");
    assert_eq!((batch.ext("MSG_REGION"), batch.ext("TRACE_ON")), (Some("DefaultRegion"), Some("true")));
    let batch_ids: Vec<OffsetMessageId> = batch.ext("msgId").expect("msgId").split(',').map(offset_id).collect();
    assert_eq!(batch_ids.len(), 3, "comma-separated, one per message");

    // A negative queue id lets the broker choose one of the topic's queues.
    assert_eq!(client.must(create_topic("Anywhere", 4)).code, 0);
    let anywhere = client.must(Outgoing::new("Anywhere", -1, &b"anywhere"[..], String::new()).v2());
    assert_eq!(anywhere.code, 0);
    assert!((0..4).contains(&ext_i64(&anywhere, "queueId")));

    // Java 4.x producers send over the VIP port (listenPort - 2); the offset id still names
    // listenPort. The sysflag (here: compressed body) is stored as the producer set it.
    let mut vip = TryClient::connect(broker.port - 2).expect("connect to the VIP port");
    assert_eq!(vip.must(create_topic("Vip", 1)).code, 0);
    let compressed = Outgoing::new("Vip", 0, &b"x\x9c not really zlib"[..], String::new());
    let over_vip = vip.must(compressed.v2().with_ext("f", "1"));
    assert_eq!(over_vip.code, 0, "{:?}", over_vip.remark);
    assert_eq!(offset_id(over_vip.ext("msgId").expect("msgId")).store_host, store_host(broker.port));
    client.wait_readable("Vip", 0, 1);
    let stored = client.pull_all(GROUP, "Vip", 0).pop().expect("the VIP port's message");
    assert_eq!((stored.sys_flag & 1, stored.body.as_slice()), (1, &compressed.body[..]), "stored as sent");

    // Everything sent to queue 2, read back: the records are exactly what the broker owed.
    client.wait_readable("Orders", 2, 5);
    let records = client.pull_all(GROUP, "Orders", 2);
    assert_eq!(records.len(), 5);
    let ids: Vec<u64> = [first_id, second_id].iter().chain(&batch_ids).map(|id| id.commit_log_offset).collect();
    for (n, (record, id)) in records.iter().zip(&ids).enumerate() {
        assert_eq!(record.queue_offset, n as u64, "consecutive queue offsets");
        assert_eq!(record.commit_log_offset, *id, "msgId {n} points at its record");
        assert_eq!(record.store_host, store_host(broker.port));
        assert!((now_ms() - record.store_timestamp_ms).abs() < 60_000, "store time is the broker's clock");
    }
    let expect = |sent: &Outgoing, props: String, record: &Pulled| {
        let wanted = expected_record(sent, born_host, broker.port, props.as_bytes(), record);
        assert_eq!(record.record, wanted, "record at queue offset {} byte for byte", record.queue_offset);
    };
    expect(&first, format!("{first_props}{cluster}"), &records[0]);
    let added = properties(&[("UNIQ_KEY", &generated_key)]);
    expect(&second, format!("{second_props}{added}{cluster}"), &records[1]);
    for n in 0..3 {
        let sent = Outgoing { flag: n as i32, ..Outgoing::new("Orders", 2, bodies[n].clone(), String::new()) };
        // Each message keeps its own properties, followed by the batch's.
        expect(&sent, format!("{}{}{cluster}", entry_props[n], batch_header.properties), &records[2 + n]);
    }
}

#[test]
fn refused_sends_carry_the_java_codes_and_say_what_to_fix() {
    let broker = broker(&["autoCreateTopicEnable=false", "maxMessageSize=1024"]);
    let mut client = TryClient::connect(broker.port).expect("connect");
    assert_eq!(client.must(create_topic("Known", 4)).code, 0);
    let send = |client: &mut TryClient, topic: &str, queue: i32, body: Vec<u8>, v1: bool| {
        let message = Outgoing::new(topic, queue, body, properties(&[("TAGS", "t")]));
        client.must(if v1 { message.v1() } else { message.v2() })
    };
    for v1 in [false, true] {
        let illegal = send(&mut client, "bad/topic name", 0, b"x".to_vec(), v1);
        assert_send_refused(&illegal, ResponseCode::INVALID_PARAMETER, &["illegal characters", "a-zA-Z0-9"]);
        let long = send(&mut client, &"T".repeat(128), 0, b"x".to_vec(), v1);
        assert_send_refused(&long, ResponseCode::INVALID_PARAMETER, &["longer than", "127"]);
        let system = send(&mut client, "SCHEDULE_TOPIC_XXXX", 0, b"x".to_vec(), v1);
        assert_send_refused(&system, ResponseCode::NO_PERMISSION, &["SCHEDULE_TOPIC_XXXX", "forbidden"]);
        let large = send(&mut client, "Known", 0, vec![b'x'; 1025], v1);
        assert_send_refused(&large, ResponseCode::MESSAGE_ILLEGAL, &["1024", "maxMessageSize"]);
        let queue = send(&mut client, "Known", 4, b"x".to_vec(), v1);
        assert_send_refused(&queue, ResponseCode::INVALID_PARAMETER, &["queueId[4]", "4 queues"]);
        let unknown = send(&mut client, "Unknown", 0, b"x".to_vec(), v1);
        assert_send_refused(
            &unknown,
            ResponseCode::TOPIC_NOT_EXIST,
            &["topic[Unknown] not exist", "autoCreateTopicEnable"],
        );
        assert!(
            unknown.remark.as_deref().unwrap_or("").contains("updateTopic"),
            "the remark names the command that creates the topic: {:?}",
            unknown.remark
        );
    }
    // A topic without the write permission (perm 4: read only).
    assert_eq!(client.must(create_topic("ReadOnly", 2).with_ext("perm", "4")).code, 0);
    let read_only = send(&mut client, "ReadOnly", 0, b"x".to_vec(), false);
    assert_send_refused(&read_only, ResponseCode::NO_PERMISSION, &["ReadOnly", "forbidden"]);
    // A batch with one oversized entry is refused whole.
    let header = Outgoing::new("Known", 1, Vec::new(), String::new());
    let big = vec![b'y'; 2000];
    let entries =
        [BatchEntry { flag: 0, body: b"fine", properties: b"" }, BatchEntry { flag: 0, body: &big, properties: b"" }];
    assert_send_refused(
        &client.must(batch_request(&header, &entries)),
        ResponseCode::MESSAGE_ILLEGAL,
        &["maxMessageSize"],
    );
    // Nothing refused was stored, and the topic was not created.
    for queue in 0..4 {
        assert!(client.pull_all(GROUP, "Known", queue).is_empty(), "queue {queue} stays empty");
    }
    let topic = client.must(RemotingCommand::request(RequestCode::GET_TOPIC_CONFIG).with_ext("topic", "Unknown"));
    assert_eq!(topic.code, ResponseCode::TOPIC_NOT_EXIST.value());
}

fn route(namesrv_port: u16, topic: &str) -> Option<Value> {
    let request = RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC).with_ext("topic", topic);
    let response = WireClient::connect(namesrv_port).call(request);
    (response.code == 0).then(|| serde_json::from_slice(&response.body.unwrap_or_default()).expect("JSON route"))
}

fn wait_for_route(namesrv_port: u16, topic: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(found) = route(namesrv_port, topic) {
            return found;
        }
        assert!(Instant::now() < deadline, "no route for {topic} within 5 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn topic_config(client: &mut TryClient, topic: &str) -> Value {
    let response = client.must(RemotingCommand::request(RequestCode::GET_TOPIC_CONFIG).with_ext("topic", topic));
    assert_eq!(response.code, 0, "{topic}: {:?}", response.remark);
    serde_json::from_slice(&response.body.unwrap_or_default()).expect("JSON topic config")
}

#[test]
fn sending_to_an_unknown_topic_creates_it_from_tbw102_and_registers_its_route() {
    let dir = temp_dir();
    let namesrv_port = free_port();
    let _namesrv = start_namesrv(namesrv_port, dir.path(), &[]);
    let port = free_port_pair();
    // defaultTopicQueueNums (8) is TBW102's queue count, the upper bound of created topics.
    let mut broker = start_broker(port, &dir.path().join("store"), Some(namesrv_port), &[]);
    let mut client = TryClient::connect(port).expect("connect");
    assert!(route(namesrv_port, "AutoWide").is_none());

    let wide = Outgoing { default_queue_nums: 16, ..Outgoing::new("AutoWide", 0, &b"w"[..], String::new()) };
    let sent = client.must(wide.v2());
    assert_eq!((sent.code, ext_i64(&sent, "queueOffset")), (0, 0), "{:?}", sent.remark);
    let narrow = Outgoing { default_queue_nums: 3, ..Outgoing::new("AutoNarrow", 2, &b"n"[..], String::new()) };
    assert_eq!(client.must(narrow.v1()).code, 0);

    for (topic, queues) in [("AutoWide", 8), ("AutoNarrow", 3)] {
        let config = topic_config(&mut client, topic);
        assert_eq!((config["readQueueNums"].as_i64(), config["writeQueueNums"].as_i64()), (Some(queues), Some(queues)));
        assert_eq!(config["perm"].as_i64(), Some(6), "TBW102's perm without INHERIT");
        let route = wait_for_route(namesrv_port, topic);
        let queue_data = &route["queueDatas"][0];
        assert_eq!(
            (queue_data["brokerName"].as_str(), queue_data["writeQueueNums"].as_i64()),
            (Some("broker-e2e"), Some(queues))
        );
        assert_eq!(route["brokerDatas"][0]["brokerAddrs"]["0"].as_str(), Some(format!("127.0.0.1:{port}").as_str()));
    }
    broker.wait_for("topic auto-created from TBW102", Duration::from_secs(1));
    client.wait_readable("AutoWide", 0, 1);
    let last = client.must(Outgoing::new("AutoWide", 7, &b"w7"[..], String::new()).v2());
    assert_eq!(last.code, 0, "{:?}", last.remark);
    let beyond = client.must(Outgoing::new("AutoWide", 8, &b"w8"[..], String::new()).v2());
    assert_eq!(beyond.code, ResponseCode::INVALID_PARAMETER.value());
    let wide_records = client.pull_all(GROUP, "AutoWide", 0);
    assert_eq!(wide_records.iter().map(|r| r.body.as_slice()).collect::<Vec<_>>(), [b"w"]);
}

/// The response code and `nextBeginOffset`, `minOffset`, `maxOffset` of a pull.
fn pull_outcome(client: &mut TryClient, pull: &Pull) -> (i32, i64, i64, i64) {
    let response = client.must(pull.request());
    let header = |key| ext_i64(&response, key);
    assert_eq!(header("suggestWhichBrokerId"), 0, "the master serves");
    (response.code, header("nextBeginOffset"), header("minOffset"), header("maxOffset"))
}

fn pull_offsets(client: &mut TryClient, pull: &Pull) -> (Vec<u64>, i64) {
    let response = client.must(pull.request());
    assert_eq!(response.code, 0, "{:?}", response.remark);
    let offsets = pulled(&response).iter().map(|record| record.queue_offset).collect();
    (offsets, ext_i64(&response, "nextBeginOffset"))
}

fn query_offset(client: &mut TryClient, topic: &str, queue_id: i32) -> Option<i64> {
    let request = RemotingCommand::request(RequestCode::QUERY_CONSUMER_OFFSET)
        .with_ext("consumerGroup", GROUP)
        .with_ext("topic", topic)
        .with_ext("queueId", queue_id.to_string())
        .with_ext("setZeroIfNotFound", "false");
    let response = client.must(request);
    (response.code == 0).then(|| ext_i64(&response, "offset"))
}

#[test]
fn pulls_answer_every_status_with_the_offset_to_continue_from() {
    let broker = broker(&[]);
    let mut client = TryClient::connect(broker.port).expect("connect");
    assert_eq!(client.must(create_topic("Pulls", 2)).code, 0);
    let tags = ["TagA", "TagB", "TagC", "TagA", "TagC", "TagC"];
    for (n, tag) in tags.iter().enumerate() {
        let message = Outgoing::new("Pulls", 0, format!("message {n}").into_bytes(), properties(&[("TAGS", tag)]));
        assert_eq!(client.must(message.v2()).code, 0);
    }
    client.wait_readable("Pulls", 0, 6);
    let at = |offset: i64| Pull::new(GROUP, "Pulls", 0, offset);
    const FOUND: i32 = 0;
    const NOT_FOUND: i32 = 19;
    const RETRY: i32 = 20;
    const MOVED: i32 = 21;

    assert_eq!(pull_outcome(&mut client, &at(0)), (FOUND, 6, 0, 6));
    // LITE_PULL_MESSAGE (361, flag 0x10) is served the same way.
    let mut lite = Pull { sys_flag: 0x14, ..at(1) }.request();
    lite.code = RequestCode::LITE_PULL_MESSAGE.value();
    let lite = client.must(lite);
    assert_eq!((lite.code, pulled(&lite).len(), ext_i64(&lite, "nextBeginOffset")), (FOUND, 5, 6));
    assert_eq!(pull_offsets(&mut client, &Pull { max_msg_nums: 2, ..at(2) }), (vec![2, 3], 4));
    assert_eq!(pull_outcome(&mut client, &at(6)), (NOT_FOUND, 6, 0, 6), "offset == max: caught up");
    assert_eq!(pull_outcome(&mut client, &at(9)), (MOVED, 6, 0, 6), "offset > max: back to max");
    assert_eq!(pull_outcome(&mut client, &at(-1)), (MOVED, 0, 0, 6), "offset < min: forward to min");
    let empty = |offset: i64| Pull::new(GROUP, "Pulls", 1, offset);
    assert_eq!(pull_outcome(&mut client, &empty(0)), (NOT_FOUND, 0, 0, 0), "empty queue at 0");
    assert_eq!(pull_outcome(&mut client, &empty(3)), (MOVED, 0, 0, 0), "empty queue past 0");

    // Tag filtering by the request's subscription (flag 0x4): the hashes of TagA and TagB.
    let tagged = |offset: i64, expression: &str| Pull { subscription: Some(expression.to_owned()), ..at(offset) };
    let (offsets, next) = pull_offsets(&mut client, &tagged(0, "TagA || TagB"));
    assert_eq!((offsets, next), (vec![0, 1, 3], 6), "filtered messages are skipped, and so is the trailing TagC");
    let response = client.must(tagged(0, "TagB").request());
    assert_eq!(pulled(&response).iter().map(|r| r.tags.clone()).collect::<Vec<_>>(), [Some("TagB".to_owned())]);
    assert_eq!(pull_outcome(&mut client, &tagged(4, "TagA || TagB")), (RETRY, 6, 0, 6), "all filtered out");
    assert_eq!(pull_outcome(&mut client, &tagged(0, "TagZ")), (RETRY, 6, 0, 6));

    // A pull returns at most maxTransferCountOnMessageInMemory (32) messages, and at most
    // maxMsgBytes, except that the first message is always returned whole.
    for n in 0..40 {
        let message = Outgoing::new("Pulls", 1, format!("bulk {n:02}").into_bytes(), String::new());
        assert_eq!(client.must(message.v2()).code, 0);
    }
    client.wait_readable("Pulls", 1, 40);
    let (offsets, next) = pull_offsets(&mut client, &Pull { max_msg_nums: 64, ..empty(0) });
    assert_eq!((offsets.len(), next), (32, 32));
    let record_size = client.must(empty(0).request()).body.map(|body| body.len() / 32).expect("records");
    let two = (2 * record_size + record_size / 2) as i32;
    let (offsets, next) = pull_offsets(&mut client, &Pull { max_msg_bytes: Some(two), ..empty(5) });
    assert_eq!((offsets, next), (vec![5, 6], 7));
    let (offsets, next) = pull_offsets(&mut client, &Pull { max_msg_bytes: Some(1), ..empty(5) });
    assert_eq!((offsets, next), (vec![5], 6));

    // Requests the broker cannot serve.
    let beyond = client.must(Pull::new(GROUP, "Pulls", 2, 0).request());
    assert_refused(&beyond, ResponseCode::INVALID_PARAMETER, &["queueId[2] is illegal", "readQueueNums:[2]"]);
    let negative = client.must(Pull::new(GROUP, "Pulls", -1, 0).request());
    assert_eq!(negative.code, ResponseCode::INVALID_PARAMETER.value());
    let unknown = client.must(Pull::new(GROUP, "NoSuchTopic", 0, 0).request());
    assert_refused(&unknown, ResponseCode::TOPIC_NOT_EXIST, &["NoSuchTopic"]);
    let sql = client.must(at(0).request().with_ext("expressionType", "SQL92").with_ext("subscription", "a > 1"));
    assert_refused(&sql, ResponseCode::SYSTEM_ERROR, &["does not support consumer to filter message by SQL92"]);

    // Without the subscription flag the group's heartbeat subscription is needed.
    let no_subscription = Pull { sys_flag: 0, subscription: None, ..at(0) };
    assert_eq!(client.must(no_subscription.request()).code, ResponseCode::SUBSCRIPTION_NOT_EXIST.value());

    // The commit-offset flag (0x1) stores the consumer offset the pull carries.
    assert_eq!(query_offset(&mut client, "Pulls", 0), None);
    assert_eq!(pull_outcome(&mut client, &Pull { sys_flag: 0x5, commit_offset: 4, ..at(4) }).0, FOUND);
    assert_eq!(query_offset(&mut client, "Pulls", 0), Some(4));
    assert_eq!(pull_outcome(&mut client, &Pull { sys_flag: 0x4, commit_offset: 5, ..at(5) }).0, FOUND);
    assert_eq!(query_offset(&mut client, "Pulls", 0), Some(4), "without the flag the offset is not committed");
    assert_eq!(pull_outcome(&mut client, &Pull { sys_flag: 0x5, commit_offset: 6, ..at(6) }).0, NOT_FOUND);
    assert_eq!(query_offset(&mut client, "Pulls", 0), Some(6));
}

#[test]
fn pulls_of_messages_on_disk_return_the_in_disk_batches() {
    // With accessMessageInMemoryMaxRatio=0 every stored message is further behind the newest
    // one than the in-memory share of memory: pulls use maxTransfer*OnMessageInDisk.
    let broker = broker(&["accessMessageInMemoryMaxRatio=0", "maxTransferBytesOnMessageInDisk=4000"]);
    let mut client = TryClient::connect(broker.port).expect("connect");
    assert_eq!(client.must(create_topic("OnDisk", 2)).code, 0);
    for n in 0..20 {
        let small = Outgoing::new("OnDisk", 0, format!("small {n:02}").into_bytes(), String::new());
        assert_eq!(client.must(small.v2()).code, 0);
        let large = Outgoing::new("OnDisk", 1, vec![b'x'; 1000], String::new());
        assert_eq!(client.must(large.v2()).code, 0);
    }
    client.wait_readable("OnDisk", 0, 20);
    client.wait_readable("OnDisk", 1, 20);
    let at = |queue_id: i32, offset: i64| Pull { max_msg_nums: 32, ..Pull::new(GROUP, "OnDisk", queue_id, offset) };
    assert_eq!(pull_offsets(&mut client, &at(0, 0)), ((0..8).collect(), 8), "maxTransferCountOnMessageInDisk (8)");
    assert_eq!(pull_offsets(&mut client, &at(0, 16)), ((16..20).collect(), 20));
    assert_eq!(pull_offsets(&mut client, &Pull { max_msg_nums: 3, ..at(0, 0) }), ((0..3).collect(), 3));
    // Records of about 1.1 KB: three fit in 4000 bytes.
    assert_eq!(pull_offsets(&mut client, &at(1, 0)), ((0..3).collect(), 3), "maxTransferBytesOnMessageInDisk");
}

#[test]
fn a_pull_below_the_retained_messages_is_moved_to_the_oldest_one() {
    // Tiny segments, kept for no time and deleted at every hour: the store's retention round
    // (every 10 s) removes all but the newest commit log segment.
    let every_hour: String = (0..24).map(|hour| format!("{hour:02}")).collect::<Vec<_>>().join(";");
    let delete_when = format!("deleteWhen={every_hour}");
    let settings = [
        "mappedFileSizeCommitLog=4096",
        "mappedFileSizeConsumeQueue=200",
        "maxMessageSize=1024",
        "fileReservedTime=0",
        &delete_when,
    ];
    let mut broker = broker(&settings);
    let mut client = TryClient::connect(broker.port).expect("connect");
    assert_eq!(client.must(create_topic("Expiring", 1)).code, 0);
    for n in 0..60 {
        assert_eq!(client.must(Outgoing::new("Expiring", 0, expiring_body(n), String::new()).v2()).code, 0);
    }
    client.wait_readable("Expiring", 0, 60);
    let deadline = Instant::now() + Duration::from_secs(30);
    let min = loop {
        let (code, next, min, max) = pull_outcome(&mut client, &Pull::new(GROUP, "Expiring", 0, 0));
        // 20: the read met a file that retention was removing at that moment; pull again.
        if code != 0 && code != ResponseCode::PULL_RETRY_IMMEDIATELY.value() {
            assert_eq!(code, ResponseCode::PULL_OFFSET_MOVED.value());
            assert!(min > 0 && next == min && max == 60, "moved to the oldest retained message: {next}, {min}");
            break min;
        }
        assert!(Instant::now() < deadline, "retention removed nothing within 30 s");
        std::thread::sleep(Duration::from_millis(250));
    };
    check_retained(&mut client, min);

    // A restart finds the same oldest message.
    assert!(broker.process.terminate(Duration::from_secs(10)));
    broker.process = start_broker(broker.port, &broker.dir.path().join("store"), None, &settings);
    let mut client = TryClient::connect(broker.port).expect("connect after restart");
    let (code, next, min_after, max) = pull_outcome(&mut client, &Pull::new(GROUP, "Expiring", 0, 0));
    assert_eq!((code, max), (ResponseCode::PULL_OFFSET_MOVED.value(), 60));
    assert!(min_after >= min && next == min_after, "after the restart: next {next}, min {min_after} (was {min})");
    check_retained(&mut client, min_after);
}

fn expiring_body(n: u64) -> Vec<u8> {
    format!("{n:04} ").repeat(60).into_bytes()
}

/// Pulling from `min` returns the messages from `min` to the end, intact.
fn check_retained(client: &mut TryClient, min: i64) {
    let mut offset = min;
    while offset < 60 {
        let response = client.must(Pull::new(GROUP, "Expiring", 0, offset).request());
        assert_eq!(response.code, 0, "pull at {offset}: {:?}", response.remark);
        for record in pulled(&response) {
            assert_eq!(record.queue_offset, offset as u64);
            assert_eq!(record.body, expiring_body(record.queue_offset), "retained messages are intact");
            offset += 1;
        }
        assert_eq!(ext_i64(&response, "nextBeginOffset"), offset);
    }
}

/// Sends `pull` on a new connection from a thread; the receiver gets the response, how long it
/// took and when it arrived (nothing if the connection failed).
fn pull_in_background(port: u16, pull: Pull) -> mpsc::Receiver<(RemotingCommand, Duration, Instant)> {
    let (sender, receiver) = mpsc::channel();
    let mut client = TryClient::connect(port).expect("connect");
    std::thread::spawn(move || {
        let started = Instant::now();
        let response = client.call(pull.request());
        let answered = Instant::now();
        if let Ok(response) = response {
            let _ = sender.send((response, answered - started, answered));
        }
    });
    receiver
}

fn held_pull(topic: &str, queue_id: i32, subscription: &str, suspend_timeout_ms: i64) -> Pull {
    Pull {
        sys_flag: 0x6,
        suspend_timeout_ms,
        subscription: Some(subscription.to_owned()),
        ..Pull::new(GROUP, topic, queue_id, 0)
    }
}

#[test]
fn a_held_pull_is_answered_as_soon_as_a_message_arrives() {
    let broker = broker(&[]);
    let mut producer = TryClient::connect(broker.port).expect("connect");
    assert_eq!(producer.must(create_topic("Held", 2)).code, 0);
    // A push consumer: its subscription comes from its heartbeat (its connection stays open).
    let mut member = TryClient::connect(broker.port).expect("connect");
    assert_eq!(member.must(heartbeat("127.0.0.1@push", PUSH_GROUP, "Held", &["TagW"])).code, 0);
    let mut latencies = Vec::new();
    for round in 0..3u64 {
        // Three consumers hold the same queue: with the subscription in the request (all, and
        // by tag), and a push consumer (flags 0x3: commit offset and suspend, no subscription).
        let in_request = ["*", "TagW || TagX"]
            .map(|subscription| Pull { queue_offset: round as i64, ..held_pull("Held", 0, subscription, 5000) });
        let push = Pull {
            group: PUSH_GROUP.to_owned(),
            sys_flag: 0x3,
            commit_offset: round as i64,
            subscription: None,
            ..in_request[0].clone()
        };
        let waiting: Vec<_> =
            in_request.into_iter().chain([push]).map(|pull| pull_in_background(broker.port, pull)).collect();
        std::thread::sleep(Duration::from_millis(300));
        for answered in &waiting {
            assert!(answered.try_recv().is_err(), "the pull is held while the queue has nothing new");
        }
        let sent_at = Instant::now();
        let body = format!("wake {round}").into_bytes();
        let message = Outgoing::new("Held", 0, body, properties(&[("TAGS", "TagW")]));
        assert_eq!(producer.must(message.v2()).code, 0);
        for answered in waiting {
            let (response, _, at) = answered.recv_timeout(Duration::from_secs(10)).expect("the held pull is answered");
            assert_eq!(response.code, 0, "{:?}", response.remark);
            let records = pulled(&response);
            assert_eq!((records.len(), records[0].queue_offset), (1, round));
            assert_eq!(ext_i64(&response, "nextBeginOffset"), round as i64 + 1);
            latencies.push(at.saturating_duration_since(sent_at));
        }
    }
    let committed = producer.must(
        RemotingCommand::request(RequestCode::QUERY_CONSUMER_OFFSET)
            .with_ext("consumerGroup", PUSH_GROUP)
            .with_ext("topic", "Held")
            .with_ext("queueId", "0"),
    );
    assert_eq!(ext_i64(&committed, "offset"), 2, "the push consumer's last commit");
    eprintln!("long-poll wake latency (send → pull answer): {latencies:?}");
    for latency in latencies {
        assert!(latency < Duration::from_secs(1), "woken {latency:?} after the send");
    }
}

#[test]
fn without_long_polling_a_suspended_pull_waits_the_short_polling_time() {
    let broker = broker(&["longPollingEnable=false", "shortPollingTimeMills=1000"]);
    let mut producer = TryClient::connect(broker.port).expect("connect");
    assert_eq!(producer.must(create_topic("Short", 1)).code, 0);
    let answered = pull_in_background(broker.port, held_pull("Short", 0, "*", 15_000));
    let (response, elapsed, _) = answered.recv_timeout(Duration::from_secs(10)).expect("answered");
    assert_eq!(response.code, ResponseCode::PULL_NOT_FOUND.value());
    eprintln!("short polling: suspendTimeoutMillis 15000, answered after {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(1000) && elapsed < Duration::from_millis(3000), "{elapsed:?}");
}

#[test]
fn a_held_pull_without_a_matching_arrival_is_answered_after_its_hold_time() {
    let broker = broker(&[]);
    let mut producer = TryClient::connect(broker.port).expect("connect");
    assert_eq!(producer.must(create_topic("Quiet", 2)).code, 0);
    // Queue 1: nothing arrives. Queue 0: only a message the subscription does not want.
    let idle = pull_in_background(broker.port, held_pull("Quiet", 1, "*", 5000));
    let filtered = pull_in_background(broker.port, held_pull("Quiet", 0, "TagA", 5000));
    std::thread::sleep(Duration::from_millis(300));
    let unwanted = Outgoing::new("Quiet", 0, &b"b"[..], properties(&[("TAGS", "TagB")]));
    assert_eq!(producer.must(unwanted.v2()).code, 0);
    let (idle_response, idle_elapsed, _) = idle.recv_timeout(Duration::from_secs(10)).expect("answered");
    assert_eq!(idle_response.code, ResponseCode::PULL_NOT_FOUND.value(), "{:?}", idle_response.remark);
    assert_eq!(ext_i64(&idle_response, "nextBeginOffset"), 0);
    let (filtered_response, filtered_elapsed, _) = filtered.recv_timeout(Duration::from_secs(10)).expect("answered");
    // After the hold the pull reads once more: the TagB message is skipped.
    assert_eq!(filtered_response.code, ResponseCode::PULL_RETRY_IMMEDIATELY.value());
    assert_eq!(ext_i64(&filtered_response, "nextBeginOffset"), 1);
    eprintln!("hold time 5000 ms; answered after {idle_elapsed:?} (idle) and {filtered_elapsed:?} (filtered)");
    for elapsed in [idle_elapsed, filtered_elapsed] {
        assert!(elapsed >= Duration::from_millis(5000), "answered before the hold time: {elapsed:?}");
        assert!(elapsed < Duration::from_millis(7000), "answered long after the hold time: {elapsed:?}");
    }
}

#[test]
fn sigterm_answers_held_pulls_at_once() {
    let mut broker = broker(&[]);
    let mut client = TryClient::connect(broker.port).expect("connect");
    assert_eq!(client.must(create_topic("Stopping", 1)).code, 0);
    let held = pull_in_background(broker.port, held_pull("Stopping", 0, "*", 20_000));
    std::thread::sleep(Duration::from_millis(300));
    assert!(held.try_recv().is_err(), "held");
    let stop_at = Instant::now();
    assert!(broker.process.terminate(Duration::from_secs(10)), "clean exit on SIGTERM");
    let stopped = stop_at.elapsed();
    let (response, _, answered_at) =
        held.recv_timeout(Duration::from_secs(1)).expect("answered before the broker left");
    let answered = answered_at.saturating_duration_since(stop_at);
    eprintln!("SIGTERM: held pull answered after {answered:?}, broker exited after {stopped:?}");
    assert_eq!(response.code, ResponseCode::PULL_NOT_FOUND.value());
    assert!(answered < Duration::from_secs(2) && stopped < Duration::from_secs(5), "shutdown waited for the hold");
    assert!(broker.process.output_text().contains("broker stopped"));
}
