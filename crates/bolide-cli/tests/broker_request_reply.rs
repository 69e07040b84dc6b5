//! Request-reply on a real `bolide standalone`, over raw frames (`behaviours.md` §12): a
//! requester registers as a producer with its client id; a responder's SEND_REPLY_MESSAGE_V2
//! carrying that id in `REPLY_TO_CLIENT` reaches the requester's socket as
//! PUSH_REPLY_MESSAGE_TO_CLIENT (326) with the reply's header fields, body and `PUSH_REPLY_TIME`;
//! the responder hears SUCCESS once the requester has acknowledged, and the reply is also stored
//! in `DefaultCluster_REPLY_TOPIC`. When the requester is gone (or refuses the push) the responder
//! gets SYSTEM_ERROR with a remark naming the client.

mod support;

use std::path::Path;
use std::thread;

use bolide_protocol::header::pull_message::FLAG_SUBSCRIPTION;
use bolide_protocol::header::{PullMessageRequestHeader, ReplyMessageRequestHeader};
use bolide_protocol::message::properties::{
    find_property, find_property_bytes, write_item, CORRELATION_ID, MSG_TYPE, PUSH_REPLY_TIME, REPLY_TO_CLIENT,
};
use bolide_protocol::message::stored::messages;
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess};
use support::{start_standalone, WireClient};

const REPLY_TOPIC: &str = "DefaultCluster_REPLY_TOPIC";
const REQUESTER_ID: &str = "127.0.0.1@requester#1";
const REQUESTER_GROUP: &str = "rr_requester_group";
const RESPONDER_GROUP: &str = "rr_responder_group";
const BORN_TIMESTAMP: i64 = 1_700_000_000_123;

struct Standalone {
    _process: ServerProcess,
    broker_port: u16,
}

fn start(data_dir: &Path) -> Standalone {
    let (namesrv_port, broker_port) = (free_port(), free_port_pair());
    let process = start_standalone(namesrv_port, broker_port, data_dir, &[], "broker started");
    Standalone { _process: process, broker_port }
}

fn properties(items: &[(&str, &str)]) -> String {
    let mut out = Vec::new();
    for (name, value) in items {
        write_item(&mut out, name, value);
    }
    String::from_utf8(out).expect("ASCII properties")
}

/// HEART_BEAT of a producer-only client, as the Java requester sends before its first request.
fn producer_heartbeat(client_id: &str, group: &str) -> RemotingCommand {
    let body = serde_json::json!({
        "clientID": client_id,
        "consumerDataSet": [],
        "producerDataSet": [{"groupName": group}],
    });
    RemotingCommand::request(RequestCode::HEART_BEAT).with_body(serde_json::to_vec(&body).expect("JSON"))
}

/// A reply as the Java `MessageUtil.createReplyMessage` builds it, for request `correlation_id`.
fn reply_properties(correlation_id: &str, reply_to: &str) -> String {
    properties(&[
        (MSG_TYPE, "reply"),
        (CORRELATION_ID, correlation_id),
        (REPLY_TO_CLIENT, reply_to),
        ("TTL", "3000"),
        ("UNIQ_KEY", "7F00000100002A9F0000000000000001"),
    ])
}

/// SEND_REPLY_MESSAGE_V2 (325) with the one-letter keys of SEND_MESSAGE_V2.
fn send_reply_v2(props: &str, body: &[u8]) -> RemotingCommand {
    RemotingCommand::request(RequestCode::SEND_REPLY_MESSAGE_V2)
        .with_ext("a", RESPONDER_GROUP)
        .with_ext("b", REPLY_TOPIC)
        .with_ext("c", "TBW102")
        .with_ext("d", "4")
        .with_ext("e", "0")
        .with_ext("f", "0")
        .with_ext("g", BORN_TIMESTAMP.to_string())
        .with_ext("h", "7")
        .with_ext("i", props)
        .with_ext("j", "0")
        .with_ext("k", "false")
        .with_ext("m", "false")
        .with_body(body.to_vec())
}

