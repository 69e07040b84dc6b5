//! [`ClientConfig`]: where the NameServers are and how long calls may take.

use std::time::Duration;

use bolide_protocol::SerializeType;

use crate::error::ClientError;

/// The Java client's RPC timeout (`sendMsgTimeout`, `mqClientApiTimeout`).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(3);
/// `pollNameServerInterval`.
pub const DEFAULT_ROUTE_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// `heartbeatBrokerInterval`.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(30);

/// How request headers are written unless [`ClientConfig::with_serialize_type`] says otherwise:
/// the `ROCKETMQ` binary form, which costs both the client and the broker less per request than
/// JSON (`docs/PERFORMANCE.md`, "Client and bench"). Java clients default to JSON.
pub const DEFAULT_SERIALIZE_TYPE: SerializeType = SerializeType::RocketMq;

/// Settings shared by producers and consumers.
///
/// ```
/// use std::time::Duration;
/// use bolide_client::ClientConfig;
///
/// let config = ClientConfig::new("127.0.0.1:9876;127.0.0.1:9877")
///     .with_instance_name("orders")
///     .with_request_timeout(Duration::from_secs(5));
/// assert_eq!(config.name_servers().len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    name_servers: Vec<String>,
    instance_name: Option<String>,
    request_timeout: Duration,
    route_refresh_interval: Duration,
    heartbeat_interval: Duration,
    serialize_type: SerializeType,
}

impl ClientConfig {
    /// A configuration for the NameServers in `name_servers`, separated by `;` as in
    /// RocketMQ's `namesrvAddr` (`host:port;host:port`).
    pub fn new(name_servers: &str) -> Self {
        let name_servers =
            name_servers.split(';').map(str::trim).filter(|addr| !addr.is_empty()).map(str::to_owned).collect();
        Self {
            name_servers,
            instance_name: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            route_refresh_interval: DEFAULT_ROUTE_REFRESH_INTERVAL,
            heartbeat_interval: DEFAULT_HEARTBEAT_INTERVAL,
            serialize_type: DEFAULT_SERIALIZE_TYPE,
        }
    }

    /// Sets the instance name, the part of the client id after `@` (Java's `instanceName`;
    /// the process id by default).
    #[must_use]
    pub fn with_instance_name(mut self, name: impl Into<String>) -> Self {
        self.instance_name = Some(name.into());
        self
    }

    /// Sets the default timeout of one request (3 s by default).
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets how often the routes of used topics are fetched again (30 s by default).
    #[must_use]
    pub fn with_route_refresh_interval(mut self, interval: Duration) -> Self {
        self.route_refresh_interval = interval;
        self
    }

    /// Sets how often the client sends HEART_BEAT to every broker it knows (30 s by default).
    #[must_use]
    pub fn with_heartbeat_interval(mut self, interval: Duration) -> Self {
        self.heartbeat_interval = interval;
        self
    }

    /// Sets how request headers are written: the `ROCKETMQ` binary form (the default) or JSON
    /// (the Java client's `rocketmq.serialize.type`). Requests the binary form cannot carry
    /// unchanged (POP codes above 32767, empty field values) go as JSON; servers answer in JSON
    /// either way, and Bolide and Apache RocketMQ brokers accept both.
    #[must_use]
    pub fn with_serialize_type(mut self, serialize_type: SerializeType) -> Self {
        self.serialize_type = serialize_type;
        self
    }

    /// The NameServer addresses, in the order they are tried.
    pub fn name_servers(&self) -> &[String] {
        &self.name_servers
    }

    /// The instance name, if set.
    pub fn instance_name(&self) -> Option<&str> {
        self.instance_name.as_deref()
    }

    /// The default request timeout.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The route refresh interval.
    pub fn route_refresh_interval(&self) -> Duration {
        self.route_refresh_interval
    }

    /// The heartbeat interval.
    pub fn heartbeat_interval(&self) -> Duration {
        self.heartbeat_interval
    }

    /// How request headers are written.
    pub fn serialize_type(&self) -> SerializeType {
        self.serialize_type
    }

    pub(crate) fn validate(&self) -> Result<(), ClientError> {
        if self.name_servers.is_empty() {
            return Err(ClientError::NoNameServer);
        }
        let zero = [
            ("request timeout", self.request_timeout),
            ("route refresh interval", self.route_refresh_interval),
            ("heartbeat interval", self.heartbeat_interval),
        ];
        if let Some((name, _)) = zero.iter().find(|(_, value)| value.is_zero()) {
            return Err(ClientError::InvalidConfig { reason: format!("{name} must be positive") });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_server_list_splits_on_semicolons() {
        let config = ClientConfig::new(" a:1 ;b:2;;");
        assert_eq!(config.name_servers(), ["a:1", "b:2"]);
        assert!(config.validate().is_ok());
        assert!(matches!(ClientConfig::new("").validate(), Err(ClientError::NoNameServer)));
        let zero = ClientConfig::new("a:1").with_request_timeout(Duration::ZERO);
        assert!(matches!(zero.validate(), Err(ClientError::InvalidConfig { .. })));
    }
}
