//! Many requests in flight over many connections, every answer checked.

mod common;

use std::collections::HashSet;

use bolide_remoting::RemotingClient;
use common::*;
use tokio::task::JoinSet;

const CONNECTIONS: usize = 64;
const REQUESTS: usize = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_in_flight_over_64_connections() {
    let server = start_server().await;
    let addr = server.local_addr();
    let clients: Vec<RemotingClient> = (0..CONNECTIONS).map(|_| client()).collect();
    let mut ids = HashSet::new();
    for client in &clients {
        ids.insert(client.connection(addr).await.expect("connected").id());
    }
    assert_eq!(ids.len(), CONNECTIONS, "one connection per client");

    // Spawn every request before awaiting any, so they are all in flight together.
    let mut calls = JoinSet::new();
    for index in 0..REQUESTS {
        let client = clients[index % CONNECTIONS].clone();
        calls.spawn(async move {
            let value = format!("request-{index}");
            let response = client.invoke(addr, echo(&value), PROMPTLY * 4).await.expect("answered");
            assert_eq!(response.code, 0);
            assert_eq!(response.ext("value"), Some(value.as_str()), "answer matches its request");
            assert_eq!(response.body.as_deref(), Some(value.as_bytes()));
            index
        });
    }
    let mut answered = vec![false; REQUESTS];
    while let Some(result) = calls.join_next().await {
        answered[result.expect("call task succeeded")] = true;
    }
    assert!(answered.iter().all(|done| *done));
    for client in &clients {
        assert_eq!(client.connection(addr).await.expect("connected").pending_calls(), 0);
    }
    server.shutdown().await.expect("clean stop");
}
