//! Failover with fake servers on loopback: a NameServer that is down, one that answers, a
//! broker that refuses every send with SYSTEM_BUSY and one that stores. The producer must skip
//! the dead NameServer and retry each refused send on the other broker (behaviours.md §2.3).
//! Also: heartbeats name the producer group and repeat; shutdown unregisters it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bolide_client::{ClientConfig, ClientError, Message, Producer, ProducerOptions};
use bolide_protocol::body::{BrokerData, QueueData, TopicRouteData, PERM_READ, PERM_WRITE};
use bolide_protocol::header::{SendMessageRequestHeaderV2, SendMessageResponseHeader};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ProcessorRegistry, RequestContext, Server, ServerConfig, ServerHandle};

/// A fake broker: answers heartbeats and unregisters, and every send with `send_code`.
async fn broker(send_code: ResponseCode, sends: Arc<AtomicUsize>) -> ServerHandle {
    broker_counting(send_code, sends, Arc::default()).await
}

/// As [`broker`], also keeping every HEART_BEAT body and UNREGISTER_CLIENT header.
async fn broker_counting(
    send_code: ResponseCode,
    sends: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<(RequestCode, String)>>>,
) -> ServerHandle {
    let mut registry = ProcessorRegistry::new();
    for code in [RequestCode::HEART_BEAT, RequestCode::UNREGISTER_CLIENT] {
        let seen = seen.clone();
        registry.register(code, move |_: RequestContext, request: RemotingCommand| {
            let seen = seen.clone();
            async move {
                let text = match request.request_code() {
                    RequestCode::HEART_BEAT => {
                        String::from_utf8_lossy(&request.body.clone().unwrap_or_default()).into_owned()
                    }
                    _ => format!("{:?}", request.ext_fields),
                };
                seen.lock().expect("seen lock").push((request.request_code(), text));
                Ok(Some(RemotingCommand::response_to(&request, ResponseCode::SUCCESS)))
            }
        });
    }
    registry.register(RequestCode::SEND_MESSAGE_V2, move |_: RequestContext, request: RemotingCommand| {
        let sends = sends.clone();
        async move {
            let offset = sends.fetch_add(1, Ordering::SeqCst);
            let header: SendMessageRequestHeaderV2 = request.decode_header().expect("a V2 send header");
            let response = RemotingCommand::response_to(&request, send_code);
            if send_code != ResponseCode::SUCCESS {
                return Ok(Some(response.with_remark("busy, try another broker")));
            }
            let answer = SendMessageResponseHeader {
                msg_id: "7F00000100002A9F0000000000000000".into(),
                queue_id: header.e,
                queue_offset: offset as i64,
                ..SendMessageResponseHeader::default()
            };
            Ok(Some(response.with_header(&answer)))
        }
    });
    Server::new(ServerConfig::default(), registry).bind("127.0.0.1:0").await.expect("bind a fake broker")
}

/// A fake NameServer whose only route is `topic` on the two brokers.
async fn name_server(topic: &'static str, brokers: [(&'static str, String); 2]) -> ServerHandle {
    let route = TopicRouteData {
        broker_datas: brokers
            .iter()
            .map(|(name, addr)| BrokerData {
                broker_addrs: BTreeMap::from([(0, addr.clone())]),
                broker_name: (*name).to_owned(),
                cluster: "FakeCluster".into(),
                ..BrokerData::default()
            })
            .collect(),
        queue_datas: brokers
            .iter()
            .map(|(name, _)| QueueData {
                broker_name: (*name).to_owned(),
                perm: PERM_READ | PERM_WRITE,
                read_queue_nums: 2,
                write_queue_nums: 2,
                topic_sys_flag: 0,
            })
            .collect(),
        ..TopicRouteData::default()
    };
    let body = json::to_vec(&route, KeyStyle::Fastjson);
    let mut registry = ProcessorRegistry::new();
    registry.register(RequestCode::GET_ROUTEINFO_BY_TOPIC, move |_: RequestContext, request: RemotingCommand| {
        let body = body.clone();
        async move {
            let response = if request.ext("topic") == Some(topic) {
                RemotingCommand::response_to(&request, ResponseCode::SUCCESS).with_body(body)
            } else {
                RemotingCommand::response_to(&request, ResponseCode::TOPIC_NOT_EXIST)
            };
            Ok(Some(response))
        }
    });
    Server::new(ServerConfig::default(), registry).bind("127.0.0.1:0").await.expect("bind a fake name server")
}

