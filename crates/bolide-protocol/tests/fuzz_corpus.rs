//! Replays every fuzz target's seed corpus (`fuzz/corpus/<target>/`) through the same property
//! checks the fuzzers assert (`fuzz/checks/<target>.rs`), so `cargo test` keeps checking them
//! without a fuzzer installed.

// Each checks file stands alone for its fuzz target, so the two header checks each load the
// shared `send_views` check; here both are loaded.
#![allow(clippy::duplicate_mod)]

use std::path::PathBuf;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|err| panic!("corpus {}: {err}", dir.display())) {
        let path = entry.expect("readable corpus entry").path();
        let data = std::fs::read(&path).expect("readable corpus file");
        check(&data);
        count += 1;
    }
    assert!(count > 0, "corpus {} is empty", dir.display());
}

#[path = "../../../fuzz/checks/frame.rs"]
mod frame;

#[test]
fn frame_corpus() {
    replay("frame", frame::check);
}

#[path = "../../../fuzz/checks/json_header.rs"]
mod json_header;

#[test]
fn json_header_corpus() {
    replay("json_header", json_header::check);
}

#[path = "../../../fuzz/checks/binary_header.rs"]
mod binary_header;

#[test]
fn binary_header_corpus() {
    replay("binary_header", binary_header::check);
}

#[path = "../../../fuzz/checks/json_body.rs"]
mod json_body;

#[test]
fn json_body_corpus() {
    replay("json_body", json_body::check);
}

#[path = "../../../fuzz/checks/batch_body.rs"]
mod batch_body;

#[test]
fn batch_body_corpus() {
    replay("batch_body", batch_body::check);
}

#[path = "../../../fuzz/checks/stored_message.rs"]
mod stored_message;

#[test]
fn stored_message_corpus() {
    replay("stored_message", stored_message::check);
}
