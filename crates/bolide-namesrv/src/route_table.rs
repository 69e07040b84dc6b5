//! The NameServer's route table, as a sans-I/O core: every operation takes the current time in
//! milliseconds and returns what changed, so registration, expiry and route queries are tested
//! without sockets or sleeping (`behaviours.md` §2.1, `codes.md` §4).
//!
//! Broker names are shared `Arc<str>`s: with 100,000 topics on 16 brokers the per-topic queue
//! entries dominate memory, and each entry holds a pointer rather than a copy of the name.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Permission bit: queues of the topic may be written.
pub const PERM_WRITE: i32 = 0x2;
/// Permission bit: queues of the topic may be read.
pub const PERM_READ: i32 = 0x4;
/// `topicSysFlag` bit: unit topic.
pub const FLAG_UNIT: i32 = 0x1;
/// `topicSysFlag` bit: unit subscription topic.
pub const FLAG_UNIT_SUB: i32 = 0x2;
/// Broker id of a master.
pub const MASTER_ID: i64 = 0;

/// A broker's topic-config version (`DataVersion`); equal when all three parts are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Version {
    /// Change counter.
    pub counter: i64,
    /// Orders registrations of one broker address (5.x).
    pub state_version: i64,
    /// Time of the last change, ms.
    pub timestamp: i64,
}

/// One topic as a broker registers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicRegistration {
    /// Topic name.
    pub topic: String,
    /// Read queue count.
    pub read_queue_nums: i32,
    /// Write queue count.
    pub write_queue_nums: i32,
    /// Permission bits.
    pub perm: i32,
    /// Unit flags.
    pub topic_sys_flag: i32,
}

/// A REGISTER_BROKER request, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerRegistration {
    /// Cluster name.
    pub cluster_name: String,
    /// `ip:port` clients use.
    pub broker_addr: String,
    /// Broker name (shared by a master and its slaves).
    pub broker_name: String,
    /// 0 for the master.
    pub broker_id: i64,
    /// `ip:haPort`.
    pub ha_server_addr: String,
    /// Expiry for this broker; `None` uses the table default.
    pub heartbeat_timeout_ms: Option<u64>,
    /// 5.x acting-master flag, reported back in routes.
    pub enable_acting_master: bool,
    /// 5.x zone, reported back in routes.
    pub zone_name: Option<String>,
    /// Version of the topic list below.
    pub data_version: Version,
    /// Every topic the broker hosts.
    pub topics: Vec<TopicRegistration>,
    /// The connection it arrived on, so that closing it removes the broker.
    pub connection_id: Option<u64>,
}

/// What a registering slave learns about its master.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegistrationOutcome {
    /// The master's address, for a slave whose master is alive.
    pub master_addr: Option<String>,
    /// The master's HA address, likewise.
    pub ha_server_addr: Option<String>,
}

/// A topic's queues on one broker name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    /// Broker name.
    pub broker_name: Arc<str>,
    /// Read queue count.
    pub read_queue_nums: i32,
    /// Write queue count.
    pub write_queue_nums: i32,
    /// Permission bits.
    pub perm: i32,
    /// Unit flags.
    pub topic_sys_flag: i32,
}

/// One broker name: its cluster and the address of each member by broker id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerEntry {
    /// Cluster name.
    pub cluster: String,
    /// Broker name.
    pub broker_name: Arc<str>,
    /// Broker id → `ip:port`.
    pub broker_addrs: BTreeMap<i64, String>,
    /// 5.x acting-master flag.
    pub enable_acting_master: bool,
    /// 5.x zone.
    pub zone_name: Option<String>,
}

/// The route of one topic: queue entries and the brokers that host them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicRoute {
    /// One entry per broker name hosting the topic.
    pub queues: Vec<QueueEntry>,
    /// Those broker names that are still registered.
    pub brokers: Vec<BrokerEntry>,
}

/// A broker removed from the table, for logging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedBroker {
    /// Cluster name.
    pub cluster_name: String,
    /// Address.
    pub broker_addr: String,
    /// Why it went.
    pub reason: RemovalReason,
}

/// Why a broker left the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalReason {
    /// UNREGISTER_BROKER.
    Unregistered,
    /// No registration or heartbeat within its timeout.
    Expired,
    /// Its connection closed.
    ConnectionClosed,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BrokerAddrKey {
    cluster: String,
    addr: String,
}

#[derive(Debug, Clone)]
struct BrokerLive {
    last_update_ms: u64,
    timeout_ms: u64,
    data_version: Version,
    connection_id: Option<u64>,
    ha_server_addr: String,
}

