//! Cluster-wide calls: cluster info, the masters of a cluster, broker and NameServer settings,
//! KV config, broker write permission, broker runtime info and statistics.

use std::collections::BTreeMap;

use bolide_protocol::body::{BrokerStatsData, ClusterInfo, KvTable};
use bolide_protocol::header::{
    AddWritePermOfBrokerRequestHeader, AddWritePermOfBrokerResponseHeader, DeleteKVConfigRequestHeader,
    PutKVConfigRequestHeader, ViewBrokerStatsDataRequestHeader, WipeWritePermOfBrokerRequestHeader,
    WipeWritePermOfBrokerResponseHeader,
};
use bolide_protocol::{RemotingCommand, RequestCode};

use super::AdminClient;
use crate::error::ClientError;

impl AdminClient {
    /// GET_BROKER_CLUSTER_INFO: clusters, their broker names and the brokers' addresses.
    ///
    /// # Errors
    /// [`ClientError::NameServerUnreachable`], a refusal ([`ClientError::Broker`]) or an
    /// unreadable body ([`ClientError::Json`]).
    pub async fn cluster_info(&self) -> Result<ClusterInfo, ClientError> {
        self.name_server_ok(RemotingCommand::request(RequestCode::GET_BROKER_CLUSTER_INFO)).await?.json()
    }

    /// `(broker name, master address)` of every master (broker id 0) of `cluster`.
    ///
    /// # Errors
    /// [`ClientError::UnknownCluster`], [`ClientError::NoMasterBroker`], or as
    /// [`AdminClient::cluster_info`].
    pub async fn cluster_masters(&self, cluster: &str) -> Result<Vec<(String, String)>, ClientError> {
        let info = self.cluster_info().await?;
        let Some(names) = info.cluster_addr_table.get(cluster) else {
            let known = info.cluster_addr_table.keys().cloned().collect();
            return Err(ClientError::UnknownCluster { cluster: cluster.to_owned(), known });
        };
        let masters: Vec<(String, String)> = names
            .iter()
            .filter_map(|name| {
                let addr = info.broker_addr_table.get(name)?.broker_addrs.get(&0)?;
                Some((name.clone(), addr.clone()))
            })
            .collect();
        if masters.is_empty() {
            return Err(ClientError::NoMasterBroker { cluster: cluster.to_owned() });
        }
        Ok(masters)
    }

    /// The master address of every broker the NameServers know, whatever its cluster.
    ///
    /// # Errors
    /// As [`AdminClient::cluster_info`].
    pub async fn all_masters(&self) -> Result<Vec<String>, ClientError> {
        let info = self.cluster_info().await?;
        Ok(info.broker_addr_table.values().filter_map(|data| data.broker_addrs.get(&0).cloned()).collect())
    }

    /// GET_BROKER_CONFIG: the broker's settings (`broker.conf` keys).
    ///
    /// # Errors
    /// [`ClientError::Remoting`] or a refusal.
    pub async fn broker_config(&self, addr: &str) -> Result<BTreeMap<String, String>, ClientError> {
        Ok(self.broker_ok(addr, RemotingCommand::request(RequestCode::GET_BROKER_CONFIG)).await?.properties())
    }

    /// UPDATE_BROKER_CONFIG: changes one setting of a running broker.
    ///
    /// # Errors
    /// [`ClientError::Remoting`] or a refusal (unknown key, bad value).
    pub async fn update_broker_config(&self, addr: &str, key: &str, value: &str) -> Result<(), ClientError> {
        let request = RemotingCommand::request(RequestCode::UPDATE_BROKER_CONFIG).with_body(format!("{key}={value}\n"));
        self.broker_ok(addr, request).await.map(drop)
    }

    /// GET_BROKER_RUNTIME_INFO: the broker's runtime figures (`brokerVersionDesc`, `putTps` …).
    ///
    /// # Errors
    /// [`ClientError::Remoting`], a refusal or an unreadable body.
    pub async fn broker_runtime_info(&self, addr: &str) -> Result<BTreeMap<String, String>, ClientError> {
        let answer = self.broker_ok(addr, RemotingCommand::request(RequestCode::GET_BROKER_RUNTIME_INFO)).await?;
        Ok(answer.json::<KvTable>()?.table)
    }

