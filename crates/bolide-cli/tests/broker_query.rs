//! The broker's query, stats, offset-reset and forwarding requests against a real
//! `bolide standalone`, driven with raw frames: messages go in with SEND_MESSAGE_V2, then every
//! lookup is checked against what was sent. A second connection plays a consumer client that
//! answers the calls the broker forwards to it.

mod support;

use std::collections::BTreeMap;
use std::thread;
use std::time::{Duration, Instant};

use bolide_protocol::body::{ConsumeStats, ResetOffsetBody, TopicStatsTable};
use bolide_protocol::message::stored::messages;
use bolide_protocol::message::{OffsetMessageId, StoredMessage};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess, TempDir};
use serde_json::{json, Value};
use support::{start_standalone, WireClient};

const TOPIC: &str = "QueryTopic";
const GROUP: &str = "QueryGroup";
const CONSUMER_ID: &str = "127.0.0.1@query-consumer";

struct Standalone {
    _dir: TempDir,
    broker_port: u16,
    _server: ServerProcess,
}

fn start() -> Standalone {
    let dir = temp_dir();
    let broker_port = free_port_pair();
    let server = start_standalone(free_port(), broker_port, dir.path(), &[], "registered with name server");
    Standalone { _dir: dir, broker_port, _server: server }
}

fn create_topic(client: &mut WireClient, topic: &str) {
    let request = RemotingCommand::request(RequestCode::UPDATE_AND_CREATE_TOPIC)
        .with_ext("topic", topic)
        .with_ext("defaultTopic", "TBW102")
        .with_ext("readQueueNums", "4")
        .with_ext("writeQueueNums", "4")
        .with_ext("perm", "6")
        .with_ext("topicFilterType", "SINGLE_TAG")
        .with_ext("order", "false");
    assert_eq!(client.call(request).response_code(), ResponseCode::SUCCESS);
}

/// What a send answered.
struct Sent {
    offset_id: String,
    unique_key: String,
    queue_offset: i64,
}

/// Sends one message with `KEYS` = `key` and a known `UNIQ_KEY` to `queue_id`.
fn send(client: &mut WireClient, queue_id: i32, key: &str, seq: u32) -> Sent {
    let unique_key = format!("7F00000100002A9F0000000000{seq:06X}");
    let properties = format!("KEYS\u{1}{key}\u{2}UNIQ_KEY\u{1}{unique_key}\u{2}WAIT\u{1}true\u{2}");
    let request = RemotingCommand::request(RequestCode::SEND_MESSAGE_V2)
        .with_ext("a", "QueryProducer")
        .with_ext("b", TOPIC)
        .with_ext("c", "TBW102")
        .with_ext("d", "4")
        .with_ext("e", queue_id.to_string())
        .with_ext("f", "0")
        .with_ext("g", "1700000000000")
        .with_ext("h", "0")
        .with_ext("i", properties)
        .with_body(format!("body of {key}").into_bytes());
    let response = client.call(request);
    assert_eq!(response.response_code(), ResponseCode::SUCCESS, "send: {:?}", response.remark);
    Sent {
        offset_id: response.ext("msgId").expect("msgId").to_owned(),
        unique_key,
        queue_offset: response.ext("queueOffset").expect("queueOffset").parse().expect("number"),
    }
}

fn queue_request(code: RequestCode, queue_id: i32) -> RemotingCommand {
    RemotingCommand::request(code).with_ext("topic", TOPIC).with_ext("queueId", queue_id.to_string())
}

fn ext_i64(response: &RemotingCommand, key: &str) -> i64 {
    assert_eq!(response.response_code(), ResponseCode::SUCCESS, "{:?}", response.remark);
    response.ext(key).unwrap_or_else(|| panic!("{key} missing")).parse().expect("number")
}

fn max_offset(client: &mut WireClient, queue_id: i32) -> i64 {
    ext_i64(&client.call(queue_request(RequestCode::GET_MAX_OFFSET, queue_id)), "offset")
}

