//! Offsets and messages read from the store: GET_MAX_OFFSET (30), GET_MIN_OFFSET (31),
//! GET_EARLIEST_MSG_STORETIME (32), SEARCH_OFFSET_BY_TIMESTAMP (29), VIEW_MESSAGE_BY_ID (33),
//! QUERY_MESSAGE (12) (`codes.md` §6.10–§6.12).
//!
//! As in the Java broker, offset lookups answer SUCCESS for unknown topics and queues (max and
//! min offset 0, earliest store time −1).

use bolide_protocol::header::{
    BoundaryType, GetEarliestMsgStoretimeRequestHeader, GetEarliestMsgStoretimeResponseHeader,
    GetMaxOffsetRequestHeader, GetMaxOffsetResponseHeader, GetMinOffsetRequestHeader, GetMinOffsetResponseHeader,
    QueryMessageRequestHeader, QueryMessageResponseHeader, SearchOffsetRequestHeader, SearchOffsetResponseHeader,
    ViewMessageRequestHeader,
};
use bolide_protocol::message::StoredMessage;
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use bolide_store::{MessageStore, StoreError};
use bytes::BytesMut;
use tracing::debug;

use super::{fail, header, success};
use crate::server::State;

/// How many messages a unique-key query may return (Java's `defaultQueryMaxNum`).
const DEFAULT_QUERY_MAX_NUM: usize = 32;

/// A queue offset as Java's signed `long`.
pub(super) fn signed(offset: u64) -> i64 {
    i64::try_from(offset).unwrap_or(i64::MAX)
}

pub(super) fn get_max_offset(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetMaxOffsetRequestHeader = header(request)?;
    // Without replication every stored message counts as committed.
    let offset = signed(state.store.max_queue_offset(&header.topic, header.queue_id));
    Ok(success(request).with_header(&GetMaxOffsetResponseHeader { offset }))
}

pub(super) fn get_min_offset(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetMinOffsetRequestHeader = header(request)?;
    let offset = signed(state.store.min_queue_offset(&header.topic, header.queue_id));
    Ok(success(request).with_header(&GetMinOffsetResponseHeader { offset }))
}

pub(super) fn get_earliest_msg_storetime(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetEarliestMsgStoretimeRequestHeader = header(request)?;
    let timestamp = earliest_store_time(&state.store, &header.topic, header.queue_id).map_err(ProcessError::new)?;
    Ok(success(request).with_header(&GetEarliestMsgStoretimeResponseHeader { timestamp: timestamp.unwrap_or(-1) }))
}

