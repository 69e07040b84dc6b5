//! The admin's connection to a cluster: [`bolide_client::admin::AdminClient`] plus what only the
//! command line needs (the `-b`/`-c` targets) and the mapping of client errors to one line
//! with a hint for the operator.

use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use bolide_client::admin::{AdminClient, ClusterInfo, TopicRouteData};
use bolide_client::{ClientConfig, ClientError};

/// Name servers when neither `-n` nor `NAMESRV_ADDR` says otherwise.
pub const DEFAULT_NAMESRV: &str = "127.0.0.1:9876";

pub struct Admin {
    client: AdminClient,
}

impl Admin {
    pub fn new(namesrv: &str, timeout: Duration) -> Result<Self> {
        let config = ClientConfig::new(namesrv).with_request_timeout(timeout);
        if config.name_servers().is_empty() {
            bail!("no name server address; pass -n host:port or set NAMESRV_ADDR");
        }
        let client = AdminClient::new(config).or_fail("admin client")?;
        Ok(Admin { client })
    }

    /// The typed calls; every request a command sends goes through it.
    pub fn api(&self) -> &AdminClient {
        &self.client
    }

    pub async fn cluster_info(&self) -> Result<ClusterInfo> {
        self.client.cluster_info().await.or_fail("cluster info")
    }

    pub async fn route(&self, topic: &str) -> Result<TopicRouteData> {
        self.client.topic_route(topic).await.or_fail("route")
    }

    /// Master addresses (brokerId 0) of `cluster`, with their broker names.
    pub async fn cluster_masters(&self, cluster: &str) -> Result<Vec<(String, String)>> {
        self.client.cluster_masters(cluster).await.or_fail("cluster info")
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
        self.client.topic_masters(topic).await.or_fail("route")
    }

    pub async fn shutdown(&self) {
        self.client.shutdown().await;
    }
}

/// A client call's result as the command line reports it: `what` names the step.
pub trait OrFail<T> {
    fn or_fail(self, what: &str) -> Result<T>;
}

impl<T> OrFail<T> for Result<T, ClientError> {
    fn or_fail(self, what: &str) -> Result<T> {
        self.map_err(|err| explain(err, what))
    }
}

/// One line saying what failed and, where the operator can fix it, how.
pub fn explain(err: ClientError, what: &str) -> anyhow::Error {
    match err {
        ClientError::NameServerUnreachable { tried, source } => anyhow::Error::new(source)
            .context(format!("name server {tried}"))
            .context("no name server answered; check -n (host:port;host:port)"),
        ClientError::Remoting { addr, source } => anyhow::Error::new(source)
            .context(format!("broker {addr} did not answer; check -b or that the broker is running")),
        ClientError::Broker { code, remark, .. } => {
            let remark = if remark.is_empty() { "no remark".to_owned() } else { remark };
            anyhow!("{what} failed: {} ({}): {remark}", code.name().unwrap_or("UNKNOWN"), code.value())
        }
        ClientError::Json { source, .. } => anyhow!("{what}: unreadable answer: {source}"),
        ClientError::NoRoute { topic } => {
            anyhow!("topic {topic} has no route: it does not exist on any broker (create it with updateTopic)")
        }
        err @ (ClientError::UnknownCluster { .. } | ClientError::NoMasterBroker { .. }) => anyhow!(err),
        other => anyhow!("{what}: {other}"),
    }
}

/// Whether `err` is a server's refusal (as opposed to no answer at all).
pub fn is_refusal(err: &ClientError) -> bool {
    matches!(err, ClientError::Broker { .. })
}
