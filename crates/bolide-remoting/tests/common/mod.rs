//! Shared fixtures: a server with test processors on loopback, clients, and raw-socket helpers
//! for sending bytes no well-behaved client would send.
#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use bolide_protocol::{frame, FrameLimits, RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{
    ClientConfig, ProcessError, ProcessorRegistry, RemotingClient, Server, ServerConfig, ServerHandle,
};
use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Answers SUCCESS with the request's body and its `value` header field.
pub const ECHO: RequestCode = RequestCode(9001);
/// Fails with a two-level error chain.
pub const FAIL: RequestCode = RequestCode(9002);
/// Returns no response at all.
pub const SILENT: RequestCode = RequestCode(9003);
/// Never finishes.
pub const HOLD: RequestCode = RequestCode(9004);
/// Panics.
pub const PANIC: RequestCode = RequestCode(9005);
/// A code nobody registers.
pub const UNKNOWN: RequestCode = RequestCode(9999);

/// Generous bound for anything that should happen "at once" on loopback.
pub const PROMPTLY: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
#[error("store refused the write")]
pub struct Outer(#[source] pub std::io::Error);

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

pub fn echo_response(request: &RemotingCommand) -> RemotingCommand {
    let mut response = RemotingCommand::response_to(request, ResponseCode::SUCCESS);
    if let Some(value) = request.ext("value") {
        response = response.with_ext("value", value);
    }
    response.body = request.body.clone();
    response
}

/// The processors every test server has.
pub fn registry() -> ProcessorRegistry {
    let mut registry = ProcessorRegistry::new();
    registry
        .register(ECHO, |_ctx, request: RemotingCommand| async move { Ok(Some(echo_response(&request))) })
        .register(
            FAIL,
            |_ctx, _request| async move { Err(ProcessError::from(Outer(std::io::Error::other("disk full")))) },
        )
        .register(SILENT, |_ctx, _request| async move { Ok(None) })
        .register(HOLD, |_ctx, _request| async move {
            std::future::pending::<()>().await;
            Ok(None)
        })
        .register(PANIC, |_ctx, _request| async move {
            if true {
                panic!("processor bug");
            }
            Ok(None)
        });
    registry
}

pub async fn start_server() -> ServerHandle {
    start_server_with(ServerConfig::default(), registry()).await
}

pub async fn start_server_with(config: ServerConfig, registry: ProcessorRegistry) -> ServerHandle {
    init_tracing();
    Server::new(config, registry).bind("127.0.0.1:0").await.expect("bind loopback")
}

pub fn client() -> RemotingClient {
    RemotingClient::new(ClientConfig::default(), ProcessorRegistry::new()).expect("valid config")
}

pub fn echo(value: &str) -> RemotingCommand {
    RemotingCommand::request(ECHO).with_ext("value", value).with_body(value.as_bytes().to_vec())
}

/// Encodes `command` as a whole frame.
pub fn encode(command: &RemotingCommand) -> Vec<u8> {
    let mut buf = BytesMut::new();
    frame::encode(command, &mut buf, FrameLimits::default()).expect("test commands fit");
    buf.to_vec()
}

/// A raw connection for hand-made bytes.
pub struct Raw {
    pub stream: TcpStream,
    buf: BytesMut,
}

impl Raw {
    pub async fn connect(addr: std::net::SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.expect("connect");
        Self { stream, buf: BytesMut::new() }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    pub async fn send_command(&mut self, command: &RemotingCommand) {
        let bytes = encode(command);
        self.send(&bytes).await;
    }

    /// The next frame's raw bytes (length prefix included), or `None` at end of stream.
    pub async fn next_frame_bytes(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(length) = frame::peek_frame_length(&self.buf, FrameLimits::default()).expect("valid") {
                if self.buf.len() >= 4 + length {
                    return Some(self.buf.split_to(4 + length).to_vec());
                }
            }
            let read = self.stream.read_buf(&mut self.buf).await.expect("read");
            if read == 0 {
                return None;
            }
        }
    }

    /// The next command; panics if none comes within [`PROMPTLY`].
    pub async fn next_command(&mut self) -> RemotingCommand {
        let bytes = tokio::time::timeout(PROMPTLY, self.next_frame_bytes())
            .await
            .expect("a frame in time")
            .expect("a frame before end of stream");
        let mut buf = BytesMut::from(&bytes[..]);
        frame::decode(&mut buf, FrameLimits::default()).expect("valid frame").expect("whole frame")
    }

    /// Whether the peer closes the connection within [`PROMPTLY`] (any bytes sent before are
    /// skipped).
    pub async fn closed_by_peer(&mut self) -> bool {
        let wait_for_eof = async {
            let mut scratch = [0u8; 1024];
            loop {
                match self.stream.read(&mut scratch).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(PROMPTLY, wait_for_eof).await.is_ok()
    }
}

/// A request with a fixed opaque, for raw-socket tests.
pub fn request_with_opaque(mut command: RemotingCommand, opaque: i32) -> RemotingCommand {
    command.opaque = opaque;
    command
}

impl Raw {
    /// Decodes bytes returned by [`Raw::next_frame_bytes`].
    pub fn next_command_from(&self, bytes: Vec<u8>) -> RemotingCommand {
        let mut buf = BytesMut::from(&bytes[..]);
        frame::decode(&mut buf, FrameLimits::default()).expect("valid frame").expect("whole frame")
    }
}