fn search(client: &mut WireClient, queue_id: i32, timestamp: i64, boundary: &str) -> i64 {
    let request = queue_request(RequestCode::SEARCH_OFFSET_BY_TIMESTAMP, queue_id)
        .with_ext("timestamp", timestamp.to_string())
        .with_ext("boundaryType", boundary);
    ext_i64(&client.call(request), "offset")
}

fn query_offset_request(queue_id: i32) -> RemotingCommand {
    RemotingCommand::request(RequestCode::QUERY_CONSUMER_OFFSET)
        .with_ext("consumerGroup", GROUP)
        .with_ext("topic", TOPIC)
        .with_ext("queueId", queue_id.to_string())
}

fn query_offset(client: &mut WireClient, queue_id: i32) -> RemotingCommand {
    client.call(query_offset_request(queue_id))
}

fn query_message(client: &mut WireClient, key: &str, unique: bool) -> RemotingCommand {
    let request = RemotingCommand::request(RequestCode::QUERY_MESSAGE)
        .with_ext("topic", TOPIC)
        .with_ext("key", key)
        .with_ext("maxNum", "32")
        .with_ext("beginTimestamp", "0")
        .with_ext("endTimestamp", i64::MAX.to_string())
        .with_ext("_UNIQUE_KEY_QUERY", unique.to_string());
    client.call(request)
}

/// Records of a query or view body, as (KEYS, UNIQ_KEY, store time).
fn records(response: &RemotingCommand) -> Vec<(String, String, i64)> {
    messages(response.body.as_deref().unwrap_or_default())
        .map(|message| {
            let message: StoredMessage<'_> = message.expect("valid record");
            let key = message.property("KEYS").unwrap_or_default().to_owned();
            (key, message.unique_key().unwrap_or_default().to_owned(), message.store_timestamp_ms())
        })
        .collect()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64
}

fn heartbeat() -> RemotingCommand {
    let body = json!({
        "clientID": CONSUMER_ID,
        "consumerDataSet": [{
            "groupName": GROUP, "consumeType": "CONSUME_PASSIVELY", "messageModel": "CLUSTERING",
            "consumeFromWhere": "CONSUME_FROM_LAST_OFFSET", "unitMode": false,
            "subscriptionDataSet": [{"classFilterMode": false, "codeSet": [], "expressionType": "TAG",
                "subString": "*", "subVersion": 1, "tagsSet": [], "topic": TOPIC}]
        }],
        "producerDataSet": []
    });
    RemotingCommand::request(RequestCode::HEART_BEAT).with_body(serde_json::to_vec(&body).expect("JSON"))
}

/// Reads frames on the consumer's connection until the broker sends a request with `code`
/// (consumer-id change notifications are skipped).
fn expect_request(consumer: &mut WireClient, code: RequestCode) -> RemotingCommand {
    loop {
        let frame = consumer.read();
        if frame.code == RequestCode::NOTIFY_CONSUMER_IDS_CHANGED.0 {
            continue;
        }
        assert!(!frame.is_response(), "unexpected response {frame:?}");
        assert_eq!(frame.code, code.0, "broker request {frame:?}");
        return frame;
    }
}

/// Sends `request` on the consumer's connection and returns its response, skipping the broker's
/// notifications that may overtake it.
fn consumer_call(consumer: &mut WireClient, mut request: RemotingCommand) -> RemotingCommand {
    request.opaque = 1_000;
    consumer.send(&request);
    loop {
        let frame = consumer.read();
        if frame.is_response() && frame.opaque == request.opaque {
            return frame;
        }
    }
}

