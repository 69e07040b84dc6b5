//! The schedule service (`behaviours.md` §5): moves delayed messages from `SCHEDULE_TOPIC_XXXX`
//! back to their real topic once their delivery time has come.
//!
//! Queue `level − 1` of the schedule topic holds the messages of one delay level in store order,
//! so their delivery times (the consume queue tags codes, written by the store) never decrease
//! within a queue. A dedicated thread walks every level's queue from the offset kept in
//! `config/delayOffset.json`, re-appends each due message to its real topic and queue, and stops
//! at the first entry not yet due. It sleeps until the earliest pending delivery, at most 100 ms.
//!
//! Offsets are persisted after every delivered batch (so a crash repeats at most the batch being
//! delivered), every 10 s and at shutdown. A message is appended before its offset moves past
//! it, so a restart may deliver a message twice but never loses one.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bolide_protocol::body::DelayOffsetSerializeWrapper;
use bolide_protocol::message::properties::{self, Properties, DELAY, REAL_QID, REAL_TOPIC, WAIT};
use bolide_protocol::message::{MessageRecord, MessageVersion, StoredMessage};
use bolide_store::{ConsumeQueueEntry, MessageStore, StoreError, SCHEDULE_TOPIC};
use tracing::{debug, error, info, warn};

use crate::delay::DelayLevels;
use crate::persist::{self, PersistError};
use crate::server::now_ms;

/// The offsets file, under `storePathRootDir/config`.
pub const DELAY_OFFSET_FILE: &str = "delayOffset.json";
/// Longest sleep between two walks (Java's `DELAY_FOR_A_WHILE`).
const TICK: Duration = Duration::from_millis(100);
/// Offsets are written at least this often when they changed (`flushDelayOffsetInterval`).
const PERSIST_INTERVAL: Duration = Duration::from_secs(10);
/// A level whose delivery failed (store not writable) is retried after this long
/// (Java's `DELAY_FOR_A_PERIOD`).
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);
/// Consume queue entries read per step.
const ENTRIES_PER_READ: usize = 256;
/// Delayed messages may never reach the transaction half topic; Java drops them.
const TRANSACTION_HALF_TOPIC: &str = "RMQ_SYS_TRANS_HALF_TOPIC";
/// Properties of the 5.x timer wheel, meaningless once a message is delivered.
const TIMER_PROPERTIES: [&str; 3] =
    [properties::TIMER_DELIVER_MS, properties::TIMER_DELAY_MS, properties::TIMER_DELAY_SEC];

/// Delay level → next queue offset to examine in the level's schedule queue.
#[derive(Debug)]
pub struct DelayOffsetTable {
    path: PathBuf,
    offsets: BTreeMap<i32, i64>,
    /// Set by every change, cleared by [`Self::persist`].
    dirty: bool,
}

impl DelayOffsetTable {
    /// Loads `dir/delayOffset.json` (empty when missing).
    ///
    /// # Errors
    /// [`PersistError`] naming the file when it cannot be read or is corrupt.
    pub fn open(dir: &std::path::Path) -> Result<Self, PersistError> {
        let path = dir.join(DELAY_OFFSET_FILE);
        let offsets = persist::load_json::<DelayOffsetSerializeWrapper>(&path)?
            .map(|stored| stored.offset_table)
            .unwrap_or_default();
        Ok(DelayOffsetTable { path, offsets, dirty: false })
    }

    /// The next offset of `level` (0 when unknown).
    pub fn get(&self, level: i32) -> u64 {
        self.offsets.get(&level).map_or(0, |offset| u64::try_from(*offset).unwrap_or(0))
    }

    /// Records the next offset of `level`.
    pub fn set(&mut self, level: i32, offset: u64) {
        let offset = i64::try_from(offset).expect("queue offsets fit in i64");
        if self.offsets.get(&level) != Some(&offset) {
            self.offsets.insert(level, offset);
            self.dirty = true;
        }
    }

