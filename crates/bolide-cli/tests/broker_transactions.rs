//! Transactional messages on a real `bolide broker`, over raw frames (`behaviours.md` §7): a half
//! message is invisible until END_TRANSACTION commits it, then visible once; a rollback never
//! shows; an unknown outcome is checked back over the producer's own connection
//! (CHECK_TRANSACTION_STATE) and the answer decides; a restart (SIGTERM or kill -9) between half
//! and commit resolves every transaction exactly once; after `transactionCheckMax` checks the
//! message lands in `TRANS_CHECK_MAX_TIME_TOPIC`.
//!
//! Check intervals and timeouts are shortened with `--set`.

mod messaging;
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use bolide_protocol::header::end_transaction::{
    TRANSACTION_COMMIT_TYPE, TRANSACTION_NOT_TYPE, TRANSACTION_ROLLBACK_TYPE,
};
use bolide_protocol::header::{CheckTransactionStateRequestHeader, EndTransactionRequestHeader};
use bolide_protocol::message::properties::{
    find_property, CHECK_IMMUNITY_TIME_IN_SECONDS, PGROUP, REAL_QID, REAL_TOPIC, TRANSACTION_CHECK_TIMES, TRAN_MSG,
    TRAN_PREPARED_QUEUE_OFFSET, UNIQ_KEY,
};
use bolide_protocol::message::{OffsetMessageId, StoredMessage};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_testkit::{free_port_pair, temp_dir, ServerProcess};
use messaging::{create_topic, ext_i64, properties, pulled, start_broker, Outgoing, Pull};
use support::WireClient;

const GROUP: &str = "txn-producer";
const HALF_TOPIC: &str = "RMQ_SYS_TRANS_HALF_TOPIC";
const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// Settings under which nothing is checked back during a test.
const NO_CHECKS: [&str; 2] = ["transactionCheckInterval=500", "transactionTimeOut=600000"];

/// What a producer keeps of a half message to resolve it later.
#[derive(Debug, Clone)]
struct Half {
    msg_id: String,
    queue_offset: i64,
    commit_log_offset: i64,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64
}

/// Sends a half message (`TRAN_MSG=true`, `PGROUP`, sysflag PREPARED) to queue 0 of `topic`.
fn send_half(client: &mut WireClient, topic: &str, body: &str) -> Half {
    let unique = format!("TXN-{body}-{}", now_ms());
    let props = properties(&[(TRAN_MSG, "true"), (PGROUP, GROUP), (UNIQ_KEY, &unique)]);
    let mut outgoing = Outgoing::new(topic, 0, body.as_bytes().to_vec(), props);
    outgoing.born_timestamp_ms = now_ms();
    let request = outgoing.v2().with_ext("a", GROUP).with_ext("f", "4");
    let response = client.call(request);
    assert_eq!(response.response_code(), ResponseCode::SUCCESS, "half send: {:?}", response.remark);
    assert_eq!(response.ext("queueId"), Some("0"), "the response names the real queue");
    assert_eq!(response.ext("transactionId"), Some(unique.as_str()));
    let offset_id = OffsetMessageId::parse(response.ext("msgId").expect("msgId")).expect("an offset message id");
    Half {
        msg_id: unique,
        queue_offset: ext_i64(&response, "queueOffset"),
        commit_log_offset: offset_id.commit_log_offset as i64,
    }
}

fn end_transaction(half: &Half, kind: i32, from_check: bool) -> RemotingCommand {
    let header = EndTransactionRequestHeader {
        topic: None,
        producer_group: GROUP.to_owned(),
        tran_state_table_offset: half.queue_offset,
        commit_log_offset: half.commit_log_offset,
        commit_or_rollback: kind,
        from_transaction_check: Some(from_check),
        msg_id: half.msg_id.clone(),
        transaction_id: Some(half.msg_id.clone()),
        ..Default::default()
    };
    RemotingCommand::request(RequestCode::END_TRANSACTION).with_header(&header)
}

