//! REGISTER_BROKER and UNREGISTER_BROKER to every configured name server (`codes.md` §4.2, §4.3).
//! The schedule (at start, every `registerNameServerPeriod`, right after topic changes) lives in
//! the server; this module builds and sends the requests.

use std::time::Duration;

use bolide_protocol::body::{RegisterBrokerBody, TopicConfigSerializeWrapper, PERM_READ, PERM_WRITE};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ClientConfig, ProcessorRegistry, RemotingClient, RemotingError};
use tracing::{info, warn};

use crate::config::BrokerConfig;
use crate::lifecycle;

/// How long one name server may take to answer.
pub const REGISTER_TIMEOUT: Duration = Duration::from_secs(3);

/// Why one name server did not accept a request.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// The request could not be delivered or answered.
    #[error("name server {namesrv}: {source}")]
    Remoting {
        /// The name server.
        namesrv: String,
        /// The cause.
        source: RemotingError,
    },
    /// The name server answered with an error code.
    #[error("name server {namesrv} answered {code}: {remark}")]
    Refused {
        /// The name server.
        namesrv: String,
        /// The response code.
        code: i32,
        /// Its remark.
        remark: String,
    },
}

/// The broker's identity as sent to name servers, and a client to reach them.
pub struct Registrar {
    client: RemotingClient,
    namesrv_addrs: Vec<String>,
    broker_name: String,
    broker_addr: String,
    cluster_name: String,
    ha_server_addr: String,
    broker_id: i64,
    broker_permission: i32,
}

impl Registrar {
    /// A registrar for the broker `config` describes.
    ///
    /// # Errors
    /// [`RemotingError`] when the client cannot be created.
    pub fn new(config: &BrokerConfig) -> Result<Self, RemotingError> {
        Ok(Self {
            client: RemotingClient::new(ClientConfig::default(), ProcessorRegistry::new())?,
            namesrv_addrs: config.namesrv_addrs(),
            broker_name: config.broker_name.clone(),
            broker_addr: config.broker_addr(),
            cluster_name: config.broker_cluster_name.clone(),
            ha_server_addr: config.ha_server_addr(),
            broker_id: config.broker_id,
            broker_permission: config.broker_permission,
        })
    }

    /// The name servers this broker registers with.
    pub fn namesrv_addrs(&self) -> &[String] {
        &self.namesrv_addrs
    }

    fn identify(&self, request: RemotingCommand) -> RemotingCommand {
        request
            .with_ext("brokerName", &self.broker_name)
            .with_ext("brokerAddr", &self.broker_addr)
            .with_ext("clusterName", &self.cluster_name)
            .with_ext("brokerId", self.broker_id.to_string())
    }

    /// The REGISTER_BROKER request carrying every topic and the table's data version.
    /// A broker whose `brokerPermission` lacks read or write advertises every topic without it.
    pub fn register_request(&self, topics: &TopicConfigSerializeWrapper) -> RemotingCommand {
        let mut topics = topics.clone();
        let read_write = PERM_READ | PERM_WRITE;
        if self.broker_permission & read_write != read_write {
            for topic in topics.topic_config_table.values_mut() {
                topic.perm &= self.broker_permission;
            }
        }
        let body = RegisterBrokerBody { filter_server_list: Vec::new(), topic_config_serialize_wrapper: topics };
        let bytes = json::to_vec(&body, KeyStyle::Fastjson);
        let crc = crc32fast::hash(&bytes) & 0x7FFF_FFFF;
        self.identify(RemotingCommand::request(RequestCode::REGISTER_BROKER))
            .with_ext("haServerAddr", &self.ha_server_addr)
            .with_ext("compressed", "false")
            .with_ext("enableActingMaster", "false")
            .with_ext("bodyCrc32", crc.to_string())
            .with_body(bytes)
    }

