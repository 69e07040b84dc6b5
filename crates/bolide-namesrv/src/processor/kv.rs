//! KV config: PUT_KV_CONFIG (100), GET_KV_CONFIG (101), DELETE_KV_CONFIG (102),
//! GET_KVLIST_BY_NAMESPACE (219).

use bolide_protocol::body::KvTable;
use bolide_protocol::header::{
    DeleteKVConfigRequestHeader, GetKVConfigRequestHeader, GetKVConfigResponseHeader,
    GetKVListByNamespaceRequestHeader, PutKVConfigRequestHeader,
};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use tracing::info;

use super::{fail, header, success};
use crate::server::State;

pub(super) fn put_kv_config(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: PutKVConfigRequestHeader = header(request)?;
    state.kv.lock().expect("kv lock").put(&header.namespace, &header.key, &header.value).map_err(ProcessError::new)?;
    state.settings_epoch.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    info!(namespace = %header.namespace, key = %header.key, value = %header.value, "KV config set");
    Ok(success(request))
}

pub(super) fn get_kv_config(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetKVConfigRequestHeader = header(request)?;
    let value = state.kv.lock().expect("kv lock").get(&header.namespace, &header.key).map(str::to_owned);
    Ok(match value {
        Some(value) => success(request).with_header(&GetKVConfigResponseHeader { value: Some(value) }),
        None => fail(
            request,
            ResponseCode::QUERY_NOT_FOUND,
            format!("No config item, Namespace: {} Key: {}", header.namespace, header.key),
        ),
    })
}

pub(super) fn delete_kv_config(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: DeleteKVConfigRequestHeader = header(request)?;
    state.kv.lock().expect("kv lock").delete(&header.namespace, &header.key).map_err(ProcessError::new)?;
    state.settings_epoch.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    info!(namespace = %header.namespace, key = %header.key, "KV config deleted");
    Ok(success(request))
}

pub(super) fn get_kv_list_by_namespace(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetKVListByNamespaceRequestHeader = header(request)?;
    let table = state.kv.lock().expect("kv lock").namespace(&header.namespace).cloned();
    Ok(match table {
        Some(table) => success(request).with_body(json::to_vec(&KvTable { table }, KeyStyle::Fastjson)),
        None => {
            fail(request, ResponseCode::QUERY_NOT_FOUND, format!("No config item, Namespace: {}", header.namespace))
        }
    })
}
