//! `TransactionProducer` (bolide-client) against a real `bolide standalone`: a committed
//! transaction is delivered, a rolled-back one never is, one left unknown (by the listener's
//! answer, its error or its panic) is checked back by the broker and the check's answer decides;
//! a pull consumer sees exactly the committed messages. The check interval and timeout are
//! shortened with `--set` so that check-backs come within seconds.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bolide_client::{
    ClientConfig, ConsumeFrom, ListenerError, Message, MessageExt, PullConsumer, PullConsumerOptions, SendStatus,
    TransactionListener, TransactionProducer, TransactionState,
};
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess, TempDir};
use support::start_standalone;

const TOPIC: &str = "ClientTxn";
const GROUP: &str = "client_txn_producer";

struct Standalone {
    _process: ServerProcess,
    _dir: TempDir,
    namesrv: String,
}

impl Standalone {
    fn start(settings: &[&str]) -> Self {
        let dir = temp_dir();
        let namesrv_port = free_port();
        let process =
            start_standalone(namesrv_port, free_port_pair(), dir.path(), settings, "registered with name server");
        Self { _process: process, _dir: dir, namesrv: format!("127.0.0.1:{namesrv_port}") }
    }

    fn config(&self) -> ClientConfig {
        ClientConfig::new(&self.namesrv)
    }
}

/// What the local transaction of a test message does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Local {
    Commit,
    Rollback,
    /// Unknown now; the check-back answers with the given state.
    UnknownThen(TransactionState),
    /// The listener fails; the check-back answers with the given state.
    FailThen(TransactionState),
    PanicThen(TransactionState),
}

/// What the listener was asked, and how check-backs answer, shared with the test.
#[derive(Default)]
struct Records {
    /// Transaction id → what its check-back answers (none: the check fails).
    later: Mutex<HashMap<String, TransactionState>>,
    /// Bodies of the messages checked back, with the id the check saw.
    checked: Mutex<Vec<(String, String)>>,
}

/// Runs each local transaction as its [`Local`] plan says.
struct Listener(Arc<Records>);

impl TransactionListener for Listener {
    type Arg = Local;

    async fn execute(&self, message: &Message, id: &str, local: Local) -> Result<TransactionState, ListenerError> {
        assert_eq!(message.property("TRAN_MSG"), Some("true"), "the listener sees the half message");
        assert_eq!(message.property("PGROUP"), Some(GROUP));
        let later = |state| self.0.later.lock().expect("lock").insert(id.to_owned(), state);
        match local {
            Local::Commit => Ok(TransactionState::Commit),
            Local::Rollback => Ok(TransactionState::Rollback),
            Local::UnknownThen(state) => {
                later(state);
                Ok(TransactionState::Unknown)
            }
            Local::FailThen(state) => {
                later(state);
                Err("the local database is down".into())
            }
            Local::PanicThen(state) => {
                later(state);
                panic!("the local transaction panicked");
            }
        }
    }

    async fn check(&self, message: &MessageExt) -> Result<TransactionState, ListenerError> {
        let body = String::from_utf8_lossy(&message.body).into_owned();
        self.0.checked.lock().expect("lock").push((body, message.msg_id().to_owned()));
        let state = self.0.later.lock().expect("lock").get(message.msg_id()).copied();
        state.ok_or_else(|| format!("unknown transaction {}", message.msg_id()).into())
    }
}

async fn consumer(server: &Standalone, group: &str) -> PullConsumer {
    let options = PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new(group) };
    let consumer = PullConsumer::with_options(server.config(), options).await.expect("consumer starts");
    support::routed_queues(&consumer, TOPIC).await;
    consumer
}

