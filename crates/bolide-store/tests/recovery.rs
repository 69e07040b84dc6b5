//! Recovery: torn tails are cut, corruption is reported (and cut only on request), consume
//! queues and index are rebuilt, power loss keeps what was acknowledged under sync flush.

mod common;

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bolide_store::{MemoryStorage, MessageStore, StoreConfig, StoreError, ABORT_FILE};
use common::{decode, props, record, small_config, sync_config};

const WAIT: Duration = Duration::from_secs(10);

/// Appends `n` messages to queue 0 of "R" and returns their (commit log offset, size).
fn fill(store: &MessageStore, n: usize) -> Vec<(u64, u64)> {
    (0..n)
        .map(|i| {
            let key = format!("key{i}");
            let p = props(Some("T"), Some(&key), None);
            let a = store.append(&record("R", 0, format!("message {i}").as_bytes(), &p)).expect("append");
            (a.commit_log_offset, a.size_bytes)
        })
        .collect()
}

fn segment_path(root: &Path, base: u64) -> std::path::PathBuf {
    root.join("commitlog").join(format!("{base:020}"))
}

fn write_at(path: &Path, pos: u64, bytes: &[u8]) {
    let mut file = OpenOptions::new().write(true).open(path).expect("open segment");
    file.seek(SeekFrom::Start(pos)).expect("seek");
    file.write_all(bytes).expect("write");
}

fn bodies(store: &MessageStore) -> Vec<String> {
    assert!(store.wait_dispatched(WAIT));
    let got = store.get_messages("R", 0, 0, 10_000, u64::MAX).expect("read");
    got.messages.iter().map(|b| String::from_utf8(decode(b).body().to_vec()).expect("utf8")).collect()
}

/// Rewrites the checkpoint: zero timestamps, and the Bolide offsets given (0, 0 = absent).
fn set_checkpoint(root: &Path, commit_log_flushed: u64, dispatched: u64) {
    let mut page = vec![0u8; 4096];
    page[0..8].copy_from_slice(&1i64.to_be_bytes());
    page[40..48].copy_from_slice(&commit_log_flushed.to_be_bytes());
    page[48..56].copy_from_slice(&dispatched.to_be_bytes());
    page[56..64].copy_from_slice(&1i64.to_be_bytes());
    std::fs::write(root.join("checkpoint"), page).expect("checkpoint");
}

/// Reopens after marking the previous run as crashed.
fn reopen_crashed(config: StoreConfig) -> Result<MessageStore, StoreError> {
    std::fs::write(config.store_path_root_dir.join(ABORT_FILE), b"1").expect("abort file");
    MessageStore::open(config)
}

#[test]
fn garbage_after_the_last_record_is_cut() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(small_config(dir.path())).expect("open");
    let records = fill(&store, 20);
    store.crash_for_test();
    let end = records.last().map(|(o, s)| o + s).expect("records");
    write_at(&segment_path(dir.path(), 0), end, &[0xAB; 300]);
    let store = reopen_crashed(small_config(dir.path())).expect("reopen");
    assert!(store.recovery_report().after_crash);
    assert_eq!(store.recovery_report().end_offset, end);
    assert_eq!(bodies(&store).len(), 20);
    let next = store.append(&record("R", 0, b"after", &[])).expect("append");
    assert_eq!((next.commit_log_offset, next.queue_offset), (end, 20));
    store.close().expect("close");
    let store = MessageStore::open(small_config(dir.path())).expect("reopen cleanly");
    assert_eq!(bodies(&store).last().map(String::as_str), Some("after"));
}

#[test]
fn a_record_torn_mid_way_is_cut_with_its_queue_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(small_config(dir.path())).expect("open");
    let records = fill(&store, 20);
    assert!(store.wait_dispatched(WAIT));
    store.crash_for_test();
    // Zero the second half of the last record: as if the process died while copying it.
    let (last, size) = records[19];
    write_at(&segment_path(dir.path(), 0), last + size / 2, &vec![0; (size - size / 2) as usize]);
    let store = reopen_crashed(small_config(dir.path())).expect("reopen");
    assert_eq!(store.recovery_report().end_offset, last);
    assert_eq!(store.max_queue_offset("R", 0), 19, "the consume queue entry of the torn record is gone");
    assert_eq!(bodies(&store).len(), 19);
    assert_eq!(store.append(&record("R", 0, b"x", &[])).expect("append").queue_offset, 19);
    assert!(store.query_by_key("R", "key19", 8, 0, i64::MAX).expect("query").is_empty());
    assert_eq!(store.query_by_key("R", "key18", 8, 0, i64::MAX).expect("query").len(), 1);
}

