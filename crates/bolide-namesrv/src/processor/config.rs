//! GET_NAMESRV_CONFIG (319) and UPDATE_NAMESRV_CONFIG (318): the settings as Java properties text.
//!
//! Updates apply at once to what can change while running (expiry, topic lists, order-topic
//! handling). Keys that only take effect at start-up are refused with NO_PERMISSION and a remark
//! saying to restart; so are unknown keys and invalid values, naming the key.

use bolide_config::{parse_properties, Config, Source};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use tracing::info;

use super::{fail, success};
use crate::server::State;

/// Keys read only at start-up (and, as in RocketMQ, never changed remotely).
const START_UP_ONLY: &[&str] =
    &["listenPort", "listenAddress", "kvConfigPath", "maxFrameBytes", "maxConnections", "configStorePath"];

pub(super) fn get_namesrv_config(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let text = state.config().to_properties();
    Ok(success(request).with_body(text.into_bytes()))
}

pub(super) fn update_namesrv_config(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let text = std::str::from_utf8(request.body.as_deref().unwrap_or_default())
        .map_err(|_| ProcessError::msg("UPDATE_NAMESRV_CONFIG body is not UTF-8 properties text"))?;
    let entries = match parse_properties(text) {
        Ok(entries) => entries,
        Err(err) => return Ok(fail(request, ResponseCode::SYSTEM_ERROR, err.to_string())),
    };
    if let Some(key) = entries.keys().find(|key| START_UP_ONLY.contains(&key.as_str())) {
        return Ok(fail(
            request,
            ResponseCode::NO_PERMISSION,
            format!("{key} cannot be changed while running; set it in namesrv.conf and restart"),
        ));
    }
    let mut updated = state.config();
    for (key, value) in &entries {
        if let Err(err) = updated.set(key, value, &Source::Request) {
            return Ok(fail(request, ResponseCode::SYSTEM_ERROR, err.to_string()));
        }
    }
    if let Err(err) = updated.validate() {
        return Ok(fail(request, ResponseCode::SYSTEM_ERROR, err.to_string()));
    }
    *state.config.write().expect("config lock") = updated;
    state.settings_epoch.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    info!(keys = ?entries.keys().collect::<Vec<_>>(), "name server config updated");
    Ok(success(request))
}
