//! [`ClientError`]: every way a client call can fail.

use bolide_protocol::json::JsonError;
use bolide_protocol::message::compression::CompressionError;
use bolide_protocol::{HeaderError, ResponseCode};
use bolide_remoting::RemotingError;

/// A failed client call. Broker refusals keep the response code and remark; transport failures
/// keep their cause as `source`.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// [`crate::ClientConfig`] lists no NameServer.
    #[error("no name server address is configured")]
    NoNameServer,
    /// The configuration is unusable.
    #[error("invalid configuration: {reason}")]
    InvalidConfig {
        /// What is wrong.
        reason: String,
    },
    /// No NameServer knows the topic (and, for producers, TBW102 auto-create is unavailable).
    #[error("no route for topic {topic}")]
    NoRoute {
        /// The topic.
        topic: String,
    },
    /// The topic's route has no queue usable for this operation.
    #[error("topic {topic} has no {kind} queue")]
    NoQueue {
        /// The topic.
        topic: String,
        /// `writable` or `readable`.
        kind: &'static str,
    },
    /// The route names a broker whose master address is unknown.
    #[error("broker {broker_name} has no master address in the route")]
    NoBrokerAddress {
        /// The broker name.
        broker_name: String,
    },
    /// The message cannot be sent as it is.
    #[error("invalid message: {reason}")]
    InvalidMessage {
        /// What is wrong.
        reason: String,
    },
    /// A server answered with an error code.
    #[error("{addr} answered {code}: {remark}")]
    Broker {
        /// The response code.
        code: ResponseCode,
        /// The response's remark (empty if none).
        remark: String,
        /// The server address.
        addr: String,
    },
    /// The request could not be sent or answered.
    #[error("request to {addr} failed")]
    Remoting {
        /// The server address.
        addr: String,
        /// The transport error.
        #[source]
        source: RemotingError,
    },
    /// A response header could not be decoded.
    #[error("malformed response header from {addr}")]
    Header {
        /// The server address.
        addr: String,
        /// The decoding error.
        #[source]
        source: HeaderError,
    },
    /// A JSON response body could not be decoded.
    #[error("malformed response body from {addr}")]
    Json {
        /// The server address.
        addr: String,
        /// The decoding error.
        #[source]
        source: JsonError,
    },
    /// A body could not be compressed.
    #[error("cannot compress the message body")]
    Compression(#[source] CompressionError),
    /// The call's timeout passed before any attempt could be made.
    #[error("timed out after {timeout:?}")]
    Timeout {
        /// The call's timeout.
        timeout: std::time::Duration,
    },
    /// The client was shut down.
    #[error("the client is shut down")]
    Shutdown,
    /// A local offset file could not be read or written.
    #[error("offset file {path}")]
    OffsetFile {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A local offset file is not in Java's `offsets.json` layout.
    #[error("offset file {path} is not valid")]
    OffsetFileCorrupt {
        /// The file.
        path: std::path::PathBuf,
        /// The decoding error.
        #[source]
        source: JsonError,
    },
    /// A push consumer subscription cannot be used.
    #[error("invalid subscription to {topic}: {reason}")]
    InvalidSubscription {
        /// The topic.
        topic: String,
        /// What is wrong.
        reason: String,
    },
    /// No NameServer of the configuration answered.
    #[error("no name server answered (tried {tried})")]
    NameServerUnreachable {
        /// The addresses tried, `;`-separated.
        tried: String,
        /// The last transport error.
        #[source]
        source: RemotingError,
    },
    /// The NameServers know no cluster of this name.
    #[error("cluster {cluster} is unknown to the name server (known: {known:?})")]
    UnknownCluster {
        /// The cluster asked for.
        cluster: String,
        /// The clusters the NameServers know.
        known: Vec<String>,
    },
    /// A cluster has no master broker registered.
    #[error("cluster {cluster} has no master broker registered")]
    NoMasterBroker {
        /// The cluster.
        cluster: String,
    },
    /// A broker refused a consumer's subscription when it was checked at start
    /// (CHECK_CLIENT_CONFIG): a bad SQL92 expression, or property filtering switched off.
    #[error("broker {addr} refused the {expression_type} subscription to {topic} `{expression}`: {code}: {remark}")]
    SubscriptionRefused {
        /// The topic.
        topic: String,
        /// `SQL92` (or another non-tag type).
        expression_type: String,
        /// The expression.
        expression: String,
        /// The broker address.
        addr: String,
        /// The response code.
        code: ResponseCode,
        /// The broker's explanation.
        remark: String,
    },
    /// A request message was sent, but no reply came within the timeout.
    #[error("request to topic {topic} was sent, but no reply came within {timeout:?}")]
    RequestTimeout {
        /// The request's topic.
        topic: String,
        /// The request's timeout.
        timeout: std::time::Duration,
    },
}

impl ClientError {
    /// The broker's response code, if this is a refusal.
    #[must_use]
    pub fn response_code(&self) -> Option<ResponseCode> {
        match self {
            ClientError::Broker { code, .. } | ClientError::SubscriptionRefused { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether a sync send retries on another broker after this error, as the Java producer does
    /// (behaviours.md §2.3): transport failures and the retryable response codes.
    #[must_use]
    pub fn is_send_retryable(&self) -> bool {
        match self {
            ClientError::Remoting { source, .. } => !matches!(source, RemotingError::Shutdown),
            ClientError::Broker { code, .. } => RETRYABLE_SEND_CODES.contains(code),
            ClientError::NoBrokerAddress { .. } => true,
            _ => false,
        }
    }
}

/// Response codes after which the Java producer retries a sync send (`retryResponseCodes`).
pub const RETRYABLE_SEND_CODES: [ResponseCode; 8] = [
    ResponseCode::TOPIC_NOT_EXIST,
    ResponseCode::SERVICE_NOT_AVAILABLE,
    ResponseCode::SYSTEM_ERROR,
    ResponseCode::SYSTEM_BUSY,
    ResponseCode::NO_PERMISSION,
    ResponseCode::NO_BUYER_ID,
    ResponseCode::NOT_IN_CURRENT_UNIT,
    ResponseCode::GO_AWAY,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_codes_follow_the_java_producer() {
        let refusal = |code| ClientError::Broker { code, remark: String::new(), addr: "a".into() };
        assert!(refusal(ResponseCode::SYSTEM_BUSY).is_send_retryable());
        assert!(refusal(ResponseCode::NO_PERMISSION).is_send_retryable());
        assert!(!refusal(ResponseCode::MESSAGE_ILLEGAL).is_send_retryable());
        assert!(!ClientError::Shutdown.is_send_retryable());
        assert_eq!(refusal(ResponseCode::GO_AWAY).response_code(), Some(ResponseCode::GO_AWAY));
    }
}
