//! Allocations per header decode and encode of a typical SEND_MESSAGE_V2 request, counted by a
//! global allocator for the test's own thread. The bounds are the point: a decoded header costs a
//! fixed number of allocations, not one or two per field.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bolide_protocol::{binary_header, json_header, RemotingCommand, RequestCode, SerializeType};
use bytes::BytesMut;

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

fn allocations_of<R>(run: impl FnOnce() -> R) -> (u64, R) {
    let before = ALLOCATIONS.with(Cell::get);
    let result = run();
    (ALLOCATIONS.with(Cell::get) - before, result)
}

/// The header of the criterion bench (`benches/header_codec.rs`): 13 fields, one with escapes.
fn send_request() -> RemotingCommand {
    let mut command = RemotingCommand::request(RequestCode::SEND_MESSAGE_V2);
    for (key, value) in [
        ("a", "ProducerGroupA"),
        ("b", "TopicTest"),
        ("c", "TBW102"),
        ("d", "4"),
        ("e", "1"),
        ("f", "0"),
        ("g", "1717000000000"),
        ("h", "0"),
        ("i", "UNIQ_KEY\u{1}AC11000128F418B4AAC28A1E6B3C0000\u{2}WAIT\u{1}true\u{2}"),
        ("j", "0"),
        ("k", "false"),
        ("m", "false"),
        ("n", "broker-a"),
    ] {
        command = command.with_ext(key, value);
    }
    command.opaque = 42;
    command
}

#[test]
fn header_codecs_allocate_per_header_not_per_field() {
    let mut command = send_request();
    let mut json = BytesMut::with_capacity(1024);
    let (json_encode, ()) = allocations_of(|| json_header::encode(&command, &mut json));
    let (json_decode, decoded) = allocations_of(|| json_header::decode(&json).expect("valid"));
    assert_eq!(decoded, command);

    command.serialize_type = SerializeType::RocketMq;
    let mut binary = BytesMut::with_capacity(1024);
    let (binary_encode, ()) = allocations_of(|| binary_header::encode(&command, &mut binary).expect("fits"));
    let (binary_decode, decoded) = allocations_of(|| binary_header::decode(&binary).expect("valid"));
    assert_eq!(decoded, command);

    println!("allocations: json encode {json_encode}, decode {json_decode}; binary encode {binary_encode}, decode {binary_decode}");
    // Decoding: the map's box, its text buffer and its entry list (33 and 29 with the serde
    // decoder and a BTreeMap of Strings).
    assert!(json_decode <= 3, "json decode: {json_decode}");
    assert!(binary_decode <= 3, "binary decode: {binary_decode}");
    assert_eq!(json_encode, 0);
    assert_eq!(binary_encode, 0);
}
