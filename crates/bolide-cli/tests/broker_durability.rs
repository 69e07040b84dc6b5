//! Durability of the real `bolide broker` process: producers send as fast as they can under
//! SYNC_FLUSH while the broker is killed with SIGKILL mid-stream, a few times over on the same
//! data dir; after every restart each acknowledged message is still there, byte for byte, once,
//! and the store takes new messages. A SIGTERM stop keeps even ASYNC_FLUSH acknowledgements and
//! the next start recovers as after a clean shutdown.

mod messaging;
mod support;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bolide_protocol::message::batch::BatchEntry;
use bolide_protocol::message::OffsetMessageId;
use bolide_testkit::{free_port_pair, temp_dir, ServerProcess};
use messaging::{
    batch_request, create_topic, ext_i64, properties, start_broker, Outgoing, Pulled, TryClient, STORE_RECOVERED,
};

const TOPIC: &str = "Durable";
const QUEUES: i32 = 4;
const GROUP: &str = "durability-checker";
/// Small segments so that a run rolls commit log and consume queue files.
const SYNC_SETTINGS: [&str; 4] = [
    "flushDiskType=SYNC_FLUSH",
    "mappedFileSizeCommitLog=1048576",
    "mappedFileSizeConsumeQueue=6000",
    "maxMessageSize=65536",
];

/// A message the broker acknowledged with code 0.
#[derive(Debug, Clone)]
struct Acked {
    queue_id: i32,
    queue_offset: u64,
    commit_log_offset: u64,
    body: Vec<u8>,
}

/// A body that names its sender and sequence number, with a length that varies with both.
fn body(run: &str, sender: usize, seq: u64) -> Vec<u8> {
    let mut body = format!("{run}/{sender}/{seq}|").into_bytes();
    let filler = (seq as usize * 37 + sender * 101) % 1500;
    body.extend((0..filler).map(|at| b'a' + ((at + seq as usize) % 26) as u8));
    body
}

/// The sender that uses SEND_BATCH_MESSAGE, [`BATCH_SIZE`] messages at a time.
const BATCH_SENDER: usize = 2;
const BATCH_SIZE: usize = 3;

/// Sends in a loop on its own connection until `stop` or until the connection fails (the broker
/// died); returns what was acknowledged and how many requests got no answer. Sender
/// [`BATCH_SENDER`] sends batches, the others SEND_MESSAGE_V2.
fn spawn_sender(port: u16, run: String, sender: usize, stop: Arc<AtomicBool>) -> JoinHandle<(Vec<Acked>, u64)> {
    let mut client = TryClient::connect(port).expect("connect");
    std::thread::spawn(move || {
        let (mut acked, mut unanswered) = (Vec::new(), 0);
        for seq in 0.. {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let queue_id = ((sender as u64 + seq) % QUEUES as u64) as i32;
            let props = properties(&[("TAGS", "d"), ("KEYS", &run)]);
            let bodies: Vec<Vec<u8>> = if sender == BATCH_SENDER {
                (0..BATCH_SIZE as u64).map(|n| body(&run, sender, seq * BATCH_SIZE as u64 + n)).collect()
            } else {
                vec![body(&run, sender, seq)]
            };
            let request = if sender == BATCH_SENDER {
                let entries: Vec<BatchEntry<'_>> =
                    bodies.iter().map(|body| BatchEntry { flag: 0, body, properties: props.as_bytes() }).collect();
                batch_request(&Outgoing::new(TOPIC, queue_id, Vec::new(), String::new()), &entries)
            } else {
                Outgoing::new(TOPIC, queue_id, bodies[0].clone(), props.clone()).v2()
            };
            let Ok(response) = client.call(request) else {
                unanswered += 1;
                break;
            };
            if response.code != 0 {
                // FLUSH_DISK_TIMEOUT or a refusal: not acknowledged, so not promised.
                continue;
            }
            assert_eq!(ext_i64(&response, "queueId"), queue_id as i64);
            let first_offset = u64::try_from(ext_i64(&response, "queueOffset")).expect("queue offset ≥ 0");
            let ids = response.ext("msgId").expect("msgId").split(',');
            let ids: Vec<u64> =
                ids.map(|id| OffsetMessageId::parse(id).expect("offset id").commit_log_offset).collect();
            assert_eq!(ids.len(), bodies.len(), "one msgId per message");
            for (n, (body, commit_log_offset)) in bodies.into_iter().zip(ids).enumerate() {
                acked.push(Acked { queue_id, queue_offset: first_offset + n as u64, commit_log_offset, body });
            }
        }
        (acked, unanswered)
    })
}

