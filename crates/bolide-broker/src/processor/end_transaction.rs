//! END_TRANSACTION (37): a producer resolves a half message (`behaviours.md` §7.3,
//! `codes.md` §5.4). Clients send it oneway, so the answer is usually dropped; senders that wait
//! get 0, SLAVE_NOT_AVAILABLE, ILLEGAL_OPERATION (immunity time passed) or SYSTEM_ERROR with a
//! remark saying why the half message was not resolved.
//!
//! Commit appends a copy with type COMMIT to the real topic and queue (visible to consumers from
//! then on), then an op record; rollback appends only the op record; type 0 (unknown) is ignored
//! and left to the check-back service.

use std::sync::Arc;

use bolide_protocol::header::end_transaction::{
    TRANSACTION_COMMIT_TYPE, TRANSACTION_NOT_TYPE, TRANSACTION_ROLLBACK_TYPE,
};
use bolide_protocol::header::EndTransactionRequestHeader;
use bolide_protocol::message::properties::CHECK_IMMUNITY_TIME_IN_SECONDS;
use bolide_protocol::message::{MessageRecord, MessageVersion, StoredMessage, SysFlag};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use bolide_store::{DurableCallback, StoreError};
use tokio::sync::oneshot;
use tracing::{debug, warn};

use super::{fail, header, success};
use crate::server::{now_ms, State};
use crate::transaction::{self, HALF_TOPIC, OP_TOPIC};

/// END_TRANSACTION. It runs on the connection's task like a send: the appends only copy into
/// the commit log, and under `SYNC_FLUSH` the answer waits for durability without blocking a
/// thread. (On the blocking pool, every oneway END_TRANSACTION cost a thread hand-off and lock
/// contention between pool threads: half the broker's CPU went to context switches.)
pub(super) async fn end_transaction(
    state: Arc<State>,
    ctx: RequestContext,
    request: RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: EndTransactionRequestHeader = header(&request)?;
    if state.config.read().expect("config lock").broker_role == "SLAVE" {
        return Ok(fail(&request, ResponseCode::SLAVE_NOT_AVAILABLE, "Can not process transaction message on a slave"));
    }
    let kind = match header.commit_or_rollback {
        TRANSACTION_COMMIT_TYPE => "commit",
        TRANSACTION_ROLLBACK_TYPE => "rollback",
        TRANSACTION_NOT_TYPE => {
            debug!(
                group = %header.producer_group,
                msg_id = %header.msg_id,
                from_check = header.from_transaction_check(),
                peer = %ctx.peer_addr(),
                "transaction state unknown; the broker will check back"
            );
            return Ok(success(&request));
        }
        other => unreachable!("the header check allows 0, 8 and 12, not {other}"),
    };
    let durable = match resolve(&state, &header, kind) {
        Ok(durable) => durable,
        Err((code, remark)) => return Ok(fail(&request, code, remark)),
    };
    // The op record is appended after the commit copy, so its durability covers both.
    match super::durable::within(durable, state.store.config().sync_flush_timeout).await {
        Ok(()) | Err(StoreError::FlushTimeout { .. }) => {}
        Err(err) => {
            warn!(group = %header.producer_group, error = %err, "transaction {kind} stored but not durable");
            let remark = format!("{kind} stored, flush failed: {err}");
            return Ok(fail(&request, ResponseCode::SYSTEM_ERROR, remark));
        }
    }
    debug!(
        group = %header.producer_group,
        commit_log_offset = header.commit_log_offset,
        from_check = header.from_transaction_check(),
        "transaction {kind}"
    );
    Ok(success(&request))
}