/// Store time of the message at the queue's min offset, `None` for an empty or unknown queue or
/// when that message's data is gone (as Java, which reads only there).
///
/// # Errors
/// I/O errors reading the consume queue or the commit log.
pub(crate) fn earliest_store_time(store: &MessageStore, topic: &str, queue_id: i32) -> Result<Option<i64>, StoreError> {
    let min = store.min_queue_offset(topic, queue_id);
    if min >= store.max_queue_offset(topic, queue_id) {
        return Ok(None);
    }
    match store.store_time_at(topic, queue_id, min) {
        Ok(timestamp) => Ok(Some(timestamp)),
        Err(StoreError::OffsetNotFound { .. } | StoreError::InvalidRecord { .. }) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Store time of the newest message of the queue (0 when empty), the TopicOffset's
/// `lastUpdateTimestamp`.
pub(crate) fn last_store_time(store: &MessageStore, topic: &str, queue_id: i32) -> i64 {
    let max = store.max_queue_offset(topic, queue_id);
    match max.checked_sub(1) {
        Some(last) => store.store_time_at(topic, queue_id, last).unwrap_or(0),
        None => 0,
    }
}

pub(super) fn search_offset_by_timestamp(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: SearchOffsetRequestHeader = header(request)?;
    let offset = offset_by_time(&state.store, &header.topic, header.queue_id, header.timestamp, header.boundary_type())
        .map_err(ProcessError::new)?;
    Ok(success(request).with_header(&SearchOffsetResponseHeader { offset: signed(offset) }))
}

/// LOWER: the smallest offset stored at or after `timestamp_ms` (the max offset when every
/// message is older). UPPER: the largest offset stored at or before it (the min offset when every
/// message is newer).
///
/// # Errors
/// I/O errors reading the consume queue or the commit log.
pub(crate) fn offset_by_time(
    store: &MessageStore,
    topic: &str,
    queue_id: i32,
    timestamp_ms: i64,
    boundary: BoundaryType,
) -> Result<u64, StoreError> {
    match boundary {
        BoundaryType::Lower => store.queue_offset_by_time(topic, queue_id, timestamp_ms),
        BoundaryType::Upper => {
            let after = store.queue_offset_by_time(topic, queue_id, timestamp_ms.saturating_add(1))?;
            Ok(after.saturating_sub(1).max(store.min_queue_offset(topic, queue_id)))
        }
    }
}

pub(super) fn view_message_by_id(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: ViewMessageRequestHeader = header(request)?;
    let not_found =
        || fail(request, ResponseCode::SYSTEM_ERROR, format!("can not find message by the offset, {}", header.offset));
    let Ok(offset) = u64::try_from(header.offset) else { return Ok(not_found()) };
    match state.store.message_at(offset) {
        Ok(record) => Ok(success(request).with_body(record)),
        Err(StoreError::OffsetNotFound { .. } | StoreError::InvalidRecord { .. }) => Ok(not_found()),
        Err(err) => Err(ProcessError::new(err)),
    }
}

pub(super) fn query_message(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: QueryMessageRequestHeader = header(request)?;
    let max_count =
        if header.unique_key_query() { DEFAULT_QUERY_MAX_NUM } else { usize::try_from(header.max_num).unwrap_or(0) };
    let records = state
        .store
        .query_by_key(&header.topic, &header.key, max_count, header.begin_timestamp, header.end_timestamp)
        .map_err(ProcessError::new)?;
    debug!(topic = %header.topic, key = %header.key, found = records.len(), "message query");
    // The index is built up to the dispatched offset; the newest message found stands in for the
    // last index update time (clients only keep it for bookkeeping).
    let newest = records
        .iter()
        .filter_map(|record| StoredMessage::decode(record).ok().map(|message| message.store_timestamp_ms()))
        .max()
        .unwrap_or(0);
    let response_header = QueryMessageResponseHeader {
        index_last_update_timestamp: newest,
        index_last_update_commit_log_offset: signed(state.store.dispatched_commit_log_offset()),
    };
    if records.is_empty() {
        return Ok(fail(request, ResponseCode::QUERY_NOT_FOUND, "can not find message, maybe time range not correct")
            .with_header(&response_header));
    }
    let mut body = BytesMut::with_capacity(records.iter().map(|record| record.len()).sum());
    for record in &records {
        body.extend_from_slice(record);
    }
    Ok(success(request).with_header(&response_header).with_body(body.freeze()))
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use bolide_protocol::message::{MessageRecord, MessageVersion, SysFlag};

    use super::*;
    use crate::config::BrokerConfig;

    /// A store with `count` messages in queue 0 of `T`, a few ms apart; returns their store times.
    fn store_with_messages(dir: &std::path::Path, count: usize) -> (MessageStore, Vec<i64>) {
        let config = BrokerConfig { store_path_root_dir: dir.to_owned(), ..BrokerConfig::default() };
        let store = MessageStore::open(config.store_config()).expect("store");
        let host: SocketAddr = "127.0.0.1:10911".parse().expect("address");
        for _ in 0..count {
            let record = MessageRecord {
                version: MessageVersion::for_topic("T"),
                queue_id: 0,
                flag: 0,
                queue_offset: 0,
                commit_log_offset: 0,
                sys_flag: SysFlag::default(),
                born_timestamp_ms: 0,
                born_host: host,
                store_timestamp_ms: 0,
                store_host: host,
                reconsume_times: 0,
                prepared_transaction_offset: 0,
                body: b"x",
                topic: "T",
                properties: b"",
            };
            store.append(&record).expect("append");
            std::thread::sleep(Duration::from_millis(3));
        }
        assert!(store.wait_dispatched(Duration::from_secs(10)));
        let times = (0..count as u64).map(|offset| store.store_time_at("T", 0, offset).expect("stored")).collect();
        (store, times)
    }

    #[test]
    fn offsets_by_time_take_the_boundary_asked_for() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, times) = store_with_messages(dir.path(), 3);
        assert!(times.windows(2).all(|pair| pair[0] < pair[1]), "distinct store times {times:?}");
        let lower = |ts| offset_by_time(&store, "T", 0, ts, BoundaryType::Lower).expect("search");
        let upper = |ts| offset_by_time(&store, "T", 0, ts, BoundaryType::Upper).expect("search");
        assert_eq!((lower(times[1]), upper(times[1])), (1, 1), "an exact time");
        assert_eq!((lower(times[1] + 1), upper(times[1] + 1)), (2, 1), "between two messages");
        assert_eq!((lower(times[0] - 1), upper(times[0] - 1)), (0, 0), "before every message");
        assert_eq!((lower(times[2] + 1), upper(times[2] + 1)), (3, 2), "after every message");
        assert_eq!(earliest_store_time(&store, "T", 0).expect("read"), Some(times[0]));
        assert_eq!(last_store_time(&store, "T", 0), times[2]);
        assert_eq!(earliest_store_time(&store, "T", 1).expect("read"), None, "unknown queue");
        assert_eq!(last_store_time(&store, "U", 0), 0);
        store.close().expect("close");
    }

    #[test]
    fn offsets_are_java_longs() {
        assert_eq!(signed(7), 7);
        assert_eq!(signed(u64::MAX), i64::MAX);
    }
}
