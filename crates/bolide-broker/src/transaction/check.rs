//! The check-back service (`behaviours.md` §7.5): every `transactionCheckInterval` it walks the
//! half queue from the offset it has reached, skips half messages an op record resolved, and asks
//! a producer of the message's group (CHECK_TRANSACTION_STATE, oneway) about those older than
//! `transactionTimeOut` (or their `CHECK_IMMUNITY_TIME_IN_SECONDS`).
//!
//! As in the Java broker, a checked message is first re-appended to the half queue with
//! `TRANSACTION_CHECK_TIMES` incremented, and the check names that copy: the walk can then move
//! past the original while the transaction stays open, and the count survives restarts. After
//! `transactionCheckMax` checks the message is copied to `TRANS_CHECK_MAX_TIME_TOPIC` and left.
//!
//! Progress (next half queue offset, next op queue offset) is kept as consumer offsets of group
//! `CID_RMQ_SYS_TRANS`, written to `consumerOffset.json` after every walk that moved them and
//! *before* the checks of that walk are sent: a restart neither re-checks a message whose copy was
//! already checked nor forgets one. The op offset only moves over op records all of whose half
//! offsets lie behind the half offset, so every later walk still sees the ones ahead.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bolide_protocol::body::{TopicConfig, PERM_READ, PERM_WRITE};
use bolide_protocol::header::CheckTransactionStateRequestHeader;
use bolide_protocol::message::properties::{
    Properties, CHECK_IMMUNITY_TIME_IN_SECONDS, TRANSACTION_CHECK_TIMES, TRAN_PREPARED_QUEUE_OFFSET,
};
use bolide_protocol::message::{MessageRecord, MessageVersion, OffsetMessageId, StoredMessage};
use bolide_protocol::{RemotingCommand, RequestCode};
use bolide_store::{AppendResult, StoreError};
use bytes::{Bytes, BytesMut};
use tracing::{debug, error, info, warn};

use super::{real_target, CHECK_GROUP, CHECK_MAX_TIME_TOPIC, HALF_QUEUE_ID, HALF_TOPIC, OP_TOPIC};
use crate::server::{now_ms, State};

/// Longest time one walk may take (Java's `MAX_PROCESS_TIME_LIMIT`).
const WALK_TIME_LIMIT: Duration = Duration::from_secs(60);
/// Consume queue entries read per step.
const ENTRIES_PER_READ: usize = 256;
/// How long a CHECK_TRANSACTION_STATE may wait for room in the producer's write queue.
const CHECK_SEND_TIMEOUT: Duration = Duration::from_secs(3);

/// A check to send once the walk's offsets are durable.
struct Check {
    group: String,
    header: CheckTransactionStateRequestHeader,
    body: Bytes,
}

/// What a walk found about one half message.
enum Verdict {
    /// Resolved, discarded or re-appended: move past it.
    Passed,
    /// Too young (or stored after the walk began): stop here.
    Wait,
}

struct Walker {
    state: Arc<State>,
    runtime: tokio::runtime::Handle,
}

impl Walker {
    /// One walk over the half queue; sends the checks it decided on.
    fn walk(&self) {
        let checks = match self.walk_queue() {
            Ok(checks) => checks,
            Err(err) => {
                error!(error = %err, "transaction check walk failed; retrying at the next interval");
                return;
            }
        };
        for check in checks {
            self.send(check);
        }
    }

