//! The real `bolide broker` process beside a real `bolide namesrv`, driven with raw frames:
//! registration and routes, heartbeats and consumer lists, topic and group administration,
//! offsets across a restart, queue locks, unsupported codes, the VIP port, and unregistration at
//! SIGTERM.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess};
use serde_json::{json, Value};
use support::{bolide, start_namesrv, WireClient, START_TIMEOUT};

const BROKER_READY: &str = "broker started";
const REGISTERED: &str = "registered with name server";

fn start_broker(port: u16, namesrv_port: u16, dir: &Path) -> ServerProcess {
    start_broker_with(port, &format!("127.0.0.1:{namesrv_port}"), dir)
}

fn start_broker_with(port: u16, namesrv: &str, dir: &Path) -> ServerProcess {
    let port = port.to_string();
    let store = format!("storePathRootDir={}", dir.display());
    let args = [
        "broker",
        "--listen-port",
        &port,
        "-n",
        namesrv,
        "--set",
        &store,
        "--set",
        "brokerIP1=127.0.0.1",
        "--set",
        "listenAddress=127.0.0.1",
        "--set",
        "brokerName=broker-t",
        "--set",
        "flushConsumerOffsetInterval=500",
    ];
    let mut broker = ServerProcess::start(&bolide(), &args, &[], BROKER_READY, START_TIMEOUT);
    broker.wait_for(REGISTERED, START_TIMEOUT);
    broker
}

/// A name server and a broker registered with it, with their data under one temp dir.
struct Cluster {
    _dir: bolide_testkit::TempDir,
    namesrv_port: u16,
    broker_port: u16,
    _namesrv: ServerProcess,
    broker: ServerProcess,
}

fn start_cluster() -> Cluster {
    let dir = temp_dir();
    let namesrv_port = free_port();
    let namesrv = start_namesrv(namesrv_port, dir.path(), &[]);
    let broker_port = free_port_pair();
    let broker = start_broker(broker_port, namesrv_port, &dir.path().join("store"));
    Cluster { _dir: dir, namesrv_port, broker_port, _namesrv: namesrv, broker }
}

fn body_json(response: &RemotingCommand) -> Value {
    serde_json::from_slice(response.body.as_deref().unwrap_or(b"null")).expect("JSON body")
}

fn route_code(namesrv_port: u16, topic: &str) -> i32 {
    let request = RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC).with_ext("topic", topic);
    WireClient::connect(namesrv_port).call(request).code
}

