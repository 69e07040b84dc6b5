//! The real `bolide namesrv` process on loopback, driven with raw frames: registration with both
//! header forms, routes in both JSON key styles, cluster info, expiry, connection-close removal,
//! KV persistence across restart, config requests and error answers.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode, SerializeType};
use bolide_testkit::{free_port, temp_dir};
use serde_json::Value;
use support::{bolide, start_namesrv, WireClient};

/// A REGISTER_BROKER body as a 5.x Java broker writes it, for `topics` with 4 queues each.
fn register_body(topics: &[&str], counter: i64) -> String {
    let table: Vec<String> = topics
        .iter()
        .map(|topic| {
            format!(
                r#""{topic}":{{"attributes":{{}},"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"{topic}","topicSysFlag":0,"writeQueueNums":4}}"#
            )
        })
        .collect();
    format!(
        r#"{{"filterServerList":[],"topicConfigSerializeWrapper":{{"dataVersion":{{"counter":{counter},"stateVersion":0,"timestamp":1717000000000}},"mappingDataVersion":{{"counter":0,"stateVersion":0,"timestamp":1717000000000}},"topicConfigTable":{{{}}},"topicQueueMappingDetailMap":{{}},"topicQueueMappingInfoMap":{{}}}}}}"#,
        table.join(",")
    )
}

fn register(name: &str, id: i64, addr: &str, topics: &[&str]) -> RemotingCommand {
    let body = register_body(topics, 1);
    let crc = (crc32fast::hash(body.as_bytes()) & 0x7FFF_FFFF).to_string();
    RemotingCommand::request(RequestCode::REGISTER_BROKER)
        .with_ext("brokerName", name)
        .with_ext("brokerAddr", addr)
        .with_ext("clusterName", "DefaultCluster")
        .with_ext("haServerAddr", addr.replace("10911", "10912"))
        .with_ext("brokerId", id.to_string())
        .with_ext("compressed", "false")
        .with_ext("bodyCrc32", crc)
        .with_body(body.into_bytes())
}

fn route_request(topic: &str, version: i32) -> RemotingCommand {
    let mut request = RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC).with_ext("topic", topic);
    request.version = version;
    request
}

fn body_text(response: &RemotingCommand) -> String {
    String::from_utf8(response.body.clone().unwrap_or_default().to_vec()).expect("UTF-8 body")
}

