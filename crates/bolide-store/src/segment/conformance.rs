//! The conformance suite for [`SegmentStorage`] implementations: the contract of `segment.rs`
//! as executable checks. Every implementation (the two here, and any simulated faulty disk)
//! must pass [`run_all`]; each check panics with a message naming the broken rule.

use std::path::Path;

use super::SegmentStorage;

/// Runs every check in fresh sub-directories of `root`.
pub fn run_all(storage: &dyn SegmentStorage, root: &Path) {
    new_segments_are_zeroed_and_fixed_size(storage, &root.join("zeroed"));
    writes_are_visible_to_reads_and_slices(storage, &root.join("visible"));
    out_of_range_access_is_refused(storage, &root.join("range"));
    slices_outlive_removal(storage, &root.join("outlive"));
    listing_create_open_remove(storage, &root.join("listing"));
    synced_bytes_survive_reopen(storage, &root.join("reopen"));
    concurrent_disjoint_writes_and_reads(storage, &root.join("concurrent"));
    prefault_keeps_content(storage, &root.join("prefault"));
    release_keeps_content(storage, &root.join("release"), false);
    release_keeps_content(storage, &root.join("evict"), true);
}

/// [`Segment::release`], or with `evict` [`Segment::evict`], changes no byte.
///
/// [`Segment::release`]: super::Segment::release
/// [`Segment::evict`]: super::Segment::evict
fn release_keeps_content(storage: &dyn SegmentStorage, dir: &Path, evict: bool) {
    let seg = storage.create(dir, "00000000000000000000", 256 * 1024).expect("create");
    let synced: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    seg.write(0, &synced).expect("write");
    seg.sync(0, synced.len() as u64).expect("sync");
    seg.write(100_000, b"written, not synced").expect("write");
    let held = seg.slice(4096, 8192).expect("slice");
    // Unaligned ends, over synced, unsynced and never-written bytes, and a zero-length range.
    for (from, to) in [(1, 250_001), (0, 256 * 1024), (5000, 5000)] {
        let hint = if evict { seg.evict(from, to) } else { seg.release(from, to) };
        if let Err(err) = hint {
            assert!(!err.to_string().is_empty(), "a release or evict error explains itself");
        }
        let mut buf = vec![7u8; 256 * 1024];
        seg.read_into(0, &mut buf).expect("read");
        assert_eq!(&buf[..100_000], &synced[..], "release keeps synced bytes");
        assert_eq!(&buf[100_000..100_019], b"written, not synced", "release keeps unsynced bytes");
        assert!(buf[100_019..].iter().all(|b| *b == 0), "release keeps never-written bytes zero");
        assert_eq!(&held[..], &synced[4096..4096 + 8192], "a slice taken before release reads the same");
    }
    seg.write(120_000, b"after").expect("write after release");
    assert_eq!(&seg.slice(120_000, 5).expect("slice")[..], b"after");
    seg.sync(0, 256 * 1024).expect("sync after release");
    drop(seg);
    let seg = storage.open(dir, "00000000000000000000").expect("reopen");
    assert_eq!(&seg.slice(100_000, 19).expect("slice")[..], b"written, not synced", "released bytes are synced later");
}

fn prefault_keeps_content(storage: &dyn SegmentStorage, dir: &Path) {
    let seg = storage.create(dir, "00000000000000000000", 256 * 1024).expect("create");
    seg.write(70_000, b"kept").expect("write");
    // Unaligned start and end, over written and never-written bytes.
    if let Err(err) = seg.prefault(65_537, 200_001) {
        // Only a hint: an implementation may not support it (an old kernel), but must say why.
        assert!(!err.to_string().is_empty(), "a prefault error explains itself");
    }
    let mut buf = vec![1u8; 256 * 1024];
    seg.read_into(0, &mut buf).expect("read");
    assert_eq!(&buf[70_000..70_004], b"kept", "prefault keeps written bytes");
    buf[70_000..70_004].fill(0);
    assert!(buf.iter().all(|b| *b == 0), "prefault keeps never-written bytes zero");
    seg.write(200_000, b"after").expect("write after prefault");
    assert_eq!(&seg.slice(200_000, 5).expect("slice")[..], b"after");
}

fn new_segments_are_zeroed_and_fixed_size(storage: &dyn SegmentStorage, dir: &Path) {
    let seg = storage.create(dir, "00000000000000000000", 8192).expect("create");
    assert_eq!(seg.size_bytes(), 8192, "size is the requested size");
    let mut buf = vec![1u8; 8192];
    seg.read_into(0, &mut buf).expect("read");
    assert!(buf.iter().all(|b| *b == 0), "a new segment reads as zeros");
    assert!(storage.create(dir, "00000000000000000000", 8192).is_err(), "create refuses an existing name");
}

