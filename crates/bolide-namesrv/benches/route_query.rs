//! GET_ROUTEINFO_BY_TOPIC throughput of an in-process NameServer over loopback, with 1 and 64
//! client connections and 32 requests in flight on each.
//!
//! Run: `cargo bench -p bolide-namesrv --bench route_query`

use std::sync::Arc;
use std::time::{Duration, Instant};

use bolide_namesrv::NamesrvConfig;
use bolide_protocol::frame::{self, FrameLimits};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ClientConfig, ProcessorRegistry, RemotingClient};
use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

const TOPICS: usize = 1_000;
const IN_FLIGHT_PER_CONNECTION: u64 = 32;
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
    /// The registering broker's connection: closing it would remove the broker's routes.
    _broker: RemotingClient,
    _dir: tempfile::TempDir,
}

fn start() -> Fixture {
    let runtime = Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = NamesrvConfig { kv_config_path: dir.path().join("kvConfig.json"), ..NamesrvConfig::default() };
    let (addr, broker) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        tokio::spawn(bolide_namesrv::serve(config, listener, std::future::pending()));
        let client = RemotingClient::new(ClientConfig::default(), ProcessorRegistry::new()).expect("client");
        let response = client.invoke(addr.as_str(), register_request(TOPICS), TIMEOUT).await.expect("register");
        assert_eq!(response.response_code(), ResponseCode::SUCCESS);
        (addr, client)
    });
    Fixture { runtime, addr, _broker: broker, _dir: dir }
}

/// One connection's load: `count` pre-encoded GET_ROUTEINFO_BY_TOPIC frames, keeping `window`
/// requests in flight, checking that every answer is a SUCCESS. Written by hand rather than with
/// `RemotingClient` so that the client side costs little next to the server being measured.
async fn drive_connection(addr: String, frames: Arc<Vec<Bytes>>, count: u64, window: u64) {
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (mut sent, mut answered) = (0u64, 0u64);
    let mut out = BytesMut::with_capacity(64 * 1024);
    let mut input = BytesMut::with_capacity(256 * 1024);
    while answered < count {
        while sent < count && sent - answered < window {
            out.extend_from_slice(&frames[(sent as usize) % frames.len()]);
            sent += 1;
        }
        if !out.is_empty() {
            stream.write_all(&out).await.expect("write");
            out.clear();
        }
        if stream.read_buf(&mut input).await.expect("read") == 0 {
            panic!("name server closed the connection");
        }
        while let Some(response) = frame::decode(&mut input, FrameLimits::default()).expect("valid response") {
            assert_eq!(response.response_code(), ResponseCode::SUCCESS);
            answered += 1;
        }
    }
}

/// Sends `total` route queries spread over `connections` connections and returns the elapsed time.
async fn query_routes(addr: &str, frames: &Arc<Vec<Bytes>>, connections: usize, total: u64) -> Duration {
    let per_connection = total / connections as u64;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        tasks.spawn(drive_connection(addr.to_owned(), frames.clone(), per_connection, IN_FLIGHT_PER_CONNECTION));
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("connection task");
    }
    started.elapsed()
}

/// Requests for every topic, each encoded once.
fn request_frames() -> Arc<Vec<Bytes>> {
    let frames = (0..TOPICS)
        .map(|i| {
            let mut request =
                RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC).with_ext("topic", format!("topic-{i}"));
            request.version = 479;
            request.opaque = i as i32;
            let mut buf = BytesMut::new();
            frame::encode(&request, &mut buf, FrameLimits::default()).expect("encodable");
            buf.freeze()
        })
        .collect();
    Arc::new(frames)
}

fn route_query(c: &mut Criterion) {
    let fixture = start();
    let frames = request_frames();
    let mut group = c.benchmark_group("get_route_info");
    for connections in [1usize, 64] {
        let batch = 64_000u64;
        group.throughput(Throughput::Elements(batch));
        group.bench_function(format!("{connections}_connections"), |b| {
            b.iter_custom(|iters| {
                fixture.runtime.block_on(async {
                    let mut elapsed = Duration::ZERO;
                    for _ in 0..iters {
                        elapsed += query_routes(&fixture.addr, &frames, connections, batch).await;
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