fn wait_until(timeout: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn heartbeat(client_id: &str, group: &str, topic: &str) -> RemotingCommand {
    let body = json!({
        "clientID": client_id,
        "consumerDataSet": [{
            "groupName": group, "consumeType": "CONSUME_PASSIVELY", "messageModel": "CLUSTERING",
            "consumeFromWhere": "CONSUME_FROM_LAST_OFFSET", "unitMode": false,
            "subscriptionDataSet": [{"classFilterMode": false, "codeSet": [], "expressionType": "TAG",
                "subString": "*", "subVersion": 1, "tagsSet": [], "topic": topic}]
        }],
        "producerDataSet": [{"groupName": "P"}]
    });
    RemotingCommand::request(RequestCode::HEART_BEAT).with_body(serde_json::to_vec(&body).expect("JSON"))
}

/// Sends `request` and returns its response plus the broker's own requests (notifications) that
/// arrived on the connection before it: a notification may overtake the response.
fn call_notified(client: &mut WireClient, mut request: RemotingCommand, opaque: i32) -> (RemotingCommand, Vec<i32>) {
    request.opaque = opaque;
    client.send(&request);
    let mut notified = Vec::new();
    loop {
        let frame = client.read();
        if frame.is_response() && frame.opaque == opaque {
            return (frame, notified);
        }
        notified.push(frame.code);
    }
}

/// Reads until a NOTIFY_CONSUMER_IDS_CHANGED for `group` arrives.
fn expect_notify(client: &mut WireClient, group: &str) {
    let notify = client.read();
    assert_eq!(notify.code, RequestCode::NOTIFY_CONSUMER_IDS_CHANGED.0);
    assert!(notify.is_oneway());
    assert_eq!(notify.ext("consumerGroup"), Some(group));
}

fn consumer_list(client: &mut WireClient, group: &str) -> RemotingCommand {
    client.call(RemotingCommand::request(RequestCode::GET_CONSUMER_LIST_BY_GROUP).with_ext("consumerGroup", group))
}

fn create_topic(name: &str, attributes: &str) -> RemotingCommand {
    RemotingCommand::request(RequestCode::UPDATE_AND_CREATE_TOPIC)
        .with_ext("topic", name)
        .with_ext("defaultTopic", "TBW102")
        .with_ext("readQueueNums", "4")
        .with_ext("writeQueueNums", "4")
        .with_ext("perm", "6")
        .with_ext("topicFilterType", "SINGLE_TAG")
        .with_ext("topicSysFlag", "0")
        .with_ext("order", "false")
        .with_ext("attributes", attributes)
}

#[test]
fn registration_puts_system_topics_in_routes_and_both_ports_answer() {
    let cluster = start_cluster();
    for topic in ["TBW102", "DefaultCluster", "broker-t"] {
        assert_eq!(route_code(cluster.namesrv_port, topic), 0, "route of {topic}");
    }
    for port in [cluster.broker_port, cluster.broker_port - 2] {
        let mut client = WireClient::connect(port);
        let info = client.call(RemotingCommand::request(RequestCode::GET_BROKER_RUNTIME_INFO));
        assert_eq!(info.code, 0);
        assert_eq!(body_json(&info)["table"]["brokerVersionDesc"], "V5_3_3");
        // Unknown codes are answered "not supported"; a send without its header is an error.
        let unknown = client.call(RemotingCommand::request(RequestCode(54321)));
        assert_eq!(unknown.code, ResponseCode::REQUEST_CODE_NOT_SUPPORTED.0);
        let headless = client.call(RemotingCommand::request(RequestCode::SEND_MESSAGE));
        assert_eq!(headless.code, ResponseCode::SYSTEM_ERROR.0);
        assert!(headless.remark.as_deref().unwrap_or("").contains("producerGroup"), "{:?}", headless.remark);
        let config = client.call(RemotingCommand::request(RequestCode::GET_BROKER_CONFIG));
        let text = String::from_utf8(config.body.clone().unwrap_or_default().to_vec()).expect("text");
        assert!(text.contains("brokerName=broker-t"), "{text}");
        assert!(config.ext("version").is_some_and(|version| version.contains("counter")));
    }
    let mut client = WireClient::connect(cluster.broker_port);
    let update = |text: &str| RemotingCommand::request(RequestCode::UPDATE_BROKER_CONFIG).with_body(text.to_owned());
    assert_eq!(client.call(update("autoCreateTopicEnable=false\n")).code, 0);
    assert_eq!(client.call(update("listenPort=1\n")).code, ResponseCode::NO_PERMISSION.0);
    let unknown = client.call(update("noSuchKey=1\n"));
    assert!(unknown.code != 0 && unknown.remark.as_deref().is_some_and(|remark| remark.contains("noSuchKey")));
    let config = client.call(RemotingCommand::request(RequestCode::GET_BROKER_CONFIG));
    let text = String::from_utf8(config.body.clone().unwrap_or_default().to_vec()).expect("text");
    assert!(text.contains("autoCreateTopicEnable=false"), "{text}");
}

#[test]
fn heartbeats_register_consumers_and_closing_removes_them() {
    let cluster = start_cluster();
    let mut first = WireClient::connect(cluster.broker_port);
    let (response, notified) = call_notified(&mut first, heartbeat("10.0.0.1@a", "G1", "T1"), 1000);
    assert_eq!(response.code, 0);
    if notified.is_empty() {
        expect_notify(&mut first, "G1");
    }
    let list = consumer_list(&mut first, "G1");
    assert_eq!(body_json(&list)["consumerIdList"], json!(["10.0.0.1@a"]));
    // The retry topic is created and registered so that tools can find the group's broker.
    wait_until(Duration::from_secs(5), "%RETRY%G1 route", || route_code(cluster.namesrv_port, "%RETRY%G1") == 0);

    // A new member: every member, old and new, is told to rebalance.
    let mut second = WireClient::connect(cluster.broker_port);
    let (response, notified) = call_notified(&mut second, heartbeat("10.0.0.2@b", "G1", "T1"), 1000);
    assert_eq!(response.code, 0);
    if notified.is_empty() {
        expect_notify(&mut second, "G1");
    }
    expect_notify(&mut first, "G1");

    let connections = second
        .call(RemotingCommand::request(RequestCode::GET_CONSUMER_CONNECTION_LIST).with_ext("consumerGroup", "G1"));
    let connections = body_json(&connections);
    assert_eq!(connections["connectionSet"].as_array().map(Vec::len), Some(2));
    assert_eq!(connections["subscriptionTable"]["T1"]["subString"], "*");
    let producers =
        second.call(RemotingCommand::request(RequestCode::GET_PRODUCER_CONNECTION_LIST).with_ext("producerGroup", "P"));
    assert_eq!(body_json(&producers)["connectionSet"].as_array().map(Vec::len), Some(2));

    first.shutdown();
    expect_notify(&mut second, "G1");
    assert_eq!(body_json(&consumer_list(&mut second, "G1"))["consumerIdList"], json!(["10.0.0.2@b"]));
    let unregister = RemotingCommand::request(RequestCode::UNREGISTER_CLIENT)
        .with_ext("clientID", "10.0.0.2@b")
        .with_ext("consumerGroup", "G1");
    assert_eq!(second.call(unregister).code, 0);
    let gone = consumer_list(&mut second, "G1");
    assert_eq!(gone.code, ResponseCode::SYSTEM_ERROR.0);
    assert_eq!(gone.remark.as_deref(), Some("no consumer for this group, G1"));
    let offline = second
        .call(RemotingCommand::request(RequestCode::GET_CONSUMER_CONNECTION_LIST).with_ext("consumerGroup", "G1"));
    assert_eq!(offline.code, ResponseCode::CONSUMER_NOT_ONLINE.0);
}

#[test]
fn topics_and_groups_are_created_listed_and_deleted() {
    let cluster = start_cluster();
    let mut client = WireClient::connect(cluster.broker_port);
    assert_eq!(client.call(create_topic("Orders", "+message.type=FIFO")).code, 0);
    wait_until(Duration::from_secs(3), "Orders route", || route_code(cluster.namesrv_port, "Orders") == 0);
    let all = client.call(RemotingCommand::request(RequestCode::GET_ALL_TOPIC_CONFIG));
    assert!(all.ext_fields.is_none(), "no extFields when not paging");
    let orders = &body_json(&all)["topicConfigTable"]["Orders"];
    assert_eq!((orders["readQueueNums"].as_i64(), orders["perm"].as_i64()), (Some(4), Some(6)));
    assert_eq!(orders["attributes"]["message.type"], "FIFO");
    assert_eq!(client.call(create_topic("TBW102", "")).code, ResponseCode::INVALID_PARAMETER.0);
    assert_eq!(client.call(create_topic("bad topic", "")).code, ResponseCode::INVALID_PARAMETER.0);

    let delete = RemotingCommand::request(RequestCode::DELETE_TOPIC_IN_BROKER).with_ext("topic", "Orders");
    assert_eq!(client.call(delete).code, 0);
    let all = client.call(RemotingCommand::request(RequestCode::GET_ALL_TOPIC_CONFIG));
    assert!(body_json(&all)["topicConfigTable"].get("Orders").is_none());

    let group = json!({"groupName": "OrderlyGroup", "consumeMessageOrderly": true, "retryMaxTimes": 3});
    let create_group = RemotingCommand::request(RequestCode::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP)
        .with_body(serde_json::to_vec(&group).expect("JSON"));
    assert_eq!(client.call(create_group).code, 0);
    let groups = client.call(RemotingCommand::request(RequestCode::GET_ALL_SUBSCRIPTIONGROUP_CONFIG));
    let stored = &body_json(&groups)["subscriptionGroupTable"]["OrderlyGroup"];
    assert_eq!((stored["consumeMessageOrderly"].as_bool(), stored["retryMaxTimes"].as_i64()), (Some(true), Some(3)));
    let delete_group =
        RemotingCommand::request(RequestCode::DELETE_SUBSCRIPTIONGROUP).with_ext("groupName", "OrderlyGroup");
    assert_eq!(client.call(delete_group).code, 0);
    let groups = client.call(RemotingCommand::request(RequestCode::GET_ALL_SUBSCRIPTIONGROUP_CONFIG));
    assert!(body_json(&groups)["subscriptionGroupTable"].get("OrderlyGroup").is_none());
}

fn update_offset(group: &str, topic: &str, queue_id: i32, offset: i64) -> RemotingCommand {
    RemotingCommand::request(RequestCode::UPDATE_CONSUMER_OFFSET)
        .with_ext("consumerGroup", group)
        .with_ext("topic", topic)
        .with_ext("queueId", queue_id.to_string())
        .with_ext("commitOffset", offset.to_string())
}

fn query_offset(client: &mut WireClient, group: &str, topic: &str, queue_id: i32) -> RemotingCommand {
    client.call(
        RemotingCommand::request(RequestCode::QUERY_CONSUMER_OFFSET)
            .with_ext("consumerGroup", group)
            .with_ext("topic", topic)
            .with_ext("queueId", queue_id.to_string()),
    )
}

#[test]
fn offsets_survive_a_restart_and_sigterm_unregisters() {
    let mut cluster = start_cluster();
    let mut client = WireClient::connect(cluster.broker_port);
    assert_eq!(client.call(create_topic("Clicks", "")).code, 0);
    // The group is created by a consumer's heartbeat (autoCreateSubscriptionGroup); that
    // connection also receives the group's change notification, so it is kept apart.
    let mut member = WireClient::connect(cluster.broker_port);
    assert_eq!(call_notified(&mut member, heartbeat("10.0.0.1@a", "G2", "Clicks"), 1000).0.code, 0);
    assert_eq!(client.call(update_offset("G2", "Clicks", 1, 1234)).code, 0);
    assert_eq!(
        client.call(update_offset("NoSuchGroup", "Clicks", 1, 1)).code,
        ResponseCode::SUBSCRIPTION_GROUP_NOT_EXIST.0
    );
    assert_eq!(client.call(update_offset("G2", "NoSuchTopic", 1, 1)).code, ResponseCode::TOPIC_NOT_EXIST.0);
    let found = query_offset(&mut client, "G2", "Clicks", 1);
    assert_eq!((found.code, found.ext("offset")), (0, Some("1234")));
    assert_eq!(query_offset(&mut client, "G2", "Clicks", 2).code, ResponseCode::QUERY_NOT_FOUND.0);
    check_lookups(&mut client);
    client.shutdown();
    member.shutdown();

    assert!(cluster.broker.terminate(Duration::from_secs(10)), "clean exit on SIGTERM");
    let output = cluster.broker.output_text();
    assert!(output.contains("broker state persisted") && output.contains("unregistered from name server"), "{output}");
    assert_eq!(route_code(cluster.namesrv_port, "broker-t"), ResponseCode::TOPIC_NOT_EXIST.0);

    let store = cluster._dir.path().join("store");
    cluster.broker = start_broker(cluster.broker_port, cluster.namesrv_port, &store);
    let mut client = WireClient::connect(cluster.broker_port);
    let found = query_offset(&mut client, "G2", "Clicks", 1);
    assert_eq!((found.code, found.ext("offset")), (0, Some("1234")));
    assert_eq!(route_code(cluster.namesrv_port, "Clicks"), 0, "created topics are registered after a restart");
}

/// The per-topic and per-group lookups mqadmin uses, after G2 committed an offset in Clicks.
fn check_lookups(client: &mut WireClient) {
    let topic = client.call(RemotingCommand::request(RequestCode::GET_TOPIC_CONFIG).with_ext("topic", "Clicks"));
    assert_eq!((topic.code, body_json(&topic)["writeQueueNums"].as_i64()), (0, Some(4)));
    let missing = client.call(RemotingCommand::request(RequestCode::GET_TOPIC_CONFIG).with_ext("topic", "Nope"));
    assert_eq!(missing.code, ResponseCode::TOPIC_NOT_EXIST.0);
    let group =
        client.call(RemotingCommand::request(RequestCode::GET_SUBSCRIPTIONGROUP_CONFIG).with_ext("group", "G2"));
    assert_eq!(body_json(&group)["groupName"], "G2");
    let who =
        client.call(RemotingCommand::request(RequestCode::QUERY_TOPIC_CONSUME_BY_WHO).with_ext("topic", "Clicks"));
    assert_eq!(body_json(&who)["groupList"], json!(["G2"]));
    let topics = client.call(RemotingCommand::request(RequestCode::QUERY_TOPICS_BY_CONSUMER).with_ext("group", "G2"));
    assert_eq!(body_json(&topics)["topicList"], json!(["Clicks"]));
    let all = client.call(RemotingCommand::request(RequestCode::GET_ALL_CONSUMER_OFFSET));
    let text = String::from_utf8(all.body.clone().unwrap_or_default().to_vec()).expect("text");
    assert!(text.contains(r#""Clicks@G2":{1:1234}"#), "{text}");
}

fn lock_request(code: RequestCode, client_id: &str, queues: &[i32]) -> RemotingCommand {
    let mq_set: Vec<Value> =
        queues.iter().map(|id| json!({"brokerName": "broker-t", "queueId": id, "topic": "Seq"})).collect();
    let body = json!({"consumerGroup": "OG", "clientId": client_id, "mqSet": mq_set});
    RemotingCommand::request(code).with_body(serde_json::to_vec(&body).expect("JSON"))
}

fn locked_ids(response: &RemotingCommand) -> Vec<i64> {
    let set = body_json(response)["lockOKMQSet"].as_array().cloned().unwrap_or_default();
    set.iter().filter_map(|mq| mq["queueId"].as_i64()).collect()
}

#[test]
fn queue_locks_are_exclusive_and_released_by_unlock() {
    let cluster = start_cluster();
    let mut client = WireClient::connect(cluster.broker_port);
    assert_eq!(locked_ids(&client.call(lock_request(RequestCode::LOCK_BATCH_MQ, "a", &[0, 1]))), [0, 1]);
    assert_eq!(locked_ids(&client.call(lock_request(RequestCode::LOCK_BATCH_MQ, "b", &[1, 2]))), [2]);
    assert_eq!(client.call(lock_request(RequestCode::UNLOCK_BATCH_MQ, "a", &[1])).code, 0);
    assert_eq!(locked_ids(&client.call(lock_request(RequestCode::LOCK_BATCH_MQ, "b", &[1, 2]))), [1, 2]);
    assert_eq!(locked_ids(&client.call(lock_request(RequestCode::LOCK_BATCH_MQ, "a", &[0, 1]))), [0]);
}

#[test]
fn print_config_and_bad_keys() {
    let output = std::process::Command::new(bolide())
        .args(["broker", "-p", "-n", "10.0.0.1:9876", "--set", "brokerName=b1"])
        .output()
        .expect("run bolide broker -p");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(text.contains("namesrvAddr=10.0.0.1:9876") && text.contains("brokerName=b1"), "{text}");
    assert!(text.contains("listenPort=10911") && text.contains("messageDelayLevel=1s 5s"), "{text}");
    let output = std::process::Command::new(bolide())
        .args(["broker", "-p", "--set", "brokerRol=SLAVE"])
        .output()
        .expect("run bolide broker -p");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("brokerRol"));
}

#[test]
fn a_corrupt_config_file_stops_start_up_naming_it() {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
    std::fs::write(dir.path().join("config").join("subscriptionGroup.json"), "{\"subscriptionGroupTable\":")
        .expect("write corrupt file");
    let store = format!("storePathRootDir={}", dir.path().display());
    let port = free_port_pair().to_string();
    let output = std::process::Command::new(bolide())
        .args(["broker", "--listen-port", &port, "--set", &store, "--set", "listenAddress=127.0.0.1"])
        .output()
        .expect("run bolide broker");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("subscriptionGroup.json") && stderr.contains("corrupt"), "{stderr}");
}

#[test]
fn registers_with_every_name_server_even_when_one_is_down() {
    let dir = temp_dir();
    let (first, second, dead) = (free_port(), free_port(), free_port());
    let _first = start_namesrv(first, &dir.path().join("ns1"), &[]);
    let _second = start_namesrv(second, &dir.path().join("ns2"), &[]);
    let namesrvs = format!("127.0.0.1:{first};127.0.0.1:{dead};127.0.0.1:{second}");
    let mut broker = start_broker_with(free_port_pair(), &namesrvs, &dir.path().join("store"));
    broker.wait_for(REGISTERED, START_TIMEOUT);
    wait_until(Duration::from_secs(5), "routes on both name servers", || {
        route_code(first, "broker-t") == 0 && route_code(second, "broker-t") == 0
    });
}

#[test]
fn a_broker_started_before_its_name_server_registers_within_seconds() {
    let dir = temp_dir();
    let namesrv_port = free_port();
    let broker_port = free_port_pair();
    let port = broker_port.to_string();
    let namesrv = format!("127.0.0.1:{namesrv_port}");
    let store = format!("storePathRootDir={}", dir.path().join("broker").display());
    let args = ["broker", "--listen-port", &port, "-n", &namesrv, "--set", &store, "--set", "brokerIP1=127.0.0.1"];
    let mut broker = ServerProcess::start(&bolide(), &args, &[], BROKER_READY, START_TIMEOUT);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _namesrv = start_namesrv(namesrv_port, dir.path(), &[]);
    // The normal period is 30 s; a failed first registration is retried within a few seconds.
    broker.wait_for(REGISTERED, std::time::Duration::from_secs(8));
}