/// SEND_REPLY_MESSAGE (324) with the long header names.
fn send_reply_v1(props: &str, body: &[u8]) -> RemotingCommand {
    RemotingCommand::request(RequestCode::SEND_REPLY_MESSAGE)
        .with_ext("producerGroup", RESPONDER_GROUP)
        .with_ext("topic", REPLY_TOPIC)
        .with_ext("defaultTopic", "TBW102")
        .with_ext("defaultTopicQueueNums", "4")
        .with_ext("queueId", "0")
        .with_ext("sysFlag", "0")
        .with_ext("bornTimestamp", BORN_TIMESTAMP.to_string())
        .with_ext("flag", "0")
        .with_ext("properties", props)
        .with_ext("reconsumeTimes", "0")
        .with_ext("unitMode", "false")
        .with_body(body.to_vec())
}

/// Sends `request` from a fresh responder connection on another thread (the broker answers only
/// after the push), returning the handle that yields the response.
fn respond_async(port: u16, request: RemotingCommand) -> thread::JoinHandle<RemotingCommand> {
    thread::spawn(move || WireClient::connect(port).call(request))
}

/// Reads frames on the requester's socket until the broker's PUSH_REPLY_MESSAGE_TO_CLIENT.
fn read_push(requester: &mut WireClient) -> RemotingCommand {
    loop {
        let frame = requester.read();
        if !frame.is_response() && frame.code == RequestCode::PUSH_REPLY_MESSAGE_TO_CLIENT.value() {
            return frame;
        }
    }
}