/// The whole route table.
#[derive(Debug)]
pub struct RouteTable {
    default_timeout_ms: u64,
    topics: HashMap<String, BTreeMap<Arc<str>, QueueEntry>>,
    brokers: BTreeMap<Arc<str>, BrokerEntry>,
    clusters: BTreeMap<String, BTreeSet<Arc<str>>>,
    live: HashMap<BrokerAddrKey, BrokerLive>,
    /// Bumped by every change that can alter a route, so callers can cache encoded routes.
    generation: u64,
}

impl RouteTable {
    /// An empty table whose brokers expire after `default_timeout_ms` of silence unless they say
    /// otherwise when registering.
    pub fn new(default_timeout_ms: u64) -> Self {
        Self {
            default_timeout_ms,
            topics: HashMap::new(),
            brokers: BTreeMap::new(),
            clusters: BTreeMap::new(),
            live: HashMap::new(),
            generation: 0,
        }
    }

    /// Changes whenever a route, the cluster info or a topic list may have changed.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Registers (or refreshes) a broker and, for a master, its topics. Returns `None` when the
    /// registration is refused because a newer registration of the same broker id exists.
    pub fn register(&mut self, registration: BrokerRegistration, now_ms: u64) -> Option<RegistrationOutcome> {
        self.generation += 1;
        let BrokerRegistration { cluster_name, broker_addr, broker_name, broker_id, .. } = &registration;
        let key = BrokerAddrKey { cluster: cluster_name.clone(), addr: broker_addr.clone() };
        let name = self.intern_broker_name(broker_name);
        self.clusters.entry(cluster_name.clone()).or_default().insert(name.clone());

        let mut register_first = !self.brokers.contains_key(&name);
        let broker = self.brokers.entry(name.clone()).or_insert_with(|| BrokerEntry {
            cluster: cluster_name.clone(),
            broker_name: name.clone(),
            broker_addrs: BTreeMap::new(),
            enable_acting_master: false,
            zone_name: None,
        });
        broker.enable_acting_master = registration.enable_acting_master;
        if registration.zone_name.is_some() {
            broker.zone_name.clone_from(&registration.zone_name);
        }
        // One address has one id: a slave promoted to master re-registers with id 0.
        broker.broker_addrs.retain(|id, addr| addr != broker_addr || id == broker_id);
        if let Some(old_addr) = broker.broker_addrs.get(broker_id).filter(|old| *old != broker_addr) {
            let old_key = BrokerAddrKey { cluster: cluster_name.clone(), addr: old_addr.clone() };
            if let Some(old_live) = self.live.get(&old_key) {
                if old_live.data_version.state_version > registration.data_version.state_version {
                    self.live.remove(&key);
                    return None;
                }
            }
        }
        let previous = broker.broker_addrs.insert(*broker_id, broker_addr.clone());
        register_first |= previous.is_none();

        if *broker_id == MASTER_ID {
            let changed = self.live.get(&key).is_none_or(|live| live.data_version != registration.data_version);
            if changed && !register_first {
                self.remove_topics_not_in(&name, &registration.topics);
            }
            for topic in &registration.topics {
                if register_first || changed || !self.has_queue(&topic.topic, &name) {
                    self.upsert_queue(topic, &name);
                }
            }
        }

        self.live.insert(
            key,
            BrokerLive {
                last_update_ms: now_ms,
                timeout_ms: registration.heartbeat_timeout_ms.unwrap_or(self.default_timeout_ms),
                data_version: registration.data_version,
                connection_id: registration.connection_id,
                ha_server_addr: registration.ha_server_addr.clone(),
            },
        );
        Some(self.master_of(cluster_name, &name, *broker_id))
    }

    fn intern_broker_name(&self, broker_name: &str) -> Arc<str> {
        self.brokers.get_key_value(broker_name).map_or_else(|| Arc::from(broker_name), |(name, _)| name.clone())
    }

    fn master_of(&self, cluster_name: &str, name: &Arc<str>, broker_id: i64) -> RegistrationOutcome {
        if broker_id == MASTER_ID {
            return RegistrationOutcome::default();
        }
        let master_addr = self.brokers.get(name).and_then(|broker| broker.broker_addrs.get(&MASTER_ID));
        let Some(master_addr) = master_addr else {
            return RegistrationOutcome::default();
        };
        let master_key = BrokerAddrKey { cluster: cluster_name.to_owned(), addr: master_addr.clone() };
        match self.live.get(&master_key) {
            Some(live) => RegistrationOutcome {
                master_addr: Some(master_addr.clone()),
                ha_server_addr: Some(live.ha_server_addr.clone()),
            },
            None => RegistrationOutcome::default(),
        }
    }

    fn has_queue(&self, topic: &str, name: &Arc<str>) -> bool {
        self.topics.get(topic).is_some_and(|queues| queues.contains_key(name))
    }