    /// Whether a change is not yet written.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Every level's offset, as written to the file.
    pub fn to_wrapper(&self) -> DelayOffsetSerializeWrapper {
        DelayOffsetSerializeWrapper { data_version: None, offset_table: self.offsets.clone() }
    }

    /// Writes the file (RocketMQ's shape: `{"offsetTable":{1:0,2:5}}`).
    ///
    /// # Errors
    /// [`PersistError`] naming the file.
    pub fn persist(&mut self) -> Result<(), PersistError> {
        persist::store_json(&self.path, &self.to_wrapper())?;
        self.dirty = false;
        Ok(())
    }
}

/// Where a due message goes and what it carries: from `REAL_TOPIC`/`REAL_QID`, with `DELAY` and
/// the timer properties removed and `WAIT=false`. `REAL_TOPIC`/`REAL_QID` stay, as in Java.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TimeUp {
    pub(crate) topic: String,
    pub(crate) queue_id: i32,
    pub(crate) properties: Vec<u8>,
}

/// The delivered form of a scheduled message's properties; `None` without a usable
/// `REAL_TOPIC`/`REAL_QID`.
pub(crate) fn time_up(raw_properties: &[u8]) -> Option<TimeUp> {
    let mut parsed = Properties::parse_bytes(raw_properties);
    let topic = parsed.get(REAL_TOPIC).filter(|topic| !topic.is_empty())?.to_owned();
    let queue_id = parsed.get(REAL_QID)?.trim().parse::<i32>().ok().filter(|id| *id >= 0)?;
    parsed.remove(DELAY);
    for name in TIMER_PROPERTIES {
        parsed.remove(name);
    }
    parsed.insert(WAIT, "false").expect("a valid property");
    let mut properties = Vec::with_capacity(parsed.encoded_len());
    parsed.encode(&mut properties);
    Some(TimeUp { topic, queue_id, properties })
}

/// When an entry is due: its delivery time, or now when that lies further ahead than the level's
/// delay (the clock went back since it was stored; Java's `correctDeliverTimestamp`).
pub(crate) fn due_at_ms(delivery_ms: i64, delay_ms: i64, now_ms: i64) -> i64 {
    if delivery_ms > now_ms.saturating_add(delay_ms) {
        now_ms
    } else {
        delivery_ms
    }
}

/// Why a level stopped before its first not-yet-due entry.
#[derive(Debug)]
enum DeliveryFailed {
    /// The store cannot take the message now; retry the level later from the same entry.
    Store(StoreError),
}

/// The walking half of the service, run on its own thread.
struct Walker {
    store: Arc<MessageStore>,
    levels: DelayLevels,
    offsets: DelayOffsetTable,
    /// Levels whose last delivery failed, and when to try again.
    retry_at: HashMap<i32, Instant>,
}

impl Walker {
    /// Walks every level once; returns the earliest pending delivery time, if any.
    fn walk_all(&mut self) -> Option<i64> {
        let mut earliest: Option<i64> = None;
        for level in 1..=self.levels.max_level() {
            if self.retry_at.get(&level).is_some_and(|at| Instant::now() < *at) {
                continue;
            }
            self.retry_at.remove(&level);
            match self.walk_level(level) {
                Ok(Some(next)) => earliest = Some(earliest.map_or(next, |e| e.min(next))),
                Ok(None) => {}
                Err(DeliveryFailed::Store(err)) => {
                    error!(level, error = %err, "delayed message not delivered; retrying the level in 10 s");
                    self.retry_at.insert(level, Instant::now() + RETRY_AFTER_FAILURE);
                }
            }
        }
        earliest
    }