fn stored_replies(client: &mut WireClient) -> Vec<(Vec<u8>, Vec<u8>)> {
    let header = PullMessageRequestHeader {
        consumer_group: "rr_reader".to_owned(),
        topic: REPLY_TOPIC.to_owned(),
        queue_id: 0,
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
    let body = response.body.clone().unwrap_or_default();
    messages(&body)
        .map(|message| {
            let message = message.expect("valid record");
            (message.body().to_vec(), message.properties().to_vec())
        })
        .collect()
}

#[test]
fn a_reply_is_pushed_to_the_requester_and_stored() {
    let dir = temp_dir();
    let server = start(dir.path());
    let mut requester = WireClient::connect(server.broker_port);
    let beat = requester.call(producer_heartbeat(REQUESTER_ID, REQUESTER_GROUP));
    assert_eq!(beat.response_code(), ResponseCode::SUCCESS, "{:?}", beat.remark);

    let props = reply_properties("corr-42", REQUESTER_ID);
    let responder = respond_async(server.broker_port, send_reply_v2(&props, b"the answer"));

    let push = read_push(&mut requester);
    let header: ReplyMessageRequestHeader = push.decode_header().expect("a ReplyMessageRequestHeader");
    assert_eq!(push.body.as_deref(), Some(&b"the answer"[..]));
    assert_eq!(header.producer_group, RESPONDER_GROUP);
    assert_eq!(header.topic, REPLY_TOPIC);
    assert_eq!(header.default_topic, "TBW102");
    assert_eq!(header.default_topic_queue_nums, 4);
    assert_eq!(header.queue_id, 0);
    assert_eq!(header.flag, 7);
    assert_eq!(header.born_timestamp, BORN_TIMESTAMP);
    assert_eq!(header.store_host, format!("127.0.0.1:{}", server.broker_port));
    assert!(header.born_host.starts_with("127.0.0.1:"), "bornHost {:?} is the responder's ip:port", header.born_host);
    assert!(header.store_timestamp >= BORN_TIMESTAMP);
    let pushed = header.properties.expect("properties pushed");
    assert_eq!(find_property(&pushed, CORRELATION_ID), Some("corr-42"));
    assert_eq!(find_property(&pushed, REPLY_TO_CLIENT), Some(REQUESTER_ID));
    assert_eq!(find_property(&pushed, MSG_TYPE), Some("reply"));
    let push_time: i64 = find_property(&pushed, PUSH_REPLY_TIME).expect("PUSH_REPLY_TIME").parse().expect("ms");
    assert!(push_time >= header.store_timestamp - 60_000);
    requester.send(&RemotingCommand::response_to(&push, ResponseCode::SUCCESS));

    let response = responder.join().expect("responder thread");
    assert_eq!(response.response_code(), ResponseCode::SUCCESS, "{:?}", response.remark);
    assert_eq!(response.ext("queueId"), Some("0"));
    assert_eq!(response.ext("MSG_REGION"), Some("DefaultRegion"));
    assert!(response.ext("TRACE_ON").is_some());
    let msg_id = response.ext("msgId").expect("msgId");
    assert_ne!(msg_id, "0", "a stored reply answers with its offset message id");

    let mut reader = WireClient::connect(server.broker_port);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let stored = loop {
        let stored = stored_replies(&mut reader);
        if !stored.is_empty() || std::time::Instant::now() > deadline {
            break stored;
        }
        thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(stored.len(), 1, "the reply is stored once in {REPLY_TOPIC}");
    assert_eq!(stored[0].0, b"the answer");
    assert_eq!(find_property_bytes(&stored[0].1, CORRELATION_ID), Some(&b"corr-42"[..]));
    assert!(find_property_bytes(&stored[0].1, PUSH_REPLY_TIME).is_some());
}

#[test]
fn a_reply_whose_requester_is_gone_fails_with_a_remark() {
    let dir = temp_dir();
    let server = start(dir.path());
    let mut requester = WireClient::connect(server.broker_port);
    let beat = requester.call(producer_heartbeat(REQUESTER_ID, REQUESTER_GROUP));
    assert_eq!(beat.response_code(), ResponseCode::SUCCESS);
    requester.shutdown();
    // The broker forgets the connection when it sees it close; until then the push fails instead.
    let mut responder = WireClient::connect(server.broker_port);
    let props = reply_properties("corr-gone", REQUESTER_ID);
    let response = responder.call(send_reply_v1(&props, b"too late"));
    assert_eq!(response.response_code(), ResponseCode::SYSTEM_ERROR);
    let remark = response.remark.unwrap_or_default();
    assert!(remark.contains(REQUESTER_ID), "remark {remark:?} names the requester");

    let never_connected = reply_properties("corr-unknown", "10.0.0.1@nobody");
    let response = responder.call(send_reply_v2(&never_connected, b"nobody"));
    assert_eq!(response.response_code(), ResponseCode::SYSTEM_ERROR);
    let remark = response.remark.unwrap_or_default();
    assert!(remark.contains("not found") && remark.contains("10.0.0.1@nobody"), "remark {remark:?}");

    let response = responder.call(send_reply_v2(&properties(&[(MSG_TYPE, "reply")]), b"anonymous"));
    assert_eq!(response.response_code(), ResponseCode::SYSTEM_ERROR);
    assert!(response.remark.unwrap_or_default().contains(REPLY_TO_CLIENT));
}

#[test]
fn a_requester_that_refuses_the_push_fails_the_reply() {
    let dir = temp_dir();
    let server = start(dir.path());
    let mut requester = WireClient::connect(server.broker_port);
    requester.call(producer_heartbeat(REQUESTER_ID, REQUESTER_GROUP));
    let props = reply_properties("corr-refused", REQUESTER_ID);
    let responder = respond_async(server.broker_port, send_reply_v2(&props, b"unwanted"));
    let push = read_push(&mut requester);
    requester.send(&RemotingCommand::response_to(&push, ResponseCode::SYSTEM_ERROR).with_remark("no thanks"));
    let response = responder.join().expect("responder thread");
    assert_eq!(response.response_code(), ResponseCode::SYSTEM_ERROR);
    assert!(response.remark.unwrap_or_default().contains(REQUESTER_ID));
}
