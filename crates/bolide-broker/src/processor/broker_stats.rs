//! VIEW_BROKER_STATS_DATA (315): the minute, hour and day figures of one statistics item
//! (`statsName` such as `TOPIC_PUT_NUMS`, `statsKey` such as `Orders` or `Orders@billing`).

use bolide_protocol::header::ViewBrokerStatsDataRequestHeader;
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};

use super::{fail, header, success};
use crate::server::{now_ms, State};

pub(super) fn view_broker_stats_data(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: ViewBrokerStatsDataRequestHeader = header(request)?;
    let (name, key) = (&header.stats_name, &header.stats_key);
    match state.stats.item_data(name, key, &state.cluster_name, now_ms()) {
        Some(data) => Ok(success(request).with_body(json::to_vec(&data, KeyStyle::Fastjson))),
        // Java's answer for an unknown name and for a key nothing was counted under.
        None => Ok(fail(request, ResponseCode::SYSTEM_ERROR, format!("The stats <{name}> <{key}> not exist"))),
    }
}