    /// Delivers the due messages of one level; returns the delivery time of the first one still
    /// waiting.
    fn walk_level(&mut self, level: i32) -> Result<Option<i64>, DeliveryFailed> {
        let queue_id = level - 1;
        let (min, max) = (
            self.store.min_queue_offset(SCHEDULE_TOPIC, queue_id),
            self.store.max_queue_offset(SCHEDULE_TOPIC, queue_id),
        );
        if max == 0 {
            return Ok(None);
        }
        let stored = self.offsets.get(level);
        let mut offset = stored.clamp(min, max);
        if offset != stored {
            warn!(level, stored, corrected = offset, min, max, "delay offset outside its queue; corrected");
        }
        // As in Java, every level with a queue appears in the file, delivered or not.
        self.offsets.set(level, offset);
        let delay_ms = self.levels.delay(level).as_millis() as i64;
        while offset < max {
            let entries = self
                .store
                .queue_entries(SCHEDULE_TOPIC, queue_id, offset, ENTRIES_PER_READ)
                .map_err(DeliveryFailed::Store)?;
            let Some((last_at, _)) = entries.last() else { return Ok(None) };
            let now = now_ms() as i64;
            let due_count = entries
                .iter()
                .position(|(_, entry)| due_at_ms(entry.tags_code, delay_ms, now) > now)
                .unwrap_or(entries.len());
            let mut next = if due_count == entries.len() { last_at + 1 } else { offset };
            let mut failure = None;
            for (index, (at, entry)) in entries[..due_count].iter().enumerate() {
                // Under SYNC_FLUSH only the last append waits for the disk: flushing is ordered.
                if let Err(err) = self.deliver(level, entry, index + 1 == due_count) {
                    next = *at;
                    failure = Some(err);
                    break;
                }
                next = next.max(at + 1);
            }
            if next != offset {
                self.offsets.set(level, next);
                self.persist();
            }
            if let Some(err) = failure {
                return Err(err);
            }
            if let Some((_, waiting)) = entries.get(due_count) {
                return Ok(Some(due_at_ms(waiting.tags_code, delay_ms, now)));
            }
            offset = next;
        }
        Ok(None)
    }

    /// Re-appends one scheduled message to its real topic. Messages that cannot be read or
    /// rebuilt are dropped with an error, as Java does; only a store refusing writes fails.
    fn deliver(&self, level: i32, entry: &ConsumeQueueEntry, wait_durable: bool) -> Result<(), DeliveryFailed> {
        let offset = entry.commit_log_offset;
        let bytes = match self.store.message_at(offset) {
            Ok(bytes) => bytes,
            Err(err @ (StoreError::OffsetNotFound { .. } | StoreError::InvalidRecord { .. })) => {
                warn!(level, commit_log_offset = offset, error = %err, "scheduled message gone; skipped");
                return Ok(());
            }
            Err(err) => return Err(DeliveryFailed::Store(err)),
        };
        let Ok(message) = StoredMessage::decode(&bytes) else {
            error!(level, commit_log_offset = offset, "scheduled message undecodable; dropped");
            return Ok(());
        };
        let Some(target) = time_up(message.properties()) else {
            error!(level, commit_log_offset = offset, "scheduled message without REAL_TOPIC/REAL_QID; dropped");
            return Ok(());
        };
        if target.topic == TRANSACTION_HALF_TOPIC {
            error!(level, commit_log_offset = offset, "scheduled message for the transaction half topic; dropped");
            return Ok(());
        }
        let record = MessageRecord {
            version: MessageVersion::for_topic(&target.topic),
            queue_id: target.queue_id,
            queue_offset: 0,
            commit_log_offset: 0,
            store_timestamp_ms: 0,
            prepared_transaction_offset: 0,
            topic: &target.topic,
            properties: &target.properties,
            ..message.to_record()
        };
        let appended = if wait_durable {
            self.store.append(&record)
        } else {
            self.store.append_then(std::slice::from_ref(&record), Box::new(|_| {}))
        };
        match appended {
            Ok(_) | Err(StoreError::FlushTimeout { .. }) => {
                debug!(level, topic = %target.topic, queue_id = target.queue_id, "delayed message delivered");
                Ok(())
            }
            Err(err @ (StoreError::MessageTooLarge { .. } | StoreError::InvalidMessage(_) | StoreError::Encode(_))) => {
                error!(level, commit_log_offset = offset, error = %err, "delayed message refused by the store; dropped");
                Ok(())
            }
            Err(err) => Err(DeliveryFailed::Store(err)),
        }
    }