/// Polls until `expected` bodies arrived and then `quiet` more without anything new; returns
/// every body received.
async fn bodies(consumer: &mut PullConsumer, expected: usize, quiet: Duration) -> Vec<String> {
    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while received.len() < expected && tokio::time::Instant::now() < deadline {
        let polled = consumer.poll(Duration::from_secs(1)).await.expect("poll");
        received.extend(polled.iter().map(|m| String::from_utf8_lossy(&m.body).into_owned()));
    }
    let quiet_until = tokio::time::Instant::now() + quiet;
    while tokio::time::Instant::now() < quiet_until {
        let polled = consumer.poll(Duration::from_millis(500)).await.expect("poll");
        received.extend(polled.iter().map(|m| String::from_utf8_lossy(&m.body).into_owned()));
    }
    received.sort();
    received
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_rollback_and_checked_back_outcomes_reach_consumers_exactly_once() {
    let server = Standalone::start(&["transactionCheckInterval=300", "transactionTimeOut=1000"]);
    let listener = Arc::new(Records::default());
    let producer =
        TransactionProducer::start(server.config(), GROUP, Listener(listener.clone())).await.expect("producer starts");

    let plan = [
        ("commit", Local::Commit),
        ("rollback", Local::Rollback),
        ("unknown-commit", Local::UnknownThen(TransactionState::Commit)),
        ("unknown-rollback", Local::UnknownThen(TransactionState::Rollback)),
        ("error-commit", Local::FailThen(TransactionState::Commit)),
        ("panic-commit", Local::PanicThen(TransactionState::Commit)),
    ];
    let mut results = HashMap::new();
    for (body, local) in plan {
        let message = Message::new(TOPIC, body).with_keys([body]).with_delay_level(3);
        let result = producer.send_in_transaction(&message, local).await.expect("half message is stored");
        assert_eq!(result.send_result.status, SendStatus::SendOk);
        assert_eq!(result.send_result.transaction_id.as_deref(), Some(result.send_result.msg_id.as_str()));
        results.insert(body, result);
    }
    let state = |body| results[body].local_state;
    assert_eq!(state("commit"), TransactionState::Commit);
    assert_eq!(state("rollback"), TransactionState::Rollback);
    for unknown in ["unknown-commit", "unknown-rollback", "error-commit", "panic-commit"] {
        assert_eq!(state(unknown), TransactionState::Unknown, "{unknown}");
    }

    // The delay level is cleared (as in Java), so the commit is visible at once; the check-backs
    // come after transactionTimeOut.
    let mut consumer = consumer(&server, "client_txn_consumer").await;
    consumer.assign(consumer.queues(TOPIC).await.expect("queues")).await;
    let received = bodies(&mut consumer, 4, Duration::from_secs(2)).await;
    assert_eq!(received, ["commit", "error-commit", "panic-commit", "unknown-commit"].map(String::from).to_vec());

    let checked = listener.checked.lock().expect("lock").clone();
    let checked_bodies: BTreeSet<&str> = checked.iter().map(|(body, _)| body.as_str()).collect();
    assert_eq!(
        checked_bodies,
        BTreeSet::from(["error-commit", "panic-commit", "unknown-commit", "unknown-rollback"]),
        "exactly the unknown transactions are checked back"
    );
    for (body, id) in &checked {
        assert_eq!(id, &results[body.as_str()].send_result.msg_id, "a check-back names the transaction id");
    }
    consumer.shutdown().await;
    producer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_check_leaves_the_transaction_open_until_a_later_check_decides() {
    let server =
        Standalone::start(&["transactionCheckInterval=300", "transactionTimeOut=500", "transactionCheckMax=100"]);
    let listener = Arc::new(Records::default());
    let producer =
        TransactionProducer::start(server.config(), GROUP, Listener(listener.clone())).await.expect("producer starts");
    // No planned answer: every check-back fails, so the transaction stays open.
    let result = producer
        .send_in_transaction(&Message::new(TOPIC, "late"), Local::UnknownThen(TransactionState::Unknown))
        .await
        .expect("stored");
    let id = result.send_result.msg_id.clone();
    listener.later.lock().expect("lock").remove(&id);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while listener.checked.lock().expect("lock").len() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "checked back again after a failed check");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut consumer = consumer(&server, "client_txn_late").await;
    consumer.assign(consumer.queues(TOPIC).await.expect("queues")).await;
    assert!(bodies(&mut consumer, 0, Duration::from_secs(1)).await.is_empty(), "not delivered while open");

    // Now the local transaction is known to have committed: the next check delivers it.
    listener.later.lock().expect("lock").insert(id, TransactionState::Commit);
    assert_eq!(bodies(&mut consumer, 1, Duration::from_secs(2)).await, ["late"]);

    // Plain sends still work through the same client.
    let plain = producer.producer().send(&Message::new(TOPIC, "plain")).await.expect("plain send");
    assert_eq!(plain.status, SendStatus::SendOk);
    consumer.shutdown().await;
    producer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_producer_with_transaction_commits_every_message() {
    let server = Standalone::start(&[]);
    let output = std::process::Command::new(support::bolide())
        .args(["bench", "producer", "-n", &server.namesrv, "-t", "BenchTxn", "-w", "4", "-s", "64", "-q", "300"])
        .args(["-y", "--in-flight", "4", "--transaction", "--json"])
        .output()
        .expect("run bolide bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "bench failed: {stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!((summary["sent"].as_u64(), summary["failed"].as_u64()), (Some(300), Some(0)), "{summary}");
    assert_eq!(summary["transaction"], true, "{summary}");

    // Every message was committed: a consumer reads all 300 from the real topic.
    let options =
        PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new("bench_reader") };
    let mut consumer = PullConsumer::with_options(server.config(), options).await.expect("consumer starts");
    consumer.assign(support::routed_queues(&consumer, "BenchTxn").await).await;
    let mut read = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while read < 300 && tokio::time::Instant::now() < deadline {
        let polled = consumer.poll(Duration::from_secs(1)).await.expect("poll");
        assert!(polled.iter().all(|m| m.property("TRAN_MSG") == Some("true")), "committed transactional messages");
        read += polled.len();
    }
    assert_eq!(read, 300);
    consumer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_and_rollbacks_under_sync_flush() {
    // END_TRANSACTION then waits for the flush of its records before answering.
    let server = Standalone::start(&["flushDiskType=SYNC_FLUSH"]);
    let listener = Arc::new(Records::default());
    let producer = TransactionProducer::start(server.config(), GROUP, Listener(listener)).await.expect("starts");
    for i in 0..10 {
        let local = if i % 2 == 0 { Local::Commit } else { Local::Rollback };
        let result = producer.send_in_transaction(&Message::new(TOPIC, format!("sync-{i}")), local).await;
        assert_eq!(result.expect("stored").send_result.status, SendStatus::SendOk);
    }
    let mut consumer = consumer(&server, "client_txn_sync").await;
    consumer.assign(consumer.queues(TOPIC).await.expect("queues")).await;
    let expected: Vec<String> = (0..10).step_by(2).map(|i| format!("sync-{i}")).collect();
    assert_eq!(bodies(&mut consumer, 5, Duration::from_secs(1)).await, expected);
    consumer.shutdown().await;
    producer.shutdown().await;
}
