//! The configured header form is what reaches the servers: fake NameServer and broker on loopback
//! record the serialize type of every request a producer sends (route query, heartbeat, send,
//! unregister), with the default (`ROCKETMQ`) and with JSON.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bolide_client::{ClientConfig, Message, Producer, SerializeType, DEFAULT_SERIALIZE_TYPE};
use bolide_protocol::body::{BrokerData, QueueData, TopicRouteData, PERM_READ, PERM_WRITE};
use bolide_protocol::header::{SendMessageRequestHeaderV2, SendMessageResponseHeader};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ProcessorRegistry, RequestContext, Server, ServerConfig, ServerHandle};

type Seen = Arc<Mutex<Vec<(RequestCode, SerializeType)>>>;

/// Registers `code` to record each request and answer it with `answer`.
fn record(
    registry: &mut ProcessorRegistry,
    code: RequestCode,
    seen: &Seen,
    answer: impl Fn(&RemotingCommand) -> RemotingCommand + Clone + Send + Sync + 'static,
) {
    let seen = seen.clone();
    registry.register(code, move |_: RequestContext, request: RemotingCommand| {
        seen.lock().expect("seen lock").push((request.request_code(), request.serialize_type));
        let response = answer(&request);
        async move { Ok(Some(response)) }
    });
}

async fn broker(seen: &Seen) -> ServerHandle {
    let mut registry = ProcessorRegistry::new();
    let ok = |request: &RemotingCommand| RemotingCommand::response_to(request, ResponseCode::SUCCESS);
    record(&mut registry, RequestCode::HEART_BEAT, seen, ok);
    record(&mut registry, RequestCode::UNREGISTER_CLIENT, seen, ok);
    record(&mut registry, RequestCode::SEND_MESSAGE_V2, seen, |request| {
        let header: SendMessageRequestHeaderV2 = request.decode_header().expect("a V2 send header");
        let answer = SendMessageResponseHeader {
            msg_id: "7F00000100002A9F0000000000000000".into(),
            queue_id: header.e,
            queue_offset: 0,
            ..SendMessageResponseHeader::default()
        };
        RemotingCommand::response_to(request, ResponseCode::SUCCESS).with_header(&answer)
    });
    Server::new(ServerConfig::default(), registry).bind("127.0.0.1:0").await.expect("bind a fake broker")
}

async fn name_server(seen: &Seen, broker_addr: String) -> ServerHandle {
    let route = TopicRouteData {
        broker_datas: vec![BrokerData {
            broker_addrs: BTreeMap::from([(0, broker_addr)]),
            broker_name: "broker-a".into(),
            cluster: "FakeCluster".into(),
            ..BrokerData::default()
        }],
        queue_datas: vec![QueueData {
            broker_name: "broker-a".into(),
            perm: PERM_READ | PERM_WRITE,
            read_queue_nums: 1,
            write_queue_nums: 1,
            topic_sys_flag: 0,
        }],
        ..TopicRouteData::default()
    };
    let body = json::to_vec(&route, KeyStyle::Fastjson);
    let mut registry = ProcessorRegistry::new();
    record(&mut registry, RequestCode::GET_ROUTEINFO_BY_TOPIC, seen, move |request| {
        RemotingCommand::response_to(request, ResponseCode::SUCCESS).with_body(body.clone())
    });
    Server::new(ServerConfig::default(), registry).bind("127.0.0.1:0").await.expect("bind a fake name server")
}

/// The serialize types of the requests a producer's start, one send and shutdown make.
async fn requests_of(config: impl FnOnce(ClientConfig) -> ClientConfig) -> Vec<(RequestCode, SerializeType)> {
    let seen = Seen::default();
    let broker = broker(&seen).await;
    let name_server = name_server(&seen, broker.local_addr().to_string()).await;
    let config = config(ClientConfig::new(&name_server.local_addr().to_string()));
    let producer = Producer::start(config, "serialize_producer").await.expect("producer starts");
    producer.send(&Message::new("Headers", "x").with_tags("t")).await.expect("send");
    producer.shutdown().await;
    for server in [broker, name_server] {
        server.shutdown().await.expect("server stops");
    }
    let seen = seen.lock().expect("seen lock").clone();
    for code in [RequestCode::GET_ROUTEINFO_BY_TOPIC, RequestCode::SEND_MESSAGE_V2, RequestCode::UNREGISTER_CLIENT] {
        assert!(seen.iter().any(|(seen_code, _)| *seen_code == code), "{code} in {seen:?}");
    }
    seen
}

#[tokio::test]
async fn requests_use_the_configured_header_form() {
    assert_eq!(DEFAULT_SERIALIZE_TYPE, SerializeType::RocketMq);
    let binary = requests_of(|config| config).await;
    assert!(binary.iter().all(|(_, kind)| *kind == SerializeType::RocketMq), "{binary:?}");
    let json = requests_of(|config| config.with_serialize_type(SerializeType::Json)).await;
    assert!(json.iter().all(|(_, kind)| *kind == SerializeType::Json), "{json:?}");
}
