//! The RocketMQ remoting transport over tokio TCP, for both ends of a connection.
//!
//! A connection carries requests and responses in both directions (`remoting.md` §1): a broker
//! calls its clients back on the socket they opened. So the server and the client share one
//! connection core and differ only in who opens the socket.
//!
//! Module map, in the order a frame travels:
//! - [`limits`] and `config`: every bound, as named constants and [`ServerConfig`] /
//!   [`ClientConfig`];
//! - `driver`: runs one connection (read frames, run requests, close in order);
//!   `writer`: batches outgoing frames; `pending`: our calls awaiting a response;
//! - `connection`: [`ConnectionHandle`] (calls to the peer), [`ConnectionHook`] (open/close);
//! - `processor`: the [`Processor`] trait and [`ProcessorRegistry`]; `dispatch`: the rules for
//!   answering (oneway, unknown code, over the in-flight limit, errors);
//! - `server`: [`Server`], accept loop, connection limit, graceful shutdown; `client`:
//!   [`RemotingClient`], connections per address, reconnect, calls with timeouts; `shutdown`:
//!   bounded task draining;
//! - `error`: [`RemotingError`], [`ProcessError`], [`CloseReason`]; [`lifecycle`]: log lines.
//!
//! Every response this crate sends uses a JSON header; both header forms are accepted.
//!
//! ```
//! use std::time::Duration;
//! use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
//! use bolide_remoting::{ClientConfig, ProcessorRegistry, RemotingClient, RequestContext, Server, ServerConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut registry = ProcessorRegistry::new();
//! registry.register(RequestCode::HEART_BEAT, |ctx: RequestContext, request: RemotingCommand| async move {
//!     // `ctx.connection()` can be kept to call this client back later.
//!     let _peer = ctx.peer_addr();
//!     Ok(Some(RemotingCommand::response_to(&request, ResponseCode::SUCCESS)))
//! });
//! let server = Server::new(ServerConfig::default(), registry).bind("127.0.0.1:0").await?;
//!
//! let client = RemotingClient::new(ClientConfig::default(), ProcessorRegistry::new())?;
//! let addr = server.local_addr().to_string(); // RocketMQ's "host:port" form
//! let request = RemotingCommand::request(RequestCode::HEART_BEAT);
//! let response = client.invoke(addr.as_str(), request, Duration::from_secs(3)).await?;
//! assert_eq!(response.code, ResponseCode::SUCCESS.0);
//!
//! client.shutdown().await;
//! server.shutdown().await?;
//! # Ok(())
//! # }
//! ```
#![deny(clippy::unwrap_used)]

mod client;
mod config;
mod connection;
mod dispatch;
mod driver;
mod error;
pub mod handler;
pub mod lifecycle;
pub mod limits;
mod pending;
mod processor;
mod server;
mod shutdown;
mod writer;

pub use client::{AsAddress, RemotingClient};
pub use config::{ClientConfig, ConnectionConfig, ServerConfig};
pub use connection::{ConnectionHandle, ConnectionHook, ConnectionId};
pub use error::{CloseReason, ProcessError, RemotingError};
pub use processor::{ProcessFuture, ProcessResult, Processor, ProcessorRegistry, RequestContext};
pub use server::{Server, ServerHandle};
