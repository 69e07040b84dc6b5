//! `bolide admin` against a real `bolide standalone`: every command as an operator types it, with
//! its table and its `--json` document, and failures as one line with a non-zero exit.

mod support;

use std::ops::Deref;
use std::process::Command;

use bolide_protocol::{RemotingCommand, RequestCode};
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess, TempDir};
use serde_json::Value;
use support::admin::AdminCli;
use support::{bolide, start_standalone, WireClient};

struct Cluster {
    _dir: TempDir,
    cli: AdminCli,
    broker: String,
    _server: ServerProcess,
}

impl Deref for Cluster {
    type Target = AdminCli;

    fn deref(&self) -> &AdminCli {
        &self.cli
    }
}

fn standalone() -> Cluster {
    let dir = temp_dir();
    let (namesrv_port, broker_port) = (free_port(), free_port_pair());
    let server = start_standalone(namesrv_port, broker_port, dir.path(), &[], "registered with name server");
    Cluster {
        _dir: dir,
        cli: AdminCli::new(format!("127.0.0.1:{namesrv_port}")),
        broker: format!("127.0.0.1:{broker_port}"),
        _server: server,
    }
}

#[test]
fn topic_and_group_commands_change_the_cluster_and_print_what_they_did() {
    let cluster = standalone();
    let created = cluster.ok(&["updateTopic", "-c", "DefaultCluster", "-t", "Orders", "-r", "4", "-w", "4"]);
    assert!(created.contains(&format!("create topic to {} success.", cluster.broker)), "{created}");
    assert!(created.contains("readQueueNums=4"), "{created}");
    cluster.wait_route("Orders");

    let list = cluster.ok(&["topicList"]);
    assert!(list.lines().any(|line| line.trim() == "Orders"), "{list}");
    let route = cluster.json(&["topicRoute", "-t", "Orders"]);
    assert_eq!(route[0]["#ReadQueue"], "4");
    assert_eq!(route[0]["#BrokerAddrs"], format!("0:{}", cluster.broker));
    let table = cluster.ok(&["topicRoute", "-t", "Orders"]);
    assert!(table.starts_with("#ClusterName"), "{table}");
    assert_eq!(cluster.json(&["topicClusterList", "-t", "Orders"])[0]["#Cluster"], "DefaultCluster");
    let with_cluster = cluster.json(&["topicList", "-c"]);
    assert!(with_cluster
        .as_array()
        .expect("rows")
        .iter()
        .any(|row| row["#Topic"] == "Orders" && row["#Cluster Name"] == "DefaultCluster"));

    let perm = cluster.ok(&["updateTopicPerm", "-b", &cluster.broker, "-t", "Orders", "-p", "4"]);
    assert!(perm.contains("from RW- to R--"), "{perm}");
    // The broker re-registers the topic within moments; the route then shows the new permission.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !cluster.ok(&["topicRoute", "-t", "Orders"]).contains("R--") {
        assert!(std::time::Instant::now() < deadline, "route never showed R--");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    let group = cluster.ok(&["updateSubGroup", "-c", "DefaultCluster", "-g", "billing", "-r", "3"]);
    assert!(group.contains("create subscription group"), "{group}");
    assert!(cluster.ok(&["deleteSubGroup", "-c", "DefaultCluster", "-g", "billing"]).contains("success"));

    let deleted = cluster.ok(&["deleteTopic", "-c", "DefaultCluster", "-t", "Orders"]);
    assert!(deleted.contains("from NameServer success"), "{deleted}");
    let gone = cluster.fails(&["topicRoute", "-t", "Orders"]);
    assert!(gone.contains("does not exist") && gone.lines().count() == 1, "{gone}");
}

