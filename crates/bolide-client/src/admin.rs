//! [`AdminClient`]: the operations calls `mqadmin` makes (Java's `DefaultMQAdminExt`), typed.
//! NameServer calls try each configured NameServer in turn, starting from the last one that
//! answered; broker calls go to the address given. A refusal is a [`ClientError::Broker`] with
//! the response code and remark; the `bolide admin` commands are built on these methods.
//!
//! Submodules by domain: `cluster` (cluster info, broker and NameServer settings, KV config,
//! write permission, runtime info, statistics), `topic` (routes, topic list, create/delete,
//! topic stats), `group` (subscription groups, connections, consume stats, offsets, running
//! info), `message` (view by offset id, query by key, pull at an offset, send to one queue).
//!
//! ```no_run
//! use bolide_client::admin::{AdminClient, TopicConfig};
//! use bolide_client::ClientConfig;
//!
//! # async fn run() -> Result<(), bolide_client::ClientError> {
//! let admin = AdminClient::new(ClientConfig::new("127.0.0.1:9876"))?;
//! for (cluster, brokers) in admin.cluster_info().await?.cluster_addr_table {
//!     println!("{cluster}: {brokers:?}");
//! }
//! for (_, addr) in admin.cluster_masters("DefaultCluster").await? {
//!     let config = TopicConfig {
//!         topic_name: "Orders".to_owned(),
//!         read_queue_nums: 8,
//!         write_queue_nums: 8,
//!         ..TopicConfig::default()
//!     };
//!     admin.create_topic(&addr, &config, None).await?;
//! }
//! println!("{} topics", admin.topic_list().await?.len());
//! admin.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod cluster;
mod group;
mod message;
mod topic;

use std::sync::atomic::{AtomicUsize, Ordering};

use bolide_protocol::{CommandHeader, LanguageCode, RemotingCommand, ResponseCode};
use bolide_remoting::{ClientConfig as RemotingConfig, ProcessorRegistry, RemotingClient};
use serde::de::DeserializeOwned;

pub use bolide_protocol::body::{
    BrokerStatsData, ClusterInfo, ConsumeStats, ConsumerConnection, ConsumerRunningInfo, ProducerConnection,
    ResetOffsetBody, SubscriptionGroupConfig, TopicConfig, TopicRouteData, TopicStatsTable,
};
pub use message::{PulledMessages, SentMessage, TOOLS_CONSUMER_GROUP, TOOLS_PRODUCER_GROUP};

use crate::config::ClientConfig;
use crate::error::ClientError;
use crate::instance::refusal;

/// A client for operations: no producer or consumer group, no heartbeats, no background task.
/// Every call is one request (or one per NameServer tried) with the configured request timeout.
pub struct AdminClient {
    config: ClientConfig,
    remoting: RemotingClient,
    /// Index of the NameServer that answered last.
    name_server: AtomicUsize,
}

impl AdminClient {
    /// An admin client for the NameServers of `config`. Connections open on first use; call
    /// inside a tokio runtime.
    ///
    /// # Errors
    /// [`ClientError::NoNameServer`], [`ClientError::InvalidConfig`].
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        config.validate()?;
        let remoting = RemotingClient::new(RemotingConfig::default(), ProcessorRegistry::new())
            .map_err(|source| ClientError::Remoting { addr: String::new(), source })?;
        Ok(Self { config, remoting, name_server: AtomicUsize::new(0) })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Sends `request` to the NameServers in turn until one answers; returns that answer
    /// whatever its code.
    ///
    /// # Errors
    /// [`ClientError::NameServerUnreachable`] when none answers.
    pub async fn call_name_server(&self, request: RemotingCommand) -> Result<RemotingCommand, ClientError> {
        let servers = self.config.name_servers();
        let first = self.name_server.load(Ordering::Relaxed);
        let mut last_error = None;
        for step in 0..servers.len() {
            let index = (first + step) % servers.len();
            match self.invoke(&servers[index], request.clone()).await {
                Ok(response) => {
                    self.name_server.store(index, Ordering::Relaxed);
                    return Ok(response);
                }
                Err(ClientError::Remoting { addr, source }) => {
                    tracing::debug!(name_server = %addr, error = %source, "name server unreachable, trying the next");
                    last_error = Some(source);
                }
                Err(other) => return Err(other),
            }
        }
        match last_error {
            Some(source) => Err(ClientError::NameServerUnreachable { tried: servers.join(";"), source }),
            None => Err(ClientError::NoNameServer),
        }
    }

    /// Sends `request` to the broker at `addr`; returns its answer whatever its code.
    ///
    /// # Errors
    /// [`ClientError::Remoting`] when the broker does not answer.
    pub async fn call_broker(&self, addr: &str, request: RemotingCommand) -> Result<RemotingCommand, ClientError> {
        self.invoke(addr, request).await
    }

    async fn invoke(&self, addr: &str, mut request: RemotingCommand) -> Result<RemotingCommand, ClientError> {
        request.language = LanguageCode::Rust;
        self.remoting
            .invoke(addr, request, self.config.request_timeout())
            .await
            .map_err(|source| ClientError::Remoting { addr: addr.to_owned(), source })
    }

    /// A NameServer call that must succeed.
    async fn name_server_ok(&self, request: RemotingCommand) -> Result<Answer, ClientError> {
        let response = self.call_name_server(request).await?;
        let addr = self.last_name_server().to_owned();
        Answer::success(response, addr)
    }

    /// A broker call that must succeed.
    async fn broker_ok(&self, addr: &str, request: RemotingCommand) -> Result<Answer, ClientError> {
        Answer::success(self.call_broker(addr, request).await?, addr.to_owned())
    }

    fn last_name_server(&self) -> &str {
        let servers = self.config.name_servers();
        &servers[self.name_server.load(Ordering::Relaxed) % servers.len()]
    }

    /// Closes the connections.
    pub async fn shutdown(&self) {
        self.remoting.shutdown().await;
    }
}

/// A SUCCESS response and the address that gave it, for decoding.
struct Answer {
    response: RemotingCommand,
    addr: String,
}

impl Answer {
    fn success(response: RemotingCommand, addr: String) -> Result<Self, ClientError> {
        match response.response_code() {
            ResponseCode::SUCCESS => Ok(Self { response, addr }),
            code => Err(refusal(code, response.remark, &addr)),
        }
    }

    /// The JSON body (an absent body reads as `{}`).
    fn json<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        let body = self.response.body.as_deref().unwrap_or(b"{}");
        bolide_protocol::json::from_slice(body).map_err(|source| ClientError::Json { addr: self.addr.clone(), source })
    }

    fn header<T: CommandHeader>(&self) -> Result<T, ClientError> {
        self.response.decode_header().map_err(|source| ClientError::Header { addr: self.addr.clone(), source })
    }

    /// The body as `key=value` lines (broker and NameServer settings), sorted by key.
    fn properties(&self) -> std::collections::BTreeMap<String, String> {
        String::from_utf8_lossy(self.response.body.as_deref().unwrap_or_default())
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
            .collect()
    }
}
