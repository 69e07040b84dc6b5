use super::*;

const TIMEOUT_MS: u64 = 120_000;

fn topic(name: &str, queues: i32) -> TopicRegistration {
    TopicRegistration {
        topic: name.to_owned(),
        read_queue_nums: queues,
        write_queue_nums: queues,
        perm: PERM_READ | PERM_WRITE,
        topic_sys_flag: 0,
    }
}

fn registration(name: &str, id: i64, addr: &str, counter: i64, topics: Vec<TopicRegistration>) -> BrokerRegistration {
    BrokerRegistration {
        cluster_name: "DefaultCluster".to_owned(),
        broker_addr: addr.to_owned(),
        broker_name: name.to_owned(),
        broker_id: id,
        ha_server_addr: addr.replace("10911", "10912"),
        heartbeat_timeout_ms: None,
        enable_acting_master: false,
        zone_name: None,
        data_version: Version { counter, state_version: 0, timestamp: 1 },
        topics,
        connection_id: Some(id as u64 + 100),
    }
}

#[test]
fn master_registration_creates_routes() {
    let mut table = RouteTable::new(TIMEOUT_MS);
    let outcome = table.register(registration("broker-a", 0, "10.0.0.1:10911", 1, vec![topic("T", 4)]), 0);
    assert_eq!(outcome, Some(RegistrationOutcome::default()));
    let route = table.route("T").expect("route");
    assert_eq!(route.queues.len(), 1);
    assert_eq!(route.queues[0].write_queue_nums, 4);
    assert_eq!(route.brokers[0].broker_addrs, BTreeMap::from([(0, "10.0.0.1:10911".to_owned())]));
    assert_eq!(table.route("missing"), None);
    assert_eq!(table.topics_of_cluster("DefaultCluster"), vec!["T".to_owned()]);
}

#[test]
fn slaves_learn_their_master_and_do_not_change_queues() {
    let mut table = RouteTable::new(TIMEOUT_MS);
    table.register(registration("broker-a", 0, "10.0.0.1:10911", 1, vec![topic("T", 4)]), 0);
    let outcome = table.register(registration("broker-a", 1, "10.0.0.2:10911", 1, vec![topic("T", 8)]), 0).unwrap();
    assert_eq!(outcome.master_addr.as_deref(), Some("10.0.0.1:10911"));
    assert_eq!(outcome.ha_server_addr.as_deref(), Some("10.0.0.1:10912"));
    let route = table.route("T").unwrap();
    assert_eq!(route.queues[0].write_queue_nums, 4, "a slave does not rewrite queue data");
    assert_eq!(route.brokers[0].broker_addrs.len(), 2);
}

#[test]
fn changed_data_version_rebuilds_and_drops_removed_topics() {
    let mut table = RouteTable::new(TIMEOUT_MS);
    table.register(registration("broker-a", 0, "10.0.0.1:10911", 1, vec![topic("T", 4), topic("U", 2)]), 0);
    // Same version: the table is not rebuilt even if the body differs.
    table.register(registration("broker-a", 0, "10.0.0.1:10911", 1, vec![topic("T", 8), topic("U", 2)]), 1);
    assert_eq!(table.route("T").unwrap().queues[0].write_queue_nums, 4);
    table.register(registration("broker-a", 0, "10.0.0.1:10911", 2, vec![topic("T", 8)]), 2);
    assert_eq!(table.route("T").unwrap().queues[0].write_queue_nums, 8);
    assert_eq!(table.route("U"), None);
}

#[test]
fn expiry_uses_each_brokers_timeout() {
    let mut table = RouteTable::new(TIMEOUT_MS);
    table.register(registration("broker-a", 0, "10.0.0.1:10911", 1, vec![topic("T", 4)]), 0);
    let mut short = registration("broker-b", 0, "10.0.0.3:10911", 1, vec![topic("T", 4)]);
    short.heartbeat_timeout_ms = Some(10_000);
    table.register(short, 0);
    assert!(table.expire(TIMEOUT_MS).iter().any(|removed| removed.broker_addr == "10.0.0.3:10911"));
    assert_eq!(table.route("T").unwrap().brokers.len(), 1);
    assert!(table.heartbeat("DefaultCluster", "10.0.0.1:10911", 100_000));
    assert!(table.expire(100_000 + TIMEOUT_MS).is_empty());
    let removed = table.expire(100_001 + TIMEOUT_MS);
    assert_eq!(removed[0].reason, RemovalReason::Expired);
    assert_eq!(table.route("T"), None);
    assert!(table.brokers().is_empty() && table.clusters().is_empty());
}

