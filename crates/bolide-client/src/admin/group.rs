//! Group calls: subscription groups, live consumers and producers, consume stats, consumer
//! offsets (query, update, clone, reset), consumer running info.

use std::collections::BTreeSet;

use bolide_protocol::body::{
    ConsumeStats, ConsumerConnection, ConsumerRunningInfo, GroupList, ProducerConnection, ResetOffsetBody,
    SubscriptionGroupConfig,
};
use bolide_protocol::header::{
    CloneGroupOffsetRequestHeader, DeleteSubscriptionGroupRequestHeader, GetConsumeStatsRequestHeader,
    GetConsumerConnectionListRequestHeader, GetConsumerRunningInfoRequestHeader,
    GetProducerConnectionListRequestHeader, GetSubscriptionGroupConfigRequestHeader, QueryConsumerOffsetRequestHeader,
    QueryConsumerOffsetResponseHeader, QueryTopicConsumeByWhoRequestHeader, ResetOffsetRequestHeader,
    SearchOffsetRequestHeader, SearchOffsetResponseHeader, UpdateConsumerOffsetRequestHeader,
};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, RequestCode};

use super::AdminClient;
use crate::error::ClientError;

impl AdminClient {
    /// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP: creates or changes a subscription group on the
    /// broker at `addr`.
    ///
    /// # Errors
    /// [`ClientError::Remoting`] or a refusal.
    pub async fn create_subscription_group(
        &self,
        addr: &str,
        config: &SubscriptionGroupConfig,
    ) -> Result<(), ClientError> {
        let request = RemotingCommand::request(RequestCode::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP)
            .with_body(json::to_vec(config, KeyStyle::Fastjson));
        self.broker_ok(addr, request).await.map(drop)
    }

    /// GET_SUBSCRIPTIONGROUP_CONFIG: the config of subscription group `group` on the broker at
    /// `addr` (Java's `examineSubscriptionGroupConfig`).
    ///
    /// # Errors
    /// [`ClientError::Remoting`] or a refusal (`SUBSCRIPTION_GROUP_NOT_EXIST` for an unknown group).
    pub async fn subscription_group(&self, addr: &str, group: &str) -> Result<SubscriptionGroupConfig, ClientError> {
        let header = GetSubscriptionGroupConfigRequestHeader { group: group.to_owned(), ..Default::default() };
        let request = RemotingCommand::request(RequestCode::GET_SUBSCRIPTIONGROUP_CONFIG).with_header(&header);
        self.broker_ok(addr, request).await?.json()
    }

    /// DELETE_SUBSCRIPTIONGROUP: drops `group` from the broker at `addr`, and its offsets
    /// too when `remove_offset`.
    ///
    /// # Errors
    /// [`ClientError::Remoting`] or a refusal.
    pub async fn delete_subscription_group(
        &self,
        addr: &str,
        group: &str,
        remove_offset: bool,
    ) -> Result<(), ClientError> {
        let header = DeleteSubscriptionGroupRequestHeader {
            group_name: group.to_owned(),
            clean_offset: Some(remove_offset),
            remove_offset: Some(remove_offset),
            ..Default::default()
        };
        let request = RemotingCommand::request(RequestCode::DELETE_SUBSCRIPTIONGROUP).with_header(&header);
        self.broker_ok(addr, request).await.map(drop)
    }

    /// GET_CONSUMER_CONNECTION_LIST: the live consumers of `group` the broker at `addr` knows.
    ///
    /// # Errors
    /// [`ClientError::Remoting`], a refusal (`CONSUMER_NOT_ONLINE` when none is connected) or an
    /// unreadable body.
    pub async fn consumer_connections(&self, addr: &str, group: &str) -> Result<ConsumerConnection, ClientError> {
        let header = GetConsumerConnectionListRequestHeader { consumer_group: group.to_owned(), ..Default::default() };
        let request = RemotingCommand::request(RequestCode::GET_CONSUMER_CONNECTION_LIST).with_header(&header);
        self.broker_ok(addr, request).await?.json()
    }

    /// GET_PRODUCER_CONNECTION_LIST: the live producers of `group` the broker at `addr` knows.
    ///
    /// # Errors
    /// [`ClientError::Remoting`], a refusal or an unreadable body.
    pub async fn producer_connections(&self, addr: &str, group: &str) -> Result<ProducerConnection, ClientError> {
        let header = GetProducerConnectionListRequestHeader { producer_group: group.to_owned(), ..Default::default() };
        let request = RemotingCommand::request(RequestCode::GET_PRODUCER_CONNECTION_LIST).with_header(&header);
        self.broker_ok(addr, request).await?.json()
    }

    /// GET_CONSUMER_RUNNING_INFO: the broker at `addr` asks the consumer `client_id` of
    /// `group` for its subscriptions, queues and settings (and a thread dump if `jstack`).
    ///
    /// # Errors
    /// [`ClientError::Remoting`], a refusal (the client is gone or did not answer) or an
    /// unreadable body.
    pub async fn consumer_running_info(
        &self,
        addr: &str,
        group: &str,
        client_id: &str,
        jstack: bool,
    ) -> Result<ConsumerRunningInfo, ClientError> {
        let header = GetConsumerRunningInfoRequestHeader {
            consumer_group: group.to_owned(),
            client_id: client_id.to_owned(),
            jstack_enable: Some(jstack),
            ..Default::default()
        };
        let request = RemotingCommand::request(RequestCode::GET_CONSUMER_RUNNING_INFO).with_header(&header);
        self.broker_ok(addr, request).await?.json()
    }

