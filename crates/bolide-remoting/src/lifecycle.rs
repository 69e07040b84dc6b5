//! Lifecycle log messages. Tests and harnesses wait for these exact strings in the logs, so they
//! change only deliberately.

/// The server accepts connections (field `addr`).
pub const LISTENING: &str = "listening";
/// The server stopped accepting and drains its connections.
pub const SHUTTING_DOWN: &str = "shutting down";
/// The server has closed every connection and all its tasks have ended.
pub const STOPPED: &str = "stopped";
/// A connection was accepted or established.
pub const CONNECTION_OPENED: &str = "connection opened";
/// A connection ended (field `reason`).
pub const CONNECTION_CLOSED: &str = "connection closed";