#[test]
fn corruption_followed_by_valid_records_stops_open_until_truncation_is_requested() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(small_config(dir.path())).expect("open");
    let records = fill(&store, 20);
    store.close().expect("close");
    // Flip a byte in the body of record 10.
    let (bad, size) = records[10];
    write_at(&segment_path(dir.path(), 0), bad + size - 20, &[0xFF]);
    // A crash before any checkpoint covered these records: recovery scans them all.
    set_checkpoint(dir.path(), 0, 0);
    let err = reopen_crashed(small_config(dir.path())).expect_err("corruption must stop start-up");
    match &err {
        StoreError::CorruptCommitLog { offset, next_valid_offset, file, .. } => {
            assert_eq!(*offset, bad);
            assert_eq!(*next_valid_offset, Some(records[11].0));
            assert!(file.ends_with("00000000000000000000"));
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(err.to_string().contains(&format!("truncateCorruptCommitLogAt={bad}")));
    let config = StoreConfig { truncate_corrupt_commit_log_at: Some(bad), ..small_config(dir.path()) };
    let store = reopen_crashed(config).expect("open with truncation");
    assert_eq!(store.recovery_report().end_offset, bad);
    assert_eq!(bodies(&store).len(), 10);
    store.append(&record("R", 0, b"new", &[])).expect("append");
    store.close().expect("close");
    // The cut is final: a plain reopen finds a consistent log.
    let store = MessageStore::open(small_config(dir.path())).expect("reopen");
    assert_eq!(bodies(&store).len(), 11);
}

#[test]
fn corruption_below_the_checkpointed_flush_is_reported_even_at_the_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(small_config(dir.path())).expect("open");
    let records = fill(&store, 5);
    store.close().expect("close");
    let (last, size) = records[4];
    write_at(&segment_path(dir.path(), 0), last + 4, &[0, 0, 0, 0]);
    // The checkpoint says everything was flushed, but dispatch must be redone from 0.
    set_checkpoint(dir.path(), last + size, 0);
    assert!(matches!(
        reopen_crashed(small_config(dir.path())),
        Err(StoreError::CorruptCommitLog { next_valid_offset: None, .. })
    ));
}

#[test]
fn lost_consume_queues_and_index_are_rebuilt_from_the_commit_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(small_config(dir.path())).expect("open");
    fill(&store, 700);
    store.close().expect("close");
    std::fs::remove_dir_all(dir.path().join("consumequeue")).expect("remove queues");
    std::fs::remove_dir_all(dir.path().join("index")).expect("remove index");
    std::fs::remove_file(dir.path().join("checkpoint")).expect("remove checkpoint");
    let store = reopen_crashed(small_config(dir.path())).expect("reopen");
    assert_eq!(store.recovery_report().scan_start_offset, 0);
    assert_eq!(store.recovery_report().records_scanned, 700);
    let all = bodies(&store);
    assert_eq!(all.len(), 700);
    assert_eq!(all[699], "message 699");
    assert_eq!(store.query_by_key("R", "key5", 8, 0, i64::MAX).expect("query").len(), 1);
}

#[test]
fn crash_recovery_scans_only_what_follows_the_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Flush every interval whatever is dirty: with the default 4-page minimum the last few KiB
    // would wait for the 10 s thorough flush, and whether the checkpoint covered record 1999
    // depended on where the last flush tick fell (the test failed under CPU load).
    let config = bolide_store::StoreConfig { flush_commit_log_least_pages: 0, ..small_config(dir.path()) };
    let store = MessageStore::open(config).expect("open");
    let records = fill(&store, 2000);
    assert!(store.wait_dispatched(WAIT));
    let end = records[1999].0 + records[1999].1;
    let deadline = std::time::Instant::now() + WAIT;
    while store.flushed_commit_log_offset() < end && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(store.flushed_commit_log_offset() >= end, "the async flush reached the last record");
    // Let the maintenance thread write a checkpoint covering everything so far.
    std::thread::sleep(Duration::from_millis(300));
    let tail = fill(&store, 10);
    store.crash_for_test();
    let store = reopen_crashed(small_config(dir.path())).expect("reopen");
    let report = *store.recovery_report();
    assert!(report.scan_start_offset >= records[1999].0, "scan started at {}", report.scan_start_offset);
    assert!(report.records_scanned <= 11);
    assert_eq!(report.end_offset, tail[9].0 + tail[9].1);
    assert_eq!(bodies(&store).len(), 2010);
}

