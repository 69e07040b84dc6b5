//! The server's write path: responses answered at once (queued by the reading task) and
//! responses of request tasks share the socket; on the wire every frame stays whole, the reading
//! task's responses keep their order, and a peer that stops reading still stops the server from
//! reading more.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ProcessorRegistry, ServerConfig};
use common::*;
use tokio::io::AsyncWriteExt;

/// Answers like ECHO, but only after yielding once, so the response comes from a request task
/// through the writer's queue.
const DEFERRED_ECHO: RequestCode = RequestCode(9200);
/// Answers at once with a 64 KiB body.
const BIG_ANSWER: RequestCode = RequestCode(9201);

fn body_for(opaque: i32) -> Vec<u8> {
    // Some bodies are larger than what the write batch copies, so they take the queue.
    let length = if opaque % 17 == 0 { 20 * 1024 } else { 1 + (opaque as usize * 37) % 3000 };
    (0..length).map(|index| (index as i32 ^ opaque) as u8).collect()
}

#[tokio::test]
async fn mixed_inline_and_deferred_responses_arrive_whole_and_in_order() {
    let mut registry = registry();
    registry.register(DEFERRED_ECHO, |_ctx, request: RemotingCommand| async move {
        tokio::task::yield_now().await;
        Ok(Some(echo_response(&request)))
    });
    let server = start_server_with(ServerConfig::default(), registry).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    const REQUESTS: i32 = 600;
    // Many requests per write, so that one read holds a mix of both kinds.
    for chunk in (1..=REQUESTS).collect::<Vec<_>>().chunks(50) {
        let mut bytes = Vec::new();
        for &opaque in chunk {
            let code = if opaque % 3 == 0 { DEFERRED_ECHO } else { ECHO };
            let request = RemotingCommand::request(code).with_body(body_for(opaque));
            bytes.extend(encode(&request_with_opaque(request, opaque)));
        }
        raw.send(&bytes).await;
    }
    let mut seen = vec![false; REQUESTS as usize + 1];
    let mut last_small_inline = 0;
    for _ in 0..REQUESTS {
        let response = raw.next_command().await;
        let opaque = response.opaque;
        assert_eq!(response.code, ResponseCode::SUCCESS.value(), "opaque {opaque}");
        assert_eq!(response.body.as_deref(), Some(&body_for(opaque)[..]), "opaque {opaque}");
        assert!(!std::mem::replace(&mut seen[opaque as usize], true), "opaque {opaque} answered twice");
        // Answers the reader produced itself (immediate, small) leave in the order of their
        // requests, whichever way they took.
        if opaque % 3 != 0 && opaque % 17 != 0 {
            assert!(opaque > last_small_inline, "{opaque} overtook {last_small_inline}");
            last_small_inline = opaque;
        }
    }
    assert!(seen[1..].iter().all(|&answered| answered));
    server.shutdown().await.expect("clean stop");
}

/// Answers at once, except the last request of a burst: that one waits (blocking the server's
/// only thread) until the peer has received the answers to the first half of the burst.
const WAITS_FOR_HALF: RequestCode = RequestCode(9202);

/// A burst of requests read at once is answered in halves: the first answers leave while the
/// second half is still being handled. Without that, the last handler below would wait in vain,
/// since the writer shares the server's only thread.
#[tokio::test]
async fn the_first_half_of_a_burst_is_answered_before_the_second_is_handled() {
    const BURST: i32 = 32;
    let received = Arc::new(AtomicUsize::new(0));
    let seen_by_last = Arc::new(AtomicUsize::new(usize::MAX));
    let mut registry = registry();
    let (counter, seen) = (Arc::clone(&received), Arc::clone(&seen_by_last));
    registry.register(WAITS_FOR_HALF, move |_ctx, request: RemotingCommand| {
        if request.opaque == BURST {
            let deadline = std::time::Instant::now() + Duration::from_secs(3);
            while counter.load(Ordering::Acquire) < BURST as usize / 2 && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            seen.store(counter.load(Ordering::Acquire), Ordering::Release);
        }
        let response = RemotingCommand::response_to(&request, ResponseCode::SUCCESS);
        async move { Ok(Some(response)) }
    });
    let server = start_server_with(ServerConfig::default(), registry).await;
    let addr = server.local_addr();
    // The peer reads on its own thread, so it counts answers while the server's thread waits.
    let peer = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        let mut burst = Vec::new();
        for opaque in 1..=BURST {
            burst.extend(encode(&request_with_opaque(RemotingCommand::request(WAITS_FOR_HALF), opaque)));
        }
        stream.write_all(&burst).expect("send the burst");
        for _ in 0..BURST {
            let mut length = [0u8; 4];
            stream.read_exact(&mut length).expect("frame length");
            let mut rest = vec![0u8; u32::from_be_bytes(length) as usize];
            stream.read_exact(&mut rest).expect("frame");
            received.fetch_add(1, Ordering::AcqRel);
        }
    });
    tokio::task::spawn_blocking(move || peer.join().expect("peer")).await.expect("join");
    assert!(
        seen_by_last.load(Ordering::Acquire) >= BURST as usize / 2,
        "the last request saw {} answers received",
        seen_by_last.load(Ordering::Acquire)
    );
    server.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn a_peer_that_does_not_read_stops_the_server_reading() {
    let processed = Arc::new(AtomicUsize::new(0));
    let mut registry = ProcessorRegistry::new();
    let counter = Arc::clone(&processed);
    let big = bytes::Bytes::from(vec![5u8; 64 * 1024]);
    registry.register(BIG_ANSWER, move |_ctx, request: RemotingCommand| {
        counter.fetch_add(1, Ordering::Relaxed);
        let body = big.clone();
        async move { Ok(Some(RemotingCommand::response_to(&request, ResponseCode::SUCCESS).with_body(body))) }
    });
    let mut config = ServerConfig::default();
    config.connection.max_in_flight_requests = 64;
    config.connection.write_queue_depth = 16;
    let server = start_server_with(config, registry).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let request = encode(&RemotingCommand::request(BIG_ANSWER));
    let burst: Vec<u8> = request.iter().copied().cycle().take(request.len() * 256).collect();
    // Write until the server stops taking requests: its writes are stuck behind ours.
    let mut stalled = false;
    for _ in 0..100_000 {
        if tokio::time::timeout(Duration::from_millis(500), raw.stream.write_all(&burst)).await.is_err() {
            stalled = true;
            break;
        }
    }
    assert!(stalled, "the server kept reading although its answers were not read");
    let before = processed.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = processed.load(Ordering::Relaxed);
    assert_eq!(before, after, "the server went on processing requests");
    // 64 KiB answers: what is held is bounded by the in-flight limit and the queue, not by what
    // the peer sent.
    assert!(after < 100_000, "{after} requests processed");
}
