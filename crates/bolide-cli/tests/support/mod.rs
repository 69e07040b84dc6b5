//! Shared by the process-level integration tests: start the real `bolide` binary and talk to it
//! with raw frames over a blocking socket.

#![allow(dead_code)]

pub mod admin;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bolide_protocol::frame::{self, FrameLimits};
use bolide_protocol::{RemotingCommand, SerializeType};
use bolide_testkit::ServerProcess;
use bytes::BytesMut;

pub const START_TIMEOUT: Duration = Duration::from_secs(20);
pub const NAMESRV_READY: &str = "name server started";

pub fn bolide() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_bolide"))
}

/// Starts `bolide namesrv` on `port` with its KV file under `dir`, plus `extra` settings.
pub fn start_namesrv(port: u16, dir: &Path, extra: &[&str]) -> ServerProcess {
    let port = port.to_string();
    let kv = format!("kvConfigPath={}", dir.join("kvConfig.json").display());
    let mut args = vec!["namesrv", "--listen-port", &port, "--set", &kv];
    for setting in extra {
        args.push("--set");
        args.push(setting);
    }
    ServerProcess::start(&bolide(), &args, &[], NAMESRV_READY, START_TIMEOUT)
}

/// Starts `bolide standalone` with its NameServer on `namesrv_port`, its broker on `broker_port`
/// (and `broker_port - 2`) and its data under `data_dir`, plus `settings` (`key=value`); returns
/// once the log shows `ready` (for example "broker started" or "registered with name server").
pub fn start_standalone(
    namesrv_port: u16,
    broker_port: u16,
    data_dir: &Path,
    settings: &[&str],
    ready: &str,
) -> ServerProcess {
    let (namesrv, broker, data) = (namesrv_port.to_string(), broker_port.to_string(), data_dir.display().to_string());
    let mut args = vec!["standalone", "--namesrv-port", &namesrv, "--broker-port", &broker, "--data-dir", &data];
    for setting in settings {
        args.push("--set");
        args.push(setting);
    }
    ServerProcess::start(&bolide(), &args, &[], ready, START_TIMEOUT)
}

/// A blocking client that sends one request at a time and reads its response.
pub struct WireClient {
    stream: TcpStream,
    buf: BytesMut,
    next_opaque: i32,
}

impl WireClient {
    pub fn connect(port: u16) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the server");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("set timeout");
        Self { stream, buf: BytesMut::new(), next_opaque: 1 }
    }

    /// Sends `request` (JSON header) and returns the response with the same opaque.
    pub fn call(&mut self, request: RemotingCommand) -> RemotingCommand {
        self.call_as(request, SerializeType::Json)
    }

    /// Sends `request` with the given header serialization.
    pub fn call_as(&mut self, mut request: RemotingCommand, serialize_type: SerializeType) -> RemotingCommand {
        request.opaque = self.next_opaque;
        request.serialize_type = serialize_type;
        self.next_opaque += 1;
        self.send(&request);
        let response = self.read();
        assert!(response.is_response(), "expected a response, got {response:?}");
        assert_eq!(response.opaque, request.opaque);
        // JSON requests get JSON answers (as from Java's servers); binary ones, binary answers
        // unless the response has what the binary form cannot carry (an empty ext value, say).
        if serialize_type == SerializeType::Json {
            assert_eq!(response.serialize_type, SerializeType::Json, "a JSON request is answered in JSON");
        }
        response
    }

    pub fn send(&mut self, request: &RemotingCommand) {
        let mut out = BytesMut::new();
        // Large enough for registrations beyond the Java servers' 16 MiB frames.
        frame::encode(request, &mut out, FrameLimits { max_frame_bytes: 256 << 20 }).expect("encodable request");
        self.stream.write_all(&out).expect("write request");
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write bytes");
    }

    pub fn read(&mut self) -> RemotingCommand {
        loop {
            if let Some(command) = frame::decode(&mut self.buf, FrameLimits::default()).expect("valid frame") {
                return command;
            }
            let mut chunk = [0u8; 65536];
            let n = self.stream.read(&mut chunk).expect("read response");
            assert!(n > 0, "server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Whether the server has closed this connection (reads EOF within `timeout`).
    pub fn is_closed_by_peer(&mut self, timeout: Duration) -> bool {
        self.stream.set_read_timeout(Some(timeout)).expect("set timeout");
        let mut byte = [0u8; 1];
        matches!(self.stream.read(&mut byte), Ok(0) | Err(_))
    }

    pub fn shutdown(self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// Polls until `count` messages arrived (or 20 s passed).
pub async fn receive(consumer: &mut bolide_client::PullConsumer, count: usize) -> Vec<bolide_client::MessageExt> {
    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while received.len() < count && tokio::time::Instant::now() < deadline {
        received.extend(consumer.poll(Duration::from_secs(2)).await.expect("poll"));
    }
    received
}

/// The queues of `topic`, once the NameServer knows it. A send that auto-creates a topic is
/// answered after the route is registered (if that takes under 3 s), but topics and retry topics
/// created otherwise reach the NameServers just after.
pub async fn routed_queues(consumer: &bolide_client::PullConsumer, topic: &str) -> Vec<bolide_client::MessageQueue> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match consumer.queues(topic).await {
            Ok(queues) => return queues,
            Err(err) => assert!(tokio::time::Instant::now() < deadline, "no route for {topic}: {err}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
