//! Broker administration: GET_BROKER_CONFIG (26), UPDATE_BROKER_CONFIG (25),
//! GET_BROKER_RUNTIME_INFO (28).

use std::collections::BTreeMap;

use bolide_config::{Config, Source};
use bolide_protocol::body::KvTable;
use bolide_protocol::header::GetBrokerConfigResponseHeader;
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use tracing::info;

use super::{fail, success};
use crate::server::{now_ms, State};

/// The version name clients and mqadmin show for this broker (MQVersion of the `version` field).
const BROKER_VERSION_DESC: &str = "V5_3_3";

pub(super) fn get_broker_config(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let text = state.config().to_properties();
    let version = *state.config_version.lock().expect("config version lock");
    let header = GetBrokerConfigResponseHeader {
        version: String::from_utf8(json::to_vec(&version, KeyStyle::Fastjson)).expect("JSON is UTF-8"),
    };
    Ok(success(request).with_header(&header).with_body(text.into_bytes()))
}

/// Keys read only at start-up: identity, ports, paths and the store's layout. Changing them
/// remotely is refused with NO_PERMISSION and a remark saying to restart.
const START_UP_ONLY: &[&str] = &[
    "brokerClusterName",
    "brokerName",
    "brokerId",
    "listenPort",
    "listenAddress",
    "brokerIP1",
    "brokerIP2",
    "haListenPort",
    "brokerRole",
    "storePathRootDir",
    "storePathCommitLog",
    "mappedFileSizeCommitLog",
    "mappedFileSizeConsumeQueue",
    "flushDiskType",
    "prewriteCommitLog",
    "accessMessageInMemoryMaxRatio",
    "messageDelayLevel",
];

/// Applies properties to the running settings (not written back to the config file).
pub(super) fn update_broker_config(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let text = String::from_utf8_lossy(request.body.as_deref().unwrap_or_default()).into_owned();
    let entries = match bolide_config::parse_properties(&text) {
        Ok(entries) => entries,
        Err(err) => return Ok(fail(request, ResponseCode::SYSTEM_ERROR, err.to_string())),
    };
    if let Some(key) = entries.keys().find(|key| START_UP_ONLY.contains(&key.as_str())) {
        let remark = format!("{key} cannot be changed while running; set it in broker.conf and restart");
        return Ok(fail(request, ResponseCode::NO_PERMISSION, remark));
    }
    let mut config = state.config();
    for (key, value) in &entries {
        if let Err(err) = config.set(key, value, &Source::Request) {
            return Ok(fail(request, ResponseCode::SYSTEM_ERROR, err.to_string()));
        }
    }
    if let Err(err) = config.validate() {
        return Ok(fail(request, ResponseCode::SYSTEM_ERROR, err.to_string()));
    }
    *state.config.write().expect("config lock") = config;
    let mut version = state.config_version.lock().expect("config version lock");
    version.counter += 1;
    version.timestamp = now_ms() as i64;
    info!(keys = ?entries.keys().collect::<Vec<_>>(), "broker config updated");
    Ok(success(request))
}

pub(super) fn get_broker_runtime_info(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let mut table = BTreeMap::new();
    let mut put = |key: &str, value: String| {
        table.insert(key.to_owned(), value);
    };
    put("brokerVersionDesc", BROKER_VERSION_DESC.to_owned());
    put("brokerVersion", bolide_protocol::command::BOLIDE_VERSION.to_string());
    put("brokerActive", "true".to_owned());
    put("bootTimestamp", state.started_ms.to_string());
    put("runtime", format!("[ {} seconds ]", now_ms().saturating_sub(state.started_ms) / 1000));
    // Totals since start, and at the last two midnights (UTC); 0 before the broker has seen one,
    // so "today" (now − this morning) then counts everything since the broker started.
    let (messages_put, messages_got) = (state.stats.put_messages(), state.stats.get_messages());
    let mornings = state.stats.mornings();
    put("msgPutTotalTodayMorning", mornings.put_today.to_string());
    put("msgPutTotalYesterdayMorning", mornings.put_yesterday.to_string());
    put("msgGetTotalTodayMorning", mornings.get_today.to_string());
    put("msgGetTotalYesterdayMorning", mornings.get_yesterday.to_string());
    put("msgPutTotalTodayNow", messages_put.to_string());
    put("msgGetTotalTodayNow", messages_got.to_string());
    put("putMessageTimesTotal", messages_put.to_string());
    put("putMessageSizeTotal", state.stats.put_bytes().to_string());
    put("getMessageTimesTotal", messages_got.to_string());
    put("getMessageSizeTotal", state.stats.get_bytes().to_string());
    let store = &state.store;
    let max_offset = store.max_commit_log_offset();
    put("commitLogMinOffset", store.min_commit_log_offset().to_string());
    put("commitLogMaxOffset", max_offset.to_string());
    put("dispatchBehindBytes", max_offset.saturating_sub(store.dispatched_commit_log_offset()).to_string());
    put("remainHowManyDataToFlush", max_offset.saturating_sub(store.flushed_commit_log_offset()).to_string());
    // 0 when the log is empty or its first record cannot be read.
    put("earliestMessageTimeStamp", store.earliest_store_time().ok().flatten().unwrap_or(0).to_string());
    // Not measured yet.
    for key in [
        "sendThreadPoolQueueSize",
        "pullThreadPoolQueueSize",
        "ackThreadPoolQueueSize",
        "sendThreadPoolQueueHeadWaitTimeMills",
        "pullThreadPoolQueueHeadWaitTimeMills",
        "ackThreadPoolQueueHeadWaitTimeMills",
        "pageCacheLockTimeMills",
        "timerReadBehind",
        "timerOffsetBehind",
        "timerCongestNum",
    ] {
        put(key, "0".to_owned());
    }
    put("putTps", state.stats.put_tps());
    put("getTransferredTps", state.stats.get_transferred_tps());
    for key in ["timerEnqueueTps", "timerDequeueTps", "commitLogDiskRatio"] {
        put(key, "0.0".to_owned());
    }
    let body = KvTable { table };
    Ok(success(request).with_body(json::to_vec(&body, KeyStyle::Fastjson)))
}