/// END_TRANSACTION answered (not oneway), so the test knows it was applied.
fn resolve(client: &mut WireClient, half: &Half, kind: i32) {
    let response = client.call(end_transaction(half, kind, false));
    assert_eq!(response.response_code(), ResponseCode::SUCCESS, "END_TRANSACTION: {:?}", response.remark);
}

/// The bodies of every message in queue 0 of `topic`.
fn bodies(client: &mut WireClient, topic: &str) -> Vec<String> {
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let response = client.call(Pull::new("txn-consumer", topic, 0, offset).request());
        if response.code != 0 {
            return all;
        }
        all.extend(pulled(&response).into_iter().map(|m| String::from_utf8(m.body).expect("utf-8")));
        offset = ext_i64(&response, "nextBeginOffset");
    }
}

/// Polls until queue 0 of `topic` holds `count` messages (and no more); returns their bodies.
fn wait_bodies(client: &mut WireClient, topic: &str, count: usize, timeout: Duration) -> Vec<String> {
    let deadline = Instant::now() + timeout;
    loop {
        let found = bodies(client, topic);
        assert!(found.len() <= count, "{topic} holds more than {count}: {found:?}");
        if found.len() == count {
            return found;
        }
        assert!(Instant::now() < deadline, "{topic} holds {found:?}, not {count} messages");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// HEART_BEAT registering this connection as a producer of [`GROUP`].
fn producer_heartbeat(client: &mut WireClient) {
    let body = serde_json::json!({
        "clientID": "127.0.0.1@txn-test",
        "consumerDataSet": [],
        "producerDataSet": [{"groupName": GROUP}]
    });
    let request = RemotingCommand::request(RequestCode::HEART_BEAT).with_body(serde_json::to_vec(&body).expect("JSON"));
    assert_eq!(client.call(request).response_code(), ResponseCode::SUCCESS);
}

/// Reads frames until the broker sends a CHECK_TRANSACTION_STATE; returns its header and body.
fn next_check(client: &mut WireClient) -> (CheckTransactionStateRequestHeader, Vec<u8>) {
    loop {
        let frame = client.read();
        if frame.is_response() || frame.code != RequestCode::CHECK_TRANSACTION_STATE.value() {
            continue;
        }
        assert!(frame.is_oneway(), "checks are oneway");
        let header = frame.decode_header::<CheckTransactionStateRequestHeader>().expect("a check header");
        return (header, frame.body.map(|body| body.to_vec()).unwrap_or_default());
    }
}

fn broker(dir: &Path, settings: &[&str]) -> (ServerProcess, u16) {
    let port = free_port_pair();
    (start_broker(port, dir, None, settings), port)
}

fn start_again(dir: &Path, port: u16, settings: &[&str]) -> ServerProcess {
    start_broker(port, dir, None, settings)
}

#[test]
fn a_half_message_is_invisible_until_committed_and_a_rollback_never_shows() {
    let dir = temp_dir();
    let (_broker, port) = broker(dir.path(), &NO_CHECKS);
    let mut client = WireClient::connect(port);
    assert_eq!(client.call(create_topic("TxnT", 1)).response_code(), ResponseCode::SUCCESS);
    let committed = send_half(&mut client, "TxnT", "committed");
    let rolled_back = send_half(&mut client, "TxnT", "rolled-back");
    let unknown = send_half(&mut client, "TxnT", "unknown");
    assert_eq!((committed.queue_offset, rolled_back.queue_offset), (0, 1), "offsets in the half queue");
    // Consume queues are built in the background: the half queue may lag the acknowledgements.
    wait_bodies(&mut client, HALF_TOPIC, 3, Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(300));
    assert!(bodies(&mut client, "TxnT").is_empty(), "half messages are invisible");

    let wrong_group = end_transaction(&committed, TRANSACTION_COMMIT_TYPE, false).with_ext("producerGroup", "other");
    let refused = client.call(wrong_group);
    assert_eq!(refused.response_code(), ResponseCode::SYSTEM_ERROR);
    assert!(refused.remark.as_deref().unwrap_or("").contains("producer group"), "{:?}", refused.remark);

    resolve(&mut client, &unknown, TRANSACTION_NOT_TYPE);
    resolve(&mut client, &rolled_back, TRANSACTION_ROLLBACK_TYPE);
    resolve(&mut client, &committed, TRANSACTION_COMMIT_TYPE);
    assert_eq!(wait_bodies(&mut client, "TxnT", 1, Duration::from_secs(5)), ["committed"]);
    let response = client.call(Pull::new("txn-consumer", "TxnT", 0, 0).request());
    let message = pulled(&response).remove(0);
    assert_eq!(message.sys_flag & 0xC, 0x8, "stored as COMMIT");
    let props = String::from_utf8(message.properties).expect("utf-8");
    assert_eq!(find_property(&props, TRAN_MSG), Some("true"), "kept, as RocketMQ 5.5.0 keeps it");
    assert_eq!(find_property(&props, REAL_TOPIC), None);
    assert_eq!(find_property(&props, REAL_QID), None);
    assert_eq!(find_property(&props, UNIQ_KEY), Some(committed.msg_id.as_str()));
    let record = StoredMessage::decode(&message.record).expect("record");
    assert_eq!(record.prepared_transaction_offset(), committed.commit_log_offset as u64);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(bodies(&mut client, "TxnT"), ["committed"], "the rollback and the unknown stay invisible");
    // The op topic holds one record per resolution, naming the half queue offset.
    let ops = wait_bodies(&mut client, "RMQ_SYS_TRANS_OP_HALF_TOPIC", 2, Duration::from_secs(5));
    assert_eq!(ops, ["1,", "0,"]);
}

#[test]
fn an_unknown_outcome_is_checked_back_over_the_producer_connection() {
    let dir = temp_dir();
    let settings = ["transactionCheckInterval=300", "transactionTimeOut=1000"];
    let (_broker, port) = broker(dir.path(), &settings);
    let mut producer = WireClient::connect(port);
    assert_eq!(producer.call(create_topic("TxnCheck", 1)).response_code(), ResponseCode::SUCCESS);
    producer_heartbeat(&mut producer);
    let sent_at = Instant::now();
    let half = send_half(&mut producer, "TxnCheck", "checked");
    producer.send(&end_transaction(&half, TRANSACTION_NOT_TYPE, false).into_oneway());
    let (header, body) = next_check(&mut producer);
    assert!(sent_at.elapsed() >= Duration::from_millis(900), "not checked before transactionTimeOut");
    assert_eq!(header.topic.as_deref(), Some("TxnCheck"));
    assert_eq!(header.msg_id.as_deref(), Some(half.msg_id.as_str()));
    assert_eq!(header.transaction_id.as_deref(), Some(half.msg_id.as_str()));
    assert!(header.tran_state_table_offset > half.queue_offset, "the check names the re-appended copy");
    assert_eq!(header.rpc.broker_name.as_deref(), Some("broker-e2e"));
    let offset_id = OffsetMessageId::parse(header.offset_msg_id.as_deref().expect("offsetMsgId")).expect("id");
    assert_eq!(offset_id.commit_log_offset as i64, header.commit_log_offset);
    let message = StoredMessage::decode(&body).expect("the body is a stored message");
    assert_eq!((message.topic(), message.queue_id(), message.body()), ("TxnCheck", 0, &b"checked"[..]));
    assert_eq!(message.property(TRANSACTION_CHECK_TIMES), Some("1"));
    assert_eq!(message.property(PGROUP), Some(GROUP));
    assert!(bodies(&mut producer, "TxnCheck").is_empty(), "still invisible");

    let copy = Half {
        msg_id: half.msg_id.clone(),
        queue_offset: header.tran_state_table_offset,
        commit_log_offset: header.commit_log_offset,
    };
    producer.send(&end_transaction(&copy, TRANSACTION_COMMIT_TYPE, true).into_oneway());
    let mut reader = WireClient::connect(port);
    assert_eq!(wait_bodies(&mut reader, "TxnCheck", 1, Duration::from_secs(5)), ["checked"]);
    std::thread::sleep(Duration::from_millis(1_500));
    assert_eq!(bodies(&mut reader, "TxnCheck"), ["checked"], "resolved once: no further check, no second copy");
}

/// Half messages A and B before a restart, A committed before it and B after it with the offsets
/// the producer kept, C left unknown and resolved by a check after the restart: each visible
/// exactly once.
fn restart_resolves_each_transaction_once(kill: bool) {
    let dir = temp_dir();
    let settings = ["transactionCheckInterval=300", "transactionTimeOut=6000", "flushConsumerOffsetInterval=100000"];
    let (mut broker, port) = broker(dir.path(), &settings);
    let mut client = WireClient::connect(port);
    assert_eq!(client.call(create_topic("TxnRestart", 1)).response_code(), ResponseCode::SUCCESS);
    let a = send_half(&mut client, "TxnRestart", "a");
    let b = send_half(&mut client, "TxnRestart", "b");
    resolve(&mut client, &a, TRANSACTION_COMMIT_TYPE);
    assert_eq!(wait_bodies(&mut client, "TxnRestart", 1, Duration::from_secs(5)), ["a"]);
    client.shutdown();
    if kill {
        broker.kill();
    } else {
        assert!(broker.terminate(STOP_TIMEOUT), "the broker stops on SIGTERM");
    }
    let _broker = start_again(dir.path(), port, &settings);
    let mut producer = WireClient::connect(port);
    producer_heartbeat(&mut producer);
    resolve(&mut producer, &b, TRANSACTION_COMMIT_TYPE);
    let c = send_half(&mut producer, "TxnRestart", "c");
    let (header, _) = next_check(&mut producer);
    assert_eq!(header.msg_id.as_deref(), Some(c.msg_id.as_str()), "only the open transaction is checked");
    let copy = Half { queue_offset: header.tran_state_table_offset, commit_log_offset: header.commit_log_offset, ..c };
    producer.send(&end_transaction(&copy, TRANSACTION_COMMIT_TYPE, true).into_oneway());
    let mut reader = WireClient::connect(port);
    let mut seen = wait_bodies(&mut reader, "TxnRestart", 3, Duration::from_secs(5));
    seen.sort();
    assert_eq!(seen, ["a", "b", "c"]);
    std::thread::sleep(Duration::from_millis(1_000));
    assert_eq!(bodies(&mut reader, "TxnRestart").len(), 3, "nothing resolved twice");
}

#[test]
fn a_sigterm_restart_between_half_and_commit_resolves_each_once() {
    restart_resolves_each_transaction_once(false);
}

#[test]
fn a_kill_9_restart_between_half_and_commit_resolves_each_once() {
    restart_resolves_each_transaction_once(true);
}

#[test]
fn a_message_checked_transaction_check_max_times_moves_to_the_check_max_topic() {
    let dir = temp_dir();
    let settings = ["transactionCheckInterval=200", "transactionTimeOut=0", "transactionCheckMax=2"];
    let (_broker, port) = broker(dir.path(), &settings);
    let mut producer = WireClient::connect(port);
    assert_eq!(producer.call(create_topic("TxnMax", 1)).response_code(), ResponseCode::SUCCESS);
    producer_heartbeat(&mut producer);
    let half = send_half(&mut producer, "TxnMax", "abandoned");
    for times in ["1", "2"] {
        let (_, body) = next_check(&mut producer);
        let message = StoredMessage::decode(&body).expect("stored message");
        assert_eq!(message.property(TRANSACTION_CHECK_TIMES), Some(times));
    }
    let mut reader = WireClient::connect(port);
    let discarded = wait_bodies(&mut reader, "TRANS_CHECK_MAX_TIME_TOPIC", 1, Duration::from_secs(5));
    assert_eq!(discarded, ["abandoned"]);
    let response = reader.call(Pull::new("txn-consumer", "TRANS_CHECK_MAX_TIME_TOPIC", 0, 0).request());
    let props = String::from_utf8(pulled(&response).remove(0).properties).expect("utf-8");
    assert_eq!(find_property(&props, TRANSACTION_CHECK_TIMES), Some("2"));
    assert_eq!(find_property(&props, UNIQ_KEY), Some(half.msg_id.as_str()));
    std::thread::sleep(Duration::from_millis(600));
    assert!(bodies(&mut reader, "TxnMax").is_empty(), "never visible on its topic");
    assert_eq!(bodies(&mut reader, "TRANS_CHECK_MAX_TIME_TOPIC").len(), 1, "moved once");
}

#[test]
fn a_message_is_not_checked_within_its_immunity_time_and_then_only_a_check_answer_resolves_it() {
    let dir = temp_dir();
    let settings = ["transactionCheckInterval=200", "transactionTimeOut=0"];
    let (_broker, port) = broker(dir.path(), &settings);
    let mut producer = WireClient::connect(port);
    assert_eq!(producer.call(create_topic("TxnImmune", 1)).response_code(), ResponseCode::SUCCESS);
    producer_heartbeat(&mut producer);
    let sent_at = Instant::now();
    let unique = format!("TXN-immune-{}", now_ms());
    let props =
        properties(&[(TRAN_MSG, "true"), (PGROUP, GROUP), (UNIQ_KEY, &unique), (CHECK_IMMUNITY_TIME_IN_SECONDS, "2")]);
    let mut outgoing = Outgoing::new("TxnImmune", 0, b"immune".to_vec(), props);
    outgoing.born_timestamp_ms = now_ms();
    let response = producer.call(outgoing.v2().with_ext("a", GROUP).with_ext("f", "4"));
    assert_eq!(response.response_code(), ResponseCode::SUCCESS);
    let offset_id = OffsetMessageId::parse(response.ext("msgId").expect("msgId")).expect("an offset message id");
    let half = Half {
        msg_id: unique,
        queue_offset: ext_i64(&response, "queueOffset"),
        commit_log_offset: offset_id.commit_log_offset as i64,
    };
    let (header, body) = next_check(&mut producer);
    assert!(sent_at.elapsed() >= Duration::from_millis(1_900), "checked within the immunity time");
    let message = StoredMessage::decode(&body).expect("stored message");
    assert_eq!(message.property(TRAN_PREPARED_QUEUE_OFFSET), Some("0"), "the copies remember the first offset");
    assert_eq!(message.property(TRANSACTION_CHECK_TIMES), Some("1"));
    // Past its immunity time only an answer to a check may resolve it (RocketMQ 5.1.1+).
    let late = producer.call(end_transaction(&half, TRANSACTION_COMMIT_TYPE, false));
    assert_eq!(late.response_code(), ResponseCode::ILLEGAL_OPERATION, "{:?}", late.remark);
    let copy =
        Half { queue_offset: header.tran_state_table_offset, commit_log_offset: header.commit_log_offset, ..half };
    let answered = producer.call(end_transaction(&copy, TRANSACTION_COMMIT_TYPE, true));
    assert_eq!(answered.response_code(), ResponseCode::SUCCESS, "{:?}", answered.remark);
    let mut reader = WireClient::connect(port);
    assert_eq!(wait_bodies(&mut reader, "TxnImmune", 1, Duration::from_secs(5)), ["immune"]);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(bodies(&mut reader, "TxnImmune"), ["immune"], "resolved once");
}
