//! Topic lists and topic changes: GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206), GET_TOPICS_BY_CLUSTER
//! (224), GET_SYSTEM_TOPIC_LIST_FROM_NS (304), the unit topic lists (311–313),
//! DELETE_TOPIC_IN_NAMESRV (216), REGISTER_TOPIC_IN_NAMESRV (217).

use std::sync::Arc;

use bolide_protocol::body::{TopicList, TopicRouteData};
use bolide_protocol::header::{
    DeleteTopicFromNamesrvRequestHeader, GetTopicsByClusterRequestHeader, RegisterTopicRequestHeader,
};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use tracing::info;

use super::{body, fail, header, success};
use crate::route_table::{QueueEntry, FLAG_UNIT, FLAG_UNIT_SUB};
use crate::server::State;

fn topic_list(request: &RemotingCommand, topics: Vec<String>, broker_addr: Option<String>) -> RemotingCommand {
    let list = TopicList { topic_list: topics.into_iter().collect(), broker_addr };
    success(request).with_body(json::to_vec(&list, KeyStyle::Fastjson))
}

fn disabled(request: &RemotingCommand) -> RemotingCommand {
    fail(request, ResponseCode::SYSTEM_ERROR, "disable")
}

pub(super) fn get_all_topic_list(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    if !state.config.read().expect("config lock").enable_all_topic_list {
        return Ok(disabled(request));
    }
    let topics = state.routes.read().expect("route lock").topic_names();
    Ok(topic_list(request, topics, None))
}

pub(super) fn get_topics_by_cluster(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    if !state.config.read().expect("config lock").enable_topic_list {
        return Ok(disabled(request));
    }
    let header: GetTopicsByClusterRequestHeader = header(request)?;
    let topics = state.routes.read().expect("route lock").topics_of_cluster(&header.cluster);
    Ok(topic_list(request, topics, None))
}

pub(super) fn get_system_topic_list(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let (topics, broker_addr) = state.routes.read().expect("route lock").system_topics();
    Ok(topic_list(request, topics, broker_addr))
}

fn by_sys_flag(state: &State, request: &RemotingCommand, filter: fn(i32) -> bool) -> RemotingCommand {
    if !state.config.read().expect("config lock").enable_topic_list {
        return disabled(request);
    }
    let topics = state.routes.read().expect("route lock").topics_by_sys_flag(filter);
    topic_list(request, topics, None)
}

pub(super) fn get_unit_topic_list(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    Ok(by_sys_flag(state, request, |flag| flag & FLAG_UNIT != 0))
}

pub(super) fn get_has_unit_sub_topic_list(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    Ok(by_sys_flag(state, request, |flag| flag & FLAG_UNIT_SUB != 0))
}

pub(super) fn get_has_unit_sub_ununit_topic_list(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    Ok(by_sys_flag(state, request, |flag| flag & FLAG_UNIT == 0 && flag & FLAG_UNIT_SUB != 0))
}

pub(super) fn delete_topic(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: DeleteTopicFromNamesrvRequestHeader = header(request)?;
    state.routes.write().expect("route lock").delete_topic(&header.topic, header.cluster_name.as_deref());
    info!(topic = %header.topic, cluster = ?header.cluster_name, "topic deleted from routes");
    Ok(success(request))
}

pub(super) fn register_topic(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: RegisterTopicRequestHeader = header(request)?;
    let route: TopicRouteData = body(request, "REGISTER_TOPIC_IN_NAMESRV")?;
    let queues = route
        .queue_datas
        .into_iter()
        .map(|queue| QueueEntry {
            broker_name: Arc::from(queue.broker_name.as_str()),
            read_queue_nums: queue.read_queue_nums,
            write_queue_nums: queue.write_queue_nums,
            perm: queue.perm,
            topic_sys_flag: queue.topic_sys_flag,
        })
        .collect();
    state.routes.write().expect("route lock").register_topic(&header.topic, queues);
    Ok(success(request))
}