    fn upsert_queue(&mut self, topic: &TopicRegistration, name: &Arc<str>) {
        let entry = QueueEntry {
            broker_name: name.clone(),
            read_queue_nums: topic.read_queue_nums,
            write_queue_nums: topic.write_queue_nums,
            perm: topic.perm,
            topic_sys_flag: topic.topic_sys_flag,
        };
        match self.topics.get_mut(topic.topic.as_str()) {
            Some(queues) => {
                queues.insert(name.clone(), entry);
            }
            None => {
                self.topics.insert(topic.topic.clone(), BTreeMap::from([(name.clone(), entry)]));
            }
        }
    }

    fn remove_topics_not_in(&mut self, name: &Arc<str>, topics: &[TopicRegistration]) {
        let keep: BTreeSet<&str> = topics.iter().map(|topic| topic.topic.as_str()).collect();
        self.topics.retain(|topic, queues| {
            if !keep.contains(topic.as_str()) {
                queues.remove(name);
            }
            !queues.is_empty()
        });
    }

    /// UNREGISTER_BROKER: removes one member of a broker name.
    pub fn unregister(&mut self, cluster_name: &str, broker_addr: &str, broker_name: &str, broker_id: i64) -> bool {
        self.generation += 1;
        let key = BrokerAddrKey { cluster: cluster_name.to_owned(), addr: broker_addr.to_owned() };
        let was_live = self.live.remove(&key).is_some();
        let removed_member = self.remove_member(broker_name, |id, _| id == broker_id);
        was_live || removed_member
    }

    /// Removes the members of `broker_name` that `matches`; drops the broker name, its cluster
    /// membership and its queues when no member is left.
    fn remove_member(&mut self, broker_name: &str, matches: impl Fn(i64, &str) -> bool) -> bool {
        let Some(broker) = self.brokers.get_mut(broker_name) else {
            return false;
        };
        let before = broker.broker_addrs.len();
        broker.broker_addrs.retain(|id, addr| !matches(*id, addr));
        let removed = broker.broker_addrs.len() != before;
        if broker.broker_addrs.is_empty() {
            let cluster = broker.cluster.clone();
            self.brokers.remove(broker_name);
            if let Some(names) = self.clusters.get_mut(&cluster) {
                names.remove(broker_name);
                if names.is_empty() {
                    self.clusters.remove(&cluster);
                }
            }
            self.topics.retain(|_, queues| {
                queues.remove(broker_name);
                !queues.is_empty()
            });
        }
        removed
    }

    /// Removes every broker address whose live entry `matches`.
    fn remove_live_where(
        &mut self,
        reason: RemovalReason,
        matches: impl Fn(&BrokerLive) -> bool,
    ) -> Vec<RemovedBroker> {
        let gone: Vec<BrokerAddrKey> =
            self.live.iter().filter(|(_, live)| matches(live)).map(|(key, _)| key.clone()).collect();
        if !gone.is_empty() {
            self.generation += 1;
        }
        let mut removed = Vec::with_capacity(gone.len());
        for key in gone {
            self.live.remove(&key);
            let names: Vec<Arc<str>> = self
                .brokers
                .values()
                .filter(|broker| broker.cluster == key.cluster && broker.broker_addrs.values().any(|a| *a == key.addr))
                .map(|broker| broker.broker_name.clone())
                .collect();
            for name in names {
                self.remove_member(&name, |_, addr| addr == key.addr);
            }
            removed.push(RemovedBroker { cluster_name: key.cluster, broker_addr: key.addr, reason });
        }
        removed
    }

    /// Removes brokers silent for longer than their timeout.
    pub fn expire(&mut self, now_ms: u64) -> Vec<RemovedBroker> {
        self.remove_live_where(RemovalReason::Expired, |live| {
            now_ms.saturating_sub(live.last_update_ms) > live.timeout_ms
        })
    }

    /// Removes the brokers that registered over a connection that has closed.
    pub fn connection_closed(&mut self, connection_id: u64) -> Vec<RemovedBroker> {
        self.remove_live_where(RemovalReason::ConnectionClosed, |live| live.connection_id == Some(connection_id))
    }

    /// QUERY_DATA_VERSION: whether `version` differs from the stored one (or the broker is
    /// unknown), and the stored one. Refreshes the broker's liveness.
    pub fn query_data_version(
        &mut self,
        cluster_name: &str,
        broker_addr: &str,
        version: &Version,
        now_ms: u64,
    ) -> (bool, Option<Version>) {
        let key = BrokerAddrKey { cluster: cluster_name.to_owned(), addr: broker_addr.to_owned() };
        match self.live.get_mut(&key) {
            Some(live) => {
                live.last_update_ms = now_ms;
                (live.data_version != *version, Some(live.data_version))
            }
            None => (true, None),
        }
    }

    /// BROKER_HEARTBEAT: refreshes liveness; false when the broker is not registered.
    pub fn heartbeat(&mut self, cluster_name: &str, broker_addr: &str, now_ms: u64) -> bool {
        let key = BrokerAddrKey { cluster: cluster_name.to_owned(), addr: broker_addr.to_owned() };
        self.live.get_mut(&key).map(|live| live.last_update_ms = now_ms).is_some()
    }

