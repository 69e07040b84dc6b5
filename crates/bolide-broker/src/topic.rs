//! The topic config table: system topics at start, create/update/delete, auto-creation from the
//! TBW102 template, a data version bumped on every change, persisted to `config/topics.json` in
//! RocketMQ's `TopicConfigSerializeWrapper` shape.
//!
//! The table is plain data: the caller holds it behind a lock and calls [`TopicConfigTable::persist`]
//! (blocking file I/O) after a change.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bolide_protocol::body::{
    DataVersion, TopicConfig, TopicConfigSerializeWrapper, PERM_INHERIT, PERM_READ, PERM_WRITE,
};

use crate::config::BrokerConfig;
use crate::persist::{self, PersistError};

/// The auto-create template topic.
pub const AUTO_CREATE_TOPIC: &str = "TBW102";
/// Delay-level messages wait here, one queue per level.
pub const SCHEDULE_TOPIC: &str = "SCHEDULE_TOPIC_XXXX";
/// Prefix of a consumer group's retry topic.
pub const RETRY_GROUP_TOPIC_PREFIX: &str = "%RETRY%";
/// Prefix of a consumer group's dead-letter topic.
pub const DLQ_GROUP_TOPIC_PREFIX: &str = "%DLQ%";

/// `%RETRY%<group>`.
pub fn retry_topic(group: &str) -> String {
    format!("{RETRY_GROUP_TOPIC_PREFIX}{group}")
}

/// `%DLQ%<group>`.
pub fn dlq_topic(group: &str) -> String {
    format!("{DLQ_GROUP_TOPIC_PREFIX}{group}")
}

/// What an auto-create attempt found.
#[derive(Debug, Clone, PartialEq)]
pub enum AutoCreate {
    /// The topic already existed.
    Existing(TopicConfig),
    /// The topic was created (the caller persists and re-registers).
    Created(TopicConfig),
    /// The template does not exist or may not be inherited: answer TOPIC_NOT_EXIST.
    NotAllowed,
}

/// Topic configs of this broker.
#[derive(Debug)]
pub struct TopicConfigTable {
    path: PathBuf,
    topics: BTreeMap<String, TopicConfig>,
    data_version: DataVersion,
}

fn topic(name: &str, queues: i32, perm: i32) -> TopicConfig {
    TopicConfig {
        topic_name: name.to_owned(),
        read_queue_nums: queues,
        write_queue_nums: queues,
        perm,
        ..TopicConfig::default()
    }
}

/// The topics a Java broker creates at start (`behaviours.md` §3.2).
pub fn system_topics(config: &BrokerConfig) -> Vec<TopicConfig> {
    let rw = PERM_READ | PERM_WRITE;
    let cluster = &config.broker_cluster_name;
    let broker = &config.broker_name;
    let levels = config.delay_levels().map_or(18, |levels| levels.len()) as i32;
    let mut topics = vec![
        topic("SELF_TEST_TOPIC", 1, rw),
        topic(cluster, 16, PERM_INHERIT | if config.cluster_topic_enable { rw } else { 0 }),
        topic(broker, 1, PERM_INHERIT | if config.broker_topic_enable { rw } else { 0 }),
        topic("BenchmarkTest", 1024, rw),
        topic("OFFSET_MOVED_EVENT", 1, rw),
        topic(SCHEDULE_TOPIC, levels.max(1), rw),
        topic(&format!("{cluster}_REPLY_TOPIC"), 1, rw),
        topic(&format!("rmq_sys_REVIVE_LOG_{cluster}"), 8, rw),
        topic(&format!("rmq_sys_SYNC_BROKER_MEMBER_{broker}"), 1, PERM_INHERIT),
        topic("RMQ_SYS_TRANS_HALF_TOPIC", 1, rw),
        topic("RMQ_SYS_TRANS_OP_HALF_TOPIC", 1, rw),
        topic("rmq_sys_wheel_timer", 1, rw),
    ];
    if config.auto_create_topic_enable {
        topics.push(topic(AUTO_CREATE_TOPIC, config.default_topic_queue_nums, PERM_INHERIT | rw));
    }
    if config.trace_topic_enable {
        topics.push(topic(&config.msg_trace_topic_name, 1, rw));
    }
    topics
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as i64)
}

