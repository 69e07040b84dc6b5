//! Broker requests: REGISTER_BROKER (103), UNREGISTER_BROKER (104), QUERY_DATA_VERSION (322),
//! BROKER_HEARTBEAT (904), WIPE_WRITE_PERM_OF_BROKER (205), ADD_WRITE_PERM_OF_BROKER (327).

use bolide_protocol::body::{DataVersion, KvTable, RegisterBrokerBody, TopicConfigSerializeWrapper};
use bolide_protocol::header::{
    AddWritePermOfBrokerRequestHeader, AddWritePermOfBrokerResponseHeader, BrokerHeartbeatRequestHeader,
    QueryDataVersionRequestHeader, QueryDataVersionResponseHeader, RegisterBrokerRequestHeader,
    RegisterBrokerResponseHeader, UnRegisterBrokerRequestHeader, WipeWritePermOfBrokerRequestHeader,
    WipeWritePermOfBrokerResponseHeader,
};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use tracing::{debug, info};

use super::{body, fail, header, success};
use crate::kv_config::ORDER_TOPIC_CONFIG;
use crate::lifecycle;
use crate::route_table::{BrokerRegistration, TopicRegistration, Version};
use crate::server::{now_ms, State};

/// The zone a 5.x broker in zone mode reports outside its header class.
const ZONE_NAME_KEY: &str = "__ZONE_NAME";

fn version(data: &DataVersion) -> Version {
    Version { counter: data.counter, state_version: data.state_version, timestamp: data.timestamp }
}

/// Java's `UtilAll.crc32`: CRC-32 masked to a non-negative int.
fn body_crc32(bytes: &[u8]) -> i32 {
    (crc32fast::hash(bytes) & 0x7FFF_FFFF) as i32
}

/// Request versions below this (V3_0_11) send a bare `TopicConfigSerializeWrapper`.
const VERSION_REGISTER_BODY: i32 = 37;

/// The three body forms: zlib-compressed, bare wrapper (very old brokers), JSON `RegisterBrokerBody`.
fn decode_register_body(bytes: &[u8], compressed: bool, version: i32) -> Result<RegisterBrokerBody, ProcessError> {
    let invalid = |err: &dyn std::fmt::Display| ProcessError::msg(format!("invalid REGISTER_BROKER body: {err}"));
    if compressed {
        return RegisterBrokerBody::decode_compressed(bytes, version).map_err(|err| invalid(&err));
    }
    if version < VERSION_REGISTER_BODY {
        let wrapper: TopicConfigSerializeWrapper = json::from_slice(bytes).map_err(|err| invalid(&err))?;
        return Ok(RegisterBrokerBody { topic_config_serialize_wrapper: wrapper, ..RegisterBrokerBody::default() });
    }
    json::from_slice(bytes).map_err(|err| invalid(&err))
}

