//! Replays every fuzz target's seed corpus (`fuzz/corpus/<target>/`) through the same property
//! checks the fuzzers assert, so `cargo test` keeps them without a fuzzer installed.

#[path = "../../../fuzz/checks.rs"]
mod checks;

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

#[test]
fn frame_corpus() {
    replay("frame", checks::frame);
}

#[test]
fn json_header_corpus() {
    replay("json_header", checks::json_header);
}

#[test]
fn binary_header_corpus() {
    replay("binary_header", checks::binary_header);
}
