//! `bolide_client::admin::AdminClient` against a real `bolide standalone`: each domain's calls
//! return typed answers, and failures are typed errors (unknown topic or cluster, a broker
//! refusing, no NameServer answering).

mod support;

use std::time::Duration;

use bolide_client::admin::{AdminClient, SubscriptionGroupConfig, TopicConfig, TOOLS_CONSUMER_GROUP};
use bolide_client::{ClientConfig, ClientError};
use bolide_protocol::message::{stored, OffsetMessageId};
use bolide_protocol::ResponseCode;
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess, TempDir};
use support::start_standalone;

struct Standalone {
    _process: ServerProcess,
    _dir: TempDir,
    namesrv: String,
    broker: String,
}

fn standalone() -> Standalone {
    let dir = temp_dir();
    let (namesrv_port, broker_port) = (free_port(), free_port_pair());
    let process = start_standalone(namesrv_port, broker_port, dir.path(), &[], "registered with name server");
    Standalone {
        _process: process,
        _dir: dir,
        namesrv: format!("127.0.0.1:{namesrv_port}"),
        broker: format!("127.0.0.1:{broker_port}"),
    }
}

fn admin(namesrv: &str) -> AdminClient {
    AdminClient::new(ClientConfig::new(namesrv).with_request_timeout(Duration::from_secs(3))).expect("admin client")
}