impl TopicConfigTable {
    /// Loads `config/topics.json` over the system topics (the file wins, as in Java).
    ///
    /// # Errors
    /// [`PersistError`] naming the file when it cannot be read or is corrupt.
    pub fn open(config: &BrokerConfig) -> Result<Self, PersistError> {
        let path = config.config_dir().join("topics.json");
        let mut topics: BTreeMap<String, TopicConfig> =
            system_topics(config).into_iter().map(|topic| (topic.topic_name.clone(), topic)).collect();
        let mut data_version = DataVersion { counter: 0, state_version: 0, timestamp: now_ms() };
        if let Some(stored) = persist::load_json::<TopicConfigSerializeWrapper>(&path)? {
            topics.extend(stored.topic_config_table);
            data_version = stored.data_version;
        }
        Ok(Self { path, topics, data_version })
    }

    /// The config of `topic`.
    pub fn get(&self, topic: &str) -> Option<&TopicConfig> {
        self.topics.get(topic)
    }

    /// Every topic, by name.
    pub fn topics(&self) -> &BTreeMap<String, TopicConfig> {
        &self.topics
    }

    /// The version of the table; changes on every create, update and delete.
    pub fn data_version(&self) -> DataVersion {
        self.data_version
    }

    fn bump(&mut self) {
        self.data_version.counter += 1;
        self.data_version.timestamp = now_ms().max(self.data_version.timestamp);
    }

    /// Creates or replaces a topic. Returns whether anything changed.
    pub fn upsert(&mut self, config: TopicConfig) -> bool {
        if self.topics.get(&config.topic_name) == Some(&config) {
            return false;
        }
        self.topics.insert(config.topic_name.clone(), config);
        self.bump();
        true
    }

    /// Removes a topic; returns it if it existed.
    pub fn remove(&mut self, topic: &str) -> Option<TopicConfig> {
        let removed = self.topics.remove(topic);
        if removed.is_some() {
            self.bump();
        }
        removed
    }

    /// The send path's rule for a topic this broker does not know (`behaviours.md` §3.3): create
    /// it from `default_topic` when that exists and has the inherit bit, with
    /// `min(requested_queue_nums, template write queues)` queues and the template's permission
    /// without inherit.
    pub fn auto_create(&mut self, topic: &str, default_topic: &str, requested_queue_nums: i32) -> AutoCreate {
        if let Some(existing) = self.topics.get(topic) {
            return AutoCreate::Existing(existing.clone());
        }
        let Some(template) = self.topics.get(default_topic) else {
            return AutoCreate::NotAllowed;
        };
        if template.perm & PERM_INHERIT == 0 {
            return AutoCreate::NotAllowed;
        }
        let queues = requested_queue_nums.min(template.write_queue_nums).max(1);
        let created = TopicConfig {
            topic_name: topic.to_owned(),
            read_queue_nums: queues,
            write_queue_nums: queues,
            perm: template.perm & !PERM_INHERIT,
            topic_filter_type: template.topic_filter_type,
            ..TopicConfig::default()
        };
        self.upsert(created.clone());
        AutoCreate::Created(created)
    }

    /// Creates `%RETRY%<group>` with `queue_nums` queues, read and write, unless it exists.
    /// Returns the created config.
    pub fn create_retry_topic(&mut self, group: &str, queue_nums: i32) -> Option<TopicConfig> {
        let name = retry_topic(group);
        if self.topics.contains_key(&name) {
            return None;
        }
        let created = topic(&name, queue_nums.max(1), PERM_READ | PERM_WRITE);
        self.upsert(created.clone());
        Some(created)
    }

    /// Creates `%DLQ%<group>` with 1 queue, read and write, unless it exists. Returns the
    /// created config.
    pub fn create_dlq_topic(&mut self, group: &str) -> Option<TopicConfig> {
        let name = dlq_topic(group);
        if self.topics.contains_key(&name) {
            return None;
        }
        let created = topic(&name, 1, PERM_READ | PERM_WRITE);
        self.upsert(created.clone());
        Some(created)
    }

    /// The table in the shape of `topics.json` and REGISTER_BROKER / GET_ALL_TOPIC_CONFIG bodies.
    pub fn to_wrapper(&self) -> TopicConfigSerializeWrapper {
        TopicConfigSerializeWrapper {
            data_version: self.data_version,
            mapping_data_version: Some(DataVersion::default()),
            topic_config_table: self.topics.clone(),
            topic_queue_mapping_detail_map: Some(BTreeMap::new()),
            topic_queue_mapping_info_map: Some(BTreeMap::new()),
        }
    }

