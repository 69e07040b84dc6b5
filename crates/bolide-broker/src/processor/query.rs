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

/// Store time of the oldest message still in the queue, `None` for an empty or unknown queue.
pub(crate) fn earliest_store_time(store: &MessageStore, topic: &str, queue_id: i32) -> Result<Option<i64>, StoreError> {
    let (min, max) = (store.min_queue_offset(topic, queue_id), store.max_queue_offset(topic, queue_id));
    // The first entries may point at commit log data retention already removed: skip them.
    for offset in min..max {
        match store.store_time_at(topic, queue_id, offset) {
            Ok(timestamp) => return Ok(Some(timestamp)),
            Err(StoreError::OffsetNotFound { .. } | StoreError::InvalidRecord { .. }) => continue,
            Err(err) => return Err(err),
        }
    }
    Ok(None)
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
    use super::*;

    #[test]
    fn offsets_are_java_longs() {
        assert_eq!(signed(7), 7);
        assert_eq!(signed(u64::MAX), i64::MAX);
    }
}
