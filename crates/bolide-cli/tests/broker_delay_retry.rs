//! Delay levels and retry/DLQ on a real `bolide standalone`, over raw frames: a delayed message is
//! invisible on its topic until its level's delay has passed and then arrives once, also across
//! a restart; a consumer's send-back goes through `%RETRY%<group>` after the level's delay and
//! ends in `%DLQ%<group>` after the retry limit.
//!
//! The levels are shortened (`--set messageDelayLevel=...`) except level 2, which keeps its stock
//! 5 s.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use bolide_protocol::header::pull_message::FLAG_SUBSCRIPTION;
use bolide_protocol::header::{ConsumerSendMsgBackRequestHeader, PullMessageRequestHeader, SendMessageRequestHeader};
use bolide_protocol::message::properties::{
    write_item, DELAY, ORIGIN_MESSAGE_ID, REAL_QID, REAL_TOPIC, RETRY_TOPIC, UNIQ_KEY,
};
use bolide_protocol::message::stored::messages;
use bolide_protocol::message::StoredMessage;
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess};
use support::{start_standalone, WireClient};

/// Level 1 = 1 s, level 2 = 5 s (stock), every higher level 2 s.
const DELAY_LEVELS: &str = "messageDelayLevel=1s 5s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s 2s";
const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// Delivery may be this late: the schedule service wakes at least every 100 ms, and the test
/// polls every 50 ms.
const LATE_TOLERANCE: Duration = Duration::from_millis(1_000);

struct Standalone {
    process: ServerProcess,
    broker_port: u16,
}

fn start(data_dir: &Path) -> Standalone {
    let (namesrv_port, broker_port) = (free_port(), free_port_pair());
    let process = start_standalone(namesrv_port, broker_port, data_dir, &[DELAY_LEVELS], "broker started");
    Standalone { process, broker_port }
}

fn properties(items: &[(&str, &str)]) -> String {
    let mut out = Vec::new();
    for (name, value) in items {
        write_item(&mut out, name, value);
    }
    String::from_utf8(out).expect("ASCII properties")
}

/// SEND_MESSAGE to queue 0 of `topic` (auto-created with 4 queues); panics unless stored.
fn send(client: &mut WireClient, topic: &str, body: &[u8], props: &str) {
    let header = SendMessageRequestHeader {
        producer_group: "delay_test_producer".to_owned(),
        topic: topic.to_owned(),
        default_topic: "TBW102".to_owned(),
        default_topic_queue_nums: 4,
        queue_id: 0,
        sys_flag: 0,
        born_timestamp: 1_700_000_000_000,
        flag: 0,
        properties: Some(props.to_owned()),
        ..Default::default()
    };
    let request = RemotingCommand::request(RequestCode::SEND_MESSAGE).with_header(&header).with_body(body.to_vec());
    let response = client.call(request);
    assert_eq!(response.response_code(), ResponseCode::SUCCESS, "send to {topic}: {:?}", response.remark);
}

/// Every record of queue `queue_id` of `topic` from offset 0 (an empty list while the topic or
/// queue does not exist yet), read as group `group` with an explicit `*` subscription.
fn pull_all(client: &mut WireClient, group: &str, topic: &str, queue_id: i32) -> Vec<Vec<u8>> {
    let header = PullMessageRequestHeader {
        consumer_group: group.to_owned(),
        topic: topic.to_owned(),
        queue_id,
        queue_offset: 0,
        max_msg_nums: 32,
        sys_flag: FLAG_SUBSCRIPTION,
        commit_offset: 0,
        suspend_timeout_ms: 0,
        subscription: Some("*".to_owned()),
        sub_version: 0,
        ..Default::default()
    };
    let response = client.call(RemotingCommand::request(RequestCode::PULL_MESSAGE).with_header(&header));
    if response.response_code() != ResponseCode::SUCCESS {
        return Vec::new();
    }
    let body = response.body.unwrap_or_default();
    messages(&body).map(|message| message.expect("a whole record").as_bytes().to_vec()).collect()
}

