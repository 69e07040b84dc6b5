//! The public API on real files: appends, reads, queries, restarts, topic deletion, retention.

mod common;

use std::time::Duration;

use bolide_protocol::message::{SysFlag, TransactionType};
use bolide_store::{GetMessageStatus, MessageStore, ReadLimits, StoreConfig, StoreError};
use common::{decode, props, record, small_config, sync_config};

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn append_read_and_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(small_config(dir.path())).expect("open");
    let p = props(Some("TagA"), Some("k1 k2"), Some("U1"));
    let first = store.append(&record("TopicTest", 0, b"Hello", &p)).expect("append");
    assert_eq!((first.commit_log_offset, first.queue_offset, first.message_count), (0, 0, 1));
    let second = store.append(&record("TopicTest", 0, b"World", &p)).expect("append");
    assert_eq!(second.commit_log_offset, first.size_bytes);
    assert_eq!(second.queue_offset, 1);
    assert!(store.wait_dispatched(WAIT));
    let got = store.get_messages("TopicTest", 0, 0, 32, 1 << 20).expect("read");
    assert_eq!(got.status, GetMessageStatus::Found);
    assert_eq!(got.messages.len(), 2);
    assert_eq!(got.next_begin_offset, 2);
    let message = decode(&got.messages[1]);
    assert_eq!(
        (message.body(), message.queue_offset(), message.commit_log_offset()),
        (&b"World"[..], 1, second.commit_log_offset)
    );
    assert_eq!(message.store_timestamp_ms(), second.store_timestamp_ms);
    assert_eq!(message.tags_code(), 2_598_919);
    assert_eq!(store.max_queue_offset("TopicTest", 0), 2);
    assert_eq!(decode(&store.message_at(second.commit_log_offset).expect("by offset")).body(), b"World");
    store.close().expect("close");

    let store = MessageStore::open(small_config(dir.path())).expect("reopen");
    assert!(!store.recovery_report().after_crash);
    assert_eq!(store.max_queue_offset("TopicTest", 0), 2);
    let third = store.append(&record("TopicTest", 0, b"Again", &p)).expect("append");
    assert_eq!(third.queue_offset, 2);
    assert!(store.wait_dispatched(WAIT));
    let got = store.get_messages("TopicTest", 0, 1, 32, 1 << 20).expect("read");
    assert_eq!(got.queue_offsets, vec![1, 2]);
}

#[test]
fn read_statuses_and_limits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(small_config(dir.path())).expect("open");
    assert_eq!(store.get_messages("T", 0, 0, 1, 1).expect("read").status, GetMessageStatus::NoMessageInQueue);
    let (a, b) = (props(Some("A"), None, None), props(Some("B"), None, None));
    for i in 0..10 {
        store.append(&record("T", 3, &[i as u8; 100], if i % 2 == 0 { &a } else { &b })).expect("append");
    }
    assert!(store.wait_dispatched(WAIT));
    assert_eq!(store.get_messages("T", 3, 10, 1, 1).expect("read").status, GetMessageStatus::OffsetOverflowOne);
    assert_eq!(store.get_messages("T", 3, 11, 1, 1).expect("read").status, GetMessageStatus::OffsetOverflowBadly);
    let limited = store.get_messages("T", 3, 0, 10, 300).expect("read");
    assert_eq!(limited.messages.len(), 1, "one message of ~230 bytes fits in 300 bytes");
    let filtered = store.get_messages_filtered("T", 3, 0, 32, 1 << 20, &|code| code == 66).expect("read");
    assert_eq!(filtered.queue_offsets, vec![1, 3, 5, 7, 9]);
    let none = store.get_messages_filtered("T", 3, 0, 32, 1 << 20, &|_| false).expect("read");
    assert_eq!((none.status, none.next_begin_offset), (GetMessageStatus::NoMatchedMessage, 10));
    assert_eq!(store.queue_ids("T"), vec![3]);
}