    /// Writes `topics.json` atomically. Blocking.
    ///
    /// # Errors
    /// [`PersistError`] naming the file.
    pub fn persist(&self) -> Result<(), PersistError> {
        persist::store_json(&self.path, &self.to_wrapper())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &std::path::Path) -> BrokerConfig {
        BrokerConfig {
            store_path_root_dir: dir.to_owned(),
            broker_name: "broker-x".to_owned(),
            ..BrokerConfig::default()
        }
    }

    #[test]
    fn system_topics_exist_at_start() {
        let dir = tempfile::tempdir().expect("temp dir");
        let table = TopicConfigTable::open(&config(dir.path())).expect("open");
        let tbw = table.get(AUTO_CREATE_TOPIC).expect("TBW102");
        assert_eq!((tbw.perm, tbw.write_queue_nums), (7, 8));
        assert_eq!(table.get("DefaultCluster").map(|t| (t.perm, t.read_queue_nums)), Some((7, 16)));
        assert_eq!(table.get("broker-x").map(|t| (t.perm, t.read_queue_nums)), Some((7, 1)));
        assert_eq!(table.get(SCHEDULE_TOPIC).map(|t| t.read_queue_nums), Some(18));
        assert!(table.get("RMQ_SYS_TRANS_HALF_TOPIC").is_some());
        let off = BrokerConfig { auto_create_topic_enable: false, cluster_topic_enable: false, ..config(dir.path()) };
        let table = TopicConfigTable::open(&off).expect("open");
        assert!(table.get(AUTO_CREATE_TOPIC).is_none());
        assert_eq!(table.get("DefaultCluster").map(|t| t.perm), Some(PERM_INHERIT));
    }

    #[test]
    fn auto_create_follows_the_template() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut table = TopicConfigTable::open(&config(dir.path())).expect("open");
        let before = table.data_version();
        let AutoCreate::Created(created) = table.auto_create("T", AUTO_CREATE_TOPIC, 4) else { panic!("not created") };
        assert_eq!((created.read_queue_nums, created.write_queue_nums, created.perm), (4, 4, 6));
        assert_eq!(table.auto_create("T2", AUTO_CREATE_TOPIC, 100), AutoCreate::Created(topic("T2", 8, 6)));
        assert!(matches!(table.auto_create("T", AUTO_CREATE_TOPIC, 4), AutoCreate::Existing(_)));
        assert_eq!(table.data_version().counter, before.counter + 2);
        // A template without the inherit bit, or none at all, refuses.
        assert_eq!(table.auto_create("U", "T", 4), AutoCreate::NotAllowed);
        assert_eq!(table.auto_create("U", "missing", 4), AutoCreate::NotAllowed);
        let off = BrokerConfig { auto_create_topic_enable: false, ..config(dir.path()) };
        let mut table = TopicConfigTable::open(&off).expect("open");
        assert_eq!(table.auto_create("U", AUTO_CREATE_TOPIC, 4), AutoCreate::NotAllowed);
        // Retry topics need no template.
        assert_eq!(table.create_retry_topic("G", 1).map(|t| t.topic_name), Some("%RETRY%G".to_owned()));
        assert_eq!(table.create_retry_topic("G", 1), None);
    }

    #[test]
    fn persists_and_reloads_and_names_a_corrupt_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut table = TopicConfigTable::open(&config(dir.path())).expect("open");
        let mut custom = topic("Orders", 4, 6);
        custom.attributes.insert("+message.type".to_owned(), "FIFO".to_owned());
        assert!(table.upsert(custom.clone()));
        assert!(!table.upsert(custom.clone()), "same config is no change");
        assert!(table.remove("BenchmarkTest").is_some());
        table.persist().expect("persist");
        let text = std::fs::read_to_string(dir.path().join("config/topics.json")).expect("file");
        assert!(text.contains("\"topicConfigTable\"") && text.contains("\"dataVersion\""), "{text}");
        let reloaded = TopicConfigTable::open(&config(dir.path())).expect("reopen");
        assert_eq!(reloaded.get("Orders"), Some(&custom));
        assert_eq!(reloaded.data_version(), table.data_version());
        std::fs::write(dir.path().join("config/topics.json"), "{\"topicConfigTable\":[").expect("corrupt");
        let err = TopicConfigTable::open(&config(dir.path())).expect_err("corrupt").to_string();
        assert!(err.contains("topics.json"), "{err}");
    }
}
