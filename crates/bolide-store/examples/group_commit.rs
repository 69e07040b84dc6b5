//! Sync flush with group commit against the raw fsync-bound rate of the same batch pattern,
//! alternating in one run so that both see the same disk (the criterion bench measures them
//! minutes apart, and this disk's sync latency drifts by several times within minutes).
//!
//! Each round, for `<seconds>` each:
//! 1. store: `SYNC_FLUSH`, 64 threads appending 1 KiB bodies, each append waiting until durable;
//!    durable messages/s, messages per sync, append-to-durable latency;
//! 2. raw `fdatasync`: `write(2)` of that round's average batch, then `fdatasync`, repeatedly;
//! 3. raw `msync`: the same batch copied into a mapped file, then `msync` of its range (the call
//!    the store's group commit makes);
//! 4. raw `pwrite`: the same batch written with `pwrite` into a file created at full size (as a
//!    segment is), then `fdatasync`.
//!
//! Run: `cargo run --release -p bolide-store --example group_commit -- 5 2` (rounds, seconds)

use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use bolide_protocol::message::{MessageRecord, MessageVersion, SysFlag};
use bolide_store::{FileStorage, FlushDiskType, MessageStore, SegmentStorage, StoreConfig};

const APPENDERS: usize = 64;
const BODY: [u8; 1024] = [b'x'; 1024];
const SEGMENT: u64 = 1 << 30;

fn record(topic: &str) -> MessageRecord<'_> {
    let host: SocketAddr = "127.0.0.1:10911".parse().expect("address");
    MessageRecord {
        version: MessageVersion::V1,
        queue_id: 0,
        flag: 0,
        queue_offset: 0,
        commit_log_offset: 0,
        sys_flag: SysFlag::from_bits(0),
        born_timestamp_ms: 1_700_000_000_000,
        born_host: host,
        store_timestamp_ms: 0,
        store_host: host,
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body: &BODY,
        topic,
        properties: b"TAGS\x01TagA\x02",
    }
}

struct StoreRound {
    rate: f64,
    batch: u64,
    latencies_us: Vec<u64>,
}

fn store_round(store: &Arc<MessageStore>, seconds: Duration) -> StoreRound {
    let stop = Arc::new(AtomicBool::new(false));
    let syncs_before = store.flush_count();
    let started = Instant::now();
    let threads: Vec<_> = (0..APPENDERS)
        .map(|t| {
            let (store, stop) = (Arc::clone(store), Arc::clone(&stop));
            thread::spawn(move || {
                let topic = format!("q{t:02}");
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let begin = Instant::now();
                    store.append(&record(&topic)).expect("append");
                    latencies.push(begin.elapsed().as_micros() as u64);
                }
                latencies
            })
        })
        .collect();
    thread::sleep(seconds);
    stop.store(true, Ordering::Relaxed);
    let mut latencies_us: Vec<u64> = threads.into_iter().flat_map(|t| t.join().expect("appender")).collect();
    let elapsed = started.elapsed();
    let syncs = store.flush_count() - syncs_before;
    latencies_us.sort_unstable();
    let messages = latencies_us.len() as u64;
    StoreRound { rate: messages as f64 / elapsed.as_secs_f64(), batch: (messages / syncs.max(1)).max(1), latencies_us }
}

/// Messages/s of `write` + `fdatasync` of `batch` records, repeated for `seconds`.
fn raw_fdatasync(file: &mut File, batch: u64, record_size: u64, seconds: Duration) -> f64 {
    let bytes = vec![b'x'; (record_size * batch) as usize];
    let (started, mut batches) = (Instant::now(), 0u64);
    while started.elapsed() < seconds {
        file.write_all(&bytes).expect("write");
        file.sync_data().expect("fdatasync");
        batches += 1;
    }
    (batches * batch) as f64 / started.elapsed().as_secs_f64()
}

