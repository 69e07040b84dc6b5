//! The rest of the NameServer's requests against the real process: topic lists, write
//! permissions, topic deletion and registration, member groups, heartbeats, data versions,
//! order-topic config in routes, compressed and larger-than-16-MiB registrations.

mod support;

use bolide_protocol::body::{DataVersion, RegisterBrokerBody, TopicConfig};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_testkit::{free_port, temp_dir};
use serde_json::Value;
use support::{start_namesrv, WireClient};

fn topic_config(name: &str, queues: i32, sys_flag: i32) -> TopicConfig {
    TopicConfig {
        topic_name: name.to_owned(),
        read_queue_nums: queues,
        write_queue_nums: queues,
        perm: 6,
        topic_sys_flag: sys_flag,
        ..TopicConfig::default()
    }
}

fn register_body(topics: &[TopicConfig], counter: i64) -> RegisterBrokerBody {
    let mut body = RegisterBrokerBody::default();
    let wrapper = &mut body.topic_config_serialize_wrapper;
    wrapper.data_version = DataVersion { counter, state_version: 0, timestamp: 1_717_000_000_000 };
    for topic in topics {
        wrapper.topic_config_table.insert(topic.topic_name.clone(), topic.clone());
    }
    body
}

fn register(name: &str, cluster: &str, addr: &str, body: Vec<u8>, compressed: bool) -> RemotingCommand {
    RemotingCommand::request(RequestCode::REGISTER_BROKER)
        .with_ext("brokerName", name)
        .with_ext("brokerAddr", addr)
        .with_ext("clusterName", cluster)
        .with_ext("haServerAddr", addr)
        .with_ext("brokerId", "0")
        .with_ext("compressed", compressed.to_string())
        .with_body(body)
}

fn json_body(response: &RemotingCommand) -> Value {
    let bytes = response.body.clone().unwrap_or_default();
    let standard = bolide_protocol::json::to_standard(&bytes).expect("fastjson body");
    serde_json::from_slice(&standard).expect("JSON body")
}

fn route(client: &mut WireClient, topic: &str) -> RemotingCommand {
    client.call(RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC).with_ext("topic", topic))
}

