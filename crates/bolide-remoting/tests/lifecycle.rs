//! Connection and server lifecycle: reconnects, graceful and bounded shutdown, idle timeout,
//! connection limit.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{RemotingError, Server, ServerConfig};
use common::*;
use tokio::io::AsyncReadExt;
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

const GATED: RequestCode = RequestCode(9200);

#[tokio::test]
async fn client_reconnects_after_server_restart() {
    let first = start_server().await;
    let addr = first.local_addr();
    let client = client();
    client.invoke(addr, echo("one"), PROMPTLY).await.expect("served");
    let old = client.connection(addr).await.expect("connected");
    first.shutdown().await.expect("clean stop");
    tokio::time::timeout(PROMPTLY, old.closed()).await.expect("the client notices the close");
    let down = client.invoke(addr, echo("nobody"), PROMPTLY).await;
    assert!(matches!(down, Err(RemotingError::Connect { .. })), "{down:?}");

    let second = Server::new(ServerConfig::default(), registry()).bind(addr).await.expect("rebind the same port");
    let response = client.invoke(addr, echo("two"), PROMPTLY).await.expect("served after reconnect");
    assert_eq!(response.ext("value"), Some("two"));
    assert_ne!(client.connection(addr).await.expect("connected").id(), old.id());
    second.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn graceful_shutdown_lets_in_flight_requests_finish() {
    let (entered_sender, mut entered) = mpsc::unbounded_channel();
    let release = Arc::new(Notify::new());
    let mut registry = registry();
    let gate = Arc::clone(&release);
    registry.register(GATED, move |_ctx, request: RemotingCommand| {
        let (entered_sender, gate) = (entered_sender.clone(), Arc::clone(&gate));
        async move {
            let _ = entered_sender.send(());
            gate.notified().await;
            Ok(Some(RemotingCommand::response_to(&request, ResponseCode::SUCCESS)))
        }
    });
    let server = start_server_with(ServerConfig::default(), registry).await;
    let addr = server.local_addr();
    let client = client();
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.invoke(addr, RemotingCommand::request(GATED), PROMPTLY).await }
    });
    entered.recv().await.expect("the request is being processed");
    let stopping = tokio::spawn(server.shutdown());
    // New connections are refused once the listener is gone.
    tokio::time::timeout(PROMPTLY, async {
        while tokio::net::TcpStream::connect(addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("listener closed");
    release.notify_one();
    let response = call.await.expect("no panic").expect("in-flight request answered");
    assert_eq!(response.code, 0);
    tokio::time::timeout(PROMPTLY, stopping).await.expect("stops").expect("no panic").expect("clean stop");
}

#[tokio::test]
async fn shutdown_cancels_stuck_requests_after_the_grace_period() {
    let mut config = ServerConfig::default();
    config.connection.shutdown_grace = Duration::from_millis(100);
    let server = start_server_with(config, registry()).await;
    let addr = server.local_addr();
    let client = client();
    let connection = client.connection(addr).await.expect("connected");
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.invoke(addr, RemotingCommand::request(HOLD), Duration::from_secs(60)).await }
    });
    while connection.pending_calls() == 0 {
        tokio::task::yield_now().await;
    }
    tokio::time::timeout(PROMPTLY, server.shutdown()).await.expect("bounded stop").expect("clean stop");
    let result = tokio::time::timeout(PROMPTLY, call).await.expect("fails promptly").expect("no panic");
    assert!(matches!(result, Err(RemotingError::ConnectionClosed { .. })), "{result:?}");
}

#[tokio::test(start_paused = true)]
async fn idle_connections_are_closed_after_120_seconds() {
    let server = start_server().await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let start = Instant::now();
    raw.send_command(&request_with_opaque(echo("hi"), 1)).await;
    assert_eq!(raw.next_command().await.opaque, 1);
    // Traffic at 100 s pushes the deadline out to 220 s.
    tokio::time::sleep(Duration::from_secs(100)).await;
    raw.send_command(&request_with_opaque(echo("still here"), 2)).await;
    assert_eq!(raw.next_command().await.opaque, 2);
    let mut scratch = [0u8; 16];
    let read = raw.stream.read(&mut scratch).await.expect("clean close");
    assert_eq!(read, 0, "closed by the server");
    let idle_for = start.elapsed();
    assert!(idle_for >= Duration::from_secs(220), "closed after {idle_for:?}");
    assert!(idle_for < Duration::from_secs(222), "closed after {idle_for:?}");
}

#[tokio::test]
async fn connection_limit_holds_new_peers_until_a_slot_frees() {
    let config = ServerConfig { max_connections: 1, ..ServerConfig::default() };
    let server = start_server_with(config, registry()).await;
    let first = client();
    first.invoke(server.local_addr(), echo("first"), PROMPTLY).await.expect("served");
    let mut second = Raw::connect(server.local_addr()).await; // sits in the listen backlog
    second.send_command(&request_with_opaque(echo("second"), 2)).await;
    let early = tokio::time::timeout(Duration::from_millis(200), second.next_frame_bytes()).await;
    assert!(early.is_err(), "not served while the limit is reached");
    first.close_connection(server.local_addr());
    assert_eq!(second.next_command().await.opaque, 2, "served once the first connection closed");
}

#[tokio::test]
async fn connect_failures_are_reported() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let result = client().invoke(addr, echo("x"), PROMPTLY).await;
    assert!(matches!(result, Err(RemotingError::Connect { .. })), "{result:?}");
    let result = client().invoke("no port here", echo("x"), PROMPTLY).await;
    assert!(matches!(result, Err(RemotingError::Connect { .. })), "{result:?}");
}

#[tokio::test]
async fn calls_after_client_shutdown_fail() {
    let server = start_server().await;
    let client = client();
    let connection = client.connection(server.local_addr()).await.expect("connected");
    client.shutdown().await;
    assert!(connection.is_closed());
    let result = client.invoke(server.local_addr(), echo("x"), PROMPTLY).await;
    assert!(matches!(result, Err(RemotingError::Shutdown)), "{result:?}");
}