    /// Registers with every name server at once (a dead one does not delay the others); returns
    /// how many accepted. Failures are logged.
    pub async fn register_all(&self, topics: &TopicConfigSerializeWrapper) -> usize {
        let request = self.register_request(topics);
        let count = topics.topic_config_table.len();
        let mut accepted = 0;
        for (namesrv, outcome) in self.call_all(request).await {
            match outcome {
                Ok(()) => {
                    accepted += 1;
                    info!(namesrv = %namesrv, topics = count, "{}", lifecycle::REGISTERED_WITH_NAMESRV);
                }
                Err(err) => {
                    warn!(error = %err, "registration failed; clients may not find this broker until it succeeds")
                }
            }
        }
        accepted
    }

    /// Unregisters from every name server (clean shutdown). Failures are logged.
    pub async fn unregister_all(&self) {
        let request = self.identify(RemotingCommand::request(RequestCode::UNREGISTER_BROKER));
        for (namesrv, outcome) in self.call_all(request).await {
            match outcome {
                Ok(()) => info!(namesrv = %namesrv, "{}", lifecycle::UNREGISTERED_FROM_NAMESRV),
                Err(err) => warn!(error = %err, "unregistration failed; the name server drops this broker on expiry"),
            }
        }
    }

    /// Sends `request` to every name server concurrently and collects each outcome.
    async fn call_all(&self, request: RemotingCommand) -> Vec<(String, Result<(), RegistrationError>)> {
        let mut calls = tokio::task::JoinSet::new();
        for namesrv in &self.namesrv_addrs {
            let (client, namesrv, request) = (self.client.clone(), namesrv.clone(), request.clone());
            calls.spawn(async move {
                let outcome = call(&client, &namesrv, request).await;
                (namesrv, outcome)
            });
        }
        let mut outcomes = Vec::with_capacity(self.namesrv_addrs.len());
        while let Some(joined) = calls.join_next().await {
            match joined {
                Ok(outcome) => outcomes.push(outcome),
                Err(err) => warn!(error = %err, "name server call task failed"),
            }
        }
        outcomes
    }

    /// Closes the connections to the name servers.
    pub async fn shutdown(&self) {
        self.client.shutdown().await;
    }
}

async fn call(client: &RemotingClient, namesrv: &str, request: RemotingCommand) -> Result<(), RegistrationError> {
    let response = client
        .invoke(namesrv, request, REGISTER_TIMEOUT)
        .await
        .map_err(|source| RegistrationError::Remoting { namesrv: namesrv.to_owned(), source })?;
    if response.code != ResponseCode::SUCCESS.0 {
        return Err(RegistrationError::Refused {
            namesrv: namesrv.to_owned(),
            code: response.code,
            remark: response.remark.unwrap_or_default(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_protocol::header::RegisterBrokerRequestHeader;

    #[test]
    fn register_request_carries_identity_topics_and_crc() {
        let config = BrokerConfig { broker_ip1: "127.0.0.1".to_owned(), ..BrokerConfig::default() };
        let registrar = Registrar::new(&config).expect("client");
        let topics = crate::topic::TopicConfigTable::open(&BrokerConfig {
            store_path_root_dir: std::env::temp_dir().join("bolide-registration-test-none"),
            ..config.clone()
        })
        .expect("topics");
        let request = registrar.register_request(&topics.to_wrapper());
        assert_eq!(request.version, 479);
        let header: RegisterBrokerRequestHeader = request.decode_header().expect("header");
        assert_eq!(
            (header.broker_addr.as_str(), header.ha_server_addr.as_str()),
            ("127.0.0.1:10911", "127.0.0.1:10912")
        );
        let body = request.body.expect("body");
        assert_eq!(header.body_crc32, Some((crc32fast::hash(&body) & 0x7FFF_FFFF) as i32));
        let decoded: RegisterBrokerBody = json::from_slice(&body).expect("body");
        assert_eq!(decoded.topic_config_serialize_wrapper.topic_config_table.get("TBW102").map(|t| t.perm), Some(7));

        // A read-only broker advertises read-only topics.
        let read_only = Registrar::new(&BrokerConfig { broker_permission: PERM_READ, ..config }).expect("client");
        let body = read_only.register_request(&topics.to_wrapper()).body.expect("body");
        let decoded: RegisterBrokerBody = json::from_slice(&body).expect("body");
        assert_eq!(decoded.topic_config_serialize_wrapper.topic_config_table.get("TBW102").map(|t| t.perm), Some(4));
    }
}
