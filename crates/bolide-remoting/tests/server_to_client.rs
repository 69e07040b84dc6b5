//! Calls from the server to a client over the connection the client opened, and the
//! connection-event hook.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{
    ClientConfig, CloseReason, ConnectionHandle, ConnectionHook, ConnectionId, ProcessorRegistry, RemotingClient,
    RemotingError, RequestContext, Server, ServerConfig,
};
use common::*;
use tokio::sync::mpsc;

/// A client whose registry answers CHECK_TRANSACTION_STATE with "committed", holds
/// GET_CONSUMER_RUNNING_INFO forever, and reports NOTIFY_CONSUMER_IDS_CHANGED on a channel.
fn client_with_processors() -> (RemotingClient, mpsc::UnboundedReceiver<String>) {
    let (notified_sender, notified) = mpsc::unbounded_channel();
    let mut registry = ProcessorRegistry::new();
    registry
        .register(RequestCode::CHECK_TRANSACTION_STATE, |_ctx, request: RemotingCommand| async move {
            Ok(Some(RemotingCommand::response_to(&request, ResponseCode::SUCCESS).with_body(&b"committed"[..])))
        })
        .register(RequestCode::GET_CONSUMER_RUNNING_INFO, |_ctx, _request| async move {
            std::future::pending::<()>().await;
            Ok(None)
        })
        .register(RequestCode::NOTIFY_CONSUMER_IDS_CHANGED, move |_ctx, request: RemotingCommand| {
            let notified_sender = notified_sender.clone();
            async move {
                let _ = notified_sender.send(request.ext("consumerGroup").unwrap_or_default().to_owned());
                Ok(None)
            }
        });
    let client = RemotingClient::new(ClientConfig::default(), registry).expect("valid config");
    (client, notified)
}

/// A server whose HEART_BEAT processor hands out the connection it arrived on.
fn server_registry() -> (ProcessorRegistry, mpsc::UnboundedReceiver<ConnectionHandle>) {
    let (sender, connections) = mpsc::unbounded_channel();
    let mut registry = registry();
    registry.register(RequestCode::HEART_BEAT, move |ctx: RequestContext, request: RemotingCommand| {
        let sender = sender.clone();
        async move {
            let _ = sender.send(ctx.connection().clone());
            Ok(Some(RemotingCommand::response_to(&request, ResponseCode::SUCCESS)))
        }
    });
    (registry, connections)
}

#[tokio::test]
async fn server_calls_the_client_back_on_the_same_connection() {
    let (registry, mut connections) = server_registry();
    let server = start_server_with(ServerConfig::default(), registry).await;
    let (client, mut notified) = client_with_processors();
    client.invoke(server.local_addr(), RemotingCommand::request(RequestCode::HEART_BEAT), PROMPTLY).await.expect("ok");
    let to_client = connections.recv().await.expect("heartbeat seen");
    let client_side = client.connection(server.local_addr()).await.expect("connected");
    assert_eq!(to_client.peer_addr(), client_side.local_addr());

    let check = RemotingCommand::request(RequestCode::CHECK_TRANSACTION_STATE);
    let answer = to_client.invoke(check, PROMPTLY).await.expect("client answers");
    assert_eq!((answer.code, answer.body.as_deref()), (0, Some(&b"committed"[..])));

    let notify = RemotingCommand::request(RequestCode::NOTIFY_CONSUMER_IDS_CHANGED).with_ext("consumerGroup", "g1");
    to_client.invoke_oneway(notify, PROMPTLY).await.expect("queued");
    assert_eq!(tokio::time::timeout(PROMPTLY, notified.recv()).await.expect("in time").as_deref(), Some("g1"));

    let unknown = to_client.invoke(RemotingCommand::request(UNKNOWN), PROMPTLY).await.expect("answered");
    assert_eq!(unknown.code, 3, "a client answers unknown server requests like a server");
}

