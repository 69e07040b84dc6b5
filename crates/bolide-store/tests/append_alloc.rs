//! The append path allocates nothing per message once warm: a counting global allocator counts
//! the allocations made by the appending thread itself (background threads are not counted).

#![allow(unsafe_code)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bolide_store::{FlushDiskType, MessageStore};
use common::{props, record, small_config};

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: delegates to the system allocator; the counter is a const-initialised thread-local
// `Cell` without a destructor, so touching it never allocates or recurses.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn warm_appends_allocate_nothing_per_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 1 MiB segments: 10,000 appends of ~1.1 KiB roll over about ten times. The appending
    // thread also dispatches its records, so consume queue and index files get room for all of
    // them: their rolls (a few allocations each) are not per-message costs either.
    let config = bolide_store::StoreConfig {
        mapped_file_size_commit_log: 1024 * 1024,
        mapped_file_size_consume_queue: 20 * 16 * 1024,
        max_index_num: 64 * 1024,
        flush_disk_type: FlushDiskType::AsyncFlush,
        ..small_config(dir.path())
    };
    let store = MessageStore::open(config).expect("open");
    let body = [7u8; 1024];
    let p = props(Some("TagA"), Some("key"), None);
    let topics = ["A", "B", "C", "D"];
    // Warm up: queues created, encode buffer grown.
    for (i, topic) in topics.iter().enumerate() {
        store.append(&record(topic, i as i32, &body, &p)).expect("append");
    }
    let (before, appends) = (allocations(), 10_000u64);
    for i in 0..appends {
        let q = (i % 4) as usize;
        store.append(&record(topics[q], q as i32, &body, &p)).expect("append");
    }
    let per_append = (allocations() - before) as f64 / appends as f64;
    eprintln!("{} allocations in {appends} appends", allocations() - before);
    // Rolling to a new segment allocates (a path, a mapping): about ten allocations per roll when
    // the appender outruns the thread that prepares segments ahead and creates one itself, so
    // up to about 120 for the eleven rolls here. Any per-message allocation would give >= 1.
    assert!(per_append < 0.05, "{per_append} allocations per append");
    store.close().expect("close");
}