/// Messages/s of copying `batch` records into a mapping and `msync`ing them, for `seconds`.
fn raw_msync(
    segment: &dyn bolide_store::Segment,
    pos: &mut u64,
    batch: u64,
    record_size: u64,
    seconds: Duration,
) -> f64 {
    let bytes = vec![b'x'; (record_size * batch) as usize];
    let (started, mut batches) = (Instant::now(), 0u64);
    while started.elapsed() < seconds {
        if *pos + bytes.len() as u64 > SEGMENT {
            *pos = 0;
        }
        segment.write(*pos, &bytes).expect("write");
        segment.sync(*pos, *pos + bytes.len() as u64).expect("msync");
        *pos += bytes.len() as u64;
        batches += 1;
    }
    (batches * batch) as f64 / started.elapsed().as_secs_f64()
}

/// Messages/s of `pwrite` of `batch` records into a file created at full size (like a segment),
/// then `fdatasync`, for `seconds`.
fn raw_pwrite_sized(file: &File, pos: &mut u64, batch: u64, record_size: u64, seconds: Duration) -> f64 {
    use std::os::unix::fs::FileExt;
    let bytes = vec![b'x'; (record_size * batch) as usize];
    let (started, mut batches) = (Instant::now(), 0u64);
    while started.elapsed() < seconds {
        if *pos + bytes.len() as u64 > SEGMENT {
            *pos = 0;
        }
        file.write_all_at(&bytes, *pos).expect("pwrite");
        file.sync_data().expect("fdatasync");
        *pos += bytes.len() as u64;
        batches += 1;
    }
    (batches * batch) as f64 / started.elapsed().as_secs_f64()
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    sorted.get(((sorted.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let seconds = Duration::from_secs(args.next().and_then(|a| a.parse().ok()).unwrap_or(2));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StoreConfig {
        flush_disk_type: FlushDiskType::SyncFlush,
        message_index_enable: false,
        ..StoreConfig::with_root(dir.path().join("store"))
    };
    let store = Arc::new(MessageStore::open(config).expect("open"));
    let record_size = record("q00").encoded_len().expect("encodable") as u64;
    let mut raw_file = File::create(dir.path().join("raw")).expect("file");
    let mapped = FileStorage::new().create(&dir.path().join("mapped"), "00000000000000000000", SEGMENT).expect("map");
    let mut mapped_pos = 0u64;
    let sized = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(dir.path().join("sized"))
        .expect("sized");
    sized.set_len(SEGMENT).expect("set_len");
    let mut sized_pos = 0u64;
    let (mut ratios, mut msync_ratios, mut p99s) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        let s = store_round(&store, seconds);
        let raw = raw_fdatasync(&mut raw_file, s.batch, record_size, seconds);
        let msync = raw_msync(mapped.as_ref(), &mut mapped_pos, s.batch, record_size, seconds);
        let pwrite = raw_pwrite_sized(&sized, &mut sized_pos, s.batch, record_size, seconds);
        let p99 = percentile(&s.latencies_us, 0.99);
        println!(
            "round {round}: store {:.1} K msg/s ({} per sync; latency us p50 {} p99 {p99} p999 {} max {}); \
             raw write+fdatasync {:.1} K msg/s; raw mmap+msync {:.1} K msg/s; raw pwrite(sized file)+fdatasync {:.1} K msg/s; store/fdatasync {:.2}, store/msync {:.2}",
            s.rate / 1000.0,
            s.batch,
            percentile(&s.latencies_us, 0.5),
            percentile(&s.latencies_us, 0.999),
            s.latencies_us.last().copied().unwrap_or(0),
            raw / 1000.0,
            msync / 1000.0,
            pwrite / 1000.0,
            s.rate / raw,
            s.rate / msync,
        );
        ratios.push(s.rate / raw);
        msync_ratios.push(s.rate / msync);
        p99s.push(p99 as f64);
    }
    println!(
        "medians over {rounds} rounds: store/fdatasync {:.2}, store/msync {:.2}, p99 {:.0} us",
        median(&mut ratios),
        median(&mut msync_ratios),
        median(&mut p99s)
    );
    match Arc::try_unwrap(store) {
        Ok(store) => store.close().expect("close"),
        Err(_) => unreachable!("appender threads joined"),
    }
}