#[test]
fn cluster_config_kv_and_permission_commands() {
    let cluster = standalone();
    let clusters = cluster.json(&["clusterList"]);
    assert_eq!(clusters[0]["#Cluster Name"], "DefaultCluster");
    assert_eq!(clusters[0]["#Addr"], cluster.broker);
    assert_eq!(clusters[0]["#BID"], "0");

    let config = cluster.json(&["getBrokerConfig", "-b", &cluster.broker]);
    assert_eq!(config[&cluster.broker]["autoCreateTopicEnable"], "true");
    cluster.ok(&["updateBrokerConfig", "-c", "DefaultCluster", "-k", "autoCreateTopicEnable", "-v", "false"]);
    let config = cluster.json(&["getBrokerConfig", "-c", "DefaultCluster"]);
    assert_eq!(config[&cluster.broker]["autoCreateTopicEnable"], "false");
    let refused = cluster.fails(&["updateBrokerConfig", "-b", &cluster.broker, "-k", "listenPort", "-v", "1"]);
    assert!(refused.contains("NO_PERMISSION"), "{refused}");

    let namesrv = cluster.json(&["getNamesrvConfig"]);
    assert!(namesrv.get("listenPort").is_some(), "{namesrv}");
    cluster.ok(&["updateNamesrvConfig", "-k", "orderMessageEnable", "-v", "true"]);
    assert_eq!(cluster.json(&["getNamesrvConfig"])["orderMessageEnable"], "true");

    cluster.ok(&["updateKvConfig", "-s", "ORDER_TOPIC_CONFIG", "-k", "Orders", "-v", "broker-a:8"]);
    cluster.ok(&["deleteKvConfig", "-s", "ORDER_TOPIC_CONFIG", "-k", "Orders"]);

    let wiped = cluster.json(&["wipeWritePerm", "-b", "broker-a"]);
    assert!(wiped["topicCount"].as_i64().expect("count") > 0, "{wiped}");
    let added = cluster.json(&["addWritePerm", "-b", "broker-a"]);
    assert!(added["topicCount"].as_i64().expect("count") > 0, "{added}");
}