#[test]
fn lists_permissions_deletion_and_member_groups() {
    let dir = temp_dir();
    let port = free_port();
    let _server = start_namesrv(port, dir.path(), &["orderMessageEnable=true"]);
    let mut broker_a = WireClient::connect(port);
    let topics = [topic_config("Plain", 4, 0), topic_config("Unit", 2, 1), topic_config("UnitSub", 2, 2)];
    let body = bolide_protocol::json::to_vec(&register_body(&topics, 1), Default::default());
    let response = broker_a.call(register("broker-a", "ClusterA", "127.0.0.1:10911", body, false));
    assert_eq!(response.response_code(), ResponseCode::SUCCESS);
    // broker-b registers with the compressed body variant.
    let mut broker_b = WireClient::connect(port);
    let body = register_body(&[topic_config("Plain", 8, 0), topic_config("OnlyB", 1, 0)], 1).encode_compressed(479);
    let response = broker_b.call(register("broker-b", "ClusterB", "127.0.0.1:20911", body, true));
    assert_eq!(response.response_code(), ResponseCode::SUCCESS, "{response:?}");

    let mut client = WireClient::connect(port);
    let list = |client: &mut WireClient, request: RemotingCommand| -> Value {
        let response = client.call(request);
        assert_eq!(response.response_code(), ResponseCode::SUCCESS);
        json_body(&response)["topicList"].clone()
    };
    let by_cluster =
        list(&mut client, RemotingCommand::request(RequestCode::GET_TOPICS_BY_CLUSTER).with_ext("cluster", "ClusterB"));
    assert_eq!(by_cluster, serde_json::json!(["OnlyB", "Plain"]));
    let system = client.call(RemotingCommand::request(RequestCode::GET_SYSTEM_TOPIC_LIST_FROM_NS));
    let system = json_body(&system);
    assert_eq!(system["topicList"], serde_json::json!(["ClusterA", "ClusterB", "broker-a", "broker-b"]));
    assert!(system["brokerAddr"].as_str().is_some_and(|addr| addr.starts_with("127.0.0.1:")));
    assert_eq!(
        list(&mut client, RemotingCommand::request(RequestCode::GET_UNIT_TOPIC_LIST)),
        serde_json::json!(["Unit"])
    );
    assert_eq!(
        list(&mut client, RemotingCommand::request(RequestCode::GET_HAS_UNIT_SUB_TOPIC_LIST)),
        serde_json::json!(["UnitSub"])
    );
    assert_eq!(
        list(&mut client, RemotingCommand::request(RequestCode::GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST)),
        serde_json::json!(["UnitSub"])
    );

    // Write permission of one broker name, wiped and restored.
    let wipe = client
        .call(RemotingCommand::request(RequestCode::WIPE_WRITE_PERM_OF_BROKER).with_ext("brokerName", "broker-a"));
    assert_eq!(wipe.ext("wipeTopicCount"), Some("3"));
    let plain = json_body(&route(&mut client, "Plain"));
    let perm_of = |route: &Value, broker: &str| {
        route["queueDatas"].as_array().unwrap().iter().find(|q| q["brokerName"] == broker).unwrap()["perm"].clone()
    };
    assert_eq!(perm_of(&plain, "broker-a"), 4);
    assert_eq!(perm_of(&plain, "broker-b"), 6);
    let add =
        client.call(RemotingCommand::request(RequestCode::ADD_WRITE_PERM_OF_BROKER).with_ext("brokerName", "broker-a"));
    assert_eq!(add.ext("addTopicCount"), Some("3"));
    assert_eq!(perm_of(&json_body(&route(&mut client, "Plain")), "broker-a"), 6);

    // Order-topic config from the KV namespace appears in the route.
    let put = RemotingCommand::request(RequestCode::PUT_KV_CONFIG)
        .with_ext("namespace", "ORDER_TOPIC_CONFIG")
        .with_ext("key", "Plain")
        .with_ext("value", "broker-a:4;broker-b:8");
    assert_eq!(client.call(put).response_code(), ResponseCode::SUCCESS);
    assert_eq!(json_body(&route(&mut client, "Plain"))["orderTopicConf"], "broker-a:4;broker-b:8");

    // Deleting a topic in one cluster keeps the other cluster's queues.
    let delete = RemotingCommand::request(RequestCode::DELETE_TOPIC_IN_NAMESRV)
        .with_ext("topic", "Plain")
        .with_ext("clusterName", "ClusterA");
    assert_eq!(client.call(delete).response_code(), ResponseCode::SUCCESS);
    let plain = json_body(&route(&mut client, "Plain"));
    assert_eq!(plain["queueDatas"].as_array().unwrap().len(), 1);
    assert_eq!(plain["queueDatas"][0]["brokerName"], "broker-b");

    // REGISTER_TOPIC_IN_NAMESRV merges queue data for registered brokers.
    let route_body = r#"{"brokerDatas":[],"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":3,"topicSysFlag":0,"writeQueueNums":3}]}"#;
    let register_topic = RemotingCommand::request(RequestCode::REGISTER_TOPIC_IN_NAMESRV)
        .with_ext("topic", "Added")
        .with_body(route_body.as_bytes().to_vec());
    assert_eq!(client.call(register_topic).response_code(), ResponseCode::SUCCESS);
    assert_eq!(json_body(&route(&mut client, "Added"))["queueDatas"][0]["writeQueueNums"], 3);

    let group = client.call(
        RemotingCommand::request(RequestCode::GET_BROKER_MEMBER_GROUP)
            .with_ext("clusterName", "ClusterA")
            .with_ext("brokerName", "broker-a"),
    );
    assert_eq!(json_body(&group)["brokerMemberGroup"]["brokerAddrs"]["0"], "127.0.0.1:10911");

    // Liveness requests.
    let heartbeat = RemotingCommand::request(RequestCode::BROKER_HEARTBEAT)
        .with_ext("clusterName", "ClusterA")
        .with_ext("brokerAddr", "127.0.0.1:10911")
        .with_ext("brokerName", "broker-a");
    assert_eq!(client.call(heartbeat).response_code(), ResponseCode::SUCCESS);
    let query = |client: &mut WireClient, counter: i64| {
        let version = DataVersion { counter, state_version: 0, timestamp: 1_717_000_000_000 };
        client.call(
            RemotingCommand::request(RequestCode::QUERY_DATA_VERSION)
                .with_ext("brokerName", "broker-a")
                .with_ext("brokerAddr", "127.0.0.1:10911")
                .with_ext("clusterName", "ClusterA")
                .with_ext("brokerId", "0")
                .with_body(bolide_protocol::json::to_vec(&version, Default::default())),
        )
    };
    let same = query(&mut client, 1);
    assert_eq!(same.ext("changed"), Some("false"));
    assert_eq!(json_body(&same)["counter"], 1);
    assert_eq!(query(&mut client, 2).ext("changed"), Some("true"));
}

#[test]
fn registration_larger_than_the_java_frame_limit() {
    let dir = temp_dir();
    let port = free_port();
    let _server = start_namesrv(port, dir.path(), &[]);
    let topics: Vec<TopicConfig> = (0..110_000).map(|i| topic_config(&format!("topic-{i:06}"), 8, 0)).collect();
    let body = bolide_protocol::json::to_vec(&register_body(&topics, 1), Default::default());
    assert!(body.len() > 16 * 1024 * 1024, "body of {} bytes", body.len());
    let mut broker = WireClient::connect(port);
    let response = broker.call(register("broker-big", "DefaultCluster", "127.0.0.1:10911", body, false));
    assert_eq!(response.response_code(), ResponseCode::SUCCESS);
    let mut client = WireClient::connect(port);
    assert_eq!(route(&mut client, "topic-109999").response_code(), ResponseCode::SUCCESS);
}
