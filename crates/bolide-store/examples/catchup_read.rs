//! Catch-up read of a multi-GiB backlog against a raw sequential read of the same files, in the
//! same run.
//!
//! 1. Appends `<MiB>` (default 2048) of 1 KiB messages round-robin over `<queues>` (default 16)
//!    queues of one topic (`ASYNC_FLUSH`), then closes the store (everything flushed).
//! 2. Makes the files cold: `echo 1 > /proc/sys/vm/drop_caches` when permitted (root), else
//!    `posix_fadvise(DONTNEED)` on every commit log and consume queue file (both after `sync`).
//! 3. Raw: reads the commit log's bytes (segment files in order, up to the log's end) sequentially
//!    with `read(2)` in 1 MiB chunks.
//! 4. Cold again, then the store: reopens and pulls every queue to its end with
//!    `get_messages(.., 32, ..)` (a pull-sized batch), round-robin over the queues as consumers
//!    catching up on all queues of a topic do. The returned records are zero-copy slices of
//!    the mapped segments, so each record's first and last byte are read (every page holding
//!    a record is touched, which is what sending it to a socket would do).
//!    Cold passes alternate raw, store, store, raw, raw, store after one throwaway raw pass (the
//!    first read after writing competes with write-back); medians are compared.
//! 5. Both once more with the page cache warm, for reference.
//!
//! Run: `cargo run --release -p bolide-store --example catchup_read -- 2048 16`

#![allow(unsafe_code)]

use std::fs::File;
use std::io::Read;
use std::net::SocketAddr;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bolide_protocol::message::{MessageRecord, MessageVersion, SysFlag};
use bolide_store::{GetMessageStatus, MessageStore, StoreConfig};

const TOPIC: &str = "CatchUp";
const PULL_BATCH: usize = 32;

fn main() {
    let mut args = std::env::args().skip(1);
    let mib: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2048);
    let queues: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);
    let dir =
        tempfile::tempdir_in(std::env::var_os("BOLIDE_BENCH_DIR").unwrap_or_else(|| "/tmp".into())).expect("tempdir");
    let config = StoreConfig { message_index_enable: false, ..StoreConfig::with_root(dir.path()) };
    let messages = write_backlog(&config, mib, queues);

    let files = segment_files(&dir.path().join("commitlog"));
    // Only the bytes the log holds: the last segment is partly empty and the next one is
    // already created (zeroed), and reading holes costs no disk I/O.
    let log_end = {
        let store = MessageStore::open(config.clone()).expect("reopen");
        let end = store.max_commit_log_offset();
        store.close().expect("close");
        end
    };
    // The first read after writing the backlog runs while the disk (here a virtual disk whose
    // host is still writing back) is busy: a throwaway pass, then raw and store alternate
    // (raw, store, store, raw, raw, store) so drift hits both alike.
    make_cold(dir.path());
    let (settle_bytes, settle_time) = raw_read(&files, log_end);
    println!("settling pass (not counted): raw read {:.0} MiB/s", mib_per_s(settle_bytes, settle_time));
    let (mut raw_rates, mut store_rates) = (Vec::new(), Vec::new());
    for raw_turn in [true, false, false, true, true, false] {
        make_cold(dir.path());
        if raw_turn {
            let (bytes, time) = raw_read(&files, log_end);
            raw_rates.push(mib_per_s(bytes, time));
            println!("cold raw read: {:.0} MiB/s ({} MiB in {time:?})", mib_per_s(bytes, time), bytes >> 20);
        } else {
            let (read_messages, bytes, time) = store_read(&config, queues);
            assert_eq!(read_messages, messages, "every message read back");
            store_rates.push(mib_per_s(bytes, time));
            println!(
                "cold store catch-up: {:.0} MiB/s ({read_messages} messages, {} MiB of records in {time:?})",
                mib_per_s(bytes, time),
                bytes >> 20
            );
        }
    }
    let (raw, store) = (median(&mut raw_rates), median(&mut store_rates));
    println!("cold medians: raw {raw:.0} MiB/s, store {store:.0} MiB/s, ratio {:.2}", store / raw);
    let (bytes, time) = raw_read(&files, log_end);
    let raw = mib_per_s(bytes, time);
    let (_, bytes, time) = store_read(&config, queues);
    let store = mib_per_s(bytes, time);
    println!("warm: raw {raw:.0} MiB/s, store {store:.0} MiB/s, ratio {:.2}", store / raw);
    println!("commit log: {} MiB in {} segment files (the last one created ahead)", log_end >> 20, files.len());
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn mib_per_s(bytes: u64, time: Duration) -> f64 {
    bytes as f64 / 1048576.0 / time.as_secs_f64()
}

