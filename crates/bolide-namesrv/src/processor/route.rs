//! GET_ROUTEINFO_BY_TOPIC (105), GET_BROKER_CLUSTER_INFO (106), GET_BROKER_MEMBER_GROUP (901).

use std::collections::BTreeMap;

use bolide_protocol::body::{
    BrokerData, BrokerMemberGroup, ClusterInfo, GetBrokerMemberGroupResponseBody, QueueData, TopicRouteData,
};
use bolide_protocol::header::{GetBrokerMemberGroupRequestHeader, GetRouteInfoRequestHeader};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use bytes::Bytes;

use super::{fail, header, success};
use crate::kv_config::ORDER_TOPIC_CONFIG;
use crate::route_table::{BrokerEntry, QueueEntry};
use crate::server::State;

pub(super) fn broker_data(entry: &BrokerEntry) -> BrokerData {
    BrokerData {
        broker_addrs: entry.broker_addrs.clone(),
        broker_name: entry.broker_name.to_string(),
        cluster: entry.cluster.clone(),
        enable_acting_master: entry.enable_acting_master,
        zone_name: entry.zone_name.clone(),
    }
}

fn queue_data(entry: &QueueEntry) -> QueueData {
    QueueData {
        broker_name: entry.broker_name.to_string(),
        perm: entry.perm,
        read_queue_nums: entry.read_queue_nums,
        topic_sys_flag: entry.topic_sys_flag,
        write_queue_nums: entry.write_queue_nums,
    }
}

pub(super) fn get_route_info(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetRouteInfoRequestHeader = header(request)?;
    let style = KeyStyle::for_route(request.version, header.accept_standard_json_only.unwrap_or(false));
    // The epoch is read before the KV config, so a body built from older settings is never
    // served once a change has bumped it.
    let epoch = state.settings_epoch.load(std::sync::atomic::Ordering::Acquire);
    let routes = state.routes.read().expect("route lock");
    let generation = (routes.generation(), epoch);
    if let Some(body) = state.route_cache.get(generation, &header.topic, style) {
        return Ok(success(request).with_body(body));
    }
    let route = routes.route(&header.topic);
    drop(routes);
    let Some(route) = route else {
        return Ok(fail(
            request,
            ResponseCode::TOPIC_NOT_EXIST,
            format!(
                "No topic route info in name server for the topic: {}; create the topic on a broker \
                 (mqadmin updateTopic) or enable autoCreateTopicEnable on the broker",
                header.topic
            ),
        ));
    };
    let order_topic_conf = if state.config.read().expect("config lock").order_message_enable {
        state.kv.lock().expect("kv lock").get(ORDER_TOPIC_CONFIG, &header.topic).map(str::to_owned)
    } else {
        None
    };
    let data = TopicRouteData {
        broker_datas: route.brokers.iter().map(broker_data).collect(),
        filter_server_table: BTreeMap::new(),
        order_topic_conf,
        queue_datas: route.queues.iter().map(queue_data).collect(),
        topic_queue_mapping_by_broker: None,
    };
    let body = Bytes::from(json::to_vec(&data, style));
    state.route_cache.put(generation, &header.topic, style, body.clone());
    Ok(success(request).with_body(body))
}

pub(super) fn get_broker_cluster_info(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let routes = state.routes.read().expect("route lock");
    let (brokers, clusters) = (routes.brokers(), routes.clusters());
    let info = ClusterInfo {
        broker_addr_table: brokers.iter().map(|(name, entry)| (name.to_string(), broker_data(entry))).collect(),
        cluster_addr_table: clusters
            .iter()
            .map(|(cluster, names)| (cluster.clone(), names.iter().map(|name| name.to_string()).collect()))
            .collect(),
    };
    drop(routes);
    Ok(success(request).with_body(json::to_vec(&info, KeyStyle::Fastjson)))
}

pub(super) fn get_broker_member_group(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetBrokerMemberGroupRequestHeader = header(request)?;
    let routes = state.routes.read().expect("route lock");
    let group = routes.broker(&header.broker_name).map(|entry| BrokerMemberGroup {
        broker_addrs: entry.broker_addrs.clone(),
        broker_name: entry.broker_name.to_string(),
        cluster: entry.cluster.clone(),
    });
    drop(routes);
    let group = group.or_else(|| {
        Some(BrokerMemberGroup {
            broker_addrs: BTreeMap::new(),
            broker_name: header.broker_name.clone(),
            cluster: header.cluster_name.clone(),
        })
    });
    let body = GetBrokerMemberGroupResponseBody { broker_member_group: group };
    Ok(success(request).with_body(json::to_vec(&body, KeyStyle::Fastjson)))
}