    fn persist(&mut self) {
        if let Err(err) = self.offsets.persist() {
            error!(error = %err, "delay offsets not persisted; a restart may deliver messages again");
        }
    }
}

/// Stop flag shared with the thread.
#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

/// The running service: a thread that [`ScheduleService::stop`] ends.
pub struct ScheduleService {
    stop: Arc<Stop>,
    thread: Option<JoinHandle<()>>,
}

impl ScheduleService {
    /// Starts walking the schedule queues of `store`, with offsets from `config_dir`.
    ///
    /// # Errors
    /// [`PersistError`] when `delayOffset.json` is corrupt or unreadable.
    pub fn start(
        store: Arc<MessageStore>,
        levels: DelayLevels,
        config_dir: &std::path::Path,
    ) -> Result<Self, PersistError> {
        let offsets = DelayOffsetTable::open(config_dir)?;
        let mut walker = Walker { store, levels, offsets, retry_at: HashMap::new() };
        let stop = Arc::new(Stop::default());
        let signal = stop.clone();
        let thread = std::thread::Builder::new()
            .name("bolide-schedule".to_owned())
            .spawn(move || run(&mut walker, &signal))
            .map_err(|source| PersistError::Io { action: "start", path: config_dir.join(DELAY_OFFSET_FILE), source })?;
        Ok(ScheduleService { stop, thread: Some(thread) })
    }

    /// Stops the thread and waits for it; the offsets are persisted on its way out. Blocking.
    pub fn stop(mut self) {
        self.signal_stop();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                error!("schedule service thread panicked");
            }
        }
    }

    fn signal_stop(&self) {
        *self.stop.stopped.lock().expect("stop lock") = true;
        self.stop.wake.notify_all();
    }
}

impl Drop for ScheduleService {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

fn run(walker: &mut Walker, stop: &Stop) {
    info!(levels = walker.levels.max_level(), "schedule service started");
    let mut persisted_at = Instant::now();
    loop {
        let earliest = walker.walk_all();
        if persisted_at.elapsed() >= PERSIST_INTERVAL {
            if walker.offsets.is_dirty() {
                walker.persist();
            }
            persisted_at = Instant::now();
        }
        let wait = earliest.map_or(TICK, |due| {
            let ahead_ms = due.saturating_sub(now_ms() as i64).max(0) as u64;
            Duration::from_millis(ahead_ms).min(TICK)
        });
        let stopped = stop.stopped.lock().expect("stop lock");
        let (stopped, _) = stop.wake.wait_timeout_while(stopped, wait, |stopped| !*stopped).expect("stop lock");
        if *stopped {
            break;
        }
    }
    walker.persist();
    info!("schedule service stopped; delay offsets persisted");
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_protocol::message::properties::{find_property, write_item, TAGS};
    use bolide_protocol::message::SysFlag;

    fn raw(items: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, value) in items {
            write_item(&mut out, name, value);
        }
        out
    }

    #[test]
    fn time_up_restores_the_real_queue_and_clears_the_delay() {
        let props = raw(&[(TAGS, "A"), (DELAY, "3"), (REAL_TOPIC, "T"), (REAL_QID, "2"), (WAIT, "true")]);
        let target = time_up(&props).expect("has a real topic");
        assert_eq!((target.topic.as_str(), target.queue_id), ("T", 2));
        let text = String::from_utf8(target.properties).expect("utf-8");
        assert_eq!(find_property(&text, DELAY), None);
        assert_eq!(find_property(&text, WAIT), Some("false"));
        assert_eq!(find_property(&text, TAGS), Some("A"));
        assert_eq!(find_property(&text, REAL_TOPIC), Some("T"), "kept, as Java keeps it");
        assert_eq!(time_up(&raw(&[(DELAY, "3"), (REAL_QID, "1")])), None);
        assert_eq!(time_up(&raw(&[(REAL_TOPIC, "T"), (REAL_QID, "x")])), None);
    }

