//! The broker: send and pull over the message store, and the tables around them.
//!
//! Module map:
//! - [`config`]: `broker.conf` settings; [`persist`]: atomic JSON config files;
//! - [`delay`]: delay levels and the schedule topic; [`schedule`]: the service that delivers
//!   delayed messages when due; [`filter`]: tag filtering;
//!   [`long_polling`]: pulls held until messages arrive; [`stats`]: message counters;
//! - [`topic`], [`subscription`], [`offset`]: the topic table, subscription groups and consumer
//!   offsets, each persisted under `storePathRootDir/config`;
//! - [`client`] and [`lock`]: sans-I/O cores for client registries (heartbeats, expiry) and
//!   orderly-consumption queue locks;
//! - [`transaction`]: half messages, op records and the check-back service;
//! - [`namesrv_registration`]: REGISTER_BROKER / UNREGISTER_BROKER to every name server;
//! - `processor`: one module per request area; [`server`]: wiring, both ports, shutdown;
//! - [`lifecycle`]: log lines tests wait for.
#![deny(clippy::unwrap_used)]

pub mod client;
pub mod config;
pub mod delay;
pub mod filter;
pub mod lifecycle;
pub mod lock;
pub mod long_polling;
pub mod namesrv_registration;
pub mod offset;
pub mod persist;
mod processor;
mod route_changes;
pub mod schedule;
pub mod server;
pub mod stats;
pub mod subscription;
pub mod topic;
pub mod transaction;

pub use config::BrokerConfig;
pub use server::{run, serve, BrokerError};
