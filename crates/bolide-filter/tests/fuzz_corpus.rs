//! Replays the `sql92` fuzz target's seed corpus (`fuzz/corpus/sql92/`) through the properties
//! the fuzzer asserts (`fuzz/checks/sql92.rs`), so `cargo test` keeps checking them.

use std::path::PathBuf;

#[path = "../../../fuzz/checks/sql92.rs"]
mod sql92;

#[test]
fn sql92_corpus() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/sql92");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|err| panic!("corpus {}: {err}", dir.display())) {
        let data = std::fs::read(entry.expect("corpus entry").path()).expect("readable corpus file");
        sql92::check(&data);
        count += 1;
    }
    assert!(count > 0, "corpus {} is empty", dir.display());
}