    /// VIEW_BROKER_STATS_DATA: one statistics item (`TOPIC_PUT_NUMS` of a topic,
    /// `GROUP_GET_NUMS` of `topic@group` …). A broker that has counted nothing for it yet
    /// refuses.
    ///
    /// # Errors
    /// [`ClientError::Remoting`], a refusal or an unreadable body.
    pub async fn broker_stats(
        &self,
        addr: &str,
        stats_name: &str,
        stats_key: &str,
    ) -> Result<BrokerStatsData, ClientError> {
        let header =
            ViewBrokerStatsDataRequestHeader { stats_name: stats_name.to_owned(), stats_key: stats_key.to_owned() };
        let request = RemotingCommand::request(RequestCode::VIEW_BROKER_STATS_DATA).with_header(&header);
        self.broker_ok(addr, request).await?.json()
    }

    /// GET_NAMESRV_CONFIG from the first NameServer that answers.
    ///
    /// # Errors
    /// [`ClientError::NameServerUnreachable`] or a refusal.
    pub async fn name_server_config(&self) -> Result<BTreeMap<String, String>, ClientError> {
        Ok(self.name_server_ok(RemotingCommand::request(RequestCode::GET_NAMESRV_CONFIG)).await?.properties())
    }

    /// UPDATE_NAMESRV_CONFIG: changes one NameServer setting.
    ///
    /// # Errors
    /// [`ClientError::NameServerUnreachable`] or a refusal.
    pub async fn update_name_server_config(&self, key: &str, value: &str) -> Result<(), ClientError> {
        let request =
            RemotingCommand::request(RequestCode::UPDATE_NAMESRV_CONFIG).with_body(format!("{key}={value}\n"));
        self.name_server_ok(request).await.map(drop)
    }

    /// PUT_KV_CONFIG: sets `key` in `namespace` (such as `ORDER_TOPIC_CONFIG`).
    ///
    /// # Errors
    /// [`ClientError::NameServerUnreachable`] or a refusal.
    pub async fn put_kv_config(&self, namespace: &str, key: &str, value: &str) -> Result<(), ClientError> {
        let header =
            PutKVConfigRequestHeader { namespace: namespace.to_owned(), key: key.to_owned(), value: value.to_owned() };
        self.name_server_ok(RemotingCommand::request(RequestCode::PUT_KV_CONFIG).with_header(&header)).await.map(drop)
    }

    /// DELETE_KV_CONFIG: removes `key` from `namespace`.
    ///
    /// # Errors
    /// [`ClientError::NameServerUnreachable`] or a refusal.
    pub async fn delete_kv_config(&self, namespace: &str, key: &str) -> Result<(), ClientError> {
        let header = DeleteKVConfigRequestHeader { namespace: namespace.to_owned(), key: key.to_owned() };
        let request = RemotingCommand::request(RequestCode::DELETE_KV_CONFIG).with_header(&header);
        self.name_server_ok(request).await.map(drop)
    }

    /// WIPE_WRITE_PERM_OF_BROKER: takes write permission away from `broker_name`'s topics in
    /// the NameServer's routes; returns how many topics changed.
    ///
    /// # Errors
    /// [`ClientError::NameServerUnreachable`], a refusal or an answer without the count.
    pub async fn wipe_write_perm(&self, broker_name: &str) -> Result<i32, ClientError> {
        let header = WipeWritePermOfBrokerRequestHeader { broker_name: broker_name.to_owned() };
        let request = RemotingCommand::request(RequestCode::WIPE_WRITE_PERM_OF_BROKER).with_header(&header);
        let answer = self.name_server_ok(request).await?;
        Ok(answer.header::<WipeWritePermOfBrokerResponseHeader>()?.wipe_topic_count)
    }

    /// ADD_WRITE_PERM_OF_BROKER: gives `broker_name`'s topics their write permission back;
    /// returns how many topics changed.
    ///
    /// # Errors
    /// As [`AdminClient::wipe_write_perm`].
    pub async fn add_write_perm(&self, broker_name: &str) -> Result<i32, ClientError> {
        let header = AddWritePermOfBrokerRequestHeader { broker_name: broker_name.to_owned() };
        let request = RemotingCommand::request(RequestCode::ADD_WRITE_PERM_OF_BROKER).with_header(&header);
        let answer = self.name_server_ok(request).await?;
        Ok(answer.header::<AddWritePermOfBrokerResponseHeader>()?.add_topic_count)
    }
}
