//! The kill -9 loop: a child process appends with sync flush and prints each acknowledgement;
//! the parent kills it at a random moment, reopens the store (crash recovery) and checks that
//! every acknowledged message is there exactly once and in order, and that the consume queues
//! agree with the commit log. `BOLIDE_CRASH_ITERATIONS` (default 50) and `BOLIDE_CRASH_SEED`
//! control the run (see docs/STORE.md).

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use bolide_protocol::message::StoredMessage;
use bolide_store::{FlushDiskType, MessageStore, StoreConfig, StoreError};

const THREADS: u64 = 4;

/// Must match the child's configuration.
fn config(root: &Path) -> StoreConfig {
    StoreConfig {
        flush_disk_type: FlushDiskType::SyncFlush,
        mapped_file_size_commit_log: 64 * 1024,
        mapped_file_size_consume_queue: 20 * 128,
        max_message_size: 4096,
        max_hash_slot_num: 64,
        max_index_num: 256,
        flush_interval_consume_queue: 20,
        ..StoreConfig::with_root(root)
    }
}

fn seq_of(message: &StoredMessage<'_>) -> u64 {
    let body = std::str::from_utf8(message.body()).expect("utf8 body");
    body.split(':').nth(1).and_then(|s| s.parse().ok()).expect("seq:<n>: body")
}

/// Runs one child for `run_ms` and returns the acknowledged sequence numbers.
fn run_child(root: &Path, first: u64, run_ms: u64) -> Vec<u64> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bolide-store-crash-child"))
        .arg(root)
        .arg(first.to_string())
        .arg(THREADS.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("piped stdout");
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut acks = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line == "ready" {
                let _ = ready_tx.send(());
            } else if let Some(n) = line.strip_prefix("ack ") {
                acks.push(n.parse::<u64>().expect("ack number"));
            }
        }
        acks
    });
    ready_rx.recv_timeout(Duration::from_secs(30)).expect("child ready");
    std::thread::sleep(Duration::from_millis(run_ms));
    child.kill().expect("kill -9");
    child.wait().expect("reap child");
    reader.join().expect("reader")
}

/// Checks the recovered store; returns the highest sequence number stored.
fn verify(store: &MessageStore, acked: &HashSet<u64>, segment_size: u64) -> u64 {
    assert!(store.wait_dispatched(Duration::from_secs(30)));
    let mut seen = HashSet::new();
    let mut max_seq = 0;
    let mut queue_total = 0u64;
    for queue_id in 0..THREADS as i32 {
        // One read examines a bounded number of entries: page through the queue.
        let (mut messages, mut offsets, mut next) = (Vec::new(), Vec::new(), 0);
        while next < store.max_queue_offset("Crash", queue_id) {
            let got = store.get_messages("Crash", queue_id, next, 4096, u64::MAX).expect("read queue");
            assert!(got.next_begin_offset > next, "reads make progress");
            next = got.next_begin_offset;
            messages.extend(got.messages);
            offsets.extend(got.queue_offsets);
        }
        assert_eq!(messages.len() as u64, store.max_queue_offset("Crash", queue_id));
        let mut previous = None;
        for (bytes, queue_offset) in messages.iter().zip(&offsets) {
            let message = StoredMessage::decode(bytes).expect("record");
            assert_eq!(message.queue_offset(), *queue_offset, "consume queue and record agree");
            assert_eq!(message.queue_id(), queue_id);
            let seq = seq_of(&message);
            assert_eq!(seq % THREADS, queue_id as u64, "message in the right queue");
            assert!(previous.is_none_or(|p| p < seq), "queue {queue_id}: {seq} after {previous:?}");
            assert!(seen.insert(seq), "{seq} stored twice");
            previous = Some(seq);
            max_seq = max_seq.max(seq);
        }
        queue_total += messages.len() as u64;
    }
    let missing: Vec<_> = acked.iter().filter(|s| !seen.contains(s)).take(5).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    // Every record of the commit log has its consume queue entry.
    let mut offset = store.min_commit_log_offset();
    let mut records = 0u64;
    while offset < store.max_commit_log_offset() {
        match store.message_at(offset) {
            Ok(bytes) => {
                offset += bytes.len() as u64;
                records += 1;
            }
            Err(StoreError::InvalidRecord { .. }) => offset = offset - offset % segment_size + segment_size,
            Err(err) => panic!("walking the commit log at {offset}: {err}"),
        }
    }
    assert_eq!(records, queue_total, "commit log records vs consume queue entries");
    max_seq
}

#[test]
fn acknowledged_appends_survive_kill_9() {
    let iterations: u64 = std::env::var("BOLIDE_CRASH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let seed: u64 =
        std::env::var("BOLIDE_CRASH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| fastrand::u64(..));
    eprintln!("kill -9 loop: {iterations} iterations, BOLIDE_CRASH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path());
    let mut acked = HashSet::new();
    let mut next = 0;
    let mut per_run = BTreeMap::new();
    for iteration in 0..iterations {
        let acks = run_child(dir.path(), next, rng.u64(5..60));
        per_run.insert(iteration, acks.len());
        acked.extend(acks);
        let store = MessageStore::open(config.clone()).unwrap_or_else(|err| panic!("iteration {iteration}: {err}"));
        assert!(store.recovery_report().after_crash);
        let max_seq = verify(&store, &acked, config.mapped_file_size_commit_log);
        next = next.max((max_seq + 1).next_multiple_of(THREADS));
        store.close().expect("close");
    }
    let total: usize = per_run.values().sum();
    eprintln!("{total} acknowledged appends over {iterations} kills");
    assert!(total > 0, "the child acknowledged nothing");
}