/// Polls until queue 0 of `topic` holds a record; returns the records and when they were seen.
fn wait_for_message(client: &mut WireClient, group: &str, topic: &str, timeout: Duration) -> (Vec<Vec<u8>>, Instant) {
    let deadline = Instant::now() + timeout;
    loop {
        let found = pull_all(client, group, topic, 0);
        if !found.is_empty() {
            return (found, Instant::now());
        }
        assert!(Instant::now() < deadline, "nothing arrived on {topic} within {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn decode(record: &[u8]) -> StoredMessage<'_> {
    StoredMessage::decode(record).expect("a stored message")
}

#[test]
fn a_level_two_message_arrives_after_five_seconds_and_not_before() {
    let dir = temp_dir();
    let mut server = start(dir.path());
    let mut client = WireClient::connect(server.broker_port);
    let topic = "DelayTopic";
    send(&mut client, topic, b"warm-up", &properties(&[]));
    let before_send = Instant::now();
    send(&mut client, "DelayTopic", b"delayed", &properties(&[(DELAY, "2"), (UNIQ_KEY, "U-DELAYED")]));
    let sent = Instant::now();
    let deadline = sent + Duration::from_secs(5) + LATE_TOLERANCE * 2;
    let arrived = loop {
        let found = pull_all(&mut client, "delay_test_group", topic, 0);
        if found.len() >= 2 {
            break Instant::now();
        }
        assert!(Instant::now() < deadline, "the delayed message did not arrive in time");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        arrived - before_send >= Duration::from_secs(5),
        "arrived after {:?}, before its 5 s",
        arrived - before_send
    );
    assert!(arrived - sent <= Duration::from_secs(5) + LATE_TOLERANCE, "arrived {:?} after sending", arrived - sent);
    let found = pull_all(&mut client, "delay_test_group", topic, 0);
    assert_eq!(found.len(), 2, "delivered once");
    let message = decode(&found[1]);
    assert_eq!((message.body(), message.topic(), message.queue_id()), (&b"delayed"[..], topic, 0));
    assert_eq!(message.unique_key(), Some("U-DELAYED"), "the client's message id is kept");
    assert_eq!(message.property(DELAY), None, "DELAY is cleared on delivery");
    assert_eq!((message.property(REAL_TOPIC), message.property(REAL_QID)), (Some(topic), Some("0")));
    drop(client);
    assert!(server.process.terminate(STOP_TIMEOUT), "clean stop: {}", server.process.output_text());
}

#[test]
fn a_delayed_message_survives_a_restart_and_arrives_once() {
    let dir = temp_dir();
    let topic = "DelayRestartTopic";
    let mut server = start(dir.path());
    let mut client = WireClient::connect(server.broker_port);
    let before_send = Instant::now();
    send(&mut client, topic, b"across a restart", &properties(&[(DELAY, "2")]));
    std::thread::sleep(Duration::from_secs(2));
    drop(client);
    assert!(server.process.terminate(STOP_TIMEOUT), "clean stop: {}", server.process.output_text());
    let offsets = dir.path().join("broker").join("config").join("delayOffset.json");
    let text = std::fs::read_to_string(&offsets).expect("delayOffset.json written at shutdown");
    assert!(text.contains("\"offsetTable\":{") && text.contains("2:0"), "level 2 not yet delivered: {text}");

    let mut server = start(dir.path());
    let mut client = WireClient::connect(server.broker_port);
    assert!(pull_all(&mut client, "restart_group", topic, 0).is_empty(), "not delivered early");
    let (_, arrived) = wait_for_message(&mut client, "restart_group", topic, Duration::from_secs(10));
    assert!(arrived - before_send >= Duration::from_secs(5), "arrived after {:?}", arrived - before_send);
    std::thread::sleep(Duration::from_millis(1_000));
    let found = pull_all(&mut client, "restart_group", topic, 0);
    assert_eq!(found.len(), 1, "delivered once");
    assert_eq!(decode(&found[0]).body(), b"across a restart");

    // Stopping and starting again after delivery does not deliver it a second time.
    drop(client);
    assert!(server.process.terminate(STOP_TIMEOUT), "clean stop: {}", server.process.output_text());
    let mut server = start(dir.path());
    let mut client = WireClient::connect(server.broker_port);
    std::thread::sleep(Duration::from_millis(1_500));
    assert_eq!(pull_all(&mut client, "restart_group", topic, 0).len(), 1, "still once after another restart");
    drop(client);
    assert!(server.process.terminate(STOP_TIMEOUT), "clean stop: {}", server.process.output_text());
}

/// CONSUMER_SEND_MSG_BACK of the record at `offset`, as a 4.9 client sends it.
fn send_back(client: &mut WireClient, group: &str, offset: u64, delay_level: i32, max_reconsume_times: i32) {
    let header = ConsumerSendMsgBackRequestHeader {
        offset: offset as i64,
        group: group.to_owned(),
        delay_level,
        origin_msg_id: Some("ignored-by-the-broker".to_owned()),
        origin_topic: None,
        unit_mode: Some(false),
        max_reconsume_times: Some(max_reconsume_times),
        ..Default::default()
    };
    let mut request = RemotingCommand::request(RequestCode::CONSUMER_SEND_MSG_BACK).with_header(&header);
    request.version = 399;
    let response = client.call(request);
    assert_eq!(response.response_code(), ResponseCode::SUCCESS, "send-back: {:?}", response.remark);
    assert!(response.ext_fields.as_ref().is_none_or(|fields| fields.is_empty()), "no response header");
}

#[test]
fn send_back_goes_through_the_retry_topic_then_to_the_dead_letter_queue() {
    let dir = temp_dir();
    let mut server = start(dir.path());
    let mut client = WireClient::connect(server.broker_port);
    let (topic, group) = ("RetryTopic", "retry_group");
    let (retry, dlq) = (format!("%RETRY%{group}"), format!("%DLQ%{group}"));
    send(&mut client, topic, b"always fails", &properties(&[(UNIQ_KEY, "U-DOOMED")]));
    let (found, _) = wait_for_message(&mut client, group, topic, Duration::from_secs(5));
    let original = decode(&found[0]);
    let original_id = original.offset_message_id().to_string();

    // First failure, delay level 0: the broker picks level 3 + 0 = 3 (2 s here).
    let failed_at = Instant::now();
    send_back(&mut client, group, original.commit_log_offset(), 0, 2);
    assert!(pull_all(&mut client, group, &retry, 0).is_empty(), "not on the retry topic before its delay");
    let (found, arrived) = wait_for_message(&mut client, group, &retry, Duration::from_secs(5));
    assert!(arrived - failed_at >= Duration::from_secs(2), "retried after {:?}", arrived - failed_at);
    assert!(arrived - failed_at <= Duration::from_secs(2) + LATE_TOLERANCE, "retried after {:?}", arrived - failed_at);
    let first_retry = decode(&found[0]);
    assert_eq!(first_retry.body(), b"always fails");
    assert_eq!(first_retry.reconsume_times(), 1);
    assert_eq!(first_retry.property(RETRY_TOPIC), Some(topic));
    assert_eq!(first_retry.property(ORIGIN_MESSAGE_ID), Some(original_id.as_str()));
    assert_eq!(first_retry.unique_key(), Some("U-DOOMED"));
    assert_eq!(first_retry.property(DELAY), None);

    // Second failure with the client's level 1 (1 s): reconsume times 2, still below the limit.
    send_back(&mut client, group, first_retry.commit_log_offset(), 1, 2);
    let deadline = Instant::now() + Duration::from_secs(5);
    let second_retry = loop {
        let found = pull_all(&mut client, group, &retry, 0);
        if found.len() >= 2 {
            break found[1].clone();
        }
        assert!(Instant::now() < deadline, "second retry did not arrive");
        std::thread::sleep(Duration::from_millis(50));
    };
    let second_retry = decode(&second_retry);
    assert_eq!((second_retry.reconsume_times(), second_retry.property(RETRY_TOPIC)), (2, Some(topic)));

    // Third failure: 2 reconsume times reached the limit of 2, so straight to the DLQ.
    send_back(&mut client, group, second_retry.commit_log_offset(), 0, 2);
    let (found, _) = wait_for_message(&mut client, group, &dlq, Duration::from_secs(2));
    let dead = decode(&found[0]);
    assert_eq!((dead.body(), dead.reconsume_times()), (&b"always fails"[..], 3));
    assert_eq!(dead.property(RETRY_TOPIC), Some(topic));
    assert_eq!(dead.property(ORIGIN_MESSAGE_ID), Some(original_id.as_str()));
    assert_eq!(dead.property(DELAY), None);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(pull_all(&mut client, group, &retry, 0).len(), 2, "nothing more on the retry topic");

    // delayLevel -1 sends straight to the DLQ (the new group is auto-created, as by default).
    send_back(&mut client, "another_group", original.commit_log_offset(), -1, 16);
    let (found, _) = wait_for_message(&mut client, group, "%DLQ%another_group", Duration::from_secs(2));
    assert_eq!(decode(&found[0]).reconsume_times(), 1);

    drop(client);
    assert!(server.process.terminate(STOP_TIMEOUT), "clean stop: {}", server.process.output_text());
}
