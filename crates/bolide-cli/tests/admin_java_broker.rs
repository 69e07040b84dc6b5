//! `bolide admin` against Apache RocketMQ's own NameServer and broker (5.5.0, from
//! `compat/reference`): the read-only and topic/group commands must work there as they do against
//! Bolide. Needs `java` 17+ and `mvn`; without them the test fails and says so. The first run
//! builds `compat/reference/target/lib` with `mvn -q package`.

mod support;

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use bolide_protocol::{RemotingCommand, RequestCode};
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess, TempDir};
use serde_json::Value;
use support::admin::AdminCli;
use support::WireClient;

/// The Java servers start in a few seconds on an idle machine; much longer on a busy one.
const JAVA_START_TIMEOUT: Duration = Duration::from_secs(180);

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../compat/reference")
}

/// Fails with what to install when `program` does not run.
fn require(program: &str, version_flag: &str) {
    let found = Command::new(program).arg(version_flag).output().is_ok_and(|output| output.status.success());
    assert!(
        found,
        "the Java-broker admin check needs `{program}` on PATH (java 17+ and Maven, as for compat/run); \
         install it, or run the other tests with `cargo test -p bolide-cli --test admin`"
    );
}

/// Builds `compat/reference/target/lib` unless it is newer than the pom.
fn build_reference() {
    let dir = reference_dir();
    let modified = |path: &Path| std::fs::metadata(path).and_then(|meta| meta.modified()).ok();
    let lib = dir.join("target/lib");
    let up_to_date = matches!((modified(&lib), modified(&dir.join("pom.xml"))), (Some(lib), Some(pom)) if lib >= pom);
    if up_to_date {
        return;
    }
    let status = Command::new("mvn").args(["-q", "package"]).current_dir(&dir).status().expect("run mvn");
    assert!(status.success(), "mvn -q package in {} failed", dir.display());
}

struct JavaCluster {
    cli: AdminCli,
    broker: String,
    broker_port: u16,
    _servers: (ServerProcess, ServerProcess),
    _dir: TempDir,
}

fn java_cluster() -> JavaCluster {
    require("java", "-version");
    require("mvn", "-v");
    build_reference();
    let script = reference_dir().join("rocketmq");
    let dir = temp_dir();
    let (namesrv_port, broker_port) = (free_port(), free_port_pair());
    let started = Instant::now();
    let namesrv_dir = dir.path().join("namesrv").display().to_string();
    let namesrv = ServerProcess::start(
        &script,
        &["namesrv", "--listen-port", &namesrv_port.to_string(), "--data-dir", &namesrv_dir],
        &[],
        "boot success",
        JAVA_START_TIMEOUT,
    );
    let store = format!("storePathRootDir={}", dir.path().join("broker").display());
    let broker = ServerProcess::start(
        &script,
        &[
            "broker",
            "-n",
            &format!("127.0.0.1:{namesrv_port}"),
            "--set",
            &format!("listenPort={broker_port}"),
            "--set",
            &store,
        ],
        &[],
        "boot success",
        JAVA_START_TIMEOUT,
    );
    eprintln!("Java NameServer and broker started in {:.1?}", started.elapsed());
    JavaCluster {
        cli: AdminCli::new(format!("127.0.0.1:{namesrv_port}")),
        broker: format!("127.0.0.1:{broker_port}"),
        broker_port,
        _servers: (namesrv, broker),
        _dir: dir,
    }
}

impl Deref for JavaCluster {
    type Target = AdminCli;

    fn deref(&self) -> &AdminCli {
        &self.cli
    }
}

impl JavaCluster {
    /// Retries `check` for up to 30 s (the Java broker registers changes with the NameServer at
    /// once, but a busy machine may delay it).
    fn eventually(&self, what: &str, check: impl Fn() -> bool) {
        self.eventually_within(Duration::from_secs(30), what, check);
    }