/// Every queue of the topic read from offset 0: contiguous offsets, records intact.
fn read_everything(client: &mut TryClient) -> BTreeMap<(i32, u64), Pulled> {
    let mut all = BTreeMap::new();
    for queue_id in 0..QUEUES {
        for (at, record) in client.pull_all(GROUP, TOPIC, queue_id).into_iter().enumerate() {
            assert_eq!(record.queue_offset, at as u64, "queue {queue_id} has no gaps");
            assert_eq!((record.topic.as_str(), record.queue_id), (TOPIC, queue_id));
            all.insert((queue_id, record.queue_offset), record);
        }
    }
    all
}

/// Every acknowledged message is stored where its ack said, byte for byte, and no message is
/// stored twice (the senders never retry, so any body appears at most once).
fn check_acked(stored: &BTreeMap<(i32, u64), Pulled>, acked: &[Acked]) {
    let mut seen: HashMap<&[u8], (i32, u64)> = HashMap::with_capacity(stored.len());
    for (at, record) in stored {
        if let Some(first) = seen.insert(record.body.as_slice(), *at) {
            panic!("message stored twice, at {first:?} and {at:?}");
        }
    }
    for message in acked {
        let at = (message.queue_id, message.queue_offset);
        let Some(record) = stored.get(&at) else {
            panic!("acknowledged message lost: queue {} offset {}", message.queue_id, message.queue_offset);
        };
        assert_eq!(record.commit_log_offset, message.commit_log_offset, "msgId of {at:?}");
        assert!(record.body == message.body, "body at {at:?} differs from the acknowledged one");
    }
}

fn recovery_line(broker: &ServerProcess) -> String {
    let output = broker.output_text();
    let line = output.lines().rfind(|line| line.contains(STORE_RECOVERED));
    line.unwrap_or_else(|| panic!("no {STORE_RECOVERED:?} line; output:\n{output}")).to_owned()
}

/// A numeric field (`key=value`) of a log line.
fn log_field(line: &str, key: &str) -> u64 {
    let prefix = format!("{key}=");
    let value = line.split_whitespace().find_map(|word| word.strip_prefix(prefix.as_str()));
    value.and_then(|value| value.parse().ok()).unwrap_or_else(|| panic!("no numeric {key} in {line}"))
}

fn start(port: u16, dir: &Path, settings: &[&str]) -> ServerProcess {
    start_broker(port, dir, None, settings)
}

#[test]
fn acknowledged_messages_survive_kill_9_mid_stream() {
    const CYCLES: usize = 3;
    const SENDERS: usize = 3;
    let dir = temp_dir();
    let store = dir.path().join("store");
    let port = free_port_pair();
    let mut broker = start(port, &store, &SYNC_SETTINGS);
    assert!(recovery_line(&broker).contains("after_crash=false"), "a new store");
    let mut client = TryClient::connect(port).expect("connect");
    assert_eq!(client.must(create_topic(TOPIC, QUEUES)).code, 0);
    let mut acked: Vec<Acked> = Vec::new();
    let mut figures = Vec::new();
    for cycle in 0..CYCLES {
        let stop = Arc::new(AtomicBool::new(false));
        let senders: Vec<_> =
            (0..SENDERS).map(|sender| spawn_sender(port, format!("kill{cycle}"), sender, stop.clone())).collect();
        // Die at a different moment of each run, between 1 and 2 s in.
        std::thread::sleep(Duration::from_millis(1000 + 450 * cycle as u64));
        // SIGKILL to the broker's PID (the child handle this test started): no chance to flush.
        broker.kill();
        let (mut cycle_acked, mut unanswered) = (0, 0);
        for sender in senders {
            let (sent, lost) = sender.join().expect("sender thread");
            cycle_acked += sent.len();
            unanswered += lost;
            acked.extend(sent);
        }
        stop.store(true, Ordering::Relaxed);
        figures.push((cycle_acked, unanswered));
        assert!(cycle_acked > 50, "cycle {cycle}: only {cycle_acked} messages acknowledged");

        broker = start(port, &store, &SYNC_SETTINGS);
        assert!(recovery_line(&broker).contains("after_crash=true"), "{}", recovery_line(&broker));
        client = TryClient::connect(port).expect("connect after restart");
        let stored = read_everything(&mut client);
        check_acked(&stored, &acked);
        eprintln!(
            "kill -9 cycle {cycle}: {cycle_acked} acknowledged, {unanswered} requests in flight at the kill, \
             {} stored in all, every acknowledged one present",
            stored.len()
        );
    }
    // The recovered store takes new messages, after everything it kept.
    for queue_id in 0..QUEUES {
        let before = client.pull_all(GROUP, TOPIC, queue_id).len() as u64;
        let message = Outgoing::new(TOPIC, queue_id, body("after", 0, queue_id as u64), String::new());
        let response = client.must(message.v2());
        assert_eq!(response.code, 0, "{:?}", response.remark);
        assert_eq!(ext_i64(&response, "queueOffset"), before as i64, "queue {queue_id} continues at its end");
        client.wait_readable(TOPIC, queue_id, before + 1);
        let last = client.pull_all(GROUP, TOPIC, queue_id).pop().expect("the new message");
        assert_eq!((last.queue_offset, last.body), (before, message.body.to_vec()));
    }
    eprintln!("acknowledged per kill cycle (acked, requests in flight): {figures:?}");
    assert!(broker.terminate(Duration::from_secs(10)), "clean exit on SIGTERM");
}

