//! Request/response round trips per second over loopback, server and clients in one process.
//!
//! - `1_connection_x1`: one call at a time (latency bound);
//! - `1_connection_x64`: 64 concurrent callers sharing one connection;
//! - `64_connections_x16`: 64 connections with 16 concurrent callers each (1,024 in flight).
//!
//! Each scenario runs on a 2-worker multi-thread runtime and on a current-thread runtime; with
//! server and clients sharing the process, the first measures cross-thread wake-ups as much as
//! the transport. One iteration is one call by every caller; criterion's element rate is
//! requests per second.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ClientConfig, ProcessorRegistry, RemotingClient, Server, ServerConfig, ServerHandle};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

const ECHO: RequestCode = RequestCode(9001);
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

fn runtimes() -> [(&'static str, Runtime); 2] {
    let multi = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let single = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    [("multi_thread_2", multi), ("current_thread", single)]
}

async fn start_server() -> ServerHandle {
    let mut registry = ProcessorRegistry::new();
    registry.register(ECHO, |_ctx, request: RemotingCommand| async move {
        let mut response = RemotingCommand::response_to(&request, ResponseCode::SUCCESS);
        response.body = request.body;
        Ok(Some(response))
    });
    Server::new(ServerConfig::default(), registry).bind("127.0.0.1:0").await.expect("bind")
}

fn request() -> RemotingCommand {
    RemotingCommand::request(ECHO).with_ext("topic", "BenchTopic").with_body(&b"0123456789abcdef"[..])
}

/// Starts `clients.len() * callers_per_client` concurrent callers, each making `iterations`
/// calls one after the other, and returns the wall time.
async fn run_calls(
    clients: &[RemotingClient],
    callers_per_client: usize,
    addr: SocketAddr,
    iterations: u64,
) -> Duration {
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for caller in 0..clients.len() * callers_per_client {
        let client = clients[caller % clients.len()].clone();
        tasks.spawn(async move {
            for _ in 0..iterations {
                let response = client.invoke(addr, request(), CALL_TIMEOUT).await.expect("answered");
                assert_eq!(response.code, 0);
            }
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("caller finished");
    }
    start.elapsed()
}

fn bench_round_trips(c: &mut Criterion) {
    for (runtime_name, rt) in runtimes() {
        let server = rt.block_on(start_server());
        let addr = server.local_addr();
        let new_client = || RemotingClient::new(ClientConfig::default(), ProcessorRegistry::new()).expect("client");
        let one = vec![new_client()];
        let many: Vec<RemotingClient> = (0..64).map(|_| new_client()).collect();
        rt.block_on(async {
            for client in one.iter().chain(&many) {
                client.connection(addr).await.expect("connect");
            }
        });
        let mut group = c.benchmark_group(format!("round_trip/{runtime_name}"));
        for (name, clients, callers_per_client) in
            [("1_connection_x1", &one, 1), ("1_connection_x64", &one, 64), ("64_connections_x16", &many, 16)]
        {
            group.throughput(Throughput::Elements((clients.len() * callers_per_client) as u64));
            group.bench_function(name, |b| {
                b.iter_custom(|iterations| rt.block_on(run_calls(clients, callers_per_client, addr, iterations)));
            });
        }
        group.finish();
        rt.block_on(async {
            drop(one);
            drop(many);
            server.shutdown().await.expect("clean stop");
        });
    }
}

criterion_group!(benches, bench_round_trips);
criterion_main!(benches);
