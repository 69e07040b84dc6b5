//! GET_ROUTEINFO_BY_TOPIC throughput of an in-process NameServer over loopback, with 1 and 64
//! client connections and many requests in flight on each.
//!
//! Run: `cargo bench -p bolide-namesrv --bench route_query`

use std::sync::Arc;
use std::time::{Duration, Instant};

use bolide_namesrv::NamesrvConfig;
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ClientConfig, ProcessorRegistry, RemotingClient};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tokio::runtime::Runtime;

const TOPICS: usize = 1_000;
const IN_FLIGHT_PER_CONNECTION: usize = 32;
const TIMEOUT: Duration = Duration::from_secs(10);

fn register_request(topics: usize) -> RemotingCommand {
    let table: Vec<String> = (0..topics)
        .map(|i| {
            format!(
                r#""topic-{i}":{{"perm":6,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"topic-{i}","topicSysFlag":0,"writeQueueNums":8}}"#
            )
        })
        .collect();
    let body = format!(
        r#"{{"filterServerList":[],"topicConfigSerializeWrapper":{{"dataVersion":{{"counter":1,"timestamp":1}},"topicConfigTable":{{{}}}}}}}"#,
        table.join(",")
    );
    RemotingCommand::request(RequestCode::REGISTER_BROKER)
        .with_ext("brokerName", "broker-a")
        .with_ext("brokerAddr", "127.0.0.1:10911")
        .with_ext("clusterName", "DefaultCluster")
        .with_ext("haServerAddr", "127.0.0.1:10912")
        .with_ext("brokerId", "0")
        .with_body(body.into_bytes())
}

struct Fixture {
    runtime: Runtime,
    addr: String,
    _dir: tempfile::TempDir,
}

fn start() -> Fixture {
    let runtime = Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = NamesrvConfig { kv_config_path: dir.path().join("kvConfig.json"), ..NamesrvConfig::default() };
    let addr = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        tokio::spawn(bolide_namesrv::serve(config, listener, std::future::pending()));
        let client = RemotingClient::new(ClientConfig::default(), ProcessorRegistry::new()).expect("client");
        let response = client.invoke(addr.as_str(), register_request(TOPICS), TIMEOUT).await.expect("register");
        assert_eq!(response.response_code(), ResponseCode::SUCCESS);
        addr
    });
    Fixture { runtime, addr, _dir: dir }
}

/// Sends `total` route queries spread over `connections` clients, `IN_FLIGHT_PER_CONNECTION` at
/// a time on each, and returns the elapsed time.
async fn query_routes(clients: &[Arc<RemotingClient>], addr: &str, total: u64) -> Duration {
    let workers = clients.len() * IN_FLIGHT_PER_CONNECTION;
    let per_worker = (total / workers as u64).max(1);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..workers {
        let client = clients[worker % clients.len()].clone();
        let addr = addr.to_owned();
        tasks.spawn(async move {
            for i in 0..per_worker {
                let topic = format!("topic-{}", (i as usize + worker) % TOPICS);
                let mut request =
                    RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC).with_ext("topic", topic);
                request.version = 479;
                let response = client.invoke(addr.as_str(), request, TIMEOUT).await.expect("route");
                assert_eq!(response.response_code(), ResponseCode::SUCCESS);
            }
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("worker");
    }
    started.elapsed()
}

fn route_query(c: &mut Criterion) {
    let fixture = start();
    let mut group = c.benchmark_group("get_route_info");
    for connections in [1usize, 64] {
        let clients: Vec<Arc<RemotingClient>> = (0..connections)
            .map(|_| Arc::new(RemotingClient::new(ClientConfig::default(), ProcessorRegistry::new()).expect("client")))
            .collect();
        let batch = 20_000u64;
        group.throughput(Throughput::Elements(batch));
        group.bench_function(format!("{connections}_connections"), |b| {
            b.iter_custom(|iters| {
                fixture.runtime.block_on(async {
                    let mut elapsed = Duration::ZERO;
                    for _ in 0..iters {
                        elapsed += query_routes(&clients, &fixture.addr, batch).await;
                    }
                    elapsed
                })
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = route_query
}
criterion_main!(benches);