#[test]
fn reads_of_messages_behind_the_in_memory_window_use_the_in_disk_limits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(small_config(dir.path())).expect("open");
    let p = props(None, None, None);
    let size = store.append(&record("W", 0, &[7; 100], &p)).expect("append").size_bytes;
    for _ in 1..40 {
        store.append(&record("W", 0, &[7; 100], &p)).expect("append");
    }
    assert!(store.wait_dispatched(WAIT));
    let limits = ReadLimits { max_count: 32, max_bytes: 1 << 20, in_disk_count: 8, in_disk_bytes: 1 << 20 };
    let offsets = |store: &MessageStore, from: u64, limits: ReadLimits| {
        let got = store.read_messages("W", 0, from, limits, &|_| true).expect("read");
        (got.queue_offsets.len(), got.next_begin_offset)
    };
    assert_eq!(offsets(&store, 0, limits), (32, 32), "by default every message counts as in memory");
    store.close().expect("close");

    // The newest ten messages are in memory: message k is (40 - k) records behind the end.
    let config = StoreConfig { in_memory_window: 10 * size, ..small_config(dir.path()) };
    let store = MessageStore::open(config).expect("reopen");
    assert_eq!(offsets(&store, 0, limits), (8, 8), "on disk: at most in_disk_count");
    assert_eq!(offsets(&store, 20, limits), (8, 28));
    // 26-29 on disk (4 < 8), then 30-39 in memory (up to 32): each message by its own limits.
    assert_eq!(offsets(&store, 26, limits), (14, 40));
    assert_eq!(offsets(&store, 30, limits), (10, 40));
    let bytes = ReadLimits { in_disk_bytes: 3 * size, ..limits };
    assert_eq!(offsets(&store, 0, bytes), (3, 3), "on disk: at most in_disk_bytes");
    assert_eq!(offsets(&store, 0, ReadLimits { in_disk_bytes: 1, ..limits }), (1, 1), "the first is always read");
    assert_eq!(offsets(&store, 32, ReadLimits { max_bytes: 3 * size, ..limits }), (3, 35));
    assert_eq!(store.get_messages("W", 0, 0, 32, 1 << 20).expect("read").messages.len(), 32, "uniform limits");
}

#[test]
fn batches_roll_segments_with_blank_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(small_config(dir.path())).expect("open");
    let body = vec![7u8; 1000];
    let batch: Vec<_> = (0..10).map(|_| record("Batch", 1, &body, &[])).collect();
    let mut last_end = 0;
    for round in 0..20u64 {
        let appended = store.append_batch(&batch).expect("append batch");
        assert_eq!(appended.queue_offset, round * 10);
        assert_eq!(appended.message_count, 10);
        // A batch never straddles a segment.
        let segment = 64 * 1024;
        assert_eq!(appended.commit_log_offset / segment, (appended.end_offset() - 1) / segment);
        last_end = appended.end_offset();
    }
    assert!(last_end > 3 * 64 * 1024);
    assert!(store.wait_dispatched(WAIT));
    let got = store.get_messages("Batch", 1, 0, 1000, u64::MAX).expect("read");
    assert_eq!(got.messages.len(), 200);
    for (i, bytes) in got.messages.iter().enumerate() {
        assert_eq!(decode(bytes).queue_offset(), i as u64);
    }
    let mixed = [record("A", 0, b"x", &[]), record("B", 0, b"y", &[])];
    assert!(matches!(store.append_batch(&mixed), Err(StoreError::InvalidMessage(_))));
    let big = vec![0u8; 17 * 1024];
    assert!(matches!(store.append(&record("A", 0, &big, &[])), Err(StoreError::MessageTooLarge { .. })));
}

