//! Request processors, one module per area; each handler decodes its header, acts on the shared
//! state and builds the response.
//!
//! Handlers that only touch in-memory tables run where the request is read; those that write
//! config files run on the blocking pool; send and pull are async (they wait for the disk under
//! SYNC_FLUSH, and for messages when a pull is held).

mod admin;
mod broker_stats;
mod client;
mod durable;
mod end_transaction;
mod forward;
mod lock;
mod lookup;
mod offset;
mod pull;
mod query;
mod reset;
mod send;
mod send_back;
mod stats;
mod subscription;
mod topic;

use std::future::Future;
use std::sync::Arc;

use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
pub(crate) use bolide_remoting::handler::decode_header as header;
pub(crate) use bolide_remoting::handler::decode_json_body as body;
use bolide_remoting::handler::{register_blocking, register_sync};
use bolide_remoting::{ProcessError, ProcessorRegistry, RequestContext};

use crate::persist::PersistError;
use crate::server::State;

type Handler = bolide_remoting::handler::Handler<State>;

/// Routes every request code the broker serves to its handler.
pub(crate) fn register_all(registry: &mut ProcessorRegistry, state: &Arc<State>) {
    use RequestCode as C;
    let in_memory: &[(RequestCode, Handler)] = &[
        (C::UNREGISTER_CLIENT, client::unregister_client),
        (C::CHECK_CLIENT_CONFIG, client::check_client_config),
        (C::GET_CONSUMER_LIST_BY_GROUP, client::get_consumer_list_by_group),
        (C::GET_CONSUMER_CONNECTION_LIST, client::get_consumer_connection_list),
        (C::GET_PRODUCER_CONNECTION_LIST, client::get_producer_connection_list),
        (C::GET_ALL_TOPIC_CONFIG, topic::get_all_topic_config),
        (C::GET_ALL_SUBSCRIPTIONGROUP_CONFIG, subscription::get_all_subscription_group_config),
        (C::QUERY_CONSUMER_OFFSET, offset::query_consumer_offset),
        (C::UPDATE_CONSUMER_OFFSET, offset::update_consumer_offset),
        (C::CLONE_GROUP_OFFSET, offset::clone_group_offset),
        (C::LOCK_BATCH_MQ, lock::lock_batch_mq),
        (C::UNLOCK_BATCH_MQ, lock::unlock_batch_mq),
        (C::GET_BROKER_CONFIG, admin::get_broker_config),
        (C::UPDATE_BROKER_CONFIG, admin::update_broker_config),
        (C::GET_BROKER_RUNTIME_INFO, admin::get_broker_runtime_info),
        (C::VIEW_BROKER_STATS_DATA, broker_stats::view_broker_stats_data),
        (C::GET_TOPIC_CONFIG, lookup::get_topic_config),
        (C::GET_SUBSCRIPTIONGROUP_CONFIG, lookup::get_subscription_group_config),
        (C::QUERY_TOPIC_CONSUME_BY_WHO, lookup::query_topic_consume_by_who),
        (C::QUERY_TOPICS_BY_CONSUMER, lookup::query_topics_by_consumer),
        (C::GET_ALL_CONSUMER_OFFSET, lookup::get_all_consumer_offset),
        (C::GET_MAX_OFFSET, query::get_max_offset),
        (C::GET_MIN_OFFSET, query::get_min_offset),
    ];
    for (code, handler) in in_memory {
        register_sync(registry, state, *code, *handler);
    }
    // These may write config files.
    let persisting: &[(RequestCode, Handler)] = &[
        (C::HEART_BEAT, client::heart_beat),
        (C::UPDATE_AND_CREATE_TOPIC, topic::update_and_create_topic),
        (C::DELETE_TOPIC_IN_BROKER, topic::delete_topic_in_broker),
        (C::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, subscription::update_and_create_subscription_group),
        (C::DELETE_SUBSCRIPTIONGROUP, subscription::delete_subscription_group),
        // Also appends to the store, which may wait for the disk under SYNC_FLUSH.
        (C::CONSUMER_SEND_MSG_BACK, send_back::consumer_send_msg_back),
    ];
    // These read the store's files (index, consume queues, records).
    let reading: &[(RequestCode, Handler)] = &[
        (C::GET_EARLIEST_MSG_STORETIME, query::get_earliest_msg_storetime),
        (C::SEARCH_OFFSET_BY_TIMESTAMP, query::search_offset_by_timestamp),
        (C::VIEW_MESSAGE_BY_ID, query::view_message_by_id),
        (C::QUERY_MESSAGE, query::query_message),
        (C::GET_TOPIC_STATS_INFO, stats::get_topic_stats_info),
        (C::GET_CONSUME_STATS, stats::get_consume_stats),
    ];
    for (code, handler) in persisting.iter().chain(reading) {
        register_blocking(registry, state, *code, *handler);
    }
    // These wait for consumer clients.
    register_async(registry, state, C::INVOKE_BROKER_TO_RESET_OFFSET, reset::invoke_broker_to_reset_offset);
    register_async(registry, state, C::INVOKE_BROKER_TO_GET_CONSUMER_STATUS, forward::get_consumer_status);
    register_async(registry, state, C::GET_CONSUMER_RUNNING_INFO, forward::get_consumer_running_info);
    register_async(registry, state, C::CONSUME_MESSAGE_DIRECTLY, forward::consume_message_directly);
    for code in [C::SEND_MESSAGE, C::SEND_MESSAGE_V2, C::SEND_BATCH_MESSAGE] {
        register_async(registry, state, code, send::send_message);
    }
    register_async(registry, state, C::END_TRANSACTION, end_transaction::end_transaction);
    for code in [C::SEND_REPLY_MESSAGE, C::SEND_REPLY_MESSAGE_V2] {
        register_async(registry, state, code, send::send_reply_message);
    }
    for code in [C::PULL_MESSAGE, C::LITE_PULL_MESSAGE] {
        register_async(registry, state, code, pull::pull_message);
    }
}

/// Routes `code` to an async handler that owns its inputs.
fn register_async<F, Fut>(registry: &mut ProcessorRegistry, state: &Arc<State>, code: RequestCode, handler: F)
where
    F: Fn(Arc<State>, RequestContext, RemotingCommand) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<RemotingCommand, ProcessError>> + Send + 'static,
{
    let state = Arc::clone(state);
    registry.register(code, move |ctx: RequestContext, request: RemotingCommand| {
        let response = handler(Arc::clone(&state), ctx, request);
        async move { response.await.map(Some) }
    });
}

/// A success response without header or body.
fn success(request: &RemotingCommand) -> RemotingCommand {
    RemotingCommand::response_to(request, ResponseCode::SUCCESS)
}

/// A response with a code and a remark.
fn fail(request: &RemotingCommand, code: ResponseCode, remark: impl Into<String>) -> RemotingCommand {
    RemotingCommand::response_to(request, code).with_remark(remark)
}

/// A config file write that failed: the change is in memory but not durable.
fn persist_failed(err: PersistError) -> ProcessError {
    ProcessError::new(err)
}