    fn walk_queue(&self) -> Result<Vec<Check>, StoreError> {
        let store = &self.state.store;
        let started = Instant::now();
        let start_ms = now_ms() as i64;
        let half_max = store.max_queue_offset(HALF_TOPIC, HALF_QUEUE_ID);
        let half_start = self.progress(HALF_TOPIC);
        let op_start = self.progress(OP_TOPIC);
        let ops = self.read_ops(op_start)?;
        let resolved: HashMap<u64, u64> =
            ops.iter().flat_map(|(op, halves)| halves.iter().map(move |half| (*half, *op))).collect();
        let mut checks = Vec::new();
        let mut offset = half_start;
        'walk: while offset < half_max {
            let entries = store.queue_entries(HALF_TOPIC, HALF_QUEUE_ID, offset, ENTRIES_PER_READ)?;
            if entries.is_empty() {
                break;
            }
            for (at, entry) in entries {
                if started.elapsed() > WALK_TIME_LIMIT {
                    break 'walk;
                }
                if !resolved.contains_key(&at) {
                    match self.examine(at, entry.commit_log_offset, start_ms, &resolved, &mut checks)? {
                        Verdict::Passed => {}
                        Verdict::Wait => break 'walk,
                    }
                }
                offset = at + 1;
            }
        }
        let op_next = next_op_offset(op_start, &ops, offset);
        if offset != half_start || op_next != op_start {
            let mut offsets = self.state.offsets.lock().expect("offset lock");
            offsets.commit(CHECK_GROUP, HALF_TOPIC, HALF_QUEUE_ID, offset as i64);
            offsets.commit(CHECK_GROUP, OP_TOPIC, HALF_QUEUE_ID, op_next as i64);
            if let Err(err) = offsets.persist() {
                error!(error = %err, "transaction check progress not persisted; checks postponed");
                return Ok(Vec::new());
            }
        }
        debug!(half_start, half_next = offset, op_start, op_next, checks = checks.len(), "transaction check walk");
        Ok(checks)
    }

    /// The checker's next offset in `topic` (the queue's minimum when unknown or behind it).
    fn progress(&self, topic: &str) -> u64 {
        let store = &self.state.store;
        let (min, max) = (store.min_queue_offset(topic, HALF_QUEUE_ID), store.max_queue_offset(topic, HALF_QUEUE_ID));
        let stored = self.state.offsets.lock().expect("offset lock").query(CHECK_GROUP, topic, HALF_QUEUE_ID);
        stored.map_or(min, |offset| u64::try_from(offset).unwrap_or(0)).clamp(min, max)
    }

    /// Op records from `from` to the end of the op queue: op queue offset → half offsets.
    fn read_ops(&self, from: u64) -> Result<BTreeMap<u64, Vec<u64>>, StoreError> {
        let store = &self.state.store;
        let max = store.max_queue_offset(OP_TOPIC, HALF_QUEUE_ID);
        let mut ops = BTreeMap::new();
        let mut offset = from;
        while offset < max {
            let entries = store.queue_entries(OP_TOPIC, HALF_QUEUE_ID, offset, ENTRIES_PER_READ)?;
            let Some((last, _)) = entries.last() else { break };
            offset = last + 1;
            for (at, entry) in entries {
                let halves = match store.message_at(entry.commit_log_offset) {
                    Ok(bytes) => {
                        StoredMessage::decode(&bytes).map(|op| super::op_offsets(op.body())).unwrap_or_default()
                    }
                    Err(err @ (StoreError::OffsetNotFound { .. } | StoreError::InvalidRecord { .. })) => {
                        warn!(op_offset = at, error = %err, "transaction op record unreadable; ignored");
                        Vec::new()
                    }
                    Err(err) => return Err(err),
                };
                ops.insert(at, halves);
            }
        }
        Ok(ops)
    }

    /// Decides about the half message at queue offset `at`.
    fn examine(
        &self,
        at: u64,
        commit_log_offset: u64,
        start_ms: i64,
        resolved: &HashMap<u64, u64>,
        checks: &mut Vec<Check>,
    ) -> Result<Verdict, StoreError> {
        let bytes = match self.state.store.message_at(commit_log_offset) {
            Ok(bytes) => bytes,
            Err(err @ (StoreError::OffsetNotFound { .. } | StoreError::InvalidRecord { .. })) => {
                warn!(half_offset = at, error = %err, "half message gone; skipped");
                return Ok(Verdict::Passed);
            }
            Err(err) => return Err(err),
        };
        let Ok(half) = StoredMessage::decode(&bytes) else {
            error!(half_offset = at, "half message undecodable; skipped");
            return Ok(Verdict::Passed);
        };
        let config = self.state.config();
        let check_times =
            half.property(TRANSACTION_CHECK_TIMES).and_then(|n| n.trim().parse::<i32>().ok()).unwrap_or(0);
        if check_times >= config.transaction_check_max {
            self.discard(&half, at)?;
            return Ok(Verdict::Passed);
        }
        if half.store_timestamp_ms() >= start_ms {
            return Ok(Verdict::Wait);
        }
        let age_ms = now_ms() as i64 - half.born_timestamp_ms();
        let timeout_ms = i64::try_from(config.transaction_time_out).unwrap_or(i64::MAX);
        let immunity_ms = half
            .property(CHECK_IMMUNITY_TIME_IN_SECONDS)
            .map(|text| text.trim().parse::<i64>().map_or(timeout_ms, |seconds| seconds.saturating_mul(1000)));
        // A copy re-appended while immune still answers to the offset the producer knows.
        let original = half.property(TRAN_PREPARED_QUEUE_OFFSET).and_then(|text| text.trim().parse::<u64>().ok());
        if original.is_some_and(|original| resolved.contains_key(&original)) {
            return Ok(Verdict::Passed);
        }
        match immunity_ms {
            Some(immunity_ms) if age_ms < immunity_ms => {
                // Still immune: re-append it so the walk can go on, remembering the first offset.
                let mut props = Properties::parse_bytes(half.properties());
                props.insert(TRAN_PREPARED_QUEUE_OFFSET, original.unwrap_or(at).to_string()).ok();
                self.append_copy(&half, &props)?;
                return Ok(Verdict::Passed);
            }
            None if (0..timeout_ms).contains(&age_ms) => return Ok(Verdict::Wait),
            _ => {}
        }
        let mut props = Properties::parse_bytes(half.properties());
        props.insert(TRANSACTION_CHECK_TIMES, (check_times + 1).to_string()).expect("a number is a valid property");
        let (copy, appended) = self.append_copy(&half, &props)?;
        let Some(check) = self.check_for(&half, &copy, &appended) else {
            error!(half_offset = at, "half message without REAL_TOPIC/REAL_QID/PGROUP; not checked");
            return Ok(Verdict::Passed);
        };
        checks.push(check);
        Ok(Verdict::Passed)
    }

    /// Re-appends `half` to the half queue with `props`; returns the properties and where it went.
    fn append_copy(&self, half: &StoredMessage<'_>, props: &Properties) -> Result<(Vec<u8>, AppendResult), StoreError> {
        let mut raw = Vec::with_capacity(props.encoded_len());
        props.encode(&mut raw);
        let record = MessageRecord {
            queue_offset: 0,
            commit_log_offset: 0,
            store_timestamp_ms: 0,
            properties: &raw,
            ..half.to_record()
        };
        let appended = self.state.store.append(&record).or_else(|err| match err {
            StoreError::FlushTimeout { appended: Some(appended), .. } => Ok(appended),
            err => Err(err),
        })?;
        Ok((raw, appended))
    }

    /// The CHECK_TRANSACTION_STATE for the copy at `appended` of `half` (`codes.md` §5.5).
    fn check_for(&self, half: &StoredMessage<'_>, props: &[u8], appended: &AppendResult) -> Option<Check> {
        let target = real_target(half.properties())?;
        let group = super::producer_group(half)?.to_owned();
        let record = MessageRecord {
            version: MessageVersion::V1,
            queue_id: target.queue_id,
            queue_offset: appended.queue_offset,
            commit_log_offset: appended.commit_log_offset,
            topic: &target.topic,
            properties: props,
            ..half.to_record()
        };
        let mut body = BytesMut::with_capacity(record.encoded_len().ok()?);
        record.encode_into(&mut body).ok()?;
        let offset_msg_id =
            OffsetMessageId { store_host: half.store_host(), commit_log_offset: appended.commit_log_offset }
                .to_string();
        let unique = half.unique_key().map(str::to_owned);
        let mut header = CheckTransactionStateRequestHeader {
            topic: Some(target.topic.clone()),
            tran_state_table_offset: i64::try_from(appended.queue_offset).ok()?,
            commit_log_offset: i64::try_from(appended.commit_log_offset).ok()?,
            msg_id: unique.clone(),
            transaction_id: unique,
            offset_msg_id: Some(offset_msg_id),
            ..Default::default()
        };
        header.rpc.broker_name = Some(self.state.config().broker_name);
        Some(Check { group, header, body: body.freeze() })
    }

    /// Sends `check` to one live producer connection of its group (the longest registered).
    fn send(&self, check: Check) {
        let ids: Vec<u64> = self
            .state
            .clients
            .lock()
            .expect("client lock")
            .producer_group(&check.group)
            .map(|members| members.keys().copied().collect())
            .unwrap_or_default();
        let handle = {
            let connections = self.state.connections.lock().expect("connection lock");
            ids.iter().find_map(|id| connections.get(id).cloned())
        };
        let Some(handle) = handle else {
            warn!(
                group = %check.group,
                offset = check.header.tran_state_table_offset,
                "no producer of the group connected; transaction not checked"
            );
            return;
        };
        debug!(
            group = %check.group,
            peer = %handle.peer_addr(),
            offset = check.header.tran_state_table_offset,
            "checking transaction state"
        );
        let request = RemotingCommand::request(RequestCode::CHECK_TRANSACTION_STATE)
            .with_header(&check.header)
            .with_body(check.body);
        self.runtime.spawn(async move {
            if let Err(err) = handle.invoke_oneway(request, CHECK_SEND_TIMEOUT).await {
                warn!(peer = %handle.peer_addr(), error = %err, "transaction check not delivered");
            }
        });
    }

    /// Copies a message checked `transactionCheckMax` times to `TRANS_CHECK_MAX_TIME_TOPIC`
    /// (created with one queue when missing), as the Java broker does since 4.7.
    fn discard(&self, half: &StoredMessage<'_>, at: u64) -> Result<(), StoreError> {
        self.ensure_check_max_topic();
        let record = MessageRecord {
            version: MessageVersion::for_topic(CHECK_MAX_TIME_TOPIC),
            topic: CHECK_MAX_TIME_TOPIC,
            queue_id: 0,
            queue_offset: 0,
            commit_log_offset: 0,
            store_timestamp_ms: 0,
            ..half.to_record()
        };
        match self.state.store.append(&record) {
            Ok(_) | Err(StoreError::FlushTimeout { .. }) => {}
            Err(err @ (StoreError::MessageTooLarge { .. } | StoreError::InvalidMessage(_) | StoreError::Encode(_))) => {
                error!(half_offset = at, error = %err, "half message not copied to {CHECK_MAX_TIME_TOPIC}; dropped");
            }
            Err(err) => return Err(err),
        }
        warn!(
            half_offset = at,
            msg_id = half.unique_key().unwrap_or(""),
            "half message checked transactionCheckMax times; moved to {CHECK_MAX_TIME_TOPIC}"
        );
        Ok(())
    }

    fn ensure_check_max_topic(&self) {
        let mut topics = self.state.topics.lock().expect("topic lock");
        if topics.get(CHECK_MAX_TIME_TOPIC).is_some() {
            return;
        }
        topics.upsert(TopicConfig {
            topic_name: CHECK_MAX_TIME_TOPIC.to_owned(),
            read_queue_nums: 1,
            write_queue_nums: 1,
            perm: PERM_READ | PERM_WRITE,
            ..TopicConfig::default()
        });
        if let Err(err) = topics.persist() {
            error!(error = %err, "{CHECK_MAX_TIME_TOPIC} created but not persisted");
        }
        self.state.route_changes.changed();
    }
}

