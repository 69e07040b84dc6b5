//! Request/response rules over loopback: echo, oneway, unknown code, errors, header forms,
//! IPv6, timeouts and out-of-order answers.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bolide_protocol::command::{FLAG_ONEWAY, FLAG_RESPONSE};
use bolide_protocol::{RemotingCommand, RequestCode, SerializeType};
use bolide_remoting::{ProcessorRegistry, RemotingError, Server, ServerConfig};
use common::*;
use tokio::sync::{mpsc, Notify};

#[tokio::test]
async fn request_gets_its_response() {
    let server = start_server().await;
    let client = client();
    let response = client.invoke(server.local_addr(), echo("hello"), PROMPTLY).await.expect("answered");
    assert_eq!(response.code, 0);
    assert_eq!(response.flag, FLAG_RESPONSE);
    assert_eq!(response.ext("value"), Some("hello"));
    assert_eq!(response.body.as_deref(), Some(&b"hello"[..]));
    // Same connection for the next call, by string address too.
    let first = client.connection(server.local_addr()).await.expect("connected");
    let addr = server.local_addr().to_string();
    client.invoke(addr.as_str(), echo("again"), PROMPTLY).await.expect("answered");
    assert_eq!(client.connection(addr).await.expect("connected").id(), first.id());
    server.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn response_echoes_opaque_with_flag_one_in_json() {
    let server = start_server().await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let mut request = request_with_opaque(echo("x"), -12345).into_oneway();
    request.flag = 0; // a plain request
    raw.send_command(&request).await;
    let response = raw.next_command().await;
    assert_eq!(response.opaque, -12345);
    assert_eq!(response.flag, 1);
    assert_eq!(response.serialize_type, SerializeType::Json);
}

#[tokio::test]
async fn oneway_requests_are_never_answered() {
    let (seen_sender, mut seen) = mpsc::unbounded_channel();
    let mut registry = registry();
    registry.register(RequestCode::UPDATE_CONSUMER_OFFSET, move |_ctx, request: RemotingCommand| {
        let seen_sender = seen_sender.clone();
        async move {
            let _ = seen_sender.send(request.opaque);
            Ok(Some(echo_response(&request)))
        }
    });
    let server = start_server_with(ServerConfig::default(), registry).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let oneway_codes = [RequestCode::UPDATE_CONSUMER_OFFSET, ECHO, UNKNOWN, FAIL, PANIC];
    for (opaque, code) in (1..).zip(oneway_codes) {
        raw.send_command(&request_with_opaque(RemotingCommand::request(code).into_oneway(), opaque)).await;
    }
    raw.send_command(&request_with_opaque(echo("last"), 100)).await;
    let response = raw.next_command().await;
    assert_eq!(response.opaque, 100, "the only answer is to the two-way request");
    assert_eq!(seen.recv().await, Some(1), "the oneway request was processed");
}

#[tokio::test]
async fn unknown_code_gets_code_3_with_java_remark() {
    let server = start_server().await;
    let response =
        client().invoke(server.local_addr(), RemotingCommand::request(UNKNOWN), PROMPTLY).await.expect("answered");
    assert_eq!(response.code, 3);
    assert_eq!(response.remark.as_deref(), Some(" request type 9999 not supported"));
}

#[tokio::test]
async fn default_processor_takes_unregistered_codes() {
    let mut registry = ProcessorRegistry::new();
    registry.set_default(|_ctx, request: RemotingCommand| async move { Ok(Some(echo_response(&request))) });
    let server = start_server_with(ServerConfig::default(), registry).await;
    let response = client().invoke(server.local_addr(), echo("d"), PROMPTLY).await.expect("answered");
    assert_eq!((response.code, response.ext("value")), (0, Some("d")));
}

#[tokio::test]
async fn processor_error_gets_system_error_with_the_chain() {
    let server = start_server().await;
    let client = client();
    let response =
        client.invoke(server.local_addr(), RemotingCommand::request(FAIL), PROMPTLY).await.expect("answered");
    assert_eq!(response.code, 1);
    assert_eq!(response.remark.as_deref(), Some("store refused the write: disk full"));
    let response =
        client.invoke(server.local_addr(), RemotingCommand::request(PANIC), PROMPTLY).await.expect("answered");
    assert_eq!(response.code, 1);
    assert_eq!(response.remark.as_deref(), Some("processor panicked: processor bug"));
    client.invoke(server.local_addr(), echo("still serving"), PROMPTLY).await.expect("answered");
}

#[tokio::test]
async fn processor_returning_none_sends_nothing() {
    let server = start_server().await;
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send_command(&request_with_opaque(RemotingCommand::request(SILENT), 1)).await;
    raw.send_command(&request_with_opaque(echo("after"), 2)).await;
    assert_eq!(raw.next_command().await.opaque, 2);
}

#[tokio::test]
async fn a_binary_header_request_is_answered_in_the_binary_form() {
    let server = start_server().await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let mut request = request_with_opaque(echo("bin"), 77);
    request.serialize_type = SerializeType::RocketMq;
    raw.send_command(&request).await;
    let bytes = raw.next_frame_bytes().await.expect("a response");
    assert_eq!(bytes[4], 1, "serialize type byte of the response header word is ROCKETMQ");
    let response = raw.next_command_from(bytes);
    assert_eq!((response.opaque, response.ext("value")), (77, Some("bin")));
    assert_eq!(response.serialize_type, SerializeType::RocketMq);
}

#[tokio::test]
async fn a_response_the_binary_form_cannot_carry_goes_in_json() {
    // An empty ext value would come back as null from the binary form: JSON keeps it.
    let mut registry = ProcessorRegistry::new();
    registry.register(ECHO, |_ctx, request: RemotingCommand| async move {
        Ok(Some(echo_response(&request).with_ext("empty", "")))
    });
    let server = start_server_with(ServerConfig::default(), registry).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let mut request = request_with_opaque(echo("b"), 5);
    request.serialize_type = SerializeType::RocketMq;
    raw.send_command(&request).await;
    let bytes = raw.next_frame_bytes().await.expect("a response");
    assert_eq!(bytes[4], 0, "JSON");
    assert_eq!(raw.next_command_from(bytes).ext("empty"), Some(""));
}

#[tokio::test]
async fn a_json_request_is_answered_in_json_whatever_the_processor_asks() {
    let mut registry = ProcessorRegistry::new();
    registry.register(ECHO, |_ctx, request: RemotingCommand| async move {
        let mut response = echo_response(&request);
        response.serialize_type = SerializeType::RocketMq;
        Ok(Some(response))
    });
    let server = start_server_with(ServerConfig::default(), registry).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send_command(&request_with_opaque(echo("j"), 3)).await;
    let bytes = raw.next_frame_bytes().await.expect("a response");
    assert_eq!(bytes[4], 0, "JSON");
}

#[tokio::test]
async fn ipv6_loopback() {
    init_tracing();
    let server = match Server::new(ServerConfig::default(), registry()).bind("[::1]:0").await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("skipping: no IPv6 loopback here ({err})");
            return;
        }
    };
    assert!(server.local_addr().is_ipv6());
    let response = client().invoke(server.local_addr(), echo("v6"), PROMPTLY).await.expect("answered");
    assert_eq!(response.ext("value"), Some("v6"));
    let by_text = format!("[::1]:{}", server.local_addr().port());
    client().invoke(by_text, echo("v6 text"), PROMPTLY).await.expect("answered");
}