#[test]
fn closed_connection_removes_only_that_member() {
    let mut table = RouteTable::new(TIMEOUT_MS);
    table.register(registration("broker-a", 0, "10.0.0.1:10911", 1, vec![topic("T", 4)]), 0);
    table.register(registration("broker-a", 1, "10.0.0.2:10911", 1, vec![]), 0);
    let removed = table.connection_closed(101);
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].broker_addr, "10.0.0.2:10911");
    assert_eq!(table.broker("broker-a").unwrap().broker_addrs.len(), 1);
    table.connection_closed(100);
    assert!(table.broker("broker-a").is_none());
    assert_eq!(table.topic_count(), 0);
}

#[test]
fn unregister_removes_member_then_broker() {
    let mut table = RouteTable::new(TIMEOUT_MS);
    table.register(registration("broker-a", 0, "10.0.0.1:10911", 1, vec![topic("T", 4)]), 0);
    assert!(table.unregister("DefaultCluster", "10.0.0.1:10911", "broker-a", 0));
    assert_eq!(table.route("T"), None);
    assert!(!table.unregister("DefaultCluster", "10.0.0.1:10911", "broker-a", 0));
}

#[test]
fn promoted_slave_keeps_one_id_per_address() {
    let mut table = RouteTable::new(TIMEOUT_MS);
    table.register(registration("broker-a", 1, "10.0.0.2:10911", 1, vec![]), 0);
    table.register(registration("broker-a", 0, "10.0.0.2:10911", 2, vec![topic("T", 4)]), 1);
    assert_eq!(table.broker("broker-a").unwrap().broker_addrs, BTreeMap::from([(0, "10.0.0.2:10911".to_owned())]));
}

#[test]
fn data_version_query_and_write_perm() {
    let mut table = RouteTable::new(TIMEOUT_MS);
    table.register(registration("broker-a", 0, "10.0.0.1:10911", 1, vec![topic("T", 4), topic("U", 4)]), 0);
    let stored = Version { counter: 1, state_version: 0, timestamp: 1 };
    assert_eq!(table.query_data_version("DefaultCluster", "10.0.0.1:10911", &stored, 5), (false, Some(stored)));
    let other = Version { counter: 2, ..stored };
    assert_eq!(table.query_data_version("DefaultCluster", "10.0.0.1:10911", &other, 5), (true, Some(stored)));
    assert_eq!(table.query_data_version("DefaultCluster", "nowhere", &other, 5), (true, None));
    assert_eq!(table.set_write_perm("broker-a", false), 2);
    assert_eq!(table.route("T").unwrap().queues[0].perm, PERM_READ);
    assert_eq!(table.set_write_perm("broker-a", true), 2);
    assert_eq!(table.route("T").unwrap().queues[0].perm, PERM_READ | PERM_WRITE);
    table.delete_topic("T", Some("OtherCluster"));
    assert!(table.route("T").is_some());
    table.delete_topic("T", Some("DefaultCluster"));
    assert!(table.route("T").is_none());
    table.delete_topic("U", None);
    assert_eq!(table.topic_count(), 0);
}

#[test]
fn hundred_thousand_topics_on_sixteen_brokers() {
    let mut table = RouteTable::new(TIMEOUT_MS);
    let topics: Vec<TopicRegistration> = (0..100_000).map(|i| topic(&format!("topic-{i}"), 8)).collect();
    for broker in 0..16 {
        let name = format!("broker-{broker}");
        let addr = format!("10.0.1.{broker}:10911");
        table.register(registration(&name, 0, &addr, 1, topics.clone()), 0);
    }
    assert_eq!(table.topic_count(), 100_000);
    assert_eq!(table.route("topic-99999").unwrap().brokers.len(), 16);
}