    /// GET_CONSUME_STATS: broker and consumer offsets of each queue `group` consumes on the
    /// broker at `addr`, of `topic` only if given.
    ///
    /// # Errors
    /// [`ClientError::Remoting`], a refusal (the group has no offsets there) or an unreadable
    /// body.
    pub async fn consume_stats(
        &self,
        addr: &str,
        group: &str,
        topic: Option<&str>,
    ) -> Result<ConsumeStats, ClientError> {
        let header = GetConsumeStatsRequestHeader {
            consumer_group: group.to_owned(),
            topic: topic.map(str::to_owned),
            ..Default::default()
        };
        let request = RemotingCommand::request(RequestCode::GET_CONSUME_STATS).with_header(&header);
        self.broker_ok(addr, request).await?.json()
    }

    /// QUERY_TOPIC_CONSUME_BY_WHO: the groups that consume `topic` on the broker at `addr`.
    ///
    /// # Errors
    /// [`ClientError::Remoting`], a refusal or an unreadable body.
    pub async fn topic_consumer_groups(&self, addr: &str, topic: &str) -> Result<BTreeSet<String>, ClientError> {
        let header = QueryTopicConsumeByWhoRequestHeader { topic: topic.to_owned(), ..Default::default() };
        let request = RemotingCommand::request(RequestCode::QUERY_TOPIC_CONSUME_BY_WHO).with_header(&header);
        Ok(self.broker_ok(addr, request).await?.json::<GroupList>()?.group_list)
    }

    /// CLONE_GROUP_OFFSET: copies `src_group`'s offsets of `topic` to `dest_group` on the
    /// broker at `addr`.
    ///
    /// # Errors
    /// [`ClientError::Remoting`] or a refusal (nothing to clone).
    pub async fn clone_group_offset(
        &self,
        addr: &str,
        src_group: &str,
        dest_group: &str,
        topic: &str,
        offline: bool,
    ) -> Result<(), ClientError> {
        let header = CloneGroupOffsetRequestHeader {
            src_group: src_group.to_owned(),
            dest_group: dest_group.to_owned(),
            topic: Some(topic.to_owned()),
            offline: Some(offline),
            ..Default::default()
        };
        let request = RemotingCommand::request(RequestCode::CLONE_GROUP_OFFSET).with_header(&header);
        self.broker_ok(addr, request).await.map(drop)
    }

    /// INVOKE_BROKER_TO_RESET_OFFSET: the broker at `addr` moves `group`'s offsets of `topic`
    /// to `timestamp` (ms; -1 for the end) and tells the live consumers; without `force` an
    /// offset only moves back. Returns the new offset of each queue.
    ///
    /// # Errors
    /// [`ClientError::Remoting`], a refusal (`CONSUMER_NOT_ONLINE` when no consumer is live:
    /// use [`AdminClient::update_consumer_offset`] instead) or an unreadable body.
    pub async fn reset_offset(
        &self,
        addr: &str,
        group: &str,
        topic: &str,
        timestamp: i64,
        force: bool,
    ) -> Result<ResetOffsetBody, ClientError> {
        let header = ResetOffsetRequestHeader {
            group: group.to_owned(),
            topic: topic.to_owned(),
            timestamp,
            force,
            ..Default::default()
        };
        let request = RemotingCommand::request(RequestCode::INVOKE_BROKER_TO_RESET_OFFSET).with_header(&header);
        self.broker_ok(addr, request).await?.json()
    }

    /// QUERY_CONSUMER_OFFSET: `group`'s committed offset of one queue.
    ///
    /// # Errors
    /// [`ClientError::Remoting`], a refusal (`QUERY_NOT_FOUND` when none is stored) or an
    /// answer without the offset.
    pub async fn consumer_offset(
        &self,
        addr: &str,
        group: &str,
        topic: &str,
        queue_id: i32,
    ) -> Result<i64, ClientError> {
        let header = QueryConsumerOffsetRequestHeader {
            consumer_group: group.to_owned(),
            topic: topic.to_owned(),
            queue_id,
            ..Default::default()
        };
        let request = RemotingCommand::request(RequestCode::QUERY_CONSUMER_OFFSET).with_header(&header);
        Ok(self.broker_ok(addr, request).await?.header::<QueryConsumerOffsetResponseHeader>()?.offset)
    }

    /// UPDATE_CONSUMER_OFFSET: sets `group`'s committed offset of one queue.
    ///
    /// # Errors
    /// [`ClientError::Remoting`] or a refusal.
    pub async fn update_consumer_offset(
        &self,
        addr: &str,
        group: &str,
        topic: &str,
        queue_id: i32,
        offset: i64,
    ) -> Result<(), ClientError> {
        let header = UpdateConsumerOffsetRequestHeader {
            consumer_group: group.to_owned(),
            topic: topic.to_owned(),
            queue_id,
            commit_offset: offset,
            ..Default::default()
        };
        let request = RemotingCommand::request(RequestCode::UPDATE_CONSUMER_OFFSET).with_header(&header);
        self.broker_ok(addr, request).await.map(drop)
    }

    /// SEARCH_OFFSET_BY_TIMESTAMP: the first queue offset of one queue stored at or after
    /// `timestamp` (ms).
    ///
    /// # Errors
    /// [`ClientError::Remoting`], a refusal or an answer without the offset.
    pub async fn offset_by_time(
        &self,
        addr: &str,
        topic: &str,
        queue_id: i32,
        timestamp: i64,
    ) -> Result<i64, ClientError> {
        let header = SearchOffsetRequestHeader { topic: topic.to_owned(), queue_id, timestamp, ..Default::default() };
        let request = RemotingCommand::request(RequestCode::SEARCH_OFFSET_BY_TIMESTAMP).with_header(&header);
        Ok(self.broker_ok(addr, request).await?.header::<SearchOffsetResponseHeader>()?.offset)
    }
}
