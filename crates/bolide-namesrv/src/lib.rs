//! The NameServer: where brokers register their topics and clients look up routes.
//!
//! - [`route_table`]: the sans-I/O route table (registration, expiry, queries);
//! - [`kv_config`]: namespaced key/value settings persisted to a JSON file;
//! - [`config`]: `namesrv.conf` settings.

pub mod config;
pub mod kv_config;
pub mod lifecycle;
mod processor;
mod route_cache;
pub mod route_table;
pub mod server;

pub use config::NamesrvConfig;
pub use server::{bind, run, serve, NamesrvError};
