//! Sync flush with group commit against the raw fsync-bound rate of the same batch pattern,
//! alternating in one run so that both see the same disk (the criterion bench measures them
//! minutes apart, and this disk's sync latency drifts by several times within minutes).
//!
//! Each round, for `<seconds>` each, once per appender mode:
//! 1. store: `SYNC_FLUSH`, 64 concurrent appenders of 1 KiB bodies, each appending its next
//!    message once the previous one is durable; durable messages/s, messages per sync,
//!    append-to-durable latency. Two modes:
//!    - `threads`: 64 OS threads each calling the blocking `MessageStore::append`;
//!    - `tasks`: 64 tokio tasks on a 2-worker runtime, each calling `MessageStore::append_then`
//!      and awaiting a oneshot its callback completes (what the broker's send processor does);
//! 2. raw `fdatasync`: `write(2)` of that slot's average batch into a growing file, then
//!    `fdatasync`, repeatedly;
//! 3. raw `msync`: the same batch copied into a mapped file created like a segment (full size,
//!    sparse), then `msync` of its range (the call the store's group commit makes);
//! 4. raw `pwrite`: the same batch written with `pwrite` into a file created at full size (as a
//!    segment is), then `fdatasync`.
//!
//! Run: `cargo run --release -p bolide-store --example group_commit -- 5 2 [threads|tasks|both]`
//! (rounds, seconds per slot, appender modes; default both)

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
    /// Fraction of the slot the flush thread spent in sync calls.
    sync_busy: f64,
    /// Mean time per sync outside the sync call (waking, waiting for appends), microseconds.
    gap_us: f64,
}

/// Flush counters at the start of a slot.
struct SlotStart {
    at: Instant,
    syncs: u64,
    sync_time: Duration,
}

impl SlotStart {
    fn now(store: &MessageStore) -> SlotStart {
        SlotStart { at: Instant::now(), syncs: store.flush_count(), sync_time: store.flush_sync_time() }
    }
}

impl StoreRound {
    fn new(store: &MessageStore, start: SlotStart, mut latencies_us: Vec<u64>) -> StoreRound {
        let elapsed = start.at.elapsed();
        let syncs = (store.flush_count() - start.syncs).max(1);
        let sync_time = store.flush_sync_time() - start.sync_time;
        latencies_us.sort_unstable();
        let messages = latencies_us.len() as u64;
        StoreRound {
            rate: messages as f64 / elapsed.as_secs_f64(),
            batch: (messages / syncs).max(1),
            latencies_us,
            sync_busy: sync_time.as_secs_f64() / elapsed.as_secs_f64(),
            gap_us: elapsed.saturating_sub(sync_time).as_secs_f64() * 1e6 / syncs as f64,
        }
    }
}

/// How the 64 appenders run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// OS threads blocking in `append`.
    Threads,
    /// Tokio tasks awaiting `append_then`'s callback.
    Tasks,
}

/// 64 threads, each appending and blocking until durable, for `seconds`.
fn store_round_threads(store: &Arc<MessageStore>, seconds: Duration) -> StoreRound {
    let stop = Arc::new(AtomicBool::new(false));
    let start = SlotStart::now(store);
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
    let latencies_us: Vec<u64> = threads.into_iter().flat_map(|t| t.join().expect("appender")).collect();
    StoreRound::new(store, start, latencies_us)
}

/// 64 tasks on `runtime`, each appending with `append_then` and awaiting the callback, for
/// `seconds`.
fn store_round_tasks(runtime: &tokio::runtime::Runtime, store: &Arc<MessageStore>, seconds: Duration) -> StoreRound {
    let stop = Arc::new(AtomicBool::new(false));
    let start = SlotStart::now(store);
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..APPENDERS {
        let (store, stop) = (Arc::clone(store), Arc::clone(&stop));
        tasks.spawn_on(
            async move {
                let topic = format!("q{t:02}");
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let begin = Instant::now();
                    let (sender, receiver) = tokio::sync::oneshot::channel();
                    store
                        .append_then(&[record(&topic)], Box::new(move |durable| drop(sender.send(durable))))
                        .expect("append");
                    receiver.await.expect("callback called").expect("durable");
                    latencies.push(begin.elapsed().as_micros() as u64);
                }
                latencies
            },
            runtime.handle(),
        );
    }
    thread::sleep(seconds);
    stop.store(true, Ordering::Relaxed);
    let latencies_us = runtime.block_on(async {
        let mut all = Vec::new();
        while let Some(latencies) = tasks.join_next().await {
            all.extend(latencies.expect("appender task"));
        }
        all
    });
    StoreRound::new(store, start, latencies_us)
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

/// Raw syncs in the store's file kinds, each resumed where the previous slot stopped.
struct Raw {
    growing: File,
    mapped: Arc<dyn bolide_store::Segment>,
    mapped_pos: u64,
    sized: File,
    sized_pos: u64,
    record_size: u64,
}

