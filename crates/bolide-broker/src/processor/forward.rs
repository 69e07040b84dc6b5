//! Requests the broker passes on to consumer clients: GET_CONSUMER_RUNNING_INFO (307),
//! CONSUME_MESSAGE_DIRECTLY (309) and INVOKE_BROKER_TO_GET_CONSUMER_STATUS (223)
//! (`codes.md` §7.1, §7.2, §7.4).
//!
//! The first two find the named client among the group's live members, send it the request with
//! the same extFields and body, and return its answer unchanged; the dispatcher gives it the
//! admin's `opaque`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bolide_protocol::body::GetConsumerStatusBody;
use bolide_protocol::header::{
    ConsumeMessageDirectlyResultRequestHeader, GetConsumerRunningInfoRequestHeader, GetConsumerStatusRequestHeader,
};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::message::OffsetMessageId;
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ConnectionHandle, ProcessError, RemotingError, RequestContext};
use tracing::debug;

use super::{fail, header, success};
use crate::client::ClientChannel;
use crate::server::State;

/// How long a forwarded call may wait for the client (Java's `callClient`).
const CALL_CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long each client may take to report its offsets (Java's `getConsumeStatus`).
const CONSUMER_STATUS_TIMEOUT: Duration = Duration::from_secs(5);
/// `MQVersion` ordinal of V3_0_7_SNAPSHOT: older clients cannot report or reset offsets.
pub(super) const MIN_VERSION_OFFSET_CALLS: i32 = 28;
/// `MQVersion` ordinal of V3_1_8_SNAPSHOT: older clients cannot answer forwarded calls.
const MIN_VERSION_FORWARDED_CALLS: i32 = 62;

/// The live members of a consumer group with their connections, in connection order.
pub(super) fn consumer_channels(state: &State, group: &str) -> Vec<(ClientChannel, ConnectionHandle)> {
    let members: Vec<(u64, ClientChannel)> = {
        let clients = state.clients.lock().expect("client lock");
        clients
            .consumer_group(group)
            .map(|members| members.channels.iter().map(|(id, channel)| (*id, channel.clone())).collect())
            .unwrap_or_default()
    };
    let connections = state.connections.lock().expect("connection lock");
    members
        .into_iter()
        .filter_map(|(id, channel)| connections.get(&id).map(|handle| (channel, handle.clone())))
        .collect()
}

pub(super) async fn get_consumer_running_info(
    state: Arc<State>,
    _ctx: RequestContext,
    request: RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetConsumerRunningInfoRequestHeader = header(&request)?;
    call_consumer(&state, &request, request.clone(), &header.consumer_group, &header.client_id).await
}

pub(super) async fn consume_message_directly(
    state: Arc<State>,
    _ctx: RequestContext,
    request: RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: ConsumeMessageDirectlyResultRequestHeader = header(&request)?;
    let mut forwarded = request.clone().with_ext("brokerName", state.config().broker_name);
    // The client learns the topic's and the group's flags from the broker.
    let topic_config =
        header.topic.as_deref().and_then(|topic| state.topics.lock().expect("topic lock").get(topic).cloned());
    if let Some(config) = topic_config {
        forwarded = forwarded.with_ext("topicSysFlag", config.topic_sys_flag.to_string());
    }
    let group_config = state.groups.lock().expect("group lock").get(&header.consumer_group).cloned();
    if let Some(config) = group_config {
        forwarded = forwarded.with_ext("groupSysFlag", config.group_sys_flag.to_string());
    }
    // Java loads the message named by the offset id and sends it as the body; a message that
    // cannot be found leaves the admin's body as it was.
    let stored = header
        .msg_id
        .as_deref()
        .and_then(|id| OffsetMessageId::parse(id).ok())
        .and_then(|id| state.store.message_at(id.commit_log_offset).ok());
    if let Some(record) = stored {
        forwarded.body = Some(record);
    }
    let client_id = header.client_id.unwrap_or_default();
    call_consumer(&state, &request, forwarded, &header.consumer_group, &client_id).await
}

/// Sends `forwarded` to `client_id` of `group` and returns the client's response.
async fn call_consumer(
    state: &State,
    request: &RemotingCommand,
    forwarded: RemotingCommand,
    group: &str,
    client_id: &str,
) -> Result<RemotingCommand, ProcessError> {
    let found = consumer_channels(state, group).into_iter().find(|(channel, _)| channel.client_id == client_id);
    let Some((channel, connection)) = found else {
        let remark = format!("The Consumer <{group}> <{client_id}> not online");
        return Ok(fail(request, ResponseCode::SYSTEM_ERROR, remark));
    };
    if channel.version < MIN_VERSION_FORWARDED_CALLS {
        let remark = format!(
            "The Consumer <{group}> Version <{}> too low to finish, please upgrade it to V3_1_8_SNAPSHOT",
            channel.version
        );
        return Ok(fail(request, ResponseCode::SYSTEM_ERROR, remark));
    }
    // A fresh request with the admin's code, extFields and body (the connection assigns the
    // opaque; the response flag is cleared there too).
    let mut outgoing = RemotingCommand::request(RequestCode(forwarded.code));
    outgoing.ext_fields = forwarded.ext_fields;
    outgoing.body = forwarded.body;
    match connection.invoke(outgoing, CALL_CLIENT_TIMEOUT).await {
        Ok(response) => Ok(response),
        Err(err @ RemotingError::Timeout { .. }) => {
            let remark = format!("consumer <{group}> <{client_id}> Timeout: {err}");
            Ok(fail(request, ResponseCode::CONSUME_MSG_TIMEOUT, remark))
        }
        Err(err) => {
            let remark = format!("invoke consumer <{group}> <{client_id}> Exception: {err}");
            Ok(fail(request, ResponseCode::SYSTEM_ERROR, remark))
        }
    }
}

/// INVOKE_BROKER_TO_GET_CONSUMER_STATUS: asks every member of the group (or only the client
/// named by `clientAddr`, which Java compares with the client id) for the offsets it holds.
pub(super) async fn get_consumer_status(
    state: Arc<State>,
    _ctx: RequestContext,
    request: RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetConsumerStatusRequestHeader = header(&request)?;
    let group = &header.group;
    let members = consumer_channels(&state, group);
    if members.is_empty() {
        let remark = format!("No Any Consumer online in the consumer group: [{group}]");
        return Ok(fail(&request, ResponseCode::SYSTEM_ERROR, remark));
    }
    let only = header.client_addr.as_deref().filter(|id| !id.is_empty());
    let question =
        GetConsumerStatusRequestHeader { topic: header.topic.clone(), group: group.clone(), ..Default::default() };
    let question = RemotingCommand::request(RequestCode::GET_CONSUMER_STATUS_FROM_CLIENT).with_header(&question);
    let mut consumer_table = BTreeMap::new();
    for (channel, connection) in members {
        if channel.version < MIN_VERSION_OFFSET_CALLS {
            let remark = format!("the client does not support this feature. version={}", channel.version);
            return Ok(fail(&request, ResponseCode::SYSTEM_ERROR, remark));
        }
        if only.is_some_and(|id| id != channel.client_id) {
            continue;
        }
        match connection.invoke(question.clone(), CONSUMER_STATUS_TIMEOUT).await {
            Ok(answer) if answer.code == ResponseCode::SUCCESS.value() => {
                let Some(body) = answer.body.as_deref() else { continue };
                match json::from_slice::<GetConsumerStatusBody>(body) {
                    Ok(status) => {
                        consumer_table.insert(channel.client_id.clone(), status.message_queue_table);
                    }
                    Err(err) => debug!(client = %channel.client_id, error = %err, "consumer status not understood"),
                }
            }
            Ok(answer) => debug!(client = %channel.client_id, code = answer.code, "consumer status refused"),
            Err(err) => debug!(client = %channel.client_id, error = %err, "consumer status not answered"),
        }
        if only.is_some() {
            break;
        }
    }
    let body = GetConsumerStatusBody { consumer_table, ..Default::default() };
    Ok(success(&request).with_body(json::to_vec(&body, KeyStyle::Fastjson)))
}
