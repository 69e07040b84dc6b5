//! The broker: everything that does not need the message store yet.
//!
//! Module map:
//! - [`config`]: `broker.conf` settings; [`persist`]: atomic JSON config files;
//! - [`topic`], [`subscription`], [`offset`]: the topic table, subscription groups and consumer
//!   offsets, each persisted under `storePathRootDir/config`;
//! - [`client`] and [`lock`]: sans-I/O cores for client registries (heartbeats, expiry) and
//!   orderly-consumption queue locks;
//! - [`namesrv_registration`]: REGISTER_BROKER / UNREGISTER_BROKER to every name server;
//! - `processor`: one module per request area; [`server`]: wiring, both ports, shutdown;
//! - [`lifecycle`]: log lines tests wait for.
#![deny(clippy::unwrap_used)]

pub mod client;
pub mod config;
pub mod lifecycle;
pub mod lock;
pub mod namesrv_registration;
pub mod offset;
pub mod persist;
mod processor;
pub mod server;
pub mod subscription;
pub mod topic;

pub use config::BrokerConfig;
pub use server::{run, serve, BrokerError};
