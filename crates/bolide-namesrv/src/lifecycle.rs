//! Lifecycle log messages. Tests and harnesses wait for these exact strings, so they change only
//! deliberately.

/// The NameServer is serving (field `addr`).
pub const NAMESRV_STARTED: &str = "name server started";
/// The NameServer has stopped.
pub const NAMESRV_STOPPED: &str = "name server stopped";
/// A broker registered for the first time (fields `broker_name`, `broker_addr`).
pub const BROKER_REGISTERED: &str = "broker registered";
/// A broker left the route table (fields `broker_addr`, `reason`).
pub const BROKER_REMOVED: &str = "broker removed";