/// The op queue offset to keep: just past the leading op records all of whose half offsets are
/// behind `half_next` (records further on may still resolve half messages ahead).
fn next_op_offset(op_start: u64, ops: &BTreeMap<u64, Vec<u64>>, half_next: u64) -> u64 {
    let mut next = op_start;
    for (at, halves) in ops {
        if *at != next || halves.iter().any(|half| *half >= half_next) {
            break;
        }
        next = at + 1;
    }
    next
}

/// Stop flag shared with the thread.
#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

/// The running service: a thread that [`TransactionCheckService::stop`] ends.
pub(crate) struct TransactionCheckService {
    stop: Arc<Stop>,
    thread: Option<JoinHandle<()>>,
}

impl TransactionCheckService {
    /// Starts checking; checks are sent on `runtime`.
    ///
    /// # Errors
    /// The thread cannot be started.
    pub(crate) fn start(state: Arc<State>, runtime: tokio::runtime::Handle) -> std::io::Result<Self> {
        let walker = Walker { state, runtime };
        let stop = Arc::new(Stop::default());
        let signal = stop.clone();
        let thread =
            std::thread::Builder::new().name("bolide-txn-check".to_owned()).spawn(move || run(&walker, &signal))?;
        Ok(TransactionCheckService { stop, thread: Some(thread) })
    }