/// Finds and checks the half message, appends the commit copy (for a commit) and the op record;
/// returns what completes once they are durable, or the refusal.
fn resolve(
    state: &State,
    header: &EndTransactionRequestHeader,
    kind: &str,
) -> Result<oneshot::Receiver<Result<(), StoreError>>, (ResponseCode, String)> {
    let system_error = |remark: String| (ResponseCode::SYSTEM_ERROR, remark);
    let bytes = find_half(state, header).map_err(system_error)?;
    let half = match StoredMessage::decode(&bytes) {
        Ok(half) if half.topic() == HALF_TOPIC => half,
        _ => return Err(system_error("Find prepared transaction message failed: not a half message".to_owned())),
    };
    let commit_log_offset = half.commit_log_offset();
    if let Err(remark) = check_prepared(&half, header) {
        warn!(group = %header.producer_group, commit_log_offset, "END_TRANSACTION refused: {remark}");
        return Err(system_error(remark));
    }
    if !header.from_transaction_check() && immunity_passed(&half) {
        let remark = format!("Message {kind} after its check immunity time; the broker is checking it back");
        return Err((ResponseCode::ILLEGAL_OPERATION, remark));
    }
    if header.commit_or_rollback == TRANSACTION_COMMIT_TYPE {
        let Some(target) = transaction::real_target(half.properties()) else {
            return Err(system_error("The half message has no REAL_TOPIC/REAL_QID".to_owned()));
        };
        let record = transaction::commit_record(&half, &target);
        if let Err(err) = state.store.append_then(std::slice::from_ref(&record), Box::new(|_| {})) {
            warn!(topic = %target.topic, error = %err, "committed transaction message not stored");
            return Err(system_error(format!("commit failed: {err}")));
        }
        state.stats.record_put(&target.topic, 1, record.encoded_len().unwrap_or(0) as u64);
    }
    let (sender, receiver) = oneshot::channel();
    if let Err(err) = write_op(state, &half, Box::new(move |durable| drop(sender.send(durable)))) {
        warn!(commit_log_offset, error = %err, "transaction op record not stored; the broker may check it back");
        return Err(system_error(format!("{kind} stored, op record failed: {err}")));
    }
    Ok(receiver)
}

/// The record at the request's commit log offset, or the remark saying why there is none.
fn find_half(state: &State, header: &EndTransactionRequestHeader) -> Result<bytes::Bytes, String> {
    let offset = u64::try_from(header.commit_log_offset)
        .map_err(|_| "Find prepared transaction message failed: negative commitLogOffset".to_owned())?;
    state.store.message_at(offset).map_err(|err| {
        warn!(
            group = %header.producer_group,
            commit_log_offset = offset,
            error = %err,
            "END_TRANSACTION names no half message"
        );
        format!("Find prepared transaction message failed: {err}")
    })
}

/// Java's `checkPrepareMessage`: the group, queue offset and commit log offset must match.
fn check_prepared(half: &StoredMessage<'_>, header: &EndTransactionRequestHeader) -> Result<(), String> {
    if transaction::producer_group(half) != Some(header.producer_group.as_str()) {
        return Err("The producer group wrong".to_owned());
    }
    if i64::try_from(half.queue_offset()).ok() != Some(header.tran_state_table_offset) {
        return Err("The transaction state table offset wrong".to_owned());
    }
    if i64::try_from(half.commit_log_offset()).ok() != Some(header.commit_log_offset) {
        return Err("The commit log offset wrong".to_owned());
    }
    Ok(())
}

/// Whether the half's `CHECK_IMMUNITY_TIME_IN_SECONDS` has passed (5.1.1+ refuses a producer's own
/// late resolution then, as the check-back owns it).
fn immunity_passed(half: &StoredMessage<'_>) -> bool {
    let Some(seconds) = half.property(CHECK_IMMUNITY_TIME_IN_SECONDS).and_then(|s| s.trim().parse::<i64>().ok()) else {
        return false;
    };
    now_ms() as i64 - half.born_timestamp_ms() > seconds.saturating_mul(1000)
}

/// Appends the op record marking `half` resolved; `on_durable` runs once it is durable.
fn write_op(state: &State, half: &StoredMessage<'_>, on_durable: DurableCallback) -> Result<(), StoreError> {
    let unique = state.unique_ids.next_id(now_ms() as i64).to_string();
    let (body, properties) = transaction::op_record_parts(half.queue_offset(), &unique);
    let record = MessageRecord {
        version: MessageVersion::for_topic(OP_TOPIC),
        queue_id: half.queue_id(),
        flag: 0,
        queue_offset: 0,
        commit_log_offset: 0,
        sys_flag: SysFlag::from_bits(0),
        born_timestamp_ms: now_ms() as i64,
        born_host: state.store_host,
        store_timestamp_ms: 0,
        store_host: state.store_host,
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body: &body,
        topic: OP_TOPIC,
        properties: &properties,
    };
    state.store.append_then(std::slice::from_ref(&record), on_durable).map(drop)
}