#[test]
fn power_loss_keeps_every_sync_flushed_append() {
    let storage = MemoryStorage::new();
    let config = sync_config(Path::new("/mem"));
    let store = MessageStore::open_with_storage(config.clone(), Arc::new(storage.clone())).expect("open");
    for i in 0..300 {
        store.append(&record("R", 0, format!("message {i}").as_bytes(), &[])).expect("append");
    }
    store.crash_for_test();
    storage.crash();
    let store = MessageStore::open_with_storage(config, Arc::new(storage.clone())).expect("reopen");
    assert!(store.recovery_report().after_crash);
    let all = bodies(&store);
    assert_eq!(all.len(), 300);
    assert!(all.iter().enumerate().all(|(i, b)| *b == format!("message {i}")));
}

#[test]
fn power_loss_under_async_flush_loses_only_a_suffix() {
    let storage = MemoryStorage::new();
    let config = StoreConfig { flush_interval_commit_log: 100_000, ..small_config(Path::new("/mem")) };
    let store = MessageStore::open_with_storage(config.clone(), Arc::new(storage.clone())).expect("open");
    fill(&store, 100);
    store.crash_for_test();
    storage.crash();
    let store = MessageStore::open_with_storage(config, Arc::new(storage)).expect("reopen");
    let all = bodies(&store);
    assert!(all.iter().enumerate().all(|(i, b)| *b == format!("message {i}")), "a prefix survives, in order");
    assert_eq!(store.append(&record("R", 0, b"next", &[])).expect("append").queue_offset, all.len() as u64);
}

/// Storage whose syncs start failing on demand.
#[derive(Debug, Clone)]
struct FailingStorage {
    inner: MemoryStorage,
    fail: Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Debug)]
struct FailingSegment {
    inner: Arc<dyn bolide_store::Segment>,
    fail: Arc<std::sync::atomic::AtomicBool>,
}

impl bolide_store::Segment for FailingSegment {
    fn size_bytes(&self) -> u64 {
        self.inner.size_bytes()
    }
    fn write(&self, pos: u64, data: &[u8]) -> std::io::Result<()> {
        self.inner.write(pos, data)
    }
    fn read_into(&self, pos: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.inner.read_into(pos, buf)
    }
    fn slice(&self, pos: u64, len: usize) -> std::io::Result<bytes::Bytes> {
        self.inner.slice(pos, len)
    }
    fn sync(&self, from: u64, to: u64) -> std::io::Result<()> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(std::io::Error::other("injected EIO"));
        }
        self.inner.sync(from, to)
    }
}

impl bolide_store::SegmentStorage for FailingStorage {
    fn list(&self, dir: &Path) -> std::io::Result<Vec<bolide_store::segment::FileEntry>> {
        self.inner.list(dir)
    }
    fn list_dirs(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        self.inner.list_dirs(dir)
    }
    fn create(&self, dir: &Path, name: &str, size: u64) -> std::io::Result<Arc<dyn bolide_store::Segment>> {
        let inner = self.inner.create(dir, name, size)?;
        Ok(Arc::new(FailingSegment { inner, fail: Arc::clone(&self.fail) }))
    }
    fn open(&self, dir: &Path, name: &str) -> std::io::Result<Arc<dyn bolide_store::Segment>> {
        let inner = self.inner.open(dir, name)?;
        Ok(Arc::new(FailingSegment { inner, fail: Arc::clone(&self.fail) }))
    }
    fn remove(&self, dir: &Path, name: &str) -> std::io::Result<()> {
        self.inner.remove(dir, name)
    }
    fn remove_dir_all(&self, dir: &Path) -> std::io::Result<()> {
        self.inner.remove_dir_all(dir)
    }
    fn write_marker(&self, dir: &Path, name: &str, contents: &[u8]) -> std::io::Result<()> {
        self.inner.write_marker(dir, name, contents)
    }
}

#[test]
fn a_failed_sync_poisons_the_store() {
    let fail = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let storage = FailingStorage { inner: MemoryStorage::new(), fail: Arc::clone(&fail) };
    let config = sync_config(Path::new("/mem"));
    let store = MessageStore::open_with_storage(config.clone(), Arc::new(storage.clone())).expect("open");
    store.append(&record("R", 0, b"durable", &[])).expect("append");
    fail.store(true, std::sync::atomic::Ordering::SeqCst);
    let err = store.append(&record("R", 0, b"lost", &[])).expect_err("not durable, not acknowledged");
    assert!(matches!(err, StoreError::Poisoned { .. }), "{err}");
    assert!(err.to_string().contains("injected EIO"));
    fail.store(false, std::sync::atomic::Ordering::SeqCst);
    assert!(matches!(store.append(&record("R", 0, b"later", &[])), Err(StoreError::Poisoned { .. })), "sticky");
    assert!(store.health().is_err());
    assert!(store.close().is_err());
    storage.inner.crash();
    let store = MessageStore::open_with_storage(config, Arc::new(storage)).expect("restart recovers");
    assert_eq!(bodies(&store), vec!["durable".to_owned()]);
}