    /// Stops the thread and waits for it. Blocking.
    pub(crate) fn stop(mut self) {
        self.signal_stop();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                error!("transaction check thread panicked");
            }
        }
    }

    fn signal_stop(&self) {
        *self.stop.stopped.lock().expect("stop lock") = true;
        self.stop.wake.notify_all();
    }
}

impl Drop for TransactionCheckService {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

fn run(walker: &Walker, stop: &Stop) {
    info!(interval_ms = walker.state.config().transaction_check_interval, "transaction check service started");
    loop {
        // Read every round: UPDATE_BROKER_CONFIG may change it.
        let wait = Duration::from_millis(walker.state.config().transaction_check_interval.max(1));
        let stopped = stop.stopped.lock().expect("stop lock");
        let (stopped, _) = stop.wake.wait_timeout_while(stopped, wait, |stopped| !*stopped).expect("stop lock");
        if *stopped {
            break;
        }
        drop(stopped);
        walker.walk();
    }
    info!("transaction check service stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_op_offset_stops_at_the_first_record_still_needed() {
        let ops = BTreeMap::from([(4, vec![1]), (5, vec![0, 2]), (6, vec![9]), (7, vec![3])]);
        assert_eq!(next_op_offset(4, &ops, 3), 6, "record 6 names half 9, not yet walked");
        assert_eq!(next_op_offset(4, &ops, 10), 8);
        assert_eq!(next_op_offset(4, &ops, 0), 4);
        assert_eq!(next_op_offset(4, &BTreeMap::new(), 5), 4);
    }
}
