//! Subscription group administration: UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200),
//! DELETE_SUBSCRIPTIONGROUP (207), GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201).

use bolide_protocol::body::SubscriptionGroupConfig;
use bolide_protocol::header::DeleteSubscriptionGroupRequestHeader;
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use tracing::info;

use super::{body, fail, header, persist_failed, success};
use crate::config::valid_name;
use crate::server::State;

/// Longest group name the Java broker accepts.
const GROUP_NAME_MAX_CHARS: usize = 120;

pub(super) fn update_and_create_subscription_group(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let config: SubscriptionGroupConfig = body(request, "UPDATE_AND_CREATE_SUBSCRIPTIONGROUP")?;
    if !valid_name(&config.group_name) || config.group_name.len() > GROUP_NAME_MAX_CHARS {
        let remark = format!("the group name {:?} is invalid: use 1-120 of [%|a-zA-Z0-9_-]", config.group_name);
        return Ok(fail(request, ResponseCode::INVALID_PARAMETER, remark));
    }
    let mut groups = state.groups.lock().expect("group lock");
    let name = config.group_name.clone();
    if groups.upsert(config) {
        groups.persist().map_err(persist_failed)?;
        info!(group = %name, "subscription group created or updated");
    }
    Ok(success(request))
}

pub(super) fn delete_subscription_group(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: DeleteSubscriptionGroupRequestHeader = header(request)?;
    {
        let mut groups = state.groups.lock().expect("group lock");
        if groups.remove(&header.group_name).is_some() {
            groups.persist().map_err(persist_failed)?;
            info!(group = %header.group_name, "subscription group deleted");
        }
    }
    // 5.x sends cleanOffset, 4.x removeOffset.
    if header.clean_offset.or(header.remove_offset).unwrap_or(false) {
        state.offsets.lock().expect("offset lock").remove_group(&header.group_name);
    }
    Ok(success(request))
}

pub(super) fn get_all_subscription_group_config(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let wrapper = state.groups.lock().expect("group lock").to_wrapper();
    Ok(success(request).with_body(json::to_vec(&wrapper, KeyStyle::Fastjson)))
}
