//! Test helper for the kill -9 loop (`tests/crash_loop.rs`): opens a store with sync flush and
//! appends numbered messages from several threads until killed, printing `ack <n>` for each
//! acknowledged (durable) append.
//!
//! Usage: `bolide-store-crash-child <root> <first sequence number> <threads>`.
//! Thread `t` appends sequence numbers `first + t`, `first + t + threads`, ... to queue `t` of
//! topic `Crash`, with body `seq:<n>` padded to a size that varies with `n`, and key `k<n>`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bolide_protocol::message::properties::{write_item, KEYS};
use bolide_protocol::message::{MessageRecord, MessageVersion, SysFlag};
use bolide_store::{FlushDiskType, MessageStore, StoreConfig};

/// The configuration shared with the test (small segments: many rolls per run).
fn config(root: PathBuf) -> StoreConfig {
    StoreConfig {
        flush_disk_type: FlushDiskType::SyncFlush,
        mapped_file_size_commit_log: 64 * 1024,
        mapped_file_size_consume_queue: 20 * 128,
        max_message_size: 4096,
        max_hash_slot_num: 64,
        max_index_num: 256,
        flush_interval_consume_queue: 20,
        ..StoreConfig::with_root(root)
    }
}

fn append_loop(store: &MessageStore, first: u64, thread: u64, threads: u64) {
    let host: SocketAddr = "127.0.0.1:10911".parse().expect("literal address");
    let mut seq = first + thread;
    loop {
        let mut body = format!("seq:{seq}:").into_bytes();
        body.resize(body.len() + (seq % 97) as usize * 7, b'.');
        let mut properties = Vec::new();
        write_item(&mut properties, KEYS, &format!("k{seq}"));
        let record = MessageRecord {
            version: MessageVersion::V1,
            queue_id: thread as i32,
            flag: 0,
            queue_offset: 0,
            commit_log_offset: 0,
            sys_flag: SysFlag::from_bits(0),
            born_timestamp_ms: 0,
            born_host: host,
            store_timestamp_ms: 0,
            store_host: host,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body: &body,
            topic: "Crash",
            properties: &properties,
        };
        match store.append(&record) {
            Ok(_) => {
                let mut out = std::io::stdout().lock();
                if writeln!(out, "ack {seq}").and_then(|()| out.flush()).is_err() {
                    return;
                }
            }
            Err(err) => {
                eprintln!("append {seq} failed: {err}");
                std::process::exit(2);
            }
        }
        seq += threads;
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(root), Some(first), Some(threads)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: bolide-store-crash-child <root> <first sequence number> <threads>");
        std::process::exit(1);
    };
    let first: u64 = first.parse().expect("first sequence number");
    let threads: u64 = threads.parse().expect("thread count");
    let store = match MessageStore::open(config(PathBuf::from(root))) {
        Ok(store) => Arc::new(store),
        Err(err) => {
            eprintln!("open failed: {err}");
            std::process::exit(3);
        }
    };
    println!("ready");
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || append_loop(&store, first, t, threads))
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
}