    /// The route of `topic`, if it has queues on at least one registered broker.
    pub fn route(&self, topic: &str) -> Option<TopicRoute> {
        let queues = self.topics.get(topic)?;
        let brokers: Vec<BrokerEntry> = queues.keys().filter_map(|name| self.brokers.get(name)).cloned().collect();
        if queues.is_empty() || brokers.is_empty() {
            return None;
        }
        Some(TopicRoute { queues: queues.values().cloned().collect(), brokers })
    }

    /// Every broker name with its members.
    pub fn brokers(&self) -> &BTreeMap<Arc<str>, BrokerEntry> {
        &self.brokers
    }

    /// Every cluster with its broker names.
    pub fn clusters(&self) -> &BTreeMap<String, BTreeSet<Arc<str>>> {
        &self.clusters
    }

    /// One broker name's members.
    pub fn broker(&self, broker_name: &str) -> Option<&BrokerEntry> {
        self.brokers.get(broker_name)
    }

    /// Every topic name.
    pub fn topic_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.topics.keys().cloned().collect();
        names.sort_unstable();
        names
    }

    /// Topics with queues on a broker of `cluster_name`.
    pub fn topics_of_cluster(&self, cluster_name: &str) -> Vec<String> {
        let Some(names) = self.clusters.get(cluster_name) else {
            return Vec::new();
        };
        let mut topics: Vec<String> = self
            .topics
            .iter()
            .filter(|(_, queues)| queues.keys().any(|name| names.contains(name)))
            .map(|(topic, _)| topic.clone())
            .collect();
        topics.sort_unstable();
        topics
    }

    /// Topics whose first queue entry's unit flags satisfy `filter` (the unit-topic lists).
    pub fn topics_by_sys_flag(&self, filter: impl Fn(i32) -> bool) -> Vec<String> {
        let mut topics: Vec<String> = self
            .topics
            .iter()
            .filter(|(_, queues)| queues.values().next().is_some_and(|queue| filter(queue.topic_sys_flag)))
            .map(|(topic, _)| topic.clone())
            .collect();
        topics.sort_unstable();
        topics
    }

    /// Cluster names and broker names (GET_SYSTEM_TOPIC_LIST_FROM_NS), and one broker address.
    pub fn system_topics(&self) -> (Vec<String>, Option<String>) {
        let mut topics: Vec<String> = self.clusters.keys().cloned().collect();
        topics.extend(self.brokers.keys().map(|name| name.to_string()));
        let addr = self.brokers.values().find_map(|broker| broker.broker_addrs.values().next().cloned());
        (topics, addr)
    }

    /// DELETE_TOPIC_IN_NAMESRV: the whole topic, or only its queues on brokers of `cluster_name`.
    pub fn delete_topic(&mut self, topic: &str, cluster_name: Option<&str>) {
        self.generation += 1;
        match cluster_name.and_then(|cluster| self.clusters.get(cluster)) {
            Some(names) => {
                if let Some(queues) = self.topics.get_mut(topic) {
                    queues.retain(|name, _| !names.contains(name));
                    if queues.is_empty() {
                        self.topics.remove(topic);
                    }
                }
            }
            None if cluster_name.is_some() => {}
            None => {
                self.topics.remove(topic);
            }
        }
    }

    /// WIPE_WRITE_PERM_OF_BROKER / ADD_WRITE_PERM_OF_BROKER: clears or sets the write bit of every
    /// queue entry of `broker_name`; returns how many topics were touched.
    pub fn set_write_perm(&mut self, broker_name: &str, writable: bool) -> usize {
        self.generation += 1;
        let mut count = 0;
        for queues in self.topics.values_mut() {
            if let Some(queue) = queues.get_mut(broker_name) {
                queue.perm = if writable { queue.perm | PERM_WRITE } else { queue.perm & !PERM_WRITE };
                count += 1;
            }
        }
        count
    }

    /// REGISTER_TOPIC_IN_NAMESRV: merges queue entries into a topic, for registered brokers only.
    pub fn register_topic(&mut self, topic: &str, queues: Vec<QueueEntry>) {
        self.generation += 1;
        for queue in queues {
            let Some((name, _)) = self.brokers.get_key_value(&*queue.broker_name) else {
                continue;
            };
            let name = name.clone();
            let entry = QueueEntry { broker_name: name.clone(), ..queue };
            self.topics.entry(topic.to_owned()).or_default().insert(name, entry);
        }
    }

    /// Number of topics (for logs and metrics).
    pub fn topic_count(&self) -> usize {
        self.topics.len()
    }
}

#[cfg(test)]
#[path = "route_table_tests.rs"]
mod tests;