fn write_backlog(config: &StoreConfig, mib: u64, queues: i32) -> u64 {
    let host: SocketAddr = "127.0.0.1:10911".parse().expect("address");
    let body = [b'x'; 1024];
    let store = MessageStore::open(config.clone()).expect("open");
    let started = Instant::now();
    let mut i = 0u64;
    while store.max_commit_log_offset() < mib << 20 {
        let record = MessageRecord {
            version: MessageVersion::V1,
            queue_id: (i % queues as u64) as i32,
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
            body: &body,
            topic: TOPIC,
            properties: b"TAGS\x01TagA\x02",
        };
        store.append(&record).expect("append");
        i += 1;
    }
    assert!(store.wait_dispatched(Duration::from_secs(600)));
    store.close().expect("close");
    println!("backlog: {i} messages, {} MiB over {queues} queues, written in {:?}", mib, started.elapsed());
    i
}

fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).expect("read_dir").map(|e| e.expect("entry").path()).collect();
    files.sort();
    files
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            all_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Drops the page cache (root), or at least this store's files from it.
fn make_cold(root: &Path) {
    // SAFETY: `sync` takes no arguments and cannot fail.
    unsafe { libc::sync() };
    if std::fs::write("/proc/sys/vm/drop_caches", b"1").is_ok() {
        println!("(page cache dropped)");
        return;
    }
    let mut files = Vec::new();
    all_files(root, &mut files);
    for path in files {
        let file = File::open(&path).expect("open");
        // SAFETY: a valid open descriptor; offset 0 and length 0 mean the whole file.
        let rc = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
        assert_eq!(rc, 0, "posix_fadvise {}", path.display());
    }
    println!("(files evicted with posix_fadvise DONTNEED; drop_caches not permitted)");
}

/// Reads the first `len` bytes of the concatenated `files` sequentially with `read(2)`.
fn raw_read(files: &[PathBuf], len: u64) -> (u64, Duration) {
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    let mut check = 0u64;
    let started = Instant::now();
    'files: for path in files {
        let mut file = File::open(path).expect("open");
        loop {
            let want = buf.len().min((len - total) as usize);
            if want == 0 {
                break 'files;
            }
            let n = file.read(&mut buf[..want]).expect("read");
            if n == 0 {
                break;
            }
            check = check.wrapping_add(u64::from(buf[0]) + u64::from(buf[n - 1]));
            total += n as u64;
        }
    }
    std::hint::black_box(check);
    (total, started.elapsed())
}

/// Pulls every queue to its end in batches of 32, round-robin; returns messages, record bytes
/// and the time taken (the store's open is not counted).
fn store_read(config: &StoreConfig, queues: i32) -> (u64, u64, Duration) {
    let store = MessageStore::open(config.clone()).expect("reopen");
    let mut next = vec![0u64; queues as usize];
    let mut done = vec![false; queues as usize];
    let (mut messages, mut bytes, mut check) = (0u64, 0u64, 0u64);
    let started = Instant::now();
    while done.iter().any(|d| !d) {
        for q in 0..queues {
            if done[q as usize] {
                continue;
            }
            let got = store.get_messages(TOPIC, q, next[q as usize], PULL_BATCH, 256 * 1024).expect("pull");
            match got.status {
                GetMessageStatus::Found => {
                    for record in &got.messages {
                        check = check.wrapping_add(u64::from(record[0]) + u64::from(record[record.len() - 1]));
                    }
                    messages += got.messages.len() as u64;
                    bytes += got.total_bytes;
                    next[q as usize] = got.next_begin_offset;
                }
                GetMessageStatus::OffsetOverflowOne => done[q as usize] = true,
                other => panic!("queue {q} at {}: {other:?}", next[q as usize]),
            }
        }
    }
    let elapsed = started.elapsed();
    std::hint::black_box(check);
    store.close().expect("close");
    (messages, bytes, elapsed)
}
