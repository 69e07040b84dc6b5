//! The commit log does not keep what it has written (or read back) resident in the process:
//! released pages leave the process's mappings (as `/proc/self/smaps` counts them) while their
//! bytes stay readable. Linux only, like the mapping hints themselves.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use bolide_store::{FileStorage, MessageStore, SegmentStorage, StoreConfig};
use common::{props, record};

/// Resident bytes of every mapping of a file under `dir`, from `/proc/self/smaps`.
fn resident_bytes_under(dir: &Path) -> u64 {
    let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
    let dir = dir.to_string_lossy();
    let mut total_kb = 0;
    let mut inside = false;
    for line in smaps.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            // A mapping header: "start-end perms offset dev inode path".
            inside = line.split_whitespace().nth(5).is_some_and(|path| path.starts_with(dir.as_ref()));
        } else if inside && first == "Rss:" {
            total_kb += line.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    total_kb * 1024
}

const MIB: u64 = 1024 * 1024;

#[test]
fn a_released_segment_leaves_the_process_and_reads_back_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = FileStorage::new();
    let seg = storage.create(dir.path(), "00000000000000000000", 32 * MIB).expect("create");
    let chunk: Vec<u8> = (0..MIB as u32).map(|i| (i % 253) as u8).collect();
    for i in 0..16 {
        seg.write(i * MIB, &chunk).expect("write");
    }
    seg.sync(0, 12 * MIB).expect("sync"); // the last 4 MiB stay unsynced
    let before = resident_bytes_under(dir.path());
    assert!(before >= 16 * MIB, "written pages are resident: {before}");

    seg.release(0, 32 * MIB).expect("release");
    let after = resident_bytes_under(dir.path());
    assert!(after < MIB, "released pages left the process: {after} bytes still resident");

    for i in 0..16 {
        assert_eq!(&seg.slice(i * MIB, MIB as usize).expect("slice")[..], &chunk[..], "MiB {i} reads back");
    }
    assert!(resident_bytes_under(dir.path()) >= 16 * MIB, "reading maps the pages again");
}

#[test]
fn the_store_keeps_only_the_tail_of_the_log_resident() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StoreConfig {
        mapped_file_size_commit_log: 64 * MIB,
        flush_interval_commit_log: 20,
        ..StoreConfig::with_root(dir.path())
    };
    let store = MessageStore::open(config).expect("open");
    let body = vec![b'r'; 4096];
    let properties = props(Some("TagA"), None, None);
    while store.max_commit_log_offset() < 160 * MIB {
        store.append(&record("Resident", 0, &body, &properties)).expect("append");
    }
    let commit_log = dir.path().join("commitlog");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut resident = resident_bytes_under(&commit_log);
    // Released once a second, behind the flushed offset minus the tail consumers read.
    while resident > 48 * MIB && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        resident = resident_bytes_under(&commit_log);
    }
    assert!(resident <= 48 * MIB, "160 MiB written, {} MiB of the commit log still resident", resident / MIB);

    // Everything reads back, and what was read is released again.
    assert!(store.wait_dispatched(Duration::from_secs(20)), "consume queue caught up");
    let mut offset = 0;
    let mut read = 0;
    loop {
        let batch = store.get_messages("Resident", 0, offset, 1024, u64::MAX).expect("read");
        if batch.messages.is_empty() {
            break;
        }
        for message in &batch.messages {
            assert_eq!(message.len(), batch.messages[0].len(), "records are whole");
        }
        read += batch.messages.len() as u64;
        offset = batch.next_begin_offset;
    }
    assert_eq!(read, store.max_queue_offset("Resident", 0));
    let deadline = Instant::now() + Duration::from_secs(20);
    while resident_bytes_under(&commit_log) > 48 * MIB && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(resident_bytes_under(&commit_log) <= 48 * MIB, "pages read back are released again");
    store.close().expect("close");
}