#[tokio::test]
async fn processor_calls_the_client_while_handling_its_request() {
    // With room for a single request, the reader must still read the client's response to the
    // call made from inside that request.
    let mut config = ServerConfig::default();
    config.connection.max_in_flight_requests = 1;
    let mut registry = registry();
    registry.register(
        RequestCode::GET_CONSUMER_LIST_BY_GROUP,
        |ctx: RequestContext, request: RemotingCommand| async move {
            let check = RemotingCommand::request(RequestCode::CHECK_TRANSACTION_STATE);
            let answer = ctx.connection().invoke(check, PROMPTLY).await?;
            Ok(Some(
                RemotingCommand::response_to(&request, ResponseCode::SUCCESS)
                    .with_body(answer.body.unwrap_or_default()),
            ))
        },
    );
    let server = start_server_with(config, registry).await;
    let (client, _notified) = client_with_processors();
    // Two at once: the second usually arrives while the first waits for the client's answer,
    // and is rejected rather than blocking the read of that answer.
    let request = || RemotingCommand::request(RequestCode::GET_CONSUMER_LIST_BY_GROUP);
    let (first, second) = tokio::join!(
        client.invoke(server.local_addr(), request(), PROMPTLY),
        client.invoke(server.local_addr(), request(), PROMPTLY)
    );
    let responses = [first.expect("answered"), second.expect("answered")];
    for response in &responses {
        match response.code {
            0 => assert_eq!(response.body.as_deref(), Some(&b"committed"[..])),
            code => assert_eq!(code, ResponseCode::SYSTEM_BUSY.0),
        }
    }
    assert!(responses.iter().any(|response| response.code == 0));
}

#[tokio::test]
async fn pending_server_call_fails_promptly_when_the_client_goes_away() {
    let (registry, mut connections) = server_registry();
    let server = start_server_with(ServerConfig::default(), registry).await;
    let (client, _notified) = client_with_processors();
    client.invoke(server.local_addr(), RemotingCommand::request(RequestCode::HEART_BEAT), PROMPTLY).await.expect("ok");
    let to_client = connections.recv().await.expect("heartbeat seen");
    let call = tokio::spawn({
        let to_client = to_client.clone();
        async move {
            let hold = RemotingCommand::request(RequestCode::GET_CONSUMER_RUNNING_INFO);
            to_client.invoke(hold, Duration::from_secs(60)).await
        }
    });
    while to_client.pending_calls() == 0 {
        tokio::task::yield_now().await;
    }
    drop(client);
    let result = tokio::time::timeout(PROMPTLY, call).await.expect("fails promptly").expect("no panic");
    assert!(matches!(result, Err(RemotingError::ConnectionClosed { .. })), "{result:?}");
    assert!(to_client.is_closed());
    let after = to_client.invoke(RemotingCommand::request(RequestCode::CHECK_TRANSACTION_STATE), PROMPTLY).await;
    assert!(matches!(after, Err(RemotingError::ConnectionClosed { .. })), "{after:?}");
}

#[derive(Debug, PartialEq)]
enum Event {
    Open(ConnectionId, SocketAddr),
    Close(ConnectionId, SocketAddr, bool),
}

struct Recorder(Mutex<mpsc::UnboundedSender<Event>>);

impl ConnectionHook for Recorder {
    fn on_connect(&self, connection: &ConnectionHandle) {
        let _ = self.0.lock().expect("not poisoned").send(Event::Open(connection.id(), connection.peer_addr()));
    }

    fn on_close(&self, connection: &ConnectionHandle, reason: &CloseReason) {
        let by_peer = matches!(reason, CloseReason::PeerClosed);
        let event = Event::Close(connection.id(), connection.peer_addr(), by_peer);
        let _ = self.0.lock().expect("not poisoned").send(event);
    }
}

#[tokio::test]
async fn hook_hears_open_and_close_with_id_and_peer() {
    init_tracing();
    let (sender, mut events) = mpsc::unbounded_channel();
    let server = Server::new(ServerConfig::default(), registry())
        .with_connection_hook(Arc::new(Recorder(Mutex::new(sender))))
        .bind("127.0.0.1:0")
        .await
        .expect("bind");
    let client = client();
    let connection = client.connection(server.local_addr()).await.expect("connected");
    let peer = connection.local_addr();
    let Some(Event::Open(id, open_peer)) = events.recv().await else { panic!("expected open") };
    assert_eq!(open_peer, peer);
    client.close_connection(server.local_addr());
    let closed = tokio::time::timeout(PROMPTLY, events.recv()).await.expect("in time");
    assert_eq!(closed, Some(Event::Close(id, peer, true)));
}

#[tokio::test]
async fn unmatched_responses_are_dropped() {
    let server = start_server().await;
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send_command(&RemotingCommand::response(ResponseCode::SUCCESS, 424_242)).await;
    raw.send_command(&request_with_opaque(echo("fine"), 5)).await;
    assert_eq!(raw.next_command().await.opaque, 5);
}
