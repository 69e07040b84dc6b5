//! Client membership: HEART_BEAT (34), UNREGISTER_CLIENT (35), GET_CONSUMER_LIST_BY_GROUP (38),
//! GET_CONSUMER_CONNECTION_LIST (203), GET_PRODUCER_CONNECTION_LIST (204), CHECK_CLIENT_CONFIG (46).

use bolide_protocol::body::{
    CheckClientRequestBody, Connection, ConsumerConnection, ConsumerData, GetConsumerListByGroupResponseBody,
    HeartbeatData, ProducerConnection,
};
use bolide_protocol::header::{
    GetConsumerConnectionListRequestHeader, GetConsumerListByGroupRequestHeader,
    GetProducerConnectionListRequestHeader, UnregisterClientRequestHeader,
};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use tracing::{info, warn};

use super::{body, fail, header, persist_failed, success};
use crate::client::ClientChannel;
use crate::filter::MessageFilter;
use crate::server::{now_ms, State};

pub(super) fn heart_beat(
    state: &State,
    ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let data: HeartbeatData = body(request, "HEART_BEAT")?;
    let connection = ctx.connection_id().value();
    state.connections.lock().expect("connection lock").insert(connection, ctx.connection().clone());
    let channel = ClientChannel {
        client_id: data.client_id.clone(),
        language: request.language,
        version: request.version,
        client_addr: ctx.peer_addr().to_string(),
        last_update_ms: now_ms(),
    };
    // A v2 heartbeat may leave out subscriptions that did not change.
    let keep_subscriptions = data.without_sub && data.heartbeat_fingerprint != 0;
    for consumer in &data.consumer_data_set {
        register_consumer(state, connection, &channel, consumer, keep_subscriptions)?;
    }
    let mut clients = state.clients.lock().expect("client lock");
    for producer in &data.producer_data_set {
        clients.register_producer(connection, channel.clone(), &producer.group_name);
    }
    // The response does not announce IS_SUPPORT_HEART_BEAT_V2, so 5.x clients keep sending full
    // heartbeats with subscriptions (`codes.md` §6.1).
    Ok(success(request))
}

fn register_consumer(
    state: &State,
    connection: u64,
    channel: &ClientChannel,
    consumer: &ConsumerData,
    keep_subscriptions: bool,
) -> Result<(), ProcessError> {
    let group = &consumer.group_name;
    let auto_create = state.config.read().expect("config lock").auto_create_subscription_group;
    let found = {
        let mut groups = state.groups.lock().expect("group lock");
        let found = groups.find_or_create(group, auto_create);
        if matches!(found, Some((_, true))) {
            groups.persist().map_err(persist_failed)?;
            info!(group = %group, "subscription group created on heartbeat");
        }
        found
    };
    let Some((group_config, _)) = found else {
        warn!(
            group = %group,
            "heartbeat from a consumer of an unknown group ignored; autoCreateSubscriptionGroup is off, \
             create the group with mqadmin updateSubGroup"
        );
        return Ok(());
    };
    {
        let mut topics = state.topics.lock().expect("topic lock");
        if let Some(created) = topics.create_retry_topic(group, group_config.retry_queue_nums) {
            topics.persist().map_err(persist_failed)?;
            info!(topic = %created.topic_name, "retry topic created for consumer group");
            state.route_changes.changed();
        }
    }
    let changed = state.clients.lock().expect("client lock").register_consumer(
        connection,
        channel.clone(),
        consumer,
        keep_subscriptions,
    );
    if changed {
        info!(group = %group, client_id = %channel.client_id, "consumer group membership or subscriptions changed");
        state.notify_consumer_ids_changed(group);
    }
    Ok(())
}

/// CHECK_CLIENT_CONFIG: a consumer about to subscribe with SQL92 asks whether the broker filters
/// that way and whether its expression compiles (the answer points at the fault).
pub(super) fn check_client_config(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let body: CheckClientRequestBody = body(request, "CHECK_CLIENT_CONFIG")?;
    let Some(subscription) = body.subscription_data.filter(MessageFilter::is_sql92) else {
        return Ok(success(request));
    };
    if !state.config.read().expect("config lock").enable_property_filter {
        return Ok(fail(request, ResponseCode::SYSTEM_ERROR, super::pull::SQL92_REFUSED));
    }
    match super::pull::compiled_selector(&subscription.sub_string) {
        Ok(_) => Ok(success(request)),
        Err(err) => {
            warn!(group = %body.group, client_id = %body.client_id, "SQL92 subscription refused: {err}");
            Ok(fail(request, ResponseCode::SUBSCRIPTION_PARSE_FAILED, err.to_string()))
        }
    }
}

pub(super) fn unregister_client(
    state: &State,
    ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: UnregisterClientRequestHeader = header(request)?;
    let connection = ctx.connection_id().value();
    let consumer_left = {
        let mut clients = state.clients.lock().expect("client lock");
        if let Some(group) = header.producer_group.as_deref().filter(|group| !group.is_empty()) {
            clients.unregister_producer(group, connection);
        }
        header
            .consumer_group
            .as_deref()
            .filter(|group| !group.is_empty() && clients.unregister_consumer(group, connection))
            .map(str::to_owned)
    };
    if let Some(group) = consumer_left {
        info!(group = %group, client_id = %header.client_id, "consumer unregistered");
        state.notify_consumer_ids_changed(&group);
    }
    Ok(success(request))
}

pub(super) fn get_consumer_list_by_group(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetConsumerListByGroupRequestHeader = header(request)?;
    let ids = state.clients.lock().expect("client lock").consumer_group(&header.consumer_group).map(|g| g.client_ids());
    match ids {
        Some(consumer_id_list) if !consumer_id_list.is_empty() => {
            let body = GetConsumerListByGroupResponseBody { consumer_id_list };
            Ok(success(request).with_body(json::to_vec(&body, KeyStyle::Fastjson)))
        }
        _ => Ok(fail(
            request,
            ResponseCode::SYSTEM_ERROR,
            format!("no consumer for this group, {}", header.consumer_group),
        )),
    }
}

fn connection(channel: &ClientChannel) -> Connection {
    Connection {
        client_addr: channel.client_addr.clone(),
        client_id: channel.client_id.clone(),
        language: channel.language,
        version: channel.version,
    }
}

pub(super) fn get_consumer_connection_list(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetConsumerConnectionListRequestHeader = header(request)?;
    let clients = state.clients.lock().expect("client lock");
    let Some(group) = clients.consumer_group(&header.consumer_group) else {
        return Ok(fail(
            request,
            ResponseCode::CONSUMER_NOT_ONLINE,
            format!("the consumer group[{}] not online", header.consumer_group),
        ));
    };
    let body = ConsumerConnection {
        connection_set: group.channels.values().map(connection).collect(),
        consume_from_where: group.consume_from_where,
        consume_type: group.consume_type,
        message_model: group.message_model,
        subscription_table: group.subscriptions.clone(),
    };
    Ok(success(request).with_body(json::to_vec(&body, KeyStyle::Fastjson)))
}

pub(super) fn get_producer_connection_list(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetProducerConnectionListRequestHeader = header(request)?;
    let clients = state.clients.lock().expect("client lock");
    let Some(members) = clients.producer_group(&header.producer_group) else {
        return Ok(fail(
            request,
            ResponseCode::SYSTEM_ERROR,
            format!("the producer group[{}] not exist", header.producer_group),
        ));
    };
    let body = ProducerConnection { connection_set: members.values().map(connection).collect() };
    Ok(success(request).with_body(json::to_vec(&body, KeyStyle::Fastjson)))
}
