//! Consumer offsets: QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15),
//! CLONE_GROUP_OFFSET (43).

use bolide_protocol::header::{
    CloneGroupOffsetRequestHeader, QueryConsumerOffsetRequestHeader, QueryConsumerOffsetResponseHeader,
    UpdateConsumerOffsetRequestHeader,
};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};

use super::{fail, header, success};
use crate::server::State;

pub(super) fn query_consumer_offset(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: QueryConsumerOffsetRequestHeader = header(request)?;
    let stored =
        state.offsets.lock().expect("offset lock").query(&header.consumer_group, &header.topic, header.queue_id);
    if stored.is_none() && header.set_zero_if_not_found == Some(false) {
        // 5.x clients ask not to be given 0 when they would rather decide themselves.
        return Ok(fail(
            request,
            ResponseCode::QUERY_NOT_FOUND,
            "Not found, do not set to zero, maybe this group boot first",
        ));
    }
    // Without a stored offset the Java broker answers 0 when message 0 of the queue is still in
    // memory; here: when the queue exists and still starts at offset 0 (`behaviours.md` §8).
    let offset = stored.or_else(|| {
        let store = &state.store;
        let starts_at_zero = store.queue_ids(&header.topic).contains(&header.queue_id)
            && store.min_queue_offset(&header.topic, header.queue_id) == 0;
        starts_at_zero.then_some(0)
    });
    match offset {
        Some(offset) => Ok(success(request).with_header(&QueryConsumerOffsetResponseHeader { offset })),
        None => Ok(fail(
            request,
            ResponseCode::QUERY_NOT_FOUND,
            "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first",
        )),
    }
}

pub(super) fn update_consumer_offset(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: UpdateConsumerOffsetRequestHeader = header(request)?;
    let group = &header.consumer_group;
    if state.groups.lock().expect("group lock").get(group).is_none() {
        return Ok(fail(request, ResponseCode::SUBSCRIPTION_GROUP_NOT_EXIST, format!("Group {group} not exist!")));
    }
    if state.topics.lock().expect("topic lock").get(&header.topic).is_none() {
        let remark = format!("Topic {} not exist!", header.topic);
        return Ok(fail(request, ResponseCode::TOPIC_NOT_EXIST, remark));
    }
    state.offsets.lock().expect("offset lock").commit(group, &header.topic, header.queue_id, header.commit_offset);
    Ok(success(request))
}

/// CLONE_GROUP_OFFSET: the destination group starts where the source group is (mqadmin
/// cloneGroupOffset), for one topic or all of the source's topics.
pub(super) fn clone_group_offset(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: CloneGroupOffsetRequestHeader = header(request)?;
    let topic = header.topic.as_deref().filter(|topic| !topic.is_empty());
    let copied = state.offsets.lock().expect("offset lock").clone_group(&header.src_group, &header.dest_group, topic);
    if copied == 0 {
        let remark = format!(
            "group {} has no offsets to clone{}",
            header.src_group,
            topic.map(|t| format!(" for {t}")).unwrap_or_default()
        );
        return Ok(fail(request, ResponseCode::QUERY_NOT_FOUND, remark));
    }
    tracing::info!(src = %header.src_group, dest = %header.dest_group, topics = copied, "consumer offsets cloned");
    Ok(success(request))
}
