//! Topic calls: route, list, create or update on a broker, delete on brokers and NameServers,
//! per-queue offsets (topic stats).

use std::collections::BTreeSet;

use bolide_protocol::body::{TopicConfig, TopicList, TopicRouteData, TopicStatsTable};
use bolide_protocol::header::{
    CreateTopicRequestHeader, DeleteTopicFromNamesrvRequestHeader, DeleteTopicRequestHeader, GetRouteInfoRequestHeader,
    GetTopicStatsInfoRequestHeader,
};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};

use super::{AdminClient, Answer};
use crate::error::ClientError;
use crate::route::AUTO_CREATE_TOPIC;

impl AdminClient {
    /// GET_ROUTEINFO_BY_TOPIC: the brokers and queues serving `topic`.
    ///
    /// # Errors
    /// [`ClientError::NoRoute`] when no broker serves the topic,
    /// [`ClientError::NameServerUnreachable`], another refusal or an unreadable body.
    pub async fn topic_route(&self, topic: &str) -> Result<TopicRouteData, ClientError> {
        let header = GetRouteInfoRequestHeader { topic: topic.to_owned(), ..Default::default() };
        let request = RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC).with_header(&header);
        let response = self.call_name_server(request).await?;
        if response.response_code() == ResponseCode::TOPIC_NOT_EXIST {
            return Err(ClientError::NoRoute { topic: topic.to_owned() });
        }
        Answer::success(response, self.last_name_server().to_owned())?.json()
    }

    /// `(broker name, master address)` of every broker serving `topic`.
    ///
    /// # Errors
    /// As [`AdminClient::topic_route`].
    pub async fn topic_masters(&self, topic: &str) -> Result<Vec<(String, String)>, ClientError> {
        let route = self.topic_route(topic).await?;
        Ok(route
            .broker_datas
            .iter()
            .filter_map(|data| data.broker_addrs.get(&0).map(|addr| (data.broker_name.clone(), addr.clone())))
            .collect())
    }

    /// GET_ALL_TOPIC_LIST_FROM_NAMESERVER: every topic the NameServers know, sorted.
    ///
    /// # Errors
    /// [`ClientError::NameServerUnreachable`], a refusal or an unreadable body.
    pub async fn topic_list(&self) -> Result<BTreeSet<String>, ClientError> {
        let request = RemotingCommand::request(RequestCode::GET_ALL_TOPIC_LIST_FROM_NAMESERVER);
        Ok(self.name_server_ok(request).await?.json::<TopicList>()?.topic_list)
    }

    /// UPDATE_AND_CREATE_TOPIC: creates `config.topic_name` on the broker at `addr`, or changes
    /// its queues and permission. `attributes` is mqadmin's `+key=value,-key` text.
    ///
    /// # Errors
    /// [`ClientError::Remoting`] or a refusal (bad name, system topic, no permission).
    pub async fn create_topic(
        &self,
        addr: &str,
        config: &TopicConfig,
        attributes: Option<&str>,
    ) -> Result<(), ClientError> {
        let header = CreateTopicRequestHeader {
            topic: config.topic_name.clone(),
            default_topic: AUTO_CREATE_TOPIC.to_owned(),
            read_queue_nums: config.read_queue_nums,
            write_queue_nums: config.write_queue_nums,
            perm: config.perm,
            topic_filter_type: "SINGLE_TAG".to_owned(),
            topic_sys_flag: Some(config.topic_sys_flag),
            order: config.order,
            attributes: attributes.map(str::to_owned),
            ..Default::default()
        };
        let request = RemotingCommand::request(RequestCode::UPDATE_AND_CREATE_TOPIC).with_header(&header);
        self.broker_ok(addr, request).await.map(drop)
    }

    /// DELETE_TOPIC_IN_BROKER: drops `topic` from the broker at `addr`.
    ///
    /// # Errors
    /// [`ClientError::Remoting`] or a refusal.
    pub async fn delete_topic_in_broker(&self, addr: &str, topic: &str) -> Result<(), ClientError> {
        let header = DeleteTopicRequestHeader { topic: topic.to_owned(), ..Default::default() };
        let request = RemotingCommand::request(RequestCode::DELETE_TOPIC_IN_BROKER).with_header(&header);
        self.broker_ok(addr, request).await.map(drop)
    }

    /// DELETE_TOPIC_IN_NAMESRV: drops `topic`'s route from the NameServer that answers.
    ///
    /// # Errors
    /// [`ClientError::NameServerUnreachable`] or a refusal.
    pub async fn delete_topic_in_name_server(&self, topic: &str) -> Result<(), ClientError> {
        let header = DeleteTopicFromNamesrvRequestHeader { topic: topic.to_owned(), ..Default::default() };
        let request = RemotingCommand::request(RequestCode::DELETE_TOPIC_IN_NAMESRV).with_header(&header);
        self.name_server_ok(request).await.map(drop)
    }

    /// GET_TOPIC_STATS_INFO: min and max offsets and last update time of each of `topic`'s
    /// queues on the broker at `addr`.
    ///
    /// # Errors
    /// [`ClientError::Remoting`], a refusal (unknown topic) or an unreadable body.
    pub async fn topic_stats(&self, addr: &str, topic: &str) -> Result<TopicStatsTable, ClientError> {
        let header = GetTopicStatsInfoRequestHeader { topic: topic.to_owned(), ..Default::default() };
        let request = RemotingCommand::request(RequestCode::GET_TOPIC_STATS_INFO).with_header(&header);
        self.broker_ok(addr, request).await?.json()
    }
}
