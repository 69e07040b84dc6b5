//! The RocketMQ remoting transport over tokio TCP, for both ends of a connection.
//!
//! A connection carries requests and responses in both directions (`remoting.md` §1): a broker
//! calls its clients back on the socket they opened. So the server and the client share one
//! connection core and differ only in who opens the socket.
//!
//! Module map, in the order a frame travels:
//! - [`limits`] and [`config`]: every bound, as named constants and configuration;
//! - `driver`: runs one connection (read frames, run requests, close in order);
//!   `writer`: batches outgoing frames; `pending`: our calls awaiting a response;
//! - [`connection`]: [`ConnectionHandle`] (calls to the peer), [`ConnectionHook`] (open/close);
//! - [`processor`]: the [`Processor`] trait and [`ProcessorRegistry`]; `dispatch`: the rules for
//!   answering (oneway, unknown code, errors);
//! - [`server`]: accept loop, connection limit, graceful shutdown; [`client`]: connections per
//!   address, reconnect, calls with timeouts; `shutdown`: bounded task draining;
//! - [`error`]: [`RemotingError`], [`ProcessError`], [`CloseReason`]; [`lifecycle`]: log lines.
//!
//! Every response and every request this crate sends uses a JSON header; both header forms are
//! accepted.
#![deny(clippy::unwrap_used)]

pub mod client;
pub mod config;
pub mod connection;
mod dispatch;
mod driver;
pub mod error;
pub mod lifecycle;
pub mod limits;
mod pending;
pub mod processor;
pub mod server;
mod shutdown;
mod writer;

pub use client::{AsAddress, RemotingClient};
pub use config::{ClientConfig, ConnectionConfig, ServerConfig};
pub use connection::{ConnectionHandle, ConnectionHook, ConnectionId};
pub use error::{CloseReason, ProcessError, RemotingError};
pub use processor::{ProcessFuture, ProcessResult, Processor, ProcessorRegistry, RequestContext};
pub use server::{Server, ServerHandle};