/// Waits until the NameServer routes `topic` (the broker registers new topics at once, but
/// asynchronously).
async fn wait_route(admin: &AdminClient, topic: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while admin.topic_route(topic).await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "no route for {topic}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_topic_and_config_calls() {
    let server = standalone();
    let admin = admin(&server.namesrv);

    let info = admin.cluster_info().await.expect("cluster info");
    assert!(info.cluster_addr_table.contains_key("DefaultCluster"), "{info:?}");
    let masters = admin.cluster_masters("DefaultCluster").await.expect("masters");
    assert_eq!(masters.len(), 1);
    assert_eq!(masters[0].1, server.broker);
    match admin.cluster_masters("NoSuchCluster").await {
        Err(ClientError::UnknownCluster { cluster, known }) => {
            assert_eq!(cluster, "NoSuchCluster");
            assert_eq!(known, ["DefaultCluster"]);
        }
        other => panic!("expected UnknownCluster, got {other:?}"),
    }

    match admin.topic_route("NoSuchTopic").await {
        Err(ClientError::NoRoute { topic }) => assert_eq!(topic, "NoSuchTopic"),
        other => panic!("expected NoRoute, got {other:?}"),
    }
    let config = TopicConfig {
        topic_name: "AdminApi".to_owned(),
        read_queue_nums: 2,
        write_queue_nums: 2,
        ..TopicConfig::default()
    };
    admin.create_topic(&server.broker, &config, None).await.expect("create topic");
    wait_route(&admin, "AdminApi").await;
    let route = admin.topic_route("AdminApi").await.expect("route");
    assert_eq!(route.queue_datas[0].read_queue_nums, 2);
    assert!(admin.topic_list().await.expect("topic list").contains("AdminApi"));
    let stats = admin.topic_stats(&server.broker, "AdminApi").await.expect("topic stats");
    assert_eq!(stats.offset_table.iter().count(), 2);

    let settings = admin.broker_config(&server.broker).await.expect("broker config");
    assert_eq!(settings["brokerClusterName"], "DefaultCluster");
    admin.update_broker_config(&server.broker, "autoCreateTopicEnable", "false").await.expect("update");
    assert_eq!(admin.broker_config(&server.broker).await.expect("config")["autoCreateTopicEnable"], "false");
    // A broker refusing: the listen port cannot change while it runs.
    match admin.update_broker_config(&server.broker, "listenPort", "1").await {
        Err(err @ ClientError::Broker { .. }) => {
            assert_eq!(err.response_code(), Some(ResponseCode::NO_PERMISSION), "{err}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let runtime = admin.broker_runtime_info(&server.broker).await.expect("runtime info");
    assert!(runtime.contains_key("brokerVersionDesc"), "{runtime:?}");
    assert!(admin.name_server_config().await.expect("namesrv config").contains_key("listenPort"));
    admin.put_kv_config("ORDER_TOPIC_CONFIG", "AdminApi", "broker-a:2").await.expect("put kv");
    admin.delete_kv_config("ORDER_TOPIC_CONFIG", "AdminApi").await.expect("delete kv");

    admin.delete_topic_in_broker(&server.broker, "AdminApi").await.expect("delete in broker");
    admin.delete_topic_in_name_server("AdminApi").await.expect("delete in namesrv");
    assert!(matches!(admin.topic_route("AdminApi").await, Err(ClientError::NoRoute { .. })));
    admin.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_group_and_offset_calls() {
    let server = standalone();
    let admin = admin(&server.namesrv);
    let config = TopicConfig {
        topic_name: "AdminMsg".to_owned(),
        read_queue_nums: 1,
        write_queue_nums: 1,
        ..TopicConfig::default()
    };
    admin.create_topic(&server.broker, &config, None).await.expect("create topic");
    wait_route(&admin, "AdminMsg").await;

    let first =
        admin.send_to_queue(&server.broker, "AdminMsg", 0, "first", Some("TagA"), Some("key-1")).await.expect("send");
    assert_eq!((first.queue_id, first.queue_offset), (0, 0));
    admin.send_to_queue(&server.broker, "AdminMsg", 0, "second", None, None).await.expect("send");

    // Sends are acknowledged before the consume queue entry is written: pull until both are there.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let pulled = loop {
        let pulled = admin.pull(&server.broker, TOOLS_CONSUMER_GROUP, "AdminMsg", 0, 0, 32).await.expect("pull");
        if stored::messages(&pulled.body).count() == 2 || tokio::time::Instant::now() > deadline {
            break pulled;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(pulled.status, ResponseCode::SUCCESS);
    assert_eq!(pulled.next_begin_offset, 2);
    let at_end = admin.pull(&server.broker, TOOLS_CONSUMER_GROUP, "AdminMsg", 0, 2, 32).await.expect("pull");
    assert_ne!(at_end.status, ResponseCode::SUCCESS);
    assert!(at_end.body.is_empty());

    let id = OffsetMessageId::parse(&first.offset_msg_id).expect("offset message id");
    let offset = i64::try_from(id.commit_log_offset).expect("offset");
    let viewed = admin.view_message(&id.store_host.to_string(), offset).await.expect("view");
    let message = stored::messages(&viewed).next().expect("one record").expect("readable");
    assert_eq!(message.body(), b"first");
    assert_eq!(message.unique_key(), Some(first.msg_id.as_str()));
    let found = admin.query_messages(&server.broker, "AdminMsg", "key-1", false, 0, i64::MAX, 32).await.expect("query");
    assert_eq!(stored::messages(&found).count(), 1);

    let readers = SubscriptionGroupConfig { retry_max_times: 3, ..SubscriptionGroupConfig::new("readers") };
    admin.create_subscription_group(&server.broker, &readers).await.expect("group");
    let stored = admin.subscription_group(&server.broker, "readers").await.expect("stored group");
    assert_eq!((stored.group_name.as_str(), stored.retry_max_times), ("readers", 3));
    assert!(matches!(
        admin.subscription_group(&server.broker, "nobody").await,
        Err(ClientError::Broker { code: ResponseCode::SUBSCRIPTION_GROUP_NOT_EXIST, .. })
    ));
    assert!(matches!(
        admin.consumer_connections(&server.broker, "readers").await,
        Err(ClientError::Broker { code: ResponseCode::CONSUMER_NOT_ONLINE, .. })
    ));
    admin.update_consumer_offset(&server.broker, "readers", "AdminMsg", 0, 1).await.expect("commit");
    assert_eq!(admin.consumer_offset(&server.broker, "readers", "AdminMsg", 0).await.expect("offset"), 1);
    let stats = admin.consume_stats(&server.broker, "readers", Some("AdminMsg")).await.expect("consume stats");
    assert_eq!(stats.total_diff(), 1);
    let groups = admin.topic_consumer_groups(&server.broker, "AdminMsg").await.expect("groups");
    assert!(groups.contains("readers"), "{groups:?}");
    admin.clone_group_offset(&server.broker, "readers", "readers-v2", "AdminMsg", true).await.expect("clone");
    assert_eq!(admin.consumer_offset(&server.broker, "readers-v2", "AdminMsg", 0).await.expect("offset"), 1);
    assert!(matches!(
        admin.reset_offset(&server.broker, "readers", "AdminMsg", 0, true).await,
        Err(ClientError::Broker { code: ResponseCode::CONSUMER_NOT_ONLINE, .. })
    ));
    assert_eq!(admin.offset_by_time(&server.broker, "AdminMsg", 0, 0).await.expect("search"), 0);
    admin.delete_subscription_group(&server.broker, "readers", true).await.expect("delete group");
    admin.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_name_server_or_broker_answering_is_a_typed_error() {
    let closed = format!("127.0.0.1:{}", free_port());
    let admin = admin(&format!("{closed};{closed}"));
    match admin.cluster_info().await {
        Err(ClientError::NameServerUnreachable { tried, .. }) => assert_eq!(tried, format!("{closed};{closed}")),
        other => panic!("expected NameServerUnreachable, got {other:?}"),
    }
    match admin.broker_config(&closed).await {
        Err(ClientError::Remoting { addr, .. }) => assert_eq!(addr, closed),
        other => panic!("expected Remoting, got {other:?}"),
    }
    assert!(matches!(AdminClient::new(ClientConfig::new(" ; ")), Err(ClientError::NoNameServer)));
    admin.shutdown().await;
}
