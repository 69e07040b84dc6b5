//! Both segment implementations pass the conformance suite, and the memory one loses exactly
//! the unsynced bytes on a simulated power loss.

use std::path::Path;

use bolide_store::segment::conformance;
use bolide_store::{FileStorage, MemoryStorage, SegmentStorage};

#[test]
fn file_storage_conforms() {
    let dir = tempfile::tempdir().expect("tempdir");
    conformance::run_all(&FileStorage::new(), dir.path());
}

#[test]
fn file_storage_with_positioned_writes_conforms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = FileStorage::new().for_frequent_syncs().expect("file storage has a positioned-write variant");
    conformance::run_all(storage.as_ref(), dir.path());
    conformance::run_all(&FileStorage::positioned(), &dir.path().join("direct"));
}

#[test]
fn memory_storage_conforms() {
    conformance::run_all(&MemoryStorage::new(), Path::new("/conformance"));
}

#[test]
fn memory_storage_power_loss_drops_unsynced_bytes() {
    let storage = MemoryStorage::new();
    let seg = storage.create(Path::new("d"), "s", 1024).expect("create");
    seg.write(0, b"synced").expect("write");
    seg.sync(0, 6).expect("sync");
    seg.write(6, b"-lost").expect("write");
    storage.crash();
    let seg = storage.open(Path::new("d"), "s").expect("open");
    assert_eq!(&seg.slice(0, 11).expect("slice")[..], b"synced\0\0\0\0\0");
}