fn writes_are_visible_to_reads_and_slices(storage: &dyn SegmentStorage, dir: &Path) {
    let seg = storage.create(dir, "a", 4096).expect("create");
    seg.write(100, b"hello").expect("write");
    seg.write(4091, b"world").expect("write at the very end");
    let mut buf = [0u8; 5];
    seg.read_into(100, &mut buf).expect("read");
    assert_eq!(&buf, b"hello");
    assert_eq!(&seg.slice(4091, 5).expect("slice")[..], b"world");
    assert_eq!(&seg.slice(99, 7).expect("slice")[..], b"\0hello\0");
    assert!(seg.slice(0, 0).expect("empty slice").is_empty());
    seg.sync(0, 4096).expect("sync");
    seg.sync(10, 10).expect("empty sync");
}

fn out_of_range_access_is_refused(storage: &dyn SegmentStorage, dir: &Path) {
    let seg = storage.create(dir, "a", 1024).expect("create");
    assert!(seg.write(1020, b"12345").is_err(), "write past the end");
    assert!(seg.read_into(1024, &mut [0u8; 1]).is_err(), "read past the end");
    assert!(seg.slice(u64::MAX, 2).is_err(), "overflowing range");
    assert!(seg.sync(0, 2048).is_err(), "sync past the end");
}

fn slices_outlive_removal(storage: &dyn SegmentStorage, dir: &Path) {
    let seg = storage.create(dir, "a", 4096).expect("create");
    seg.write(0, b"kept").expect("write");
    let slice = seg.slice(0, 4).expect("slice");
    drop(seg);
    storage.remove(dir, "a").expect("remove");
    assert_eq!(&slice[..], b"kept", "a slice stays valid after removal");
    assert!(storage.open(dir, "a").is_err(), "a removed segment cannot be opened");
    storage.remove(dir, "a").expect("removing an absent file is not an error");
}

fn listing_create_open_remove(storage: &dyn SegmentStorage, dir: &Path) {
    assert!(storage.list(dir).expect("list absent dir").is_empty(), "an absent directory is empty");
    assert!(storage.list_dirs(dir).expect("list_dirs absent dir").is_empty());
    storage.create(dir, "x", 1024).expect("create");
    storage.create(&dir.join("sub").join("0"), "y", 1024).expect("create nested");
    storage.write_marker(dir, "abort", b"123").expect("marker");
    let mut names: Vec<_> = storage.list(dir).expect("list").into_iter().map(|f| (f.name, f.len)).collect();
    names.sort();
    assert_eq!(names, vec![("abort".to_owned(), 3), ("x".to_owned(), 1024)], "files directly in the directory");
    assert_eq!(storage.list_dirs(dir).expect("list_dirs"), vec!["sub".to_owned()]);
    assert_eq!(storage.open(dir, "x").expect("open").size_bytes(), 1024);
    storage.remove_dir_all(&dir.join("sub")).expect("remove dir");
    assert!(storage.list_dirs(dir).expect("list_dirs").is_empty());
    storage.remove_dir_all(&dir.join("never")).expect("removing an absent directory is not an error");
}

fn synced_bytes_survive_reopen(storage: &dyn SegmentStorage, dir: &Path) {
    {
        let seg = storage.create(dir, "a", 4096).expect("create");
        seg.write(10, b"durable").expect("write");
        seg.sync(0, 4096).expect("sync");
    }
    let seg = storage.open(dir, "a").expect("reopen");
    assert_eq!(&seg.slice(10, 7).expect("slice")[..], b"durable", "bytes survive reopening");
}

fn concurrent_disjoint_writes_and_reads(storage: &dyn SegmentStorage, dir: &Path) {
    let seg = storage.create(dir, "a", 64 * 1024).expect("create");
    std::thread::scope(|scope| {
        for t in 0..4u8 {
            let seg = &seg;
            scope.spawn(move || {
                for i in 0..256u64 {
                    let pos = u64::from(t) * 16 * 1024 + i * 64;
                    seg.write(pos, &[t + 1; 64]).expect("write");
                    assert_eq!(&seg.slice(pos, 64).expect("slice")[..], &[t + 1; 64][..], "own write visible");
                }
            });
        }
    });
    let all = seg.slice(0, 64 * 1024).expect("slice");
    for (i, chunk) in all.chunks(16 * 1024).enumerate() {
        assert!(chunk.iter().all(|b| *b == i as u8 + 1), "every thread's bytes landed");
    }
}