fn dead_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    addr.to_string()
}

#[tokio::test]
async fn refused_sends_are_retried_on_the_other_broker() {
    let (busy_sends, ok_sends) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let busy = broker(ResponseCode::SYSTEM_BUSY, busy_sends.clone()).await;
    let ok = broker(ResponseCode::SUCCESS, ok_sends.clone()).await;
    let brokers = [("broker-a", busy.local_addr().to_string()), ("broker-b", ok.local_addr().to_string())];
    let name_server = name_server("Failover", brokers).await;

    // The first NameServer is down: routes come from the second.
    let config = ClientConfig::new(&format!("{};{}", dead_address(), name_server.local_addr()));
    let producer = Producer::start(config, "failover_producer").await.expect("producer starts");
    for i in 0..8 {
        let result = producer.send(&Message::new("Failover", format!("m{i}"))).await.expect("a retry succeeds");
        assert_eq!(result.queue.broker_name, "broker-b");
    }
    assert_eq!(ok_sends.load(Ordering::SeqCst), 8);
    assert!(busy_sends.load(Ordering::SeqCst) >= 1, "round robin tried the busy broker too");

    // A producer without retries reports the refusal with its code and remark.
    let config = ClientConfig::new(&name_server.local_addr().to_string());
    let options = ProducerOptions { retry_times: 0, ..ProducerOptions::new("no_retry_producer") };
    let strict = Producer::with_options(config, options).await.expect("producer starts");
    let mut refusals = 0;
    for i in 0..4 {
        match strict.send(&Message::new("Failover", format!("s{i}"))).await {
            Ok(result) => assert_eq!(result.queue.broker_name, "broker-b"),
            Err(ClientError::Broker { code, remark, .. }) => {
                assert_eq!(code, ResponseCode::SYSTEM_BUSY);
                assert!(remark.contains("busy"));
                refusals += 1;
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(refusals, 2, "round robin over 4 queues hits the busy broker's 2 queues once each");

    // Unknown topic without TBW102: no route.
    let missing = producer.send(&Message::new("Missing", "x")).await;
    assert!(matches!(missing, Err(ClientError::NoRoute { .. })), "{missing:?}");

    producer.shutdown().await;
    strict.shutdown().await;
    for server in [busy, ok, name_server] {
        server.shutdown().await.expect("server stops");
    }
}

#[tokio::test]
async fn heartbeats_repeat_and_shutdown_unregisters_the_group() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let first = broker_counting(ResponseCode::SUCCESS, Arc::default(), seen.clone()).await;
    let second = broker(ResponseCode::SUCCESS, Arc::default()).await;
    let brokers = [("broker-a", first.local_addr().to_string()), ("broker-b", second.local_addr().to_string())];
    let name_server = name_server("Beats", brokers).await;
    let config = ClientConfig::new(&name_server.local_addr().to_string())
        .with_heartbeat_interval(Duration::from_millis(100))
        .with_route_refresh_interval(Duration::from_millis(100));
    let producer = Producer::start(config, "beating_producer").await.expect("producer starts");
    producer.send(&Message::new("Beats", "x")).await.expect("send");
    tokio::time::sleep(Duration::from_millis(550)).await;
    producer.shutdown().await;

    let seen = seen.lock().expect("seen lock").clone();
    let beats: Vec<_> = seen.iter().filter(|(code, _)| *code == RequestCode::HEART_BEAT).collect();
    assert!(beats.len() >= 3, "a heartbeat on discovery and then every 100 ms: {}", beats.len());
    assert!(beats[0].1.contains("beating_producer"), "the body names the producer group: {}", beats[0].1);
    assert!(beats[0].1.contains(producer.client_id()), "and the client id: {}", beats[0].1);
    let (last_code, unregister) = seen.last().expect("requests seen");
    assert_eq!(*last_code, RequestCode::UNREGISTER_CLIENT);
    assert!(unregister.contains("beating_producer"), "{unregister}");
    for server in [first, second, name_server] {
        server.shutdown().await.expect("server stops");
    }
}
