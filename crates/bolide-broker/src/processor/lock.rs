//! Orderly-consumption queue locks: LOCK_BATCH_MQ (41), UNLOCK_BATCH_MQ (42).

use bolide_protocol::body::{LockBatchRequestBody, LockBatchResponseBody, UnlockBatchRequestBody};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::RemotingCommand;
use bolide_remoting::{ProcessError, RequestContext};

use super::{body, success};
use crate::server::{now_ms, State};

pub(super) fn lock_batch_mq(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let lock: LockBatchRequestBody = body(request, "LOCK_BATCH_MQ")?;
    let lock_ok_mq_set = state.locks.lock().expect("lock table lock").lock_batch(
        &lock.consumer_group,
        &lock.mq_set,
        &lock.client_id,
        now_ms(),
    );
    let response = LockBatchResponseBody { lock_ok_mq_set };
    Ok(success(request).with_body(json::to_vec(&response, KeyStyle::Fastjson)))
}

pub(super) fn unlock_batch_mq(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let unlock: UnlockBatchRequestBody = body(request, "UNLOCK_BATCH_MQ")?;
    state.locks.lock().expect("lock table lock").unlock_batch(
        &unlock.consumer_group,
        &unlock.mq_set,
        &unlock.client_id,
    );
    Ok(success(request))
}