#[test]
fn registration_routes_cluster_info_and_removal() {
    let dir = temp_dir();
    let port = free_port();
    let _server = start_namesrv(port, dir.path(), &[]);

    // A master registers with a JSON header, a slave with a binary one.
    let mut master = WireClient::connect(port);
    let response = master.call(register("broker-a", 0, "127.0.0.1:10911", &["TopicTest", "DefaultCluster"]));
    assert_eq!(response.response_code(), ResponseCode::SUCCESS, "{response:?}");
    let mut slave = WireClient::connect(port);
    let response = slave.call_as(register("broker-a", 1, "127.0.0.2:10911", &["TopicTest"]), SerializeType::RocketMq);
    assert_eq!(response.response_code(), ResponseCode::SUCCESS, "{response:?}");
    assert_eq!(response.ext("masterAddr"), Some("127.0.0.1:10911"));
    assert_eq!(response.ext("haServerAddr"), Some("127.0.0.1:10912"));
    assert_eq!(response.serialize_type, SerializeType::RocketMq, "answered in the request's binary form");

    // A new client (version ≥ 401) gets quoted integer keys; an old one gets fastjson's bare keys.
    let mut client = WireClient::connect(port);
    let response = client.call(route_request("TopicTest", 401));
    assert_eq!(response.response_code(), ResponseCode::SUCCESS);
    let route: Value = serde_json::from_str(&body_text(&response)).expect("standard JSON");
    assert_eq!(route["queueDatas"][0]["brokerName"], "broker-a");
    assert_eq!(route["queueDatas"][0]["readQueueNums"], 4);
    assert_eq!(route["queueDatas"][0]["writeQueueNums"], 4);
    assert_eq!(route["queueDatas"][0]["perm"], 6);
    assert_eq!(route["queueDatas"][0]["topicSysFlag"], 0);
    assert_eq!(route["brokerDatas"][0]["cluster"], "DefaultCluster");
    assert_eq!(route["brokerDatas"][0]["brokerAddrs"]["0"], "127.0.0.1:10911");
    assert_eq!(route["brokerDatas"][0]["brokerAddrs"]["1"], "127.0.0.2:10911");
    assert_eq!(route["filterServerTable"], serde_json::json!({}));
    let old = body_text(&client.call(route_request("TopicTest", 317)));
    assert!(old.contains(r#""brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.2:10911"}"#), "{old}");

    let missing = client.call(route_request("NoSuchTopic", 401));
    assert_eq!(missing.response_code(), ResponseCode::TOPIC_NOT_EXIST);
    assert!(missing.remark.as_deref().unwrap_or_default().contains("NoSuchTopic"));
    assert_eq!(missing.body, None);

    let info = body_text(&client.call(RemotingCommand::request(RequestCode::GET_BROKER_CLUSTER_INFO)));
    assert!(info.contains(r#""clusterAddrTable":{"DefaultCluster":["broker-a"]}"#), "{info}");
    assert!(info.contains(r#"{0:"127.0.0.1:10911",1:"127.0.0.2:10911"}"#), "cluster info keys stay bare: {info}");

    let topics = body_text(&client.call(RemotingCommand::request(RequestCode::GET_ALL_TOPIC_LIST_FROM_NAMESERVER)));
    let topics: Value = serde_json::from_str(&topics).unwrap();
    assert_eq!(topics["topicList"], serde_json::json!(["DefaultCluster", "TopicTest"]));

    // The slave's connection closes: only the slave leaves. Then the master's.
    slave.shutdown();
    wait_until(Duration::from_secs(5), || {
        let route: Value = serde_json::from_str(&body_text(&client.call(route_request("TopicTest", 401)))).unwrap();
        route["brokerDatas"][0]["brokerAddrs"].get("1").is_none()
    });
    master.shutdown();
    wait_until(Duration::from_secs(5), || {
        client.call(route_request("TopicTest", 401)).response_code() == ResponseCode::TOPIC_NOT_EXIST
    });
}

#[test]
fn silent_brokers_expire() {
    let dir = temp_dir();
    let port = free_port();
    let _server = start_namesrv(port, dir.path(), &["brokerTimeoutMillis=1000", "scanNotActiveBrokerInterval=100"]);
    let mut broker = WireClient::connect(port);
    broker.call(register("broker-b", 0, "127.0.0.1:20911", &["Expiring"]));
    let mut client = WireClient::connect(port);
    assert_eq!(client.call(route_request("Expiring", 401)).response_code(), ResponseCode::SUCCESS);
    let started = Instant::now();
    // The broker's connection stays open but it never registers again.
    wait_until(Duration::from_secs(5), || {
        client.call(route_request("Expiring", 401)).response_code() == ResponseCode::TOPIC_NOT_EXIST
    });
    assert!(started.elapsed() >= Duration::from_millis(800), "expired too early: {:?}", started.elapsed());
}

#[test]
fn kv_config_survives_restart_and_corruption_stops_start_up() {
    let dir = temp_dir();
    let port = free_port();
    let mut server = start_namesrv(port, dir.path(), &[]);
    let mut client = WireClient::connect(port);
    let put = RemotingCommand::request(RequestCode::PUT_KV_CONFIG)
        .with_ext("namespace", "ORDER_TOPIC_CONFIG")
        .with_ext("key", "TopicOrder")
        .with_ext("value", "broker-a:8");
    assert_eq!(client.call(put).response_code(), ResponseCode::SUCCESS);
    client.shutdown();
    assert!(server.terminate(Duration::from_secs(10)), "SIGTERM stops the name server cleanly");

    let _server = start_namesrv(port, dir.path(), &[]);
    let mut client = WireClient::connect(port);
    let get = RemotingCommand::request(RequestCode::GET_KV_CONFIG)
        .with_ext("namespace", "ORDER_TOPIC_CONFIG")
        .with_ext("key", "TopicOrder");
    let response = client.call(get.clone());
    assert_eq!(response.response_code(), ResponseCode::SUCCESS);
    assert_eq!(response.ext("value"), Some("broker-a:8"));
    let list = client.call(
        RemotingCommand::request(RequestCode::GET_KVLIST_BY_NAMESPACE).with_ext("namespace", "ORDER_TOPIC_CONFIG"),
    );
    assert_eq!(body_text(&list), r#"{"table":{"TopicOrder":"broker-a:8"}}"#);
    let delete = RemotingCommand::request(RequestCode::DELETE_KV_CONFIG)
        .with_ext("namespace", "ORDER_TOPIC_CONFIG")
        .with_ext("key", "TopicOrder");
    assert_eq!(client.call(delete).response_code(), ResponseCode::SUCCESS);
    let response = client.call(get);
    assert_eq!(response.response_code(), ResponseCode::QUERY_NOT_FOUND);
    assert!(response.remark.unwrap_or_default().contains("TopicOrder"));

    // A corrupt file is a start-up error naming the file, not a silent reset.
    let corrupt_dir = temp_dir();
    std::fs::write(corrupt_dir.path().join("kvConfig.json"), "{broken").unwrap();
    let output = Command::new(bolide())
        .args(["namesrv", "--listen-port", &free_port().to_string(), "--set"])
        .arg(format!("kvConfigPath={}", corrupt_dir.path().join("kvConfig.json").display()))
        .output()
        .expect("run bolide");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("kvConfig.json") && stderr.contains("corrupt"), "{stderr}");
}

#[test]
fn config_requests_and_error_answers() {
    let dir = temp_dir();
    let port = free_port();
    let _server = start_namesrv(port, dir.path(), &[]);
    let mut client = WireClient::connect(port);

    let config = body_text(&client.call(RemotingCommand::request(RequestCode::GET_NAMESRV_CONFIG)));
    assert!(config.contains(&format!("listenPort={port}")), "{config}");
    let update = RemotingCommand::request(RequestCode::UPDATE_NAMESRV_CONFIG)
        .with_body(b"orderMessageEnable=true\nscanNotActiveBrokerInterval=2000\n".to_vec());
    assert_eq!(client.call(update).response_code(), ResponseCode::SUCCESS);
    let config = body_text(&client.call(RemotingCommand::request(RequestCode::GET_NAMESRV_CONFIG)));
    assert!(config.contains("orderMessageEnable=true") && config.contains("scanNotActiveBrokerInterval=2000"));
    let refused = client
        .call(RemotingCommand::request(RequestCode::UPDATE_NAMESRV_CONFIG).with_body(b"kvConfigPath=/x".to_vec()));
    assert_eq!(refused.response_code(), ResponseCode::NO_PERMISSION);
    let unknown_key =
        client.call(RemotingCommand::request(RequestCode::UPDATE_NAMESRV_CONFIG).with_body(b"noSuchKey=1".to_vec()));
    assert_eq!(unknown_key.response_code(), ResponseCode::SYSTEM_ERROR);
    assert!(unknown_key.remark.unwrap_or_default().contains("noSuchKey"));

    // Unknown request code: 3 with Java's remark. Missing header field: 1 naming the field.
    let unknown = client.call(RemotingCommand::request(RequestCode(9999)));
    assert_eq!(unknown.response_code(), ResponseCode::REQUEST_CODE_NOT_SUPPORTED);
    assert_eq!(unknown.remark.as_deref(), Some(" request type 9999 not supported"));
    let missing = client.call(RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC).with_ext("x", "y"));
    assert_eq!(missing.response_code(), ResponseCode::SYSTEM_ERROR);
    assert!(missing.remark.unwrap_or_default().contains("topic"));

    // Garbage closes that connection only.
    let mut bad = WireClient::connect(port);
    bad.send_raw(&[0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]);
    assert!(bad.is_closed_by_peer(Duration::from_secs(5)));
    assert_eq!(client.call(route_request("Nothing", 401)).response_code(), ResponseCode::TOPIC_NOT_EXIST);
}

#[test]
fn python_raw_frames_get_routes() {
    let dir = temp_dir();
    let port = free_port();
    let _server = start_namesrv(port, dir.path(), &[]);
    let mut broker = WireClient::connect(port);
    broker.call(register("broker-py", 0, "127.0.0.1:30911", &["PyTopic"]));
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/raw_route.py");
    let output = Command::new("python3")
        .arg(script)
        .args([&port.to_string(), "PyTopic", "NoSuchTopic"])
        .output()
        .expect("python3 is installed");
    assert!(
        output.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "condition not met within {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