/// Waits until the queue's messages are readable: consume queues are built just after the
/// append the send answered for.
fn wait_dispatched(client: &mut WireClient, queue_id: i32, max: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while max_offset(client, queue_id) < max {
        assert!(Instant::now() < deadline, "queue {queue_id} never reached offset {max}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `request` from a fresh admin connection on another thread, so this thread can answer
/// for the consumer meanwhile.
fn call_in_background(port: u16, request: RemotingCommand) -> thread::JoinHandle<RemotingCommand> {
    thread::spawn(move || WireClient::connect(port).call(request))
}

#[test]
fn offsets_and_messages_are_found_by_offset_time_key_and_id() {
    let server = start();
    let mut client = WireClient::connect(server.broker_port);
    create_topic(&mut client, TOPIC);
    assert_eq!(max_offset(&mut client, 0), 0, "nothing stored yet");
    let earliest = client.call(queue_request(RequestCode::GET_EARLIEST_MSG_STORETIME, 0));
    assert_eq!(ext_i64(&earliest, "timestamp"), -1, "an empty queue has no earliest message");

    let before = now_ms();
    let mut sent = Vec::new();
    for seq in 0..3 {
        sent.push(send(&mut client, 0, &format!("k-{seq}"), seq));
    }
    thread::sleep(Duration::from_millis(30));
    let between = now_ms();
    thread::sleep(Duration::from_millis(30));
    for seq in 3..6 {
        sent.push(send(&mut client, 0, &format!("k-{seq}"), seq));
    }
    sent.push(send(&mut client, 1, "k-6", 6));
    let after = now_ms();
    assert_eq!(sent.iter().map(|s| s.queue_offset).collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5, 0]);
    wait_dispatched(&mut client, 0, 6);
    wait_dispatched(&mut client, 1, 1);

    assert_eq!(max_offset(&mut client, 0), 6);
    assert_eq!(max_offset(&mut client, 1), 1);
    assert_eq!(max_offset(&mut client, 3), 0, "a queue without messages");
    let min = client.call(queue_request(RequestCode::GET_MIN_OFFSET, 0));
    assert_eq!(ext_i64(&min, "offset"), 0);
    let earliest = ext_i64(&client.call(queue_request(RequestCode::GET_EARLIEST_MSG_STORETIME, 0)), "timestamp");
    assert!((before..=between).contains(&earliest), "earliest store time {earliest} within [{before}, {between}]");

    assert_eq!(search(&mut client, 0, between, "LOWER"), 3, "first message stored after the pause");
    assert_eq!(search(&mut client, 0, between, "UPPER"), 2, "last message stored before the pause");
    assert_eq!(search(&mut client, 0, 0, "LOWER"), 0);
    assert_eq!(search(&mut client, 0, after + 60_000, "LOWER"), 6, "every message is older: the max offset");

    // VIEW_MESSAGE_BY_ID takes the commit log offset inside an offset message id.
    let id = OffsetMessageId::parse(&sent[4].offset_id).expect("offset message id");
    let view = RemotingCommand::request(RequestCode::VIEW_MESSAGE_BY_ID)
        .with_ext("offset", id.commit_log_offset.to_string())
        .with_ext("topic", TOPIC);
    let viewed = client.call(view);
    assert_eq!(viewed.response_code(), ResponseCode::SUCCESS);
    assert_eq!(records(&viewed).iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["k-4"]);
    let missing =
        client.call(RemotingCommand::request(RequestCode::VIEW_MESSAGE_BY_ID).with_ext("offset", "999999999"));
    assert_eq!(missing.response_code(), ResponseCode::SYSTEM_ERROR);
    assert_eq!(missing.remark.as_deref(), Some("can not find message by the offset, 999999999"));

    // The index is built behind the append: look until it has caught up.
    let deadline = Instant::now() + Duration::from_secs(10);
    let by_key = loop {
        let response = query_message(&mut client, "k-5", false);
        if response.response_code() == ResponseCode::SUCCESS || Instant::now() > deadline {
            break response;
        }
        thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(by_key.response_code(), ResponseCode::SUCCESS, "{:?}", by_key.remark);
    let found = records(&by_key);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("k-5", sent[5].unique_key.as_str()));
    assert_eq!(ext_i64(&by_key, "indexLastUpdateTimestamp"), found[0].2);
    assert!(ext_i64(&by_key, "indexLastUpdatePhyoffset") > 0);
    let by_unique_key = query_message(&mut client, &sent[2].unique_key, true);
    assert_eq!(records(&by_unique_key).iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["k-2"]);
    let nothing = query_message(&mut client, "no-such-key", false);
    assert_eq!(nothing.response_code(), ResponseCode::QUERY_NOT_FOUND);
    assert!(nothing.ext("indexLastUpdateTimestamp").is_some(), "the header comes with not-found too");

    // Topic stats: every queue, with the newest store time.
    let stats = client.call(RemotingCommand::request(RequestCode::GET_TOPIC_STATS_INFO).with_ext("topic", TOPIC));
    assert_eq!(stats.response_code(), ResponseCode::SUCCESS);
    let stats: TopicStatsTable = bolide_protocol::json::from_slice(stats.body.as_deref().expect("body")).expect("JSON");
    let per_queue: BTreeMap<i32, (i64, i64, i64)> = stats
        .offset_table
        .iter()
        .map(|(queue, o)| (queue.queue_id, (o.min_offset, o.max_offset, o.last_update_timestamp)))
        .collect();
    assert_eq!(per_queue.keys().copied().collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert_eq!((per_queue[&0].0, per_queue[&0].1), (0, 6));
    assert!((between..=after).contains(&per_queue[&0].2));
    assert_eq!(per_queue[&3], (0, 0, 0));
    let unknown = client.call(RemotingCommand::request(RequestCode::GET_TOPIC_STATS_INFO).with_ext("topic", "Nope"));
    assert_eq!(unknown.response_code(), ResponseCode::TOPIC_NOT_EXIST);

    // Runtime info counts the sends and shows the commit log.
    let info = client.call(RemotingCommand::request(RequestCode::GET_BROKER_RUNTIME_INFO));
    let info: Value = serde_json::from_slice(info.body.as_deref().expect("body")).expect("JSON");
    assert_eq!(info["table"]["msgPutTotalTodayNow"], "7");
    assert_ne!(info["table"]["commitLogMaxOffset"], "0");
    assert_eq!(info["table"]["commitLogMinOffset"], "0");
    assert_eq!(info["table"]["earliestMessageTimeStamp"], earliest.to_string());

    // Deleting the topic deletes its queues.
    let delete = RemotingCommand::request(RequestCode::DELETE_TOPIC_IN_BROKER).with_ext("topic", TOPIC);
    assert_eq!(client.call(delete).response_code(), ResponseCode::SUCCESS);
    assert_eq!(max_offset(&mut client, 0), 0, "the deleted topic's queues are gone");
}

#[test]
fn consumer_offsets_stats_reset_and_forwarded_calls() {
    let server = start();
    let port = server.broker_port;
    let mut client = WireClient::connect(port);
    create_topic(&mut client, TOPIC);
    let mut consumer = WireClient::connect(port);
    assert_eq!(consumer_call(&mut consumer, heartbeat()).response_code(), ResponseCode::SUCCESS);

    assert_eq!(query_offset(&mut client, 0).response_code(), ResponseCode::QUERY_NOT_FOUND, "no queue yet");
    let mut sent = Vec::new();
    for seq in 0..3 {
        sent.push(send(&mut client, 0, &format!("a-{seq}"), seq));
    }
    thread::sleep(Duration::from_millis(30));
    let between = now_ms();
    thread::sleep(Duration::from_millis(30));
    for seq in 3..5 {
        sent.push(send(&mut client, 0, &format!("b-{seq}"), seq));
    }
    wait_dispatched(&mut client, 0, 5);
    // No committed offset, but the queue still starts at 0: consume from 0 (unless the client
    // asks not to be given 0).
    assert_eq!(ext_i64(&query_offset(&mut client, 0), "offset"), 0);
    let no_zero = client.call(query_offset_request(0).with_ext("setZeroIfNotFound", "false"));
    assert_eq!(no_zero.response_code(), ResponseCode::QUERY_NOT_FOUND);
    assert_eq!(query_offset(&mut client, 3).response_code(), ResponseCode::QUERY_NOT_FOUND);

    let commit = RemotingCommand::request(RequestCode::UPDATE_CONSUMER_OFFSET)
        .with_ext("consumerGroup", GROUP)
        .with_ext("topic", TOPIC)
        .with_ext("queueId", "0")
        .with_ext("commitOffset", "2");
    assert_eq!(client.call(commit).response_code(), ResponseCode::SUCCESS);

    // Consume stats of every topic the group committed in.
    let stats = client.call(RemotingCommand::request(RequestCode::GET_CONSUME_STATS).with_ext("consumerGroup", GROUP));
    assert_eq!(stats.response_code(), ResponseCode::SUCCESS);
    let stats: ConsumeStats = bolide_protocol::json::from_slice(stats.body.as_deref().expect("body")).expect("JSON");
    let queue0 = stats.offset_table.iter().find(|(q, _)| q.topic == TOPIC && q.queue_id == 0).expect("queue 0").1;
    assert_eq!((queue0.broker_offset, queue0.consumer_offset), (5, 2));
    assert!(queue0.last_timestamp > 0 && queue0.last_timestamp < between, "store time of message 1");
    assert_eq!(stats.offset_table.len(), 4, "every read queue of the topic");
    assert_eq!(stats.total_diff(), 3);

    // Reset to the time between the batches: the broker answers and tells the consumer.
    let reset = RemotingCommand::request(RequestCode::INVOKE_BROKER_TO_RESET_OFFSET)
        .with_ext("topic", TOPIC)
        .with_ext("group", GROUP)
        .with_ext("timestamp", between.to_string())
        .with_ext("isForce", "true");
    let answer = client.call(reset);
    assert_eq!(answer.response_code(), ResponseCode::SUCCESS, "{:?}", answer.remark);
    let body: ResetOffsetBody = bolide_protocol::json::from_slice(answer.body.as_deref().expect("body")).expect("JSON");
    let offsets: BTreeMap<i32, i64> = body.offset_table.iter().map(|(q, o)| (q.queue_id, *o)).collect();
    assert_eq!(offsets, BTreeMap::from([(0, 3), (1, 0), (2, 0), (3, 0)]));
    let pushed = expect_request(&mut consumer, RequestCode::RESET_CONSUMER_CLIENT_OFFSET);
    assert!(pushed.is_oneway());
    assert_eq!((pushed.ext("group"), pushed.ext("topic")), (Some(GROUP), Some(TOPIC)));
    let pushed: ResetOffsetBody =
        bolide_protocol::json::from_slice(pushed.body.as_deref().expect("body")).expect("JSON");
    assert_eq!(pushed, body);
    assert_eq!(ext_i64(&query_offset(&mut client, 0), "offset"), 3, "the broker keeps the reset offset");
    // Not forced: offsets only move backwards. -1 means the max offset.
    let forward = RemotingCommand::request(RequestCode::INVOKE_BROKER_TO_RESET_OFFSET)
        .with_ext("topic", TOPIC)
        .with_ext("group", GROUP)
        .with_ext("timestamp", "-1")
        .with_ext("isForce", "false");
    assert_eq!(client.call(forward).response_code(), ResponseCode::SUCCESS);
    expect_request(&mut consumer, RequestCode::RESET_CONSUMER_CLIENT_OFFSET);
    assert_eq!(ext_i64(&query_offset(&mut client, 0), "offset"), 3);

    // GET_CONSUMER_RUNNING_INFO goes to the client and its answer comes back unchanged.
    let running = RemotingCommand::request(RequestCode::GET_CONSUMER_RUNNING_INFO)
        .with_ext("consumerGroup", GROUP)
        .with_ext("clientId", CONSUMER_ID)
        .with_ext("jstackEnable", "false");
    let admin = call_in_background(port, running);
    let asked = expect_request(&mut consumer, RequestCode::GET_CONSUMER_RUNNING_INFO);
    assert_eq!(asked.ext("clientId"), Some(CONSUMER_ID));
    consumer
        .send(&RemotingCommand::response(ResponseCode::SUCCESS, asked.opaque).with_body(&b"{\"jstack\":\"x\"}"[..]));
    let answer = admin.join().expect("admin thread");
    assert_eq!(answer.response_code(), ResponseCode::SUCCESS);
    assert_eq!(answer.body.as_deref(), Some(&b"{\"jstack\":\"x\"}"[..]));
    let offline = RemotingCommand::request(RequestCode::GET_CONSUMER_RUNNING_INFO)
        .with_ext("consumerGroup", GROUP)
        .with_ext("clientId", "nobody");
    let offline = client.call(offline);
    assert_eq!(offline.response_code(), ResponseCode::SYSTEM_ERROR);
    assert_eq!(offline.remark.as_deref(), Some(&*format!("The Consumer <{GROUP}> <nobody> not online")));

    // CONSUME_MESSAGE_DIRECTLY carries the stored message named by the offset id.
    let directly = RemotingCommand::request(RequestCode::CONSUME_MESSAGE_DIRECTLY)
        .with_ext("consumerGroup", GROUP)
        .with_ext("clientId", CONSUMER_ID)
        .with_ext("msgId", sent[3].offset_id.clone())
        .with_ext("topic", TOPIC);
    let admin = call_in_background(port, directly);
    let asked = expect_request(&mut consumer, RequestCode::CONSUME_MESSAGE_DIRECTLY);
    assert_eq!(records(&asked).iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["b-3"]);
    assert!(asked.ext("brokerName").is_some(), "the broker names itself");
    assert_eq!((asked.ext("topicSysFlag"), asked.ext("groupSysFlag")), (Some("0"), Some("0")));
    let result = br#"{"autoCommit":true,"consumeResult":"CR_SUCCESS","order":false,"spentTimeMills":1}"#;
    consumer.send(&RemotingCommand::response(ResponseCode::SUCCESS, asked.opaque).with_body(&result[..]));
    let answer = admin.join().expect("admin thread");
    assert_eq!(answer.body.as_deref(), Some(&result[..]));

    // INVOKE_BROKER_TO_GET_CONSUMER_STATUS collects each client's offsets.
    let status = RemotingCommand::request(RequestCode::INVOKE_BROKER_TO_GET_CONSUMER_STATUS)
        .with_ext("topic", TOPIC)
        .with_ext("group", GROUP);
    let admin = call_in_background(port, status);
    let asked = expect_request(&mut consumer, RequestCode::GET_CONSUMER_STATUS_FROM_CLIENT);
    let held = format!(r#"{{"messageQueueTable":{{{{"brokerName":"b","queueId":0,"topic":"{TOPIC}"}}:3}}}}"#);
    consumer.send(&RemotingCommand::response(ResponseCode::SUCCESS, asked.opaque).with_body(held.into_bytes()));
    let answer = admin.join().expect("admin thread");
    assert_eq!(answer.response_code(), ResponseCode::SUCCESS);
    // Object keys: not plain JSON, so look at the text.
    let text = String::from_utf8_lossy(answer.body.as_deref().unwrap_or_default()).into_owned();
    assert!(text.contains(CONSUMER_ID) && text.contains(":3"), "consumer table {text}");

    // Without live consumers a reset is refused, as in Java.
    consumer.shutdown();
    thread::sleep(Duration::from_millis(300));
    let reset = RemotingCommand::request(RequestCode::INVOKE_BROKER_TO_RESET_OFFSET)
        .with_ext("topic", TOPIC)
        .with_ext("group", GROUP)
        .with_ext("timestamp", "0")
        .with_ext("isForce", "true");
    assert_eq!(client.call(reset).response_code(), ResponseCode::CONSUMER_NOT_ONLINE);
}