#[test]
fn query_by_key_time_and_earliest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(small_config(dir.path())).expect("open");
    let mut stamps = Vec::new();
    for i in 0..300 {
        let keys = format!("order-{} shared", i % 7);
        let unique = format!("UNIQ{i:04}");
        let p = props(None, Some(&keys), Some(&unique));
        stamps.push(
            store.append(&record("Keys", 0, format!("body {i}").as_bytes(), &p)).expect("append").store_timestamp_ms,
        );
    }
    assert!(store.wait_dispatched(WAIT));
    let found = store.query_by_key("Keys", "order-3", 64, 0, i64::MAX).expect("query");
    assert_eq!(found.len(), 43);
    assert!(found.iter().all(|b| decode(b).property("KEYS").is_some_and(|k| k.starts_with("order-3 "))));
    assert_eq!(store.query_by_key("Keys", "shared", 100, 0, i64::MAX).expect("query").len(), 64, "capped at 64");
    let unique = store.query_by_key("Keys", "UNIQ0123", 10, 0, i64::MAX).expect("query");
    assert_eq!(unique.len(), 1);
    assert_eq!(decode(&unique[0]).body(), b"body 123");
    assert!(store.query_by_key("Other", "order-3", 10, 0, i64::MAX).expect("query").is_empty());
    assert_eq!(store.earliest_store_time().expect("earliest"), Some(stamps[0]));
    assert_eq!(store.queue_offset_by_time("Keys", 0, 0).expect("by time"), 0);
    assert_eq!(store.queue_offset_by_time("Keys", 0, i64::MAX).expect("by time"), 300);
    let mid = stamps[150];
    let offset = store.queue_offset_by_time("Keys", 0, mid).expect("by time");
    assert_eq!(stamps[offset as usize], mid);
    assert!(offset == 0 || stamps[offset as usize - 1] < mid);
}

#[test]
fn transaction_records_and_topic_deletion() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(small_config(dir.path())).expect("open");
    let mut half = record("Tx", 0, b"half", &[]);
    half.sys_flag = SysFlag::from_bits(0).with_transaction_type(TransactionType::Prepared);
    assert_eq!(store.append(&half).expect("append").queue_offset, 0);
    let mut commit = record("Tx", 0, b"commit", &[]);
    commit.sys_flag = SysFlag::from_bits(0).with_transaction_type(TransactionType::Commit);
    assert_eq!(store.append(&commit).expect("append").queue_offset, 0);
    assert_eq!(store.append(&record("Tx", 0, b"plain", &[])).expect("append").queue_offset, 1);
    assert!(store.wait_dispatched(WAIT));
    assert_eq!(store.max_queue_offset("Tx", 0), 2, "the prepared record has no consume queue entry");
    store.delete_topic("Tx").expect("delete");
    assert_eq!(store.max_queue_offset("Tx", 0), 0);
    assert!(!dir.path().join("consumequeue").join("Tx").exists());
    assert_eq!(store.append(&record("Tx", 0, b"new", &[])).expect("append").queue_offset, 0);
}