#[tokio::test]
async fn call_times_out_and_forgets_its_waiter() {
    let server = start_server().await;
    let client = client();
    let started = tokio::time::Instant::now();
    let err = client
        .invoke(server.local_addr(), RemotingCommand::request(HOLD), Duration::from_millis(100))
        .await
        .expect_err("never answered");
    assert!(matches!(err, RemotingError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < PROMPTLY);
    let connection = client.connection(server.local_addr()).await.expect("still connected");
    assert_eq!(connection.pending_calls(), 0);
    client.invoke(server.local_addr(), echo("next"), PROMPTLY).await.expect("connection still works");
}

#[tokio::test]
async fn requests_on_one_connection_are_answered_out_of_order() {
    let gate = Arc::new(Notify::new());
    let mut registry = registry();
    let slow_gate = Arc::clone(&gate);
    registry.register(RequestCode(9100), move |_ctx, request: RemotingCommand| {
        let gate = Arc::clone(&slow_gate);
        async move {
            gate.notified().await;
            Ok(Some(echo_response(&request)))
        }
    });
    let server = start_server_with(ServerConfig::default(), registry).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send_command(&request_with_opaque(RemotingCommand::request(RequestCode(9100)), 1)).await;
    raw.send_command(&request_with_opaque(echo("fast"), 2)).await;
    assert_eq!(raw.next_command().await.opaque, 2, "the later request is answered first");
    gate.notify_one();
    assert_eq!(raw.next_command().await.opaque, 1);
}

#[tokio::test]
async fn oneway_from_client_reaches_the_processor() {
    let (seen_sender, mut seen) = mpsc::unbounded_channel();
    let mut registry = ProcessorRegistry::new();
    registry.register(RequestCode::UPDATE_CONSUMER_OFFSET, move |_ctx, request: RemotingCommand| {
        let seen_sender = seen_sender.clone();
        async move {
            let _ = seen_sender.send(request.flag);
            Ok(None)
        }
    });
    let server = start_server_with(ServerConfig::default(), registry).await;
    let request = RemotingCommand::request(RequestCode::UPDATE_CONSUMER_OFFSET);
    // Keep the client: dropping it closes its connections at once, queued frames included.
    let client = client();
    client.invoke_oneway(server.local_addr(), request, PROMPTLY).await.expect("queued");
    let flag = tokio::time::timeout(PROMPTLY, seen.recv()).await.expect("in time").expect("seen");
    assert_eq!(flag, FLAG_ONEWAY);
}

#[tokio::test]
async fn requests_over_the_in_flight_limit_get_system_busy() {
    let mut config = ServerConfig::default();
    config.connection.max_in_flight_requests = 2;
    let server = start_server_with(config, registry()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send_command(&request_with_opaque(RemotingCommand::request(HOLD), 1)).await;
    raw.send_command(&request_with_opaque(RemotingCommand::request(HOLD), 2)).await;
    raw.send_command(&request_with_opaque(echo("over").into_oneway(), 3)).await;
    raw.send_command(&request_with_opaque(echo("over"), 4)).await;
    let busy = raw.next_command().await;
    assert_eq!((busy.opaque, busy.code), (4, 2), "only the two-way request is answered");
    assert_eq!(busy.remark.as_deref(), Some("[OVERLOAD]system busy, start flow control for a while"));
}

#[tokio::test]
async fn large_bodies_travel_both_ways() {
    let server = start_server().await;
    let body: Vec<u8> = (0..4 * 1024 * 1024).map(|index: u32| index as u8).collect();
    let request = RemotingCommand::request(ECHO).with_body(body.clone());
    let response = client().invoke(server.local_addr(), request, PROMPTLY).await.expect("answered");
    assert_eq!(response.body.as_deref(), Some(&body[..]));
}

#[tokio::test]
async fn response_over_the_frame_limit_becomes_system_error() {
    let mut registry = ProcessorRegistry::new();
    registry.register(ECHO, |_ctx, request: RemotingCommand| async move {
        Ok(Some(
            RemotingCommand::response_to(&request, bolide_protocol::ResponseCode::SUCCESS).with_body(vec![0u8; 8192]),
        ))
    });
    let mut config = ServerConfig::default();
    config.connection.frame_limits.max_frame_bytes = 4096;
    let server = start_server_with(config, registry).await;
    let response = client().invoke(server.local_addr(), echo("small"), PROMPTLY).await.expect("answered");
    assert_eq!(response.code, 1);
    assert!(response.remark.as_deref().is_some_and(|remark| remark.starts_with("response cannot be encoded")));
}