#[test]
fn sigterm_keeps_even_async_flush_acks_and_the_restart_is_clean() {
    // A flush interval longer than the test: only the shutdown flushes the commit log.
    let settings = [
        "flushDiskType=ASYNC_FLUSH",
        "flushIntervalCommitLog=600000",
        "mappedFileSizeCommitLog=1048576",
        "maxMessageSize=65536",
    ];
    let dir = temp_dir();
    let store = dir.path().join("store");
    let port = free_port_pair();
    let mut broker = start(port, &store, &settings);
    let mut client = TryClient::connect(port).expect("connect");
    assert_eq!(client.must(create_topic(TOPIC, QUEUES)).code, 0);
    let mut acked = Vec::new();
    for seq in 0..800u64 {
        let queue_id = (seq % QUEUES as u64) as i32;
        let message = Outgoing::new(TOPIC, queue_id, body("term", 0, seq), String::new());
        let response = client.must(message.v2());
        assert_eq!(response.code, 0, "{:?}", response.remark);
        let id = OffsetMessageId::parse(response.ext("msgId").expect("msgId")).expect("offset message id");
        let queue_offset = ext_i64(&response, "queueOffset") as u64;
        acked.push(Acked {
            queue_id,
            queue_offset,
            commit_log_offset: id.commit_log_offset,
            body: message.body.to_vec(),
        });
    }
    let started = Instant::now();
    assert!(broker.terminate(Duration::from_secs(10)), "clean exit on SIGTERM");
    eprintln!("SIGTERM with 800 unflushed messages: stopped in {:?}", started.elapsed());
    assert!(!store.join("abort").exists(), "a clean stop removes the abort marker");

    let mut broker = start(port, &store, &settings);
    let line = recovery_line(&broker);
    assert!(line.contains("after_crash=false"), "recovered as after a clean stop: {line}");
    // The stop flushed the commit log (the interval flush never ran) and checkpointed its end:
    // recovery had nothing to re-scan.
    assert!(log_field(&line, "end") > 0 && log_field(&line, "start") == log_field(&line, "end"), "{line}");
    assert_eq!(log_field(&line, "records"), 0, "{line}");
    let mut client = TryClient::connect(port).expect("connect after restart");
    let stored = read_everything(&mut client);
    assert_eq!(stored.len(), acked.len(), "exactly the acknowledged messages");
    check_acked(&stored, &acked);
    assert!(broker.terminate(Duration::from_secs(10)));
}

#[test]
fn sigterm_mid_stream_keeps_every_ack_and_the_restart_is_clean() {
    const SENDERS: usize = 3;
    let dir = temp_dir();
    let store = dir.path().join("store");
    let port = free_port_pair();
    let mut broker = start(port, &store, &SYNC_SETTINGS);
    let mut client = TryClient::connect(port).expect("connect");
    assert_eq!(client.must(create_topic(TOPIC, QUEUES)).code, 0);
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> =
        (0..SENDERS).map(|sender| spawn_sender(port, "term".to_owned(), sender, stop.clone())).collect();
    std::thread::sleep(Duration::from_millis(1200));
    let started = Instant::now();
    assert!(broker.terminate(Duration::from_secs(10)), "clean exit on SIGTERM while producers send");
    let stopped = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (mut acked, mut unanswered) = (Vec::new(), 0);
    for sender in senders {
        let (sent, lost) = sender.join().expect("sender thread");
        acked.extend(sent);
        unanswered += lost;
    }
    eprintln!(
        "SIGTERM mid-stream: {} acknowledged, {unanswered} requests unanswered, broker stopped in {stopped:?}",
        acked.len()
    );
    assert!(acked.len() > 50, "only {} acknowledged", acked.len());
    assert!(!store.join("abort").exists(), "a clean stop removes the abort marker");

    let mut broker = start(port, &store, &SYNC_SETTINGS);
    let line = recovery_line(&broker);
    assert!(line.contains("after_crash=false"), "recovered as after a clean stop: {line}");
    let mut client = TryClient::connect(port).expect("connect after restart");
    let stored = read_everything(&mut client);
    check_acked(&stored, &acked);
    // A graceful stop answers every request it read and reads no more: nothing is stored without
    // its producer hearing about it (a kill -9 may leave a few such messages).
    assert_eq!(stored.len(), acked.len(), "stored but never acknowledged");
    assert!(broker.terminate(Duration::from_secs(10)));
}
