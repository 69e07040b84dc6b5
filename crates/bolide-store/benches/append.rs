//! Append throughput against the raw limit of the same disk, measured in the same run.
//!
//! - `append_async_1KiB/{1,64}_queues`: `ASYNC_FLUSH` appends of 1 KiB bodies (default 1 GiB
//!   segments, 500 ms flush interval); throughput in record bytes.
//! - `append_async_1KiB/raw_mmap` and `raw_write`: the same record-sized chunks copied
//!   sequentially into a mapped 1 GiB file, or written with `write(2)`, with a thread syncing
//!   every 500 ms.
//! - `append_sync_group_commit/64_appenders`: `SYNC_FLUSH`, 64 threads appending 1 KiB bodies,
//!   each append waiting until durable; throughput in messages. The run also prints the average
//!   group-commit batch and append-to-durable latency percentiles.
//! - `append_sync_group_commit/raw_fdatasync_batch`: write(2) of that average batch then
//!   fdatasync, repeatedly: the fsync-bound limit for the same batch pattern.
//! - `append_sync_group_commit/raw_msync_batch`: the same batch copied into a mapped segment
//!   then `msync`ed (the store's sync call), to compare the two sync calls.
//!
//! Run: `cargo bench -p bolide-store --bench append` (see docs/STORE.md for figures).

use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bolide_protocol::message::{MessageRecord, MessageVersion, SysFlag};
use bolide_store::{FileStorage, FlushDiskType, MessageStore, SegmentStorage, StoreConfig};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const BODY: [u8; 1024] = [b'x'; 1024];
const SEGMENT: u64 = 1 << 30;
const TOPICS: [&str; 64] = {
    const NAMES: [&str; 64] = [
        "q00", "q01", "q02", "q03", "q04", "q05", "q06", "q07", "q08", "q09", "q10", "q11", "q12", "q13", "q14", "q15",
        "q16", "q17", "q18", "q19", "q20", "q21", "q22", "q23", "q24", "q25", "q26", "q27", "q28", "q29", "q30", "q31",
        "q32", "q33", "q34", "q35", "q36", "q37", "q38", "q39", "q40", "q41", "q42", "q43", "q44", "q45", "q46", "q47",
        "q48", "q49", "q50", "q51", "q52", "q53", "q54", "q55", "q56", "q57", "q58", "q59", "q60", "q61", "q62", "q63",
    ];
    NAMES
};

fn record(topic: &str, queue_id: i32) -> MessageRecord<'_> {
    let host: SocketAddr = "127.0.0.1:10911".parse().expect("address");
    MessageRecord {
        version: MessageVersion::V1,
        queue_id,
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

fn record_size() -> u64 {
    record("q00", 0).encoded_len().expect("encodable") as u64
}

fn config(root: &Path, flush: FlushDiskType) -> StoreConfig {
    StoreConfig { flush_disk_type: flush, message_index_enable: false, ..StoreConfig::with_root(root) }
}

/// A background thread calling `sync` every 500 ms until dropped.
struct Syncer {
    stop: Arc<AtomicBool>,
    handle: Option<thread::JoinHandle<()>>,
}

impl Syncer {
    fn start(mut sync: impl FnMut() + Send + 'static) -> Syncer {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = thread::spawn(move || {
            while !flag.load(Ordering::Acquire) {
                thread::sleep(Duration::from_millis(500));
                sync();
            }
        });
        Syncer { stop, handle: Some(handle) }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(handle) = self.handle.take() {
            handle.join().expect("syncer");
        }
    }
}

fn bench_async(c: &mut Criterion) {
    let size = record_size();
    let mut group = c.benchmark_group("append_async_1KiB");
    group.throughput(Throughput::Bytes(size)).sample_size(10).warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for queues in [1usize, 64] {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = MessageStore::open(config(dir.path(), FlushDiskType::AsyncFlush)).expect("open");
        let mut i = 0usize;
        group.bench_function(BenchmarkId::new("queues", queues), |b| {
            b.iter(|| {
                i += 1;
                let q = i % queues;
                store.append(&record(TOPICS[q], 0)).expect("append")
            })
        });
        store.close().expect("close");
    }
    bench_raw_mmap(&mut group, size);
    bench_raw_write(&mut group, size);
    group.finish();
}

