//! Request-reply: SEND_REPLY_MESSAGE (324) and SEND_REPLY_MESSAGE_V2 (325) (`codes.md` §5.6,
//! `behaviours.md` §12).
//!
//! A consumer answers a request message by sending its reply here. The reply passes the same
//! checks as a send; the broker then finds the producer connection whose client id is the
//! reply's `REPLY_TO_CLIENT`, pushes PUSH_REPLY_MESSAGE_TO_CLIENT (326) to it and waits for the
//! answer (10 s, as the Java broker), and, with `storeReplyMessageEnable` (default true), also
//! stores the reply in its topic. As in the Java broker the response code says whether the push
//! succeeded (SUCCESS or SYSTEM_ERROR with a remark); a failed store only leaves the header's
//! `msgId` at `"0"` and the queue offset at 0.

use std::sync::Arc;
use std::time::Duration;

use bolide_protocol::header::{ReplyMessageRequestHeader, SendMessageFields, SendMessageResponseHeader};
use bolide_protocol::message::properties::{self, PUSH_REPLY_TIME, REPLY_TO_CLIENT};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use bolide_store::StoreError;
use tracing::{debug, warn};

use super::{check, prepare_single, response_header, send_fields, Refusal};
use crate::processor::fail;
use crate::server::{now_ms, State};

/// How long the broker waits for the requester to acknowledge a pushed reply (the Java broker's
/// `Broker2Client.callClient` timeout).
const PUSH_REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// SEND_REPLY_MESSAGE and SEND_REPLY_MESSAGE_V2.
pub(crate) async fn send_reply_message(
    state: Arc<State>,
    ctx: RequestContext,
    request: RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let mut header = send_fields(&request, request.code == RequestCode::SEND_REPLY_MESSAGE_V2.value())?;
    let target = match check(&state, &ctx, &header).await {
        Ok(target) => target,
        Err(Refusal(code, remark)) => return Ok(fail(&request, code, remark)),
    };
    let body = request.body.clone().unwrap_or_default();
    let raw = header.properties.unwrap_or("");
    let requester = properties::find_property(raw, REPLY_TO_CLIENT).map(str::to_owned);
    let pushed_properties = with_push_reply_time(raw);
    header.properties = Some(&pushed_properties);
    let pushed = match requester {
        Some(client_id) => push_reply(&state, &ctx, &header, target.queue_id, &body, &client_id).await,
        None => {
            warn!(topic = %header.topic, "reply without {REPLY_TO_CLIENT}; nobody to push it to");
            Err(format!("reply message properties[{REPLY_TO_CLIENT}] is null"))
        }
    };
    let mut response_header = SendMessageResponseHeader::new("0".to_owned(), target.queue_id, 0);
    response_header.msg_region = Some(state.config.read().expect("config lock").region_id.clone());
    if state.config.read().expect("config lock").store_reply_message_enable {
        if let Some(stored) = store_reply(&state, &ctx, &header, target, &body).await {
            response_header = stored;
        }
    }
    let response = RemotingCommand::response_to(&request, ResponseCode::SUCCESS).with_header(&response_header);
    Ok(match pushed {
        Ok(()) => response,
        Err(remark) => {
            let mut response = response.with_remark(remark);
            response.code = ResponseCode::SYSTEM_ERROR.value();
            response
        }
    })
}

/// The reply's properties with `PUSH_REPLY_TIME` set to now.
fn with_push_reply_time(raw: &str) -> String {
    let mut parsed = properties::Properties::parse(raw);
    parsed.insert(PUSH_REPLY_TIME, now_ms().to_string()).expect("a valid name and a non-empty number");
    parsed.to_wire_string()
}

/// Pushes the reply to the requester's connection; `Err` carries the remark for the replier.
async fn push_reply(
    state: &State,
    ctx: &RequestContext,
    header: &SendMessageFields<'_>,
    queue_id: i32,
    body: &bytes::Bytes,
    client_id: &str,
) -> Result<(), String> {
    let connection = {
        let clients = state.clients.lock().expect("client lock");
        clients.producer_connection(client_id)
    };
    let handle = connection.and_then(|id| state.connections.lock().expect("connection lock").get(&id).cloned());
    let Some(handle) = handle else {
        warn!(client_id, topic = %header.topic, "reply not pushed: the requester is not connected");
        return Err(format!("push reply message fail, channel of <{client_id}> not found."));
    };
    let push = ReplyMessageRequestHeader {
        producer_group: header.producer_group.to_owned(),
        topic: header.topic.to_owned(),
        default_topic: header.default_topic.to_owned(),
        default_topic_queue_nums: header.default_topic_queue_nums,
        queue_id,
        sys_flag: header.sys_flag,
        born_timestamp: header.born_timestamp,
        flag: header.flag,
        properties: header.properties.map(str::to_owned),
        reconsume_times: header.reconsume_times,
        unit_mode: header.unit_mode,
        born_host: ctx.peer_addr().to_string(),
        store_host: state.store_host.to_string(),
        store_timestamp: now_ms() as i64,
        ..Default::default()
    };
    let request =
        RemotingCommand::request(RequestCode::PUSH_REPLY_MESSAGE_TO_CLIENT).with_header(&push).with_body(body.clone());
    match handle.invoke(request, PUSH_REPLY_TIMEOUT).await {
        Ok(answer) if answer.code == ResponseCode::SUCCESS.value() => {
            debug!(client_id, "reply pushed");
            Ok(())
        }
        Ok(answer) => {
            warn!(client_id, code = answer.code, remark = ?answer.remark, "the requester refused the pushed reply");
            Err(format!("push reply message to {client_id} failed: the client answered {}", answer.code))
        }
        Err(err) => {
            warn!(client_id, error = %err, "reply not pushed");
            Err(format!("push reply message to {client_id} failed: {err}"))
        }
    }
}

/// Stores the reply; the send response header of the stored record, or `None` when the store
/// refused it (logged: the push result alone decides the response code, as in the Java broker).
async fn store_reply(
    state: &State,
    ctx: &RequestContext,
    header: &SendMessageFields<'_>,
    target: super::Target,
    body: &bytes::Bytes,
) -> Option<SendMessageResponseHeader> {
    let prepared = match prepare_single(state, ctx, header, target, body) {
        Ok(prepared) => prepared,
        Err(Refusal(code, remark)) => {
            warn!(topic = %header.topic, ?code, remark, "reply not stored");
            return None;
        }
    };
    let records = prepared.records();
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let appended = state.store.append_then(&records, Box::new(move |durable| drop(sender.send(durable))));
    let appended = match appended {
        Ok(appended) => appended,
        Err(err) => {
            warn!(topic = %header.topic, error = %err, "reply not stored");
            return None;
        }
    };
    state.stats.record_put(header.topic, appended.message_count as u64, appended.size_bytes);
    match super::super::durable::within(receiver, state.store.config().sync_flush_timeout).await {
        Ok(()) | Err(StoreError::FlushTimeout { .. }) => Some(response_header(state, &prepared, &records, &appended)),
        Err(err) => {
            warn!(topic = %header.topic, error = %err, "reply not stored");
            None
        }
    }
}
