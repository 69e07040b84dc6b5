//! Helpers shared by the store's integration tests.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;

use bolide_protocol::message::properties::{write_item, KEYS, TAGS, UNIQ_KEY};
use bolide_protocol::message::{MessageRecord, MessageVersion, StoredMessage, SysFlag};
use bolide_store::{FlushDiskType, StoreConfig};

pub const BORN: &str = "192.168.0.10:50000";
pub const STORE: &str = "192.168.0.20:10911";

/// Properties with an optional tag, keys and unique key.
pub fn props(tags: Option<&str>, keys: Option<&str>, unique: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in [(TAGS, tags), (KEYS, keys), (UNIQ_KEY, unique)] {
        if let Some(value) = value {
            write_item(&mut out, name, value);
        }
    }
    out
}

/// A record ready to append (offsets and store time are assigned by the store).
pub fn record<'a>(topic: &'a str, queue_id: i32, body: &'a [u8], properties: &'a [u8]) -> MessageRecord<'a> {
    MessageRecord {
        version: MessageVersion::for_topic(topic),
        queue_id,
        flag: 0,
        queue_offset: 0,
        commit_log_offset: 0,
        sys_flag: SysFlag::from_bits(0),
        born_timestamp_ms: 1_700_000_000_000,
        born_host: BORN.parse::<SocketAddr>().expect("address"),
        store_timestamp_ms: 0,
        store_host: STORE.parse::<SocketAddr>().expect("address"),
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body,
        topic,
        properties,
    }
}

/// Small segments so tests roll files quickly.
pub fn small_config(root: &Path) -> StoreConfig {
    StoreConfig {
        mapped_file_size_commit_log: 64 * 1024,
        mapped_file_size_consume_queue: 20 * 256,
        max_message_size: 16 * 1024,
        max_hash_slot_num: 64,
        max_index_num: 512,
        flush_interval_commit_log: 20,
        flush_interval_consume_queue: 50,
        sync_flush_timeout: 5_000,
        ..StoreConfig::with_root(root)
    }
}

pub fn sync_config(root: &Path) -> StoreConfig {
    StoreConfig { flush_disk_type: FlushDiskType::SyncFlush, ..small_config(root) }
}

/// Decodes a stored record.
pub fn decode(bytes: &[u8]) -> StoredMessage<'_> {
    StoredMessage::decode(bytes).expect("a valid stored record")
}