    fn eventually_within(&self, timeout: Duration, what: &str, check: impl Fn() -> bool) {
        let deadline = Instant::now() + timeout;
        while !check() {
            assert!(Instant::now() < deadline, "{what}: never happened against the Java broker");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

#[test]
fn admin_commands_work_against_the_java_broker() {
    let cluster = java_cluster();
    let started = Instant::now();

    // clusterList leaves the runtime columns empty when the broker's runtime info does not come
    // back in time, which a JVM that has just booted on a busy machine may not manage at first.
    cluster.eventually("clusterList shows the broker's version", || {
        cluster.json(&["clusterList"])[0]["#Version"] == "V5_5_0"
    });
    let clusters = cluster.json(&["clusterList"]);
    assert_eq!(clusters[0]["#Cluster Name"], "DefaultCluster", "{clusters}");
    assert_eq!(clusters[0]["#Broker Name"], "broker-a");
    assert_eq!(clusters[0]["#Addr"], cluster.broker);
    assert_eq!(clusters[0]["#Version"], "V5_5_0");
    let status = cluster.json(&["brokerStatus", "-b", &cluster.broker]);
    assert!(status[&cluster.broker]["putTps"].is_string(), "{status}");
    assert!(status[&cluster.broker]["msgPutTotalTodayMorning"].is_string(), "{status}");
    let config = cluster.json(&["getBrokerConfig", "-b", &cluster.broker]);
    assert_eq!(config[&cluster.broker]["brokerName"], "broker-a");
    assert_eq!(config[&cluster.broker]["listenPort"], cluster.broker_port.to_string());
    assert!(cluster.ok(&["topicList"]).lines().any(|line| line.trim() == "TBW102"));

    let created = cluster.ok(&["updateTopic", "-c", "DefaultCluster", "-t", "AdminJava", "-r", "4", "-w", "4"]);
    assert!(created.contains("success"), "{created}");
    cluster.eventually("route of AdminJava", || cluster.run(&["topicRoute", "-t", "AdminJava"]).status.success());
    let route = cluster.json(&["topicRoute", "-t", "AdminJava"]);
    assert_eq!(route[0]["#ReadQueue"], "4");
    assert_eq!(route[0]["#BrokerAddrs"], format!("0:{}", cluster.broker));
    assert_eq!(cluster.json(&["topicClusterList", "-t", "AdminJava"])[0]["#Cluster"], "DefaultCluster");

    for n in 0..3 {
        let sent = cluster.json(&["sendMessage", "-t", "AdminJava", "-p", &format!("java {n}"), "-k", "k"]);
        assert_eq!(sent[0]["#Send Result"], "SEND_OK", "{sent}");
    }
    let total = |status: &Value| -> i64 {
        status
            .as_array()
            .expect("rows")
            .iter()
            .map(|row| row["#Max Offset"].as_str().expect("max").parse::<i64>().expect("n"))
            .sum()
    };
    cluster.eventually("3 messages readable", || total(&cluster.json(&["topicStatus", "-t", "AdminJava"])) == 3);
    assert_eq!(cluster.json(&["topicStatus", "-t", "AdminJava"]).as_array().expect("rows").len(), 4);
    let found = cluster.json(&["queryMsgByKey", "-t", "AdminJava", "-k", "k"]);
    assert_eq!(found.as_array().expect("rows").len(), 3, "{found}");

    let group = cluster.ok(&["updateSubGroup", "-c", "DefaultCluster", "-g", "admin-java-readers"]);
    assert!(group.contains("success"), "{group}");
    let read = cluster.json(&["consumeMessage", "-t", "AdminJava", "-g", "admin-java-readers"]);
    assert_eq!(read.as_array().expect("messages").len(), 3, "{read}");
    // The group commits offset 0 everywhere: all 3 messages are its backlog.
    let mut wire = WireClient::connect(cluster.broker_port);
    for queue in 0..4 {
        let commit = RemotingCommand::request(RequestCode::UPDATE_CONSUMER_OFFSET)
            .with_ext("consumerGroup", "admin-java-readers")
            .with_ext("topic", "AdminJava")
            .with_ext("queueId", queue.to_string())
            .with_ext("commitOffset", "0");
        assert_eq!(wire.call(commit).code, 0);
    }
    let progress = cluster.json(&["consumerProgress", "-g", "admin-java-readers"]);
    assert_eq!(progress.as_array().expect("rows").last().expect("total row")["#Diff"], "3", "{progress}");
    let offline = cluster.fails(&["consumerConnection", "-g", "admin-java-readers"]);
    assert!(offline.lines().count() == 1, "{offline}");

    // The row, its group and the backlog are there at once; the Java broker's statistics windows
    // change only when it samples them (every 10 s), then show the 3 messages in and out.
    let stats = cluster.json(&["statsAll", "-t", "AdminJava"]);
    let row = &stats.as_array().expect("rows")[0];
    assert_eq!(row["#Consumer Group"], "admin-java-readers", "{stats}");
    assert_eq!(row["#Accumulation"], "3", "{stats}");
    assert!(row["#InTPS"].as_str().expect("tps").parse::<f64>().is_ok(), "{stats}");
    cluster.eventually_within(Duration::from_secs(60), "statsAll showing 3 in and 3 out", || {
        let stats = cluster.json(&["statsAll", "-t", "AdminJava"]);
        stats[0]["#InMsg24Hour"] == "3" && stats[0]["#OutMsg24Hour"] == "3"
    });

    assert!(cluster.ok(&["deleteSubGroup", "-c", "DefaultCluster", "-g", "admin-java-readers"]).contains("success"));
    let deleted = cluster.ok(&["deleteTopic", "-c", "DefaultCluster", "-t", "AdminJava"]);
    assert!(deleted.contains("from NameServer success"), "{deleted}");
    let gone = cluster.fails(&["topicRoute", "-t", "AdminJava"]);
    assert!(gone.contains("does not exist"), "{gone}");
    eprintln!("admin commands against the Java broker took {:.1?}", started.elapsed());
}