/// Ratios and p99s of one mode over the rounds.
#[derive(Default)]
struct Summary {
    rates: Vec<f64>,
    ratios: Vec<f64>,
    msync_ratios: Vec<f64>,
    p99s: Vec<f64>,
    batches: Vec<f64>,
    busy: Vec<f64>,
    gaps_us: Vec<f64>,
}

fn slot(mode: Mode, round: usize, s: &StoreRound, raw: &mut Raw, seconds: Duration, summary: &mut Summary) {
    let fdatasync = raw_fdatasync(&mut raw.growing, s.batch, raw.record_size, seconds);
    let msync = raw_msync(raw.mapped.as_ref(), &mut raw.mapped_pos, s.batch, raw.record_size, seconds);
    let pwrite = raw_pwrite_sized(&raw.sized, &mut raw.sized_pos, s.batch, raw.record_size, seconds);
    let p99 = percentile(&s.latencies_us, 0.99);
    println!(
        "round {round} {mode:?}: store {:.1} K msg/s ({} per sync, syncing {:.0} % of the time, {:.0} us between syncs; latency us p50 {} p99 {p99} p999 {} max {}); \
         raw write+fdatasync {:.1} K msg/s; raw mmap+msync {:.1} K msg/s; raw pwrite(sized file)+fdatasync {:.1} K msg/s; store/fdatasync {:.2}, store/msync {:.2}",
        s.rate / 1000.0,
        s.batch,
        s.sync_busy * 100.0,
        s.gap_us,
        percentile(&s.latencies_us, 0.5),
        percentile(&s.latencies_us, 0.999),
        s.latencies_us.last().copied().unwrap_or(0),
        fdatasync / 1000.0,
        msync / 1000.0,
        pwrite / 1000.0,
        s.rate / fdatasync,
        s.rate / msync,
    );
    summary.rates.push(s.rate);
    summary.ratios.push(s.rate / fdatasync);
    summary.msync_ratios.push(s.rate / msync);
    summary.p99s.push(p99 as f64);
    summary.batches.push(s.batch as f64);
    summary.busy.push(s.sync_busy);
    summary.gaps_us.push(s.gap_us);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let seconds = Duration::from_secs(args.next().and_then(|a| a.parse().ok()).unwrap_or(2));
    let modes: &[Mode] = match args.next().as_deref() {
        None | Some("both") => &[Mode::Threads, Mode::Tasks],
        Some("threads") => &[Mode::Threads],
        Some("tasks") => &[Mode::Tasks],
        Some(other) => {
            eprintln!("unknown mode {other:?}: expected threads, tasks or both");
            std::process::exit(2);
        }
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StoreConfig {
        flush_disk_type: FlushDiskType::SyncFlush,
        message_index_enable: false,
        ..StoreConfig::with_root(dir.path().join("store"))
    };
    let store = Arc::new(MessageStore::open(config).expect("open"));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let sized = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(dir.path().join("sized"))
        .expect("sized");
    sized.set_len(SEGMENT).expect("set_len");
    let mut raw = Raw {
        growing: File::create(dir.path().join("raw")).expect("file"),
        mapped: FileStorage::new().create(&dir.path().join("mapped"), "00000000000000000000", SEGMENT).expect("map"),
        mapped_pos: 0,
        sized,
        sized_pos: 0,
        record_size: record("q00").encoded_len().expect("encodable") as u64,
    };
    let mut summaries: Vec<Summary> = modes.iter().map(|_| Summary::default()).collect();
    for round in 1..=rounds {
        for (mode, summary) in modes.iter().zip(&mut summaries) {
            let s = match mode {
                Mode::Threads => store_round_threads(&store, seconds),
                Mode::Tasks => store_round_tasks(&runtime, &store, seconds),
            };
            slot(*mode, round, &s, &mut raw, seconds, summary);
        }
    }
    for (mode, summary) in modes.iter().zip(&mut summaries) {
        println!(
            "{mode:?} medians over {rounds} rounds: store {:.1} K msg/s, {:.0} per sync, syncing {:.0} % of the time, {:.0} us between syncs, store/fdatasync {:.2}, store/msync {:.2}, p99 {:.0} us",
            median(&mut summary.rates) / 1000.0,
            median(&mut summary.batches),
            median(&mut summary.busy) * 100.0,
            median(&mut summary.gaps_us),
            median(&mut summary.ratios),
            median(&mut summary.msync_ratios),
            median(&mut summary.p99s)
        );
    }
    drop(runtime);
    match Arc::try_unwrap(store) {
        Ok(store) => store.close().expect("close"),
        Err(_) => unreachable!("appender threads and tasks joined"),
    }
}