fn bench_raw_mmap(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, size: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = FileStorage::new();
    let chunk = vec![b'x'; size as usize];
    let written = Arc::new(AtomicU64::new(0));
    let current = Arc::new(Mutex::new(storage.create(dir.path(), "00000000000000000000", SEGMENT).expect("segment")));
    let (sync_seg, sync_written) = (Arc::clone(&current), Arc::clone(&written));
    let mut synced = 0;
    let syncer = Syncer::start(move || {
        let end = sync_written.load(Ordering::Acquire) % SEGMENT;
        let seg = Arc::clone(&*sync_seg.lock().expect("lock"));
        if end > synced {
            seg.sync(synced, end).expect("sync");
        }
        synced = end;
    });
    let mut pos = 0u64;
    let mut files = 1u64;
    group.bench_function("raw_mmap", |b| {
        b.iter(|| {
            if pos + size + 8 > SEGMENT {
                let name = format!("{:020}", files * SEGMENT);
                let old = std::mem::replace(
                    &mut *current.lock().expect("lock"),
                    storage.create(dir.path(), &name, SEGMENT).expect("segment"),
                );
                drop(old);
                files += 1;
                pos = 0;
            }
            current.lock().expect("lock").write(pos, &chunk).expect("write");
            pos += size;
            written.store((files - 1) * SEGMENT + pos, Ordering::Release);
        })
    });
    drop(syncer);
}

fn bench_raw_write(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, size: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = File::create(dir.path().join("raw")).expect("file");
    let sync_file = file.try_clone().expect("clone");
    let syncer = Syncer::start(move || sync_file.sync_data().expect("sync"));
    let mut file = file;
    let chunk = vec![b'x'; size as usize];
    group.bench_function("raw_write", |b| b.iter(|| file.write_all(&chunk).expect("write")));
    drop(syncer);
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    sorted.get(((sorted.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0)
}

fn bench_sync(c: &mut Criterion) {
    const APPENDERS: usize = 64;
    let mut group = c.benchmark_group("append_sync_group_commit");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(1));
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(MessageStore::open(config(dir.path(), FlushDiskType::SyncFlush)).expect("open"));
    let latencies = Arc::new(Mutex::new(Vec::<u64>::new()));
    let (flushes_before, mut appends) = (store.flush_count(), 0u64);
    group.bench_function("64_appenders", |b| {
        b.iter_custom(|iters| {
            let per_thread = iters.div_ceil(APPENDERS as u64);
            appends += per_thread * APPENDERS as u64;
            let start = Instant::now();
            let threads: Vec<_> = (0..APPENDERS)
                .map(|t| {
                    let (store, latencies) = (Arc::clone(&store), Arc::clone(&latencies));
                    thread::spawn(move || {
                        let mut mine = Vec::with_capacity(per_thread as usize);
                        for _ in 0..per_thread {
                            let begin = Instant::now();
                            store.append(&record(TOPICS[t], 0)).expect("append");
                            mine.push(begin.elapsed().as_micros() as u64);
                        }
                        latencies.lock().expect("lock").extend(mine);
                    })
                })
                .collect();
            for thread in threads {
                thread.join().expect("appender");
            }
            // Time per message, as if `iters` messages were appended.
            start.elapsed().mul_f64(iters as f64 / (per_thread * APPENDERS as u64) as f64)
        })
    });
    let flushes = store.flush_count() - flushes_before;
    let batch = appends / flushes.max(1);
    let mut sorted = std::mem::take(&mut *latencies.lock().expect("lock"));
    sorted.sort_unstable();
    eprintln!(
        "group commit: {appends} appends, {flushes} syncs, {batch} messages per sync; append-to-durable latency us: p50 {} p99 {} p999 {} max {}",
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.99),
        percentile(&sorted, 0.999),
        sorted.last().copied().unwrap_or(0)
    );
    bench_raw_fdatasync(&mut group, batch.max(1));
    bench_raw_msync(&mut group, batch.max(1));
    group.finish();
}

fn bench_raw_fdatasync(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, batch: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut file = File::create(dir.path().join("raw")).expect("file");
    let bytes = vec![b'x'; (record_size() * batch) as usize];
    group.throughput(Throughput::Elements(batch));
    group.bench_function(BenchmarkId::new("raw_fdatasync_batch", batch), |b| {
        b.iter(|| {
            file.write_all(&bytes).expect("write");
            file.sync_data().expect("fdatasync");
        })
    });
}

/// The same batch pattern through a mapping: copy the batch into a mapped segment, then
/// `msync` that range (what the store's group commit does), to compare with `fdatasync`.
fn bench_raw_msync(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, batch: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = FileStorage::new();
    let segment = storage.create(dir.path(), "00000000000000000000", SEGMENT).expect("segment");
    let bytes = vec![b'x'; (record_size() * batch) as usize];
    let mut pos = 0u64;
    group.throughput(Throughput::Elements(batch));
    group.bench_function(BenchmarkId::new("raw_msync_batch", batch), |b| {
        b.iter(|| {
            if pos + bytes.len() as u64 > SEGMENT {
                pos = 0;
            }
            segment.write(pos, &bytes).expect("write");
            segment.sync(pos, pos + bytes.len() as u64).expect("msync");
            pos += bytes.len() as u64;
        })
    });
}

criterion_group!(benches, bench_async, bench_sync);
criterion_main!(benches);
