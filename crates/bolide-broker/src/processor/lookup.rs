//! Lookups of one topic or group and of who consumes what: GET_TOPIC_CONFIG (351),
//! GET_SUBSCRIPTIONGROUP_CONFIG (352), QUERY_TOPIC_CONSUME_BY_WHO (300),
//! QUERY_TOPICS_BY_CONSUMER (343), GET_ALL_CONSUMER_OFFSET (43).

use bolide_protocol::body::{GroupList, TopicConfigAndQueueMapping, TopicList};
use bolide_protocol::header::{
    GetSubscriptionGroupConfigRequestHeader, GetTopicConfigRequestHeader, QueryTopicConsumeByWhoRequestHeader,
    QueryTopicsByConsumerRequestHeader,
};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};

use super::{fail, header, success};
use crate::server::State;

fn json_response<T: serde::Serialize>(request: &RemotingCommand, body: &T) -> RemotingCommand {
    success(request).with_body(json::to_vec(body, KeyStyle::Fastjson))
}

pub(super) fn get_topic_config(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetTopicConfigRequestHeader = header(request)?;
    let Some(topic_config) = state.topics.lock().expect("topic lock").get(&header.topic).cloned() else {
        let remark = format!("No topic in this broker. topic: {}", header.topic);
        return Ok(fail(request, ResponseCode::TOPIC_NOT_EXIST, remark));
    };
    Ok(json_response(request, &TopicConfigAndQueueMapping { topic_config, mapping_detail: None }))
}

pub(super) fn get_subscription_group_config(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetSubscriptionGroupConfigRequestHeader = header(request)?;
    let Some(group) = state.groups.lock().expect("group lock").get(&header.group).cloned() else {
        let remark = format!("No group in this broker. group: {}", header.group);
        return Ok(fail(request, ResponseCode::SUBSCRIPTION_GROUP_NOT_EXIST, remark));
    };
    Ok(json_response(request, &group))
}

pub(super) fn query_topic_consume_by_who(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: QueryTopicConsumeByWhoRequestHeader = header(request)?;
    // Live subscribers and groups that committed offsets, as the Java broker answers.
    let mut group_list = state.clients.lock().expect("client lock").groups_consuming(&header.topic);
    group_list.extend(state.offsets.lock().expect("offset lock").groups_of_topic(&header.topic));
    Ok(json_response(request, &GroupList { group_list }))
}

pub(super) fn query_topics_by_consumer(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: QueryTopicsByConsumerRequestHeader = header(request)?;
    let topic_list = state.offsets.lock().expect("offset lock").topics_of_group(&header.group);
    let broker_addr = Some(state.config.read().expect("config lock").broker_addr());
    Ok(json_response(request, &TopicList { topic_list, broker_addr }))
}

pub(super) fn get_all_consumer_offset(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let wrapper = state.offsets.lock().expect("offset lock").to_wrapper();
    Ok(json_response(request, &wrapper))
}