    #[test]
    fn a_delivery_time_beyond_the_delay_is_due_now() {
        assert_eq!(due_at_ms(1_500, 1_000, 1_000), 1_500);
        assert_eq!(due_at_ms(9_000, 1_000, 1_000), 1_000, "clock went back: deliver now");
        assert_eq!(due_at_ms(500, 1_000, 1_000), 500);
    }

    #[test]
    fn offsets_round_trip_in_rocketmq_shape() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut table = DelayOffsetTable::open(dir.path()).expect("missing is empty");
        assert_eq!(table.get(3), 0);
        table.set(1, 0);
        table.set(3, 12);
        assert!(table.is_dirty());
        table.persist().expect("write");
        let text = std::fs::read_to_string(dir.path().join(DELAY_OFFSET_FILE)).expect("read");
        assert_eq!(text, r#"{"offsetTable":{1:0,3:12}}"#);
        assert_eq!(DelayOffsetTable::open(dir.path()).expect("reload").get(3), 12);
    }

    fn scheduled(store: &MessageStore, level: i32, topic: &str, body: &[u8]) {
        let levels = DelayLevels::new(vec![Duration::from_millis(0); 3]);
        let props = raw(&[(TAGS, "A"), (DELAY, &level.to_string())]);
        let (schedule, queue_id, props) = crate::delay::to_schedule(&levels, level, topic, 1, &props);
        let host = "127.0.0.1:10911".parse().expect("address");
        let record = MessageRecord {
            version: MessageVersion::for_topic(schedule),
            queue_id,
            flag: 7,
            queue_offset: 0,
            commit_log_offset: 0,
            sys_flag: SysFlag::from_bits(0),
            born_timestamp_ms: 42,
            born_host: host,
            store_timestamp_ms: 0,
            store_host: host,
            reconsume_times: 2,
            prepared_transaction_offset: 0,
            body,
            topic: schedule,
            properties: &props,
        };
        store.append(&record).expect("append");
    }

    #[test]
    fn due_messages_move_to_their_real_queue_once_and_offsets_survive() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = bolide_store::StoreConfig::with_root(dir.path());
        config.mapped_file_size_commit_log = 1 << 20;
        config.max_message_size = 64 * 1024;
        config.message_delay_level = "1s 1h".to_owned();
        let store = Arc::new(MessageStore::open(config).expect("open"));
        scheduled(&store, 1, "T", b"soon");
        scheduled(&store, 2, "T", b"later");
        assert!(store.wait_dispatched(Duration::from_secs(5)));
        let levels = DelayLevels::new(vec![Duration::from_secs(1), Duration::from_secs(3_600)]);
        let config_dir = dir.path().join("config");
        let mut walker = Walker {
            store: store.clone(),
            levels: levels.clone(),
            offsets: DelayOffsetTable::open(&config_dir).expect("offsets"),
            retry_at: HashMap::new(),
        };
        let earliest = walker.walk_all().expect("two pending");
        assert!(earliest > now_ms() as i64, "nothing due yet");
        assert_eq!(store.max_queue_offset("T", 1), 0);
        std::thread::sleep(Duration::from_millis(1_100));
        walker.walk_all();
        assert!(store.wait_dispatched(Duration::from_secs(5)));
        let got = store.get_messages("T", 1, 0, 10, 1 << 20).expect("read");
        assert_eq!(got.messages.len(), 1, "the level-1 message, once");
        let message = StoredMessage::decode(&got.messages[0]).expect("decodes");
        assert_eq!((message.body(), message.flag(), message.reconsume_times()), (&b"soon"[..], 7, 2));
        assert_eq!((message.born_timestamp_ms(), message.property(DELAY)), (42, None));
        assert_eq!(message.tags_code(), bolide_protocol::message::tag::tags_code(Some("A")));
        walker.walk_all();
        assert!(store.wait_dispatched(Duration::from_secs(5)));
        assert_eq!(store.max_queue_offset("T", 1), 1, "not delivered twice");
        let reloaded = DelayOffsetTable::open(&config_dir).expect("persisted after the batch");
        assert_eq!((reloaded.get(1), reloaded.get(2)), (1, 0));
    }
}
