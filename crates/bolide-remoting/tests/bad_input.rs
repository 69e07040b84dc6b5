//! Bad bytes close only the connection that sent them; everyone else keeps being served.

mod common;

use std::time::Duration;

use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{RemotingClient, ServerHandle};
use common::*;

/// A frame with the given header word and header bytes (length prefix computed).
fn frame_with(header_word: u32, header: &[u8], body: &[u8]) -> Vec<u8> {
    let length = 4 + header.len() + body.len();
    let mut bytes = (length as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(&header_word.to_be_bytes());
    bytes.extend_from_slice(header);
    bytes.extend_from_slice(body);
    bytes
}

/// Sends `bytes` on a fresh connection, expects the server to close it, and checks that a
/// client connected before keeps working on its same connection.
async fn closes_only_the_offender(name: &str, bytes: &[u8]) {
    let server: ServerHandle = start_server().await;
    let bystander: RemotingClient = client();
    bystander.invoke(server.local_addr(), echo("before"), PROMPTLY).await.expect("served");
    let before = bystander.connection(server.local_addr()).await.expect("connected").id();

    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send(bytes).await;
    assert!(raw.closed_by_peer().await, "{name}: the offending connection is closed");

    let response = bystander.invoke(server.local_addr(), echo("after"), PROMPTLY).await.expect("still served");
    assert_eq!(response.ext("value"), Some("after"));
    let after = bystander.connection(server.local_addr()).await.expect("connected").id();
    assert_eq!(before, after, "{name}: the bystander kept its connection");
    tokio::time::timeout(PROMPTLY, server.shutdown()).await.expect("stops promptly").expect("clean stop");
}

#[tokio::test]
async fn garbage_bytes() {
    closes_only_the_offender("http request", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
}

#[tokio::test]
async fn negative_length() {
    closes_only_the_offender("negative length", &(-1i32).to_be_bytes()).await;
}

#[tokio::test]
async fn length_too_small_for_the_header_word() {
    closes_only_the_offender("length 2", &[0, 0, 0, 2, 0, 0]).await;
}

#[tokio::test]
async fn oversize_length() {
    let length: i32 = 16 * 1024 * 1024 + 1;
    closes_only_the_offender("oversize length", &length.to_be_bytes()).await;
}

#[tokio::test]
async fn unknown_serialize_type() {
    let header = br#"{"code":9001,"flag":0,"opaque":1}"#;
    closes_only_the_offender("serialize type 5", &frame_with(0x0500_0000 | header.len() as u32, header, b"")).await;
}

#[tokio::test]
async fn header_length_beyond_the_frame() {
    let header = br#"{"code":9001,"flag":0,"opaque":1}"#;
    closes_only_the_offender("header length > frame", &frame_with(1000, header, b"")).await;
}

#[tokio::test]
async fn undecodable_json_header() {
    let header = b"{not json";
    closes_only_the_offender("bad json", &frame_with(header.len() as u32, header, b"")).await;
}

#[tokio::test]
async fn invalid_utf8_in_json_header() {
    let header = b"{\"code\":9001,\"remark\":\"\xff\xfe\",\"flag\":0,\"opaque\":1}";
    closes_only_the_offender("invalid utf-8", &frame_with(header.len() as u32, header, b"")).await;
}

#[tokio::test]
async fn inconsistent_binary_header() {
    // Binary header whose remark length points past the header's end.
    let mut header = vec![0x23, 0x29, 0, 0x01, 0xDF, 0, 0, 0, 1, 0, 0, 0, 0];
    header.extend_from_slice(&1000i32.to_be_bytes());
    closes_only_the_offender("binary remark length", &frame_with(0x0100_0000 | header.len() as u32, &header, b""))
        .await;
}

#[tokio::test]
async fn truncated_frame_waits_for_the_rest() {
    let server = start_server().await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let whole = encode(&request_with_opaque(echo("split"), 9));
    let (first, rest) = whole.split_at(whole.len() / 2);
    raw.send(first).await;
    let early = tokio::time::timeout(Duration::from_millis(200), raw.next_frame_bytes()).await;
    assert!(early.is_err(), "nothing is answered before the frame is complete");
    raw.send(rest).await;
    let response = raw.next_command().await;
    assert_eq!((response.opaque, response.code), (9, ResponseCode::SUCCESS.0));
}

#[tokio::test]
async fn peer_closing_mid_frame_ends_the_connection_quietly() {
    let server = start_server().await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let whole = encode(&RemotingCommand::request(ECHO));
    raw.send(&whole[..5]).await;
    drop(raw);
    let response = client().invoke(server.local_addr(), echo("ok"), PROMPTLY).await.expect("served");
    assert_eq!(response.code, 0);
    tokio::time::timeout(PROMPTLY, server.shutdown()).await.expect("stops promptly").expect("clean stop");
}
