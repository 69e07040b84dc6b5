//! The admin's connection to a cluster: calls to the NameServers (first one that answers) and to
//! brokers, and the lookups every command needs (cluster info, routes, the masters of a cluster).

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use bolide_protocol::body::{ClusterInfo, TopicRouteData};
use bolide_protocol::header::GetRouteInfoRequestHeader;
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ClientConfig, ProcessorRegistry, RemotingClient};
use serde::de::DeserializeOwned;

/// Name servers when neither `-n` nor `NAMESRV_ADDR` says otherwise.
pub const DEFAULT_NAMESRV: &str = "127.0.0.1:9876";

pub struct Admin {
    client: RemotingClient,
    namesrv: Vec<String>,
    timeout: Duration,
}

impl Admin {
    pub fn new(namesrv: &str, timeout: Duration) -> Result<Self> {
        let namesrv: Vec<String> =
            namesrv.split(';').map(str::trim).filter(|addr| !addr.is_empty()).map(str::to_owned).collect();
        if namesrv.is_empty() {
            bail!("no name server address; pass -n host:port or set NAMESRV_ADDR");
        }
        let client = RemotingClient::new(ClientConfig::default(), ProcessorRegistry::new())?;
        Ok(Admin { client, namesrv, timeout })
    }

    /// Calls the name servers in order until one answers.
    pub async fn namesrv(&self, request: RemotingCommand) -> Result<RemotingCommand> {
        let mut last = None;
        for addr in &self.namesrv {
            match self.client.invoke(addr.as_str(), request.clone(), self.timeout).await {
                Ok(response) => return Ok(response),
                Err(err) => last = Some(anyhow!("name server {addr}: {err}")),
            }
        }
        Err(last.expect("at least one name server").context("no name server answered; check -n (host:port;host:port)"))
    }

    /// Calls a broker.
    pub async fn broker(&self, addr: &str, request: RemotingCommand) -> Result<RemotingCommand> {
        self.client
            .invoke(addr, request, self.timeout)
            .await
            .with_context(|| format!("broker {addr} did not answer; check -b or that the broker is running"))
    }

    pub async fn cluster_info(&self) -> Result<ClusterInfo> {
        let response =
            ok(self.namesrv(RemotingCommand::request(RequestCode::GET_BROKER_CLUSTER_INFO)).await?, "cluster info")?;
        json_body(&response, "cluster info")
    }

    pub async fn route(&self, topic: &str) -> Result<TopicRouteData> {
        let header = GetRouteInfoRequestHeader { topic: topic.to_owned(), ..Default::default() };
        let response =
            self.namesrv(RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC).with_header(&header)).await?;
        if response.code == ResponseCode::TOPIC_NOT_EXIST.value() {
            bail!("topic {topic} has no route: it does not exist on any broker (create it with updateTopic)");
        }
        json_body(&ok(response, "route")?, "route")
    }

    /// Master addresses (brokerId 0) of `cluster`, with their broker names.
    pub async fn cluster_masters(&self, cluster: &str) -> Result<Vec<(String, String)>> {
        let info = self.cluster_info().await?;
        let Some(names) = info.cluster_addr_table.get(cluster) else {
            let known: Vec<&String> = info.cluster_addr_table.keys().collect();
            bail!("cluster {cluster} is unknown to the name server (known: {known:?})");
        };
        let mut masters = Vec::new();
        for name in names {
            if let Some(addr) = info.broker_addr_table.get(name).and_then(|data| data.broker_addrs.get(&0)) {
                masters.push((name.clone(), addr.clone()));
            }
        }
        if masters.is_empty() {
            bail!("cluster {cluster} has no master broker registered");
        }
        Ok(masters)
    }

    /// The brokers a command acts on: `-b addr`, or every master of `-c cluster`.
    pub async fn targets(&self, broker: Option<&str>, cluster: Option<&str>) -> Result<Vec<String>> {
        match (broker, cluster) {
            (Some(addr), _) => Ok(vec![addr.to_owned()]),
            (None, Some(cluster)) => {
                Ok(self.cluster_masters(cluster).await?.into_iter().map(|(_, addr)| addr).collect())
            }
            (None, None) => bail!("say where: -b <broker address> or -c <cluster name>"),
        }
    }

    /// Master addresses of every broker serving `topic`.
    pub async fn topic_masters(&self, topic: &str) -> Result<Vec<(String, String)>> {
        let route = self.route(topic).await?;
        Ok(route
            .broker_datas
            .iter()
            .filter_map(|data| data.broker_addrs.get(&0).map(|addr| (data.broker_name.clone(), addr.clone())))
            .collect())
    }

    pub async fn shutdown(&self) {
        self.client.shutdown().await;
    }
}

/// The response when its code is SUCCESS; otherwise an error with the code and the remark.
pub fn ok(response: RemotingCommand, what: &str) -> Result<RemotingCommand> {
    if response.code == ResponseCode::SUCCESS.value() {
        return Ok(response);
    }
    let code = ResponseCode(response.code);
    let name = code.name().unwrap_or("UNKNOWN");
    bail!("{what} failed: {name} ({}): {}", response.code, response.remark.as_deref().unwrap_or("no remark"))
}

pub fn json_body<T: DeserializeOwned>(response: &RemotingCommand, what: &str) -> Result<T> {
    let body = response.body.as_deref().unwrap_or(b"{}");
    bolide_protocol::json::from_slice(body).map_err(|err| anyhow!("{what}: unreadable answer: {err}"))
}
