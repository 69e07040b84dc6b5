//! Lifecycle log messages. Tests and harnesses wait for these exact strings, so they change only
//! deliberately.

/// The broker is serving on both ports (fields `addr`, `vip_addr`).
pub const BROKER_STARTED: &str = "broker started";
/// The broker has stopped.
pub const BROKER_STOPPED: &str = "broker stopped";
/// A REGISTER_BROKER was accepted by a name server (fields `namesrv`, `topics`).
pub const REGISTERED_WITH_NAMESRV: &str = "registered with name server";
/// An UNREGISTER_BROKER was accepted by a name server (field `namesrv`).
pub const UNREGISTERED_FROM_NAMESRV: &str = "unregistered from name server";
/// Consumer offsets and configs were written at shutdown.
pub const STATE_PERSISTED: &str = "broker state persisted";