#[test]
fn message_and_connection_commands() {
    let cluster = standalone();
    cluster.ok(&["updateTopic", "-b", &cluster.broker, "-t", "Notes", "-r", "1", "-w", "1"]);
    cluster.wait_route("Notes");
    let sent = cluster.json(&["sendMessage", "-t", "Notes", "-p", "hello admin", "-c", "TagA", "-k", "note-1"]);
    assert_eq!(sent[0]["#Send Result"], "SEND_OK");
    assert_eq!(sent[0]["#QueueOffset"], "0");
    cluster.ok(&["sendMessage", "-t", "Notes", "-p", "second"]);

    // A send is acknowledged before its consume queue entry is written (as in RocketMQ): wait
    // until both are readable.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let read = loop {
        let read = cluster.json(&["consumeMessage", "-t", "Notes", "-c", "10"]);
        if read.as_array().is_some_and(|messages| messages.len() >= 2) || std::time::Instant::now() > deadline {
            break read;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let read = read.as_array().expect("messages");
    assert_eq!(read.len(), 2, "{read:?}");
    assert_eq!(read[0]["body"], "hello admin");
    assert_eq!(read[0]["tags"], "TagA");
    assert_eq!(read[0]["keys"], "note-1");
    assert_eq!(read[0]["msgId"], sent[0]["#MsgId"]);
    let text = cluster.ok(&["consumeMessage", "-t", "Notes", "-o", "1"]);
    assert!(text.contains("BODY: second") && text.contains("1 messages"), "{text}");

    let none = cluster.fails(&["consumerConnection", "-g", "nobody"]);
    assert!(none.contains("no live consumer"), "{none}");
    let none = cluster.fails(&["producerConnection", "-g", "nobody", "-t", "Notes"]);
    assert!(none.contains("no live producer"), "{none}");
}

#[test]
fn connection_commands_list_live_clients() {
    let cluster = standalone();
    cluster.ok(&["updateTopic", "-b", &cluster.broker, "-t", "Watched", "-r", "1", "-w", "1"]);
    cluster.wait_route("Watched");
    // A client that stays connected and says in its heartbeat that it consumes as `watchers` and
    // produces as `watch-producers`.
    let port: u16 = cluster.broker.rsplit(':').next().expect("port").parse().expect("port");
    let mut client = WireClient::connect(port);
    let body = serde_json::json!({
        "clientID": "127.0.0.1@admin-test",
        "consumerDataSet": [{
            "groupName": "watchers", "consumeType": "CONSUME_PASSIVELY", "messageModel": "CLUSTERING",
            "consumeFromWhere": "CONSUME_FROM_LAST_OFFSET", "unitMode": false,
            "subscriptionDataSet": [{"classFilterMode": false, "codeSet": [], "expressionType": "TAG",
                "subString": "*", "subVersion": 1, "tagsSet": [], "topic": "Watched"}]
        }],
        "producerDataSet": [{"groupName": "watch-producers"}]
    });
    let heartbeat =
        RemotingCommand::request(RequestCode::HEART_BEAT).with_body(serde_json::to_vec(&body).expect("JSON"));
    client.send(&heartbeat);
    // The broker may tell the group its members changed before it answers.
    let answer = loop {
        let frame = client.read();
        if frame.is_response() {
            break frame;
        }
    };
    assert_eq!(answer.code, 0);

    let consumers = cluster.json(&["consumerConnection", "-g", "watchers"]);
    assert_eq!(consumers.as_array().expect("rows").len(), 1, "{consumers}");
    assert_eq!(consumers[0]["#ClientId"], "127.0.0.1@admin-test");
    assert!(cluster.ok(&["consumerConnection", "-g", "watchers"]).starts_with("#  #ClientId"));
    let producers = cluster.json(&["producerConnection", "-g", "watch-producers", "-t", "Watched"]);
    assert_eq!(producers[0]["#ClientId"], "127.0.0.1@admin-test", "{producers}");

    // consumerStatus asks the client itself through the broker (GET_CONSUMER_RUNNING_INFO); the
    // client here answers by hand while the command waits.
    let namesrv = cluster.namesrv.clone();
    let status = std::thread::spawn(move || {
        Command::new(bolide())
            .args(["admin", "consumerStatus", "-g", "watchers", "--json", "-n", &namesrv])
            .env_remove("NAMESRV_ADDR")
            .output()
            .expect("run bolide admin")
    });
    let asked = loop {
        let frame = client.read();
        if !frame.is_response() && frame.code == RequestCode::GET_CONSUMER_RUNNING_INFO.0 {
            break frame;
        }
    };
    let info = serde_json::json!({
        "properties": {}, "mqTable": {}, "statusTable": {},
        "subscriptionSet": [{"classFilterMode": false, "codeSet": [], "expressionType": "TAG",
            "subString": "*", "subVersion": 1, "tagsSet": [], "topic": "Watched"}]
    });
    client.send(
        &RemotingCommand::response_to(&asked, bolide_protocol::ResponseCode::SUCCESS)
            .with_body(serde_json::to_vec(&info).expect("JSON")),
    );
    let status = status.join().expect("consumerStatus thread");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let status: Value = serde_json::from_slice(&status.stdout).expect("JSON");
    assert_eq!(status[0]["#ClientId"], "127.0.0.1@admin-test", "{status}");
    assert_eq!(status[0]["#Subscriptions"], "Watched:*", "{status}");
    assert_eq!(status[0]["#Status"], "OK", "{status}");

    // Once the client disconnects the group has no live consumer left.
    client.shutdown();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while cluster.run(&["consumerConnection", "-g", "watchers"]).status.success() {
        assert!(std::time::Instant::now() < deadline, "consumer still listed after disconnecting");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn mistakes_get_one_clear_line() {
    let cluster = standalone();
    let missing = cluster.fails(&["updateTopic", "-t", "X"]);
    assert!(missing.contains("-b <broker address> or -c <cluster name>"), "{missing}");
    let unknown = cluster.fails(&["updateTopic", "-c", "NoSuchCluster", "-t", "X"]);
    assert!(unknown.contains("cluster NoSuchCluster is unknown"), "{unknown}");
    let perm = cluster.fails(&["updateTopic", "-c", "DefaultCluster", "-t", "X", "-p", "9"]);
    assert!(perm.contains("-p must be"), "{perm}");
    let output = Command::new(bolide()).args(["admin", "clusterList", "-n", "127.0.0.1:1"]).output().expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no name server answered") && stderr.lines().count() == 1, "{stderr}");
    let help = Command::new(bolide()).args(["admin", "updateTopic", "--help"]).output().expect("run");
    assert!(String::from_utf8_lossy(&help.stdout).contains("Example: bolide admin updateTopic"));
}

/// Sends `count` messages with keys `key-N` and tag `TagA`, then waits until all are readable.
fn fill(cluster: &Cluster, topic: &str, count: usize) -> Vec<Value> {
    cluster.ok(&["updateTopic", "-b", &cluster.broker, "-t", topic, "-r", "2", "-w", "2"]);
    cluster.wait_route(topic);
    let mut sent = Vec::new();
    for n in 0..count {
        let key = format!("key-{n}");
        let body = format!("body {n}");
        sent.push(cluster.json(&["sendMessage", "-t", topic, "-p", &body, "-k", &key, "-c", "TagA"])[0].clone());
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let status = cluster.json(&["topicStatus", "-t", topic]);
        let total: i64 = status
            .as_array()
            .expect("rows")
            .iter()
            .map(|row| row["#Max Offset"].as_str().expect("max").parse::<i64>().expect("number"))
            .sum();
        if total as usize >= count {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "messages never became readable: {status}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    sent
}

#[test]
fn query_and_status_commands_find_what_was_sent() {
    let cluster = standalone();
    let sent = fill(&cluster, "Ledger", 6);

    let status = cluster.json(&["topicStatus", "-t", "Ledger"]);
    assert_eq!(status.as_array().expect("rows").len(), 2);
    assert!(cluster.ok(&["topicStatus", "-t", "Ledger"]).starts_with("#Broker Name"));

    let by_id = cluster.json(&["queryMsgById", "-i", sent[2]["#OffsetMsgId"].as_str().expect("id")]);
    assert_eq!(by_id[0]["body"], "body 2");
    assert_eq!(by_id[0]["keys"], "key-2");
    let by_unique =
        cluster.json(&["queryMsgByUniqueKey", "-t", "Ledger", "-i", sent[3]["#MsgId"].as_str().expect("id")]);
    assert_eq!(by_unique[0]["body"], "body 3");
    let by_key = cluster.json(&["queryMsgByKey", "-t", "Ledger", "-k", "key-4"]);
    assert_eq!(by_key[0]["#Message ID"], sent[4]["#MsgId"]);
    let queue = sent[0]["#QID"].as_str().expect("qid").to_owned();
    let offset = sent[0]["#QueueOffset"].as_str().expect("offset").to_owned();
    let by_offset = cluster.json(&["queryMsgByOffset", "-t", "Ledger", "-b", "broker-a", "-i", &queue, "-o", &offset]);
    assert_eq!(by_offset[0]["body"], "body 0");
    let text = cluster.ok(&["queryMsgById", "-i", sent[1]["#OffsetMsgId"].as_str().expect("id")]);
    assert!(text.contains("Message Body        : body 1"), "{text}");
    let bad = cluster.fails(&["queryMsgById", "-i", "nothex"]);
    assert!(bad.contains("queryMsgByUniqueKey"), "{bad}");

    let all = cluster.json(&["printMsg", "-t", "Ledger"]);
    assert_eq!(all.as_array().expect("messages").len(), 6);
    let none = cluster.json(&["printMsg", "-t", "Ledger", "-s", "TagB"]);
    assert!(none.as_array().expect("messages").is_empty());
    let one_queue = cluster.json(&["printMsgByQueue", "-t", "Ledger", "-a", "broker-a", "-i", &queue]);
    let queue_number: i64 = queue.parse().expect("queue id");
    let one_queue = one_queue.as_array().expect("messages");
    assert!(!one_queue.is_empty() && one_queue.iter().all(|m| m["queueId"] == queue_number), "{one_queue:?}");

    let status = cluster.json(&["brokerStatus", "-b", &cluster.broker]);
    assert!(status[&cluster.broker]["putTps"].is_string(), "{status}");
    let rt = cluster.json(&["clusterRT", "-a", "5"]);
    assert_eq!(rt[0]["#successCount"], "5");
}

#[test]
fn offset_commands_move_a_group() {
    let cluster = standalone();
    fill(&cluster, "Jobs", 4);
    cluster.ok(&["updateSubGroup", "-b", &cluster.broker, "-g", "workers"]);
    let none = cluster.fails(&["consumerProgress", "-g", "workers"]);
    assert!(none.contains("has not consumed anything") && none.lines().count() == 1, "{none}");
    // The group commits offset 0 on both queues, as a consumer that has read nothing would.
    let port: u16 = cluster.broker.rsplit(':').next().expect("port").parse().expect("port");
    let mut wire = WireClient::connect(port);
    for queue in ["0", "1"] {
        let commit = RemotingCommand::request(RequestCode::UPDATE_CONSUMER_OFFSET)
            .with_ext("consumerGroup", "workers")
            .with_ext("topic", "Jobs")
            .with_ext("queueId", queue)
            .with_ext("commitOffset", "0");
        assert_eq!(wire.call(commit).code, 0);
    }
    let lag = |cluster: &Cluster| -> String {
        let progress = cluster.json(&["consumerProgress", "-g", "workers"]);
        progress.as_array().expect("rows").last().expect("total row")["#Diff"].as_str().expect("diff").to_owned()
    };
    assert_eq!(lag(&cluster), "4");
    let skipped = cluster.json(&["skipAccumulatedMessage", "-g", "workers", "-t", "Jobs"]);
    assert_eq!(skipped.as_array().expect("queues").len(), 2, "{skipped}");
    assert_eq!(lag(&cluster), "0");
    cluster.ok(&["resetOffsetByTime", "-g", "workers", "-t", "Jobs", "-s", "0"]);
    assert_eq!(lag(&cluster), "4");
    let text = cluster.ok(&["consumerProgress", "-g", "workers"]);
    assert!(text.contains("Diff Total:"), "{text}");

    // A new group can start where another one is.
    cluster.ok(&["skipAccumulatedMessage", "-g", "workers", "-t", "Jobs"]);
    let cloned = cluster.ok(&["cloneGroupOffset", "-s", "workers", "-d", "workers-v2", "-t", "Jobs"]);
    assert!(cloned.contains("clone group offset success"), "{cloned}");
    let progress = cluster.json(&["consumerProgress", "-g", "workers-v2"]);
    assert_eq!(progress.as_array().expect("rows").last().expect("total")["#Diff"], "0");
    let nothing = cluster.fails(&["cloneGroupOffset", "-s", "nobody", "-d", "x", "-t", "Jobs"]);
    assert!(nothing.contains("no offsets to clone"), "{nothing}");
    let offline = cluster.fails(&["consumerStatus", "-g", "workers"]);
    assert!(offline.contains("no live consumer"), "{offline}");
}

#[test]
fn stats_all_counts_what_was_sent_and_pulled() {
    let cluster = standalone();
    let sent = fill(&cluster, "Meter", 10);
    cluster.ok(&["updateTopic", "-b", &cluster.broker, "-t", "Idle", "-r", "1", "-w", "1"]);
    cluster.wait_route("Idle");
    // Group `readers` pulls all 10 messages, then commits offset 0 on both queues: it has read
    // everything once, and everything is still ahead of it.
    let read = cluster.json(&["consumeMessage", "-t", "Meter", "-g", "readers"]);
    assert_eq!(read.as_array().expect("messages").len(), 10);
    let port: u16 = cluster.broker.rsplit(':').next().expect("port").parse().expect("port");
    let mut wire = WireClient::connect(port);
    for queue in ["0", "1"] {
        let commit = RemotingCommand::request(RequestCode::UPDATE_CONSUMER_OFFSET)
            .with_ext("consumerGroup", "readers")
            .with_ext("topic", "Meter")
            .with_ext("queueId", queue)
            .with_ext("commitOffset", "0");
        assert_eq!(wire.call(commit).code, 0);
    }

    let rows = cluster.json(&["statsAll", "-t", "Meter"]);
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["#Consumer Group"], "readers");
    assert_eq!(row["#InMsg24Hour"], "10");
    assert_eq!(row["#OutMsg24Hour"], "10");
    assert_eq!(row["#Accumulation"], "10");
    let in_tps: f64 = row["#InTPS"].as_str().expect("tps").parse().expect("number");
    let out_tps: f64 = row["#OutTPS"].as_str().expect("tps").parse().expect("number");
    assert!(in_tps > 0.0 && out_tps > 0.0, "{row}");

    // Without -a every topic shows; an idle topic without consumers says so.
    let all = cluster.json(&["statsAll"]);
    let idle = all.as_array().expect("rows").iter().find(|row| row["#Topic"] == "Idle").expect("Idle listed");
    assert_eq!(idle["#OutMsg24Hour"], "NO_CONSUMER");
    assert_eq!(idle["#InMsg24Hour"], "0");
    let active = cluster.json(&["statsAll", "-a"]);
    let active: Vec<&Value> = active.as_array().expect("rows").iter().collect();
    assert!(active.iter().any(|row| row["#Topic"] == "Meter"), "{active:?}");
    assert!(active.iter().all(|row| row["#Topic"] != "Idle"), "{active:?}");

    let output = cluster.run(&["statsAll"]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.starts_with("#Topic") && table.contains("#Accumulation  #InTPS  #OutTPS  #InMsg24Hour  #OutMsg24Hour"),
        "{table}"
    );
    // Over many topics (a standalone server alone has a dozen system topics) it reports how far
    // it got on stderr.
    let topics = cluster.json(&["topicList"]).as_array().expect("rows").len();
    assert!(topics >= 10, "{topics} topics");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("statsAll: 10/") && stderr.contains(&format!("{topics}/{topics} topics read in")),
        "{stderr}"
    );

    // The broker answers VIEW_BROKER_STATS_DATA itself as Java does, and so does its error.
    let view = |name: &str, key: &str| {
        let mut wire = WireClient::connect(port);
        wire.call(
            RemotingCommand::request(RequestCode::VIEW_BROKER_STATS_DATA)
                .with_ext("statsName", name)
                .with_ext("statsKey", key),
        )
    };
    let sizes = view("TOPIC_PUT_SIZE", "Meter");
    let sizes: Value = serde_json::from_slice(sizes.body.as_deref().expect("body")).expect("JSON");
    assert!(sizes["statsDay"]["sum"].as_i64().expect("sum") > 10 * 6, "{sizes}");
    // A message the group sends back counts under the topic it consumes (SNDBCK_PUT_NUMS), and
    // the group's pulls give GET_CONSUME_STATS its consumeTps.
    let first = cluster.json(&["queryMsgById", "-i", sent[0]["#OffsetMsgId"].as_str().expect("id")]);
    let offset = first[0]["commitLogOffset"].to_string();
    let back = RemotingCommand::request(RequestCode::CONSUMER_SEND_MSG_BACK)
        .with_ext("offset", &offset)
        .with_ext("group", "readers")
        .with_ext("delayLevel", "0");
    assert_eq!(WireClient::connect(port).call(back).code, 0);
    let sent_back = view("SNDBCK_PUT_NUMS", "Meter@readers");
    let sent_back: Value = serde_json::from_slice(sent_back.body.as_deref().expect("body")).expect("JSON");
    assert_eq!(sent_back["statsDay"]["sum"], 1, "{sent_back}");
    let consume_stats = WireClient::connect(port).call(
        RemotingCommand::request(RequestCode::GET_CONSUME_STATS)
            .with_ext("consumerGroup", "readers")
            .with_ext("topic", "Meter"),
    );
    let consume_stats: bolide_protocol::body::ConsumeStats =
        bolide_protocol::json::from_slice(consume_stats.body.as_deref().expect("body")).expect("consume stats");
    assert!(consume_stats.consume_tps > 0.0, "{consume_stats:?}");
    let runtime = cluster.json(&["brokerStatus", "-b", &cluster.broker]);
    assert_eq!(runtime[&cluster.broker]["msgPutTotalTodayMorning"], "0", "no midnight seen yet: {runtime}");
    assert_eq!(runtime[&cluster.broker]["msgPutTotalTodayNow"], "11", "10 sends and 1 sent back: {runtime}");

    let missing = view("GROUP_GET_NUMS", "Meter@nobody");
    assert_eq!(missing.code, 1);
    assert_eq!(missing.remark.as_deref(), Some("The stats <GROUP_GET_NUMS> <Meter@nobody> not exist"));

    let unknown = cluster.fails(&["statsAll", "-t", "NoSuchTopic"]);
    assert!(unknown.contains("NoSuchTopic is unknown") && unknown.lines().count() == 1, "{unknown}");
}

#[test]
fn completion_scripts_cover_the_commands() {
    let output = Command::new(bolide()).args(["admin", "completion", "bash"]).output().expect("run");
    assert!(output.status.success());
    let script = String::from_utf8_lossy(&output.stdout);
    assert!(script.contains("updateTopic") && script.contains("consumerProgress"), "bash script names the commands");
}
