//! Measures start-up recovery time of a store holding `<MiB>` of commit log (default 2048):
//! after a crash with a recent checkpoint, after a clean shutdown, and after a crash with the
//! checkpoint removed (a full re-scan and re-dispatch of the whole log).
//!
//! Run: `cargo run --release -p bolide-store --example recovery_time -- 2048`

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bolide_protocol::message::{MessageRecord, MessageVersion, SysFlag};
use bolide_store::{MessageStore, StoreConfig};

fn main() {
    let mib: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2048);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StoreConfig::with_root(dir.path());
    let host: SocketAddr = "127.0.0.1:10911".parse().expect("address");
    let body = [b'x'; 1024];
    let store = MessageStore::open(config.clone()).expect("open");
    let started = Instant::now();
    let mut i = 0u64;
    while store.max_commit_log_offset() < mib << 20 {
        let key = format!("key{i}");
        let properties = format!("KEYS\u{1}{key}\u{2}TAGS\u{1}TagA\u{2}");
        let record = MessageRecord {
            version: MessageVersion::V1,
            queue_id: (i % 16) as i32,
            flag: 0,
            queue_offset: 0,
            commit_log_offset: 0,
            sys_flag: SysFlag::from_bits(0),
            born_timestamp_ms: 0,
            born_host: host,
            store_timestamp_ms: 0,
            store_host: host,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body: &body,
            topic: "Recovery",
            properties: properties.as_bytes(),
        };
        store.append(&record).expect("append");
        i += 1;
    }
    println!("wrote {i} messages, {} MiB, in {:?}", store.max_commit_log_offset() >> 20, started.elapsed());
    assert!(store.wait_dispatched(Duration::from_secs(600)));
    std::thread::sleep(Duration::from_millis(1500)); // let a checkpoint land
    store.crash_for_test();
    std::fs::write(dir.path().join("abort"), b"crashed").expect("abort");

    let report = |label: &str, store: &MessageStore| {
        let r = store.recovery_report();
        println!(
            "{label}: {} ms, scanned {} bytes ({} records) from offset {} to {}",
            r.duration_ms,
            r.bytes_scanned(),
            r.records_scanned,
            r.scan_start_offset,
            r.end_offset
        );
    };
    let store = MessageStore::open(config.clone()).expect("reopen after crash");
    report("crash, recent checkpoint", &store);
    store.close().expect("close");
    let store = MessageStore::open(config.clone()).expect("reopen after clean shutdown");
    report("clean shutdown", &store);
    store.crash_for_test();
    std::fs::remove_file(dir.path().join("checkpoint")).expect("remove checkpoint");
    std::fs::remove_dir_all(dir.path().join("consumequeue")).expect("remove queues");
    std::fs::remove_dir_all(dir.path().join("index")).expect("remove index");
    let store = MessageStore::open(config).expect("reopen without checkpoint");
    report("crash, no checkpoint, queues and index rebuilt", &store);
    let r = store.recovery_report();
    println!(
        "full re-scan rate: {:.0} MiB/s",
        r.bytes_scanned() as f64 / 1048576.0 / (r.duration_ms.max(1) as f64 / 1000.0)
    );
    store.close().expect("close");
}
