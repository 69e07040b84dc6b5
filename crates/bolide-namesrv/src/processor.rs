//! Request processors, one module per area; each handler decodes its header, acts on the shared
//! state and builds the response (`codes.md` §4).

mod broker;
mod config;
mod kv;
mod route;
mod topic;

use std::sync::Arc;

use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
pub(crate) use bolide_remoting::handler::decode_header as header;
pub(crate) use bolide_remoting::handler::decode_json_body as body;
use bolide_remoting::handler::{register_blocking, register_sync};
use bolide_remoting::ProcessorRegistry;

use crate::server::State;

type Handler = bolide_remoting::handler::Handler<State>;

/// Routes every NameServer request code to its handler.
pub(crate) fn register_all(registry: &mut ProcessorRegistry, state: &Arc<State>) {
    use RequestCode as C;
    let handlers: &[(RequestCode, Handler)] = &[
        (C::GET_ROUTEINFO_BY_TOPIC, route::get_route_info),
        (C::GET_BROKER_CLUSTER_INFO, route::get_broker_cluster_info),
        (C::GET_BROKER_MEMBER_GROUP, route::get_broker_member_group),
        (C::REGISTER_BROKER, broker::register_broker),
        (C::UNREGISTER_BROKER, broker::unregister_broker),
        (C::QUERY_DATA_VERSION, broker::query_data_version),
        (C::BROKER_HEARTBEAT, broker::broker_heartbeat),
        (C::WIPE_WRITE_PERM_OF_BROKER, broker::wipe_write_perm),
        (C::ADD_WRITE_PERM_OF_BROKER, broker::add_write_perm),
        (C::GET_ALL_TOPIC_LIST_FROM_NAMESERVER, topic::get_all_topic_list),
        (C::GET_TOPICS_BY_CLUSTER, topic::get_topics_by_cluster),
        (C::GET_SYSTEM_TOPIC_LIST_FROM_NS, topic::get_system_topic_list),
        (C::GET_UNIT_TOPIC_LIST, topic::get_unit_topic_list),
        (C::GET_HAS_UNIT_SUB_TOPIC_LIST, topic::get_has_unit_sub_topic_list),
        (C::GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST, topic::get_has_unit_sub_ununit_topic_list),
        (C::DELETE_TOPIC_IN_NAMESRV, topic::delete_topic),
        (C::REGISTER_TOPIC_IN_NAMESRV, topic::register_topic),
        (C::GET_KV_CONFIG, kv::get_kv_config),
        (C::GET_KVLIST_BY_NAMESPACE, kv::get_kv_list_by_namespace),
        (C::GET_NAMESRV_CONFIG, config::get_namesrv_config),
        (C::UPDATE_NAMESRV_CONFIG, config::update_namesrv_config),
    ];
    for (code, handler) in handlers {
        register_sync(registry, state, *code, *handler);
    }
    // These write the KV file; they run where blocking I/O is allowed.
    register_blocking(registry, state, C::PUT_KV_CONFIG, kv::put_kv_config);
    register_blocking(registry, state, C::DELETE_KV_CONFIG, kv::delete_kv_config);
}

/// A success response without header or body.
fn success(request: &RemotingCommand) -> RemotingCommand {
    RemotingCommand::response_to(request, ResponseCode::SUCCESS)
}

/// A response with a code and a remark.
fn fail(request: &RemotingCommand, code: ResponseCode, remark: impl Into<String>) -> RemotingCommand {
    RemotingCommand::response_to(request, code).with_remark(remark)
}
