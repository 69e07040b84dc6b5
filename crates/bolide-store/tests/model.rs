//! Model-based property test: random appends, batches, reads, topic deletions, clean restarts,
//! process crashes and power losses against an in-memory model. Sync flush is used, so every
//! acknowledged append must survive every kind of restart.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bolide_store::{GetMessageStatus, MemoryStorage, MessageStore, StoreConfig};
use common::{decode, props, record, sync_config};
use proptest::prelude::*;

const TOPICS: [&str; 3] = ["A", "Bee", "%RETRY%group"];

#[derive(Debug, Clone)]
enum Op {
    Append { topic: usize, queue: i32, len: usize, batch: usize },
    Read { topic: usize, queue: i32, from: u64, max: usize },
    DeleteTopic { topic: usize },
    Restart,
    Crash,
    PowerLoss,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0..3usize, 0..3i32, 0..600usize, 1..4usize).prop_map(|(topic, queue, len, batch)| Op::Append { topic, queue, len, batch }),
        4 => (0..3usize, 0..3i32, 0..40u64, 1..20usize).prop_map(|(topic, queue, from, max)| Op::Read { topic, queue, from, max }),
        1 => (0..3usize).prop_map(|topic| Op::DeleteTopic { topic }),
        1 => Just(Op::Restart),
        1 => Just(Op::Crash),
        1 => Just(Op::PowerLoss),
    ]
}

/// Queue contents the store must return: bodies by queue offset.
type Model = HashMap<(usize, i32), Vec<Vec<u8>>>;

fn config() -> StoreConfig {
    StoreConfig { mapped_file_size_commit_log: 8 * 1024, max_message_size: 1024, ..sync_config(Path::new("/model")) }
}

fn open(storage: &MemoryStorage) -> MessageStore {
    MessageStore::open_with_storage(config(), Arc::new(storage.clone())).expect("open")
}

fn check_read(store: &MessageStore, model: &Model, topic: usize, queue: i32, from: u64, max: usize) {
    assert!(store.wait_dispatched(Duration::from_secs(10)));
    let expected = model.get(&(topic, queue)).map_or(&[][..], |v| &v[..]);
    let got = store.get_messages(TOPICS[topic], queue, from, max, u64::MAX).expect("read");
    assert_eq!(got.max_offset, expected.len() as u64);
    if from >= expected.len() as u64 {
        assert!(got.messages.is_empty());
        return;
    }
    assert_eq!(got.status, GetMessageStatus::Found);
    let want: Vec<&[u8]> = expected[from as usize..].iter().take(max).map(Vec::as_slice).collect();
    let have: Vec<&[u8]> = got.messages.iter().map(|b| decode(b).body()).collect();
    assert_eq!(have, want);
    for (bytes, offset) in got.messages.iter().zip(&got.queue_offsets) {
        assert_eq!(decode(bytes).queue_offset(), *offset);
        assert_eq!(decode(bytes).topic(), TOPICS[topic]);
    }
}

fn run(ops: Vec<Op>) {
    let storage = MemoryStorage::new();
    let mut store = Some(open(&storage));
    let mut model: Model = HashMap::new();
    let mut counter = 0u32;
    for op in ops {
        let current = store.as_ref().expect("open store");
        match op {
            Op::Append { topic, queue, len, batch } => {
                let bodies: Vec<Vec<u8>> = (0..batch)
                    .map(|_| {
                        counter += 1;
                        let mut body = counter.to_be_bytes().to_vec();
                        body.resize(len.max(4), (counter % 251) as u8);
                        body
                    })
                    .collect();
                let p = props(Some("tag"), None, None);
                let records: Vec<_> = bodies.iter().map(|b| record(TOPICS[topic], queue, b, &p)).collect();
                let appended = current.append_batch(&records).expect("append");
                let queue_model = model.entry((topic, queue)).or_default();
                assert_eq!(appended.queue_offset, queue_model.len() as u64);
                queue_model.extend(bodies);
            }
            Op::Read { topic, queue, from, max } => check_read(current, &model, topic, queue, from, max),
            Op::DeleteTopic { topic } => {
                current.delete_topic(TOPICS[topic]).expect("delete");
                model.retain(|(t, _), _| *t != topic);
            }
            Op::Restart => {
                store.take().expect("store").close().expect("close");
                store = Some(open(&storage));
            }
            Op::Crash | Op::PowerLoss => {
                store.take().expect("store").crash_for_test();
                if matches!(op, Op::PowerLoss) {
                    storage.crash();
                }
                store = Some(open(&storage));
            }
        }
    }
    let store = store.expect("store");
    for topic in 0..TOPICS.len() {
        for queue in 0..3 {
            check_read(&store, &model, topic, queue, 0, usize::MAX);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn store_matches_model(ops in proptest::collection::vec(op(), 1..80)) {
        run(ops);
    }
}