pub(super) fn register_broker(
    state: &State,
    ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: RegisterBrokerRequestHeader = header(request)?;
    let bytes = request.body.as_deref().unwrap_or_default();
    let expected_crc = header.body_crc32();
    if expected_crc != 0 && body_crc32(bytes) != expected_crc {
        return Ok(fail(request, ResponseCode::SYSTEM_ERROR, "crc32 not match"));
    }
    let body = if bytes.is_empty() {
        RegisterBrokerBody::default()
    } else {
        decode_register_body(bytes, header.compressed(), request.version)?
    };
    let wrapper = body.topic_config_serialize_wrapper;
    let topics = wrapper
        .topic_config_table
        .values()
        .map(|config| TopicRegistration {
            topic: config.topic_name.clone(),
            read_queue_nums: config.read_queue_nums,
            write_queue_nums: config.write_queue_nums,
            perm: config.perm,
            topic_sys_flag: config.topic_sys_flag,
        })
        .collect::<Vec<_>>();
    let topic_count = topics.len();
    let registration = BrokerRegistration {
        cluster_name: header.cluster_name.clone(),
        broker_addr: header.broker_addr.clone(),
        broker_name: header.broker_name.clone(),
        broker_id: header.broker_id,
        ha_server_addr: header.ha_server_addr.clone(),
        heartbeat_timeout_ms: header.heartbeat_timeout_ms.and_then(|ms| u64::try_from(ms).ok()),
        enable_acting_master: header.enable_acting_master.unwrap_or(false),
        zone_name: request.ext(ZONE_NAME_KEY).map(str::to_owned),
        data_version: version(&wrapper.data_version),
        topics,
        connection_id: Some(ctx.connection_id().value()),
    };
    let known = state
        .routes
        .read()
        .expect("route lock")
        .broker(&header.broker_name)
        .is_some_and(|broker| broker.broker_addrs.get(&header.broker_id) == Some(&header.broker_addr));
    let outcome = state.routes.write().expect("route lock").register(registration, now_ms());
    let Some(outcome) = outcome else {
        return Ok(fail(request, ResponseCode::SYSTEM_ERROR, "register broker failed"));
    };
    if known {
        debug!(broker_name = %header.broker_name, broker_addr = %header.broker_addr, topics = topic_count, "broker re-registered");
    } else {
        info!(
            cluster = %header.cluster_name,
            broker_name = %header.broker_name,
            broker_id = header.broker_id,
            broker_addr = %header.broker_addr,
            topics = topic_count,
            "{}",
            lifecycle::BROKER_REGISTERED
        );
    }
    let response_header =
        RegisterBrokerResponseHeader { ha_server_addr: outcome.ha_server_addr, master_addr: outcome.master_addr };
    let mut response = success(request).with_header(&response_header);
    if state.config.read().expect("config lock").return_order_topic_config_to_broker {
        if let Some(table) = state.kv.lock().expect("kv lock").namespace(ORDER_TOPIC_CONFIG) {
            response = response.with_body(json::to_vec(&KvTable { table: table.clone() }, KeyStyle::Fastjson));
        }
    }
    Ok(response)
}

pub(super) fn unregister_broker(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: UnRegisterBrokerRequestHeader = header(request)?;
    let removed = state.routes.write().expect("route lock").unregister(
        &header.cluster_name,
        &header.broker_addr,
        &header.broker_name,
        header.broker_id,
    );
    if removed {
        info!(broker_name = %header.broker_name, broker_addr = %header.broker_addr, reason = "Unregistered", "{}", lifecycle::BROKER_REMOVED);
    }
    Ok(success(request))
}

pub(super) fn query_data_version(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: QueryDataVersionRequestHeader = header(request)?;
    let offered: DataVersion = body(request, "QUERY_DATA_VERSION")?;
    let (changed, stored) = state.routes.write().expect("route lock").query_data_version(
        &header.cluster_name,
        &header.broker_addr,
        &version(&offered),
        now_ms(),
    );
    let mut response = success(request).with_header(&QueryDataVersionResponseHeader { changed });
    if let Some(stored) = stored {
        let stored =
            DataVersion { counter: stored.counter, state_version: stored.state_version, timestamp: stored.timestamp };
        response = response.with_body(json::to_vec(&stored, KeyStyle::Fastjson));
    }
    Ok(response)
}

pub(super) fn broker_heartbeat(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: BrokerHeartbeatRequestHeader = header(request)?;
    state.routes.write().expect("route lock").heartbeat(&header.cluster_name, &header.broker_addr, now_ms());
    Ok(success(request))
}

pub(super) fn wipe_write_perm(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: WipeWritePermOfBrokerRequestHeader = header(request)?;
    let count = state.routes.write().expect("route lock").set_write_perm(&header.broker_name, false);
    info!(broker_name = %header.broker_name, topics = count, "write permission wiped");
    let count = i32::try_from(count).unwrap_or(i32::MAX);
    Ok(success(request).with_header(&WipeWritePermOfBrokerResponseHeader { wipe_topic_count: count }))
}

pub(super) fn add_write_perm(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: AddWritePermOfBrokerRequestHeader = header(request)?;
    let count = state.routes.write().expect("route lock").set_write_perm(&header.broker_name, true);
    info!(broker_name = %header.broker_name, topics = count, "write permission added");
    let count = i32::try_from(count).unwrap_or(i32::MAX);
    Ok(success(request).with_header(&AddWritePermOfBrokerResponseHeader { add_topic_count: count }))
}
