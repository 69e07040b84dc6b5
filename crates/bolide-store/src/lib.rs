//! The Bolide message store: RocketMQ's commit log, consume queues and index files, byte for
//! byte (see the store-format and message-format specifications), with group commit, crash
//! recovery and retention.
//!
//! Module map:
//! - [`segment`]: the disk seam: fixed-size [`Segment`]s in a [`SegmentStorage`] (memory-mapped
//!   [`FileStorage`], in-memory [`MemoryStorage`] with simulated power loss);
//! - `segment_queue`: a run of segments forming one byte stream (commit log, each consume queue);
//! - `commit_log`: appends, reads, recovery scan, flush and group commit;
//! - `consume_queue`: 20-byte entries per topic and queue;
//! - `index`: key lookup files;
//! - [`checkpoint`]: the checkpoint page;
//! - `dispatch`: builds consume queues and index from the commit log;
//! - `retention`: removal of expired segments;
//! - [`config`]: [`StoreConfig`]; [`error`]: [`StoreError`];
//! - `store`: [`MessageStore`], the API the broker uses.
//!
//! ```no_run
//! # fn main() -> Result<(), bolide_store::StoreError> {
//! use bolide_store::{MessageStore, StoreConfig};
//! let store = MessageStore::open(StoreConfig::with_root("/var/lib/bolide/store"))?;
//! // store.append(&record)?; store.get_messages("TopicTest", 0, 0, 32, 1 << 20)?; ...
//! store.close()
//! # }
//! ```

#![deny(clippy::unwrap_used)]

pub mod checkpoint;
mod commit_log;
pub mod config;
mod consume_queue;
mod dispatch;
pub mod error;
mod index;
mod retention;
pub mod segment;
mod segment_queue;
mod store;
mod sys;

pub use commit_log::flush::DurableCallback;
pub use commit_log::AppendResult;
pub use config::{FlushDiskType, StoreConfig, DEFAULT_MESSAGE_DELAY_LEVEL};
pub use consume_queue::{ConsumeQueueEntry, ENTRY_SIZE as CONSUME_QUEUE_ENTRY_SIZE};
pub use dispatch::{ArrivalListener, SCHEDULE_TOPIC};
pub use error::StoreError;
pub use index::MAX_QUERY_RESULTS;
pub use retention::RetentionReport;
pub use segment::{FileStorage, MemoryStorage, Segment, SegmentStorage};
pub use store::{GetMessageStatus, GetMessagesResult, MessageStore, ReadLimits, RecoveryReport, ABORT_FILE, LOCK_FILE};
pub use sys::usable_memory_bytes;
