//! Server and client configuration. Defaults come from [`crate::limits`].

use std::time::Duration;

use bolide_protocol::FrameLimits;

use crate::error::RemotingError;
use crate::limits;

/// Settings shared by both ends of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionConfig {
    /// Largest frame read or written; a bigger incoming frame closes the connection.
    pub frame_limits: FrameLimits,
    /// Requests from the peer processed concurrently on one connection; more are answered
    /// SYSTEM_BUSY.
    pub max_in_flight_requests: usize,
    /// Frames queued for the writer before senders wait.
    pub write_queue_depth: usize,
    /// Close the connection after this long without a read or a write.
    pub idle_timeout: Duration,
    /// On shutdown, how long in-flight requests may take to finish before they are cancelled.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self {
            frame_limits: FrameLimits { max_frame_bytes: limits::DEFAULT_MAX_FRAME_BYTES },
            max_in_flight_requests: limits::DEFAULT_MAX_IN_FLIGHT_REQUESTS,
            write_queue_depth: limits::DEFAULT_WRITE_QUEUE_DEPTH,
            idle_timeout: limits::DEFAULT_IDLE_TIMEOUT,
            shutdown_grace: limits::DEFAULT_SHUTDOWN_GRACE,
        }
    }
}

impl ConnectionConfig {
    /// Checks that every bound is usable.
    ///
    /// # Errors
    /// [`RemotingError::InvalidConfig`] naming the first bad field.
    pub fn validate(&self) -> Result<(), RemotingError> {
        let checks = [
            ("max_frame_bytes", self.frame_limits.max_frame_bytes >= 1024, "must be at least 1024"),
            ("max_in_flight_requests", self.max_in_flight_requests > 0, "must be positive"),
            ("write_queue_depth", self.write_queue_depth > 0, "must be positive"),
            ("idle_timeout", !self.idle_timeout.is_zero(), "must be positive"),
        ];
        match checks.into_iter().find(|(_, ok, _)| !ok) {
            Some((field, _, reason)) => Err(RemotingError::InvalidConfig { field, reason }),
            None => Ok(()),
        }
    }
}

/// Server settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Connections served at once; further peers wait in the listen backlog.
    pub max_connections: usize,
    /// Per-connection settings.
    pub connection: ConnectionConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self { max_connections: limits::DEFAULT_MAX_CONNECTIONS, connection: ConnectionConfig::default() }
    }
}

impl ServerConfig {
    /// Checks that every bound is usable.
    ///
    /// # Errors
    /// [`RemotingError::InvalidConfig`] naming the first bad field.
    pub fn validate(&self) -> Result<(), RemotingError> {
        if self.max_connections == 0 {
            return Err(RemotingError::InvalidConfig { field: "max_connections", reason: "must be positive" });
        }
        self.connection.validate()
    }
}

/// Client settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// How long establishing a TCP connection may take.
    pub connect_timeout: Duration,
    /// Per-connection settings.
    pub connection: ConnectionConfig,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self { connect_timeout: limits::DEFAULT_CONNECT_TIMEOUT, connection: ConnectionConfig::default() }
    }
}

impl ClientConfig {
    /// Checks that every bound is usable.
    ///
    /// # Errors
    /// [`RemotingError::InvalidConfig`] naming the first bad field.
    pub fn validate(&self) -> Result<(), RemotingError> {
        if self.connect_timeout.is_zero() {
            return Err(RemotingError::InvalidConfig { field: "connect_timeout", reason: "must be positive" });
        }
        self.connection.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(ServerConfig::default().validate().is_ok());
        assert!(ClientConfig::default().validate().is_ok());
    }

    #[test]
    fn zero_bounds_are_rejected() {
        let mut config = ServerConfig::default();
        config.connection.write_queue_depth = 0;
        assert!(matches!(config.validate(), Err(RemotingError::InvalidConfig { field: "write_queue_depth", .. })));
    }
}