#[test]
fn sync_flush_acknowledges_durable_appends_from_many_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = std::sync::Arc::new(MessageStore::open(sync_config(dir.path())).expect("open"));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = std::sync::Arc::clone(&store);
            std::thread::spawn(move || {
                for i in 0..50 {
                    let body = format!("{t}-{i}");
                    let appended = store.append(&record("Sync", t, body.as_bytes(), &[])).expect("append");
                    assert!(store.flushed_commit_log_offset() >= appended.end_offset());
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("appender");
    }
    assert!(store.flush_count() < 400, "group commit shares syncs: {} syncs for 400 appends", store.flush_count());
    let (tx, rx) = std::sync::mpsc::channel();
    let appended = store
        .append_then(
            &[record("Sync", 0, b"callback", &[])],
            Box::new(move |outcome| tx.send(outcome.is_ok()).expect("send")),
        )
        .expect("append");
    assert!(rx.recv_timeout(WAIT).expect("callback"));
    assert!(store.flushed_commit_log_offset() >= appended.end_offset());
}

/// Under `SYNC_FLUSH` the blocks ahead of the writer get written (allocated on disk) by the
/// pre-writer; with `prewrite_commit_log` off they stay holes until messages land there.
#[test]
fn sync_flush_pre_writes_the_commit_log_unless_turned_off() {
    use std::os::unix::fs::MetadataExt;
    const SEGMENT: u64 = 4 * 1024 * 1024;
    for prewrite in [true, false] {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = StoreConfig {
            mapped_file_size_commit_log: SEGMENT,
            prewrite_commit_log: prewrite,
            ..sync_config(dir.path())
        };
        let segment = config.commit_log_dir().join("00000000000000000000");
        let store = MessageStore::open(config).expect("open");
        store.append(&record("Pre", 0, b"first", &[])).expect("append");
        let allocated = || std::fs::metadata(&segment).expect("segment").blocks() * 512;
        let deadline = std::time::Instant::now() + WAIT;
        while prewrite && allocated() < SEGMENT / 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if prewrite {
            assert!(allocated() >= SEGMENT / 2, "pre-written: {} of {SEGMENT} bytes allocated", allocated());
        } else {
            std::thread::sleep(Duration::from_millis(300));
            assert!(allocated() < SEGMENT / 8, "not pre-written: {} of {SEGMENT} bytes allocated", allocated());
        }
        let appended = store.append(&record("Pre", 0, b"second", &[])).expect("append");
        assert_eq!(appended.queue_offset, 1);
        assert!(store.flushed_commit_log_offset() >= appended.end_offset());
    }
}

/// Fraction of `[from, to)` of the file at `path` in the OS page cache (a mapping of its own,
/// since the page cache is per file).
#[allow(unsafe_code)]
fn resident_fraction(path: &std::path::Path, from: usize, to: usize) -> f64 {
    let file = std::fs::File::open(path).expect("segment");
    // SAFETY: a read-only mapping of a file nobody truncates; its bytes are never read here.
    let map = unsafe { memmap2::Mmap::map(&file) }.expect("map");
    let pages = (to - from) / 4096;
    let mut resident = vec![0u8; pages];
    // SAFETY: `[from, to)` lies inside the mapping and `resident` has one byte per page.
    let rc = unsafe { libc::mincore(map.as_ptr().add(from) as *mut libc::c_void, pages * 4096, resident.as_mut_ptr()) };
    assert_eq!(rc, 0, "mincore: {}", std::io::Error::last_os_error());
    resident.iter().filter(|page| *page & 1 == 1).count() as f64 / pages as f64
}

#[test]
fn commit_log_bytes_beyond_the_cache_budget_leave_the_page_cache_and_read_back_from_disk() {
    const SEGMENT: usize = 4 * 1024 * 1024;
    for (flush, budget) in [
        (bolide_store::FlushDiskType::AsyncFlush, Some(1024 * 1024)),
        (bolide_store::FlushDiskType::SyncFlush, Some(1024 * 1024)),
        (bolide_store::FlushDiskType::AsyncFlush, None),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = StoreConfig {
            mapped_file_size_commit_log: SEGMENT as u64,
            flush_disk_type: flush,
            commit_log_cached_bytes: budget,
            ..small_config(dir.path())
        };
        let first_segment = config.commit_log_dir().join("00000000000000000000");
        let store = MessageStore::open(config).expect("open");
        let bodies: Vec<Vec<u8>> = (0..1200u32).map(|i| vec![(i % 251) as u8; 8000]).collect();
        for body in &bodies {
            store.append(&record("Cached", 0, body, &[])).expect("append");
        }
        // The first segment is full and synced: with a budget it leaves the page cache.
        // Without a budget, a few rounds of the thread that would evict are enough to tell.
        let deadline = std::time::Instant::now() + if budget.is_some() { WAIT } else { Duration::from_millis(300) };
        let resident = loop {
            let resident = resident_fraction(&first_segment, 0, SEGMENT);
            if resident < 0.1 || std::time::Instant::now() > deadline {
                break resident;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        match budget {
            Some(_) => assert!(resident < 0.1, "{flush:?}: {resident} of the first segment still cached"),
            None => assert!(resident > 0.5, "no budget: the operating system keeps it ({resident} cached)"),
        }
        assert!(store.wait_dispatched(WAIT));
        let mut next = 0;
        while next < bodies.len() as u64 {
            let got = store.get_messages("Cached", 0, next, 32, 1 << 20).expect("read");
            assert_eq!(got.status, GetMessageStatus::Found, "{flush:?} at {next}");
            for message in &got.messages {
                assert_eq!(decode(message).body(), &bodies[next as usize][..], "{flush:?}: message {next}");
                next += 1;
            }
        }
        store.close().expect("close");
    }
}

#[test]
fn sync_flush_callbacks_run_once_durable_in_offset_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = std::sync::Arc::new(MessageStore::open(sync_config(dir.path())).expect("open"));
    let (tx, rx) = std::sync::mpsc::channel();
    let ends = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (store, tx, ends) = (std::sync::Arc::clone(&store), tx.clone(), std::sync::Arc::clone(&ends));
            std::thread::spawn(move || {
                for i in 0..50 {
                    let body = format!("{t}-{i}");
                    let (callback_store, tx) = (std::sync::Arc::clone(&store), tx.clone());
                    let appended = store
                        .append_then(
                            &[record("Then", t, body.as_bytes(), &[])],
                            Box::new(move |outcome| {
                                // Called right here when already durable, else on the flush thread.
                                let on_flush_thread = std::thread::current().name() == Some("bolide-flush");
                                let flushed = callback_store.flushed_commit_log_offset();
                                tx.send(((t, i), outcome.is_ok(), flushed, on_flush_thread)).expect("send");
                            }),
                        )
                        .expect("append");
                    ends.lock().expect("ends").insert((t, i), appended.end_offset());
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("appender");
    }
    let ends = ends.lock().expect("ends");
    let mut last_on_flush_thread = 0;
    for _ in 0..400 {
        let (id, ok, flushed, on_flush_thread) = rx.recv_timeout(WAIT).expect("callback");
        let end = ends[&id];
        assert!(ok && flushed >= end, "callback for {id:?} (end {end}): ok {ok}, flushed {flushed}");
        if on_flush_thread {
            assert!(end > last_on_flush_thread, "callbacks in offset order: {end} after {last_on_flush_thread}");
            last_on_flush_thread = end;
        }
    }
    assert!(store.flush_count() > 0 && store.flush_sync_time() > Duration::ZERO);
}

#[test]
fn retention_removes_old_segments_queues_and_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = bolide_store::StoreConfig { file_reserved_time: 0, ..small_config(dir.path()) };
    let store = MessageStore::open(config).expect("open");
    let body = vec![1u8; 2000];
    for i in 0..600 {
        let key = format!("k{i}");
        let p = props(None, Some(&key), None);
        store.append(&record("Old", 0, &body, &p)).expect("append");
    }
    assert!(store.wait_dispatched(WAIT));
    let segments_before = std::fs::read_dir(dir.path().join("commitlog")).expect("dir").count();
    let report = store.run_retention(true).expect("retention");
    assert!(report.deleting);
    assert_eq!(report.commit_log_segments_removed, (segments_before - 1).min(10));
    assert!(store.min_commit_log_offset() > 0);
    let min = store.min_queue_offset("Old", 0);
    assert!(min > 0, "queue min offset moved");
    assert!(report.consume_queue_segments_removed > 0);
    let got = store.get_messages("Old", 0, 0, 4, u64::MAX).expect("read");
    assert_eq!(got.status, GetMessageStatus::OffsetTooSmall);
    assert_eq!(got.next_begin_offset, min);
    let got = store.get_messages("Old", 0, min, 4, u64::MAX).expect("read");
    assert_eq!(got.status, GetMessageStatus::Found);
    assert!(store.query_by_key("Old", "k0", 4, 0, i64::MAX).expect("query").is_empty());
    assert_eq!(store.query_by_key("Old", "k599", 4, 0, i64::MAX).expect("query").len(), 1);
    store.close().expect("close");
    let store = MessageStore::open(small_config(dir.path())).expect("reopen");
    assert_eq!(store.min_queue_offset("Old", 0), min);
}

#[test]
fn second_open_of_the_same_directory_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _store = MessageStore::open(small_config(dir.path())).expect("open");
    assert!(matches!(MessageStore::open(small_config(dir.path())), Err(StoreError::Locked(_))));
}

#[test]
fn schedule_topic_entries_carry_the_delivery_time() {
    use bolide_protocol::message::properties::{write_item, DELAY, REAL_QID, REAL_TOPIC, TAGS};
    let dir = tempfile::tempdir().expect("tempdir");
    let config = bolide_store::StoreConfig { message_delay_level: "2s 7s 1m".to_owned(), ..small_config(dir.path()) };
    let store = MessageStore::open(config.clone()).expect("open");
    let scheduled = |level: &str| {
        let mut out = Vec::new();
        for (name, value) in [(TAGS, "TagA"), (DELAY, level), (REAL_TOPIC, "T"), (REAL_QID, "0")] {
            write_item(&mut out, name, value);
        }
        out
    };
    let (two, nine) = (scheduled("2"), scheduled("9"));
    let level_two = store.append(&record(bolide_store::SCHEDULE_TOPIC, 1, b"a", &two)).expect("append");
    let clamped = store.append(&record(bolide_store::SCHEDULE_TOPIC, 2, b"b", &nine)).expect("append");
    store.append(&record("T", 0, b"c", &props(Some("TagA"), None, None))).expect("append");
    assert!(store.wait_dispatched(WAIT));
    let entries = store.queue_entries(bolide_store::SCHEDULE_TOPIC, 1, 0, 10).expect("entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].1.commit_log_offset, level_two.commit_log_offset);
    assert_eq!(entries[0].1.tags_code, level_two.store_timestamp_ms + 7_000);
    let entries = store.queue_entries(bolide_store::SCHEDULE_TOPIC, 2, 0, 10).expect("entries");
    assert_eq!(entries[0].1.tags_code, clamped.store_timestamp_ms + 60_000, "level above the highest is clamped");
    let entries = store.queue_entries("T", 0, 0, 10).expect("entries");
    assert_eq!(entries[0].1.tags_code, 2_598_919, "other topics keep the tag hash");
    assert!(store.queue_entries("nope", 0, 0, 10).expect("unknown queue").is_empty());
    store.close().expect("close");
    // Recovery rebuilds the same entries (a crash re-dispatches from the checkpoint).
    let store = MessageStore::open(config).expect("reopen");
    let entries = store.queue_entries(bolide_store::SCHEDULE_TOPIC, 1, 0, 10).expect("entries");
    assert_eq!(entries[0].1.tags_code, level_two.store_timestamp_ms + 7_000);
}

#[test]
fn appenders_dispatch_their_own_records() {
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(small_config(dir.path())).expect("open");
    let p = props(Some("TagA"), Some("k"), None);
    // The first index file is created by the dispatch thread (a roll is not an appender's job).
    store.append(&record("Warm", 0, b"body", &p)).expect("append");
    assert!(store.wait_dispatched(WAIT));
    let on_appender = Arc::new(Mutex::new((0u32, 0u32)));
    let seen = Arc::clone(&on_appender);
    let appender = std::thread::current().id();
    assert!(store.set_arrival_listener(Arc::new(move |_message| {
        let mut counts = seen.lock().expect("counts");
        if std::thread::current().id() == appender {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    })));
    // Rounds of 100 entries (4 rounds stay below the small index files' 512 entries). The
    // dispatch thread takes what it finds while it looks (every millisecond), and on a busy
    // machine it can be preempted while it holds the dispatch, so that it takes a whole round
    // (0 of 100 were left to the appender in one loaded run, 26 in another). Before appenders
    // dispatched, it took every record of every round.
    let mut rounds = 0;
    let (appender_thread, other) = loop {
        rounds += 1;
        for i in 0..100 {
            store.append(&record("Inline", i % 2, b"body", &p)).expect("append");
        }
        assert!(store.wait_dispatched(WAIT));
        let counts = *on_appender.lock().expect("counts");
        if counts.0 > 0 || rounds == 4 {
            break counts;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(appender_thread + other, 100 * rounds, "every record dispatched once");
    assert!(appender_thread > 0, "{appender_thread} of {} dispatched by the appender", 100 * rounds);
    let got = store.get_messages("Inline", 0, 0, 256, 1 << 20).expect("read");
    assert_eq!(got.messages.len() as u32, 50 * rounds);
    store.close().expect("close");
}
