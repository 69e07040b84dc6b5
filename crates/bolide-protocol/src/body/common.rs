//! Shared building blocks (`data-formats.md` §2): MessageQueue, DataVersion, SubscriptionData,
//! BrokerData, QueueData, TopicConfig.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::enums::TopicFilterType;
use crate::json::lenient;

/// One queue of a topic on one broker; identity is the triple. As a map key it is written as an
/// object (see [`crate::json::MessageQueueMap`]).
///
/// `{"brokerName":"broker-a","queueId":3,"topic":"TopicTest"}`
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageQueue {
    /// Broker name.
    #[serde(rename = "brokerName", deserialize_with = "lenient::string")]
    pub broker_name: String,
    /// Queue id within the topic on that broker.
    #[serde(rename = "queueId", deserialize_with = "lenient::int")]
    pub queue_id: i32,
    /// Topic.
    #[serde(deserialize_with = "lenient::string")]
    pub topic: String,
}

impl MessageQueue {
    /// A message queue.
    pub fn new(topic: impl Into<String>, broker_name: impl Into<String>, queue_id: i32) -> Self {
        MessageQueue { broker_name: broker_name.into(), queue_id, topic: topic.into() }
    }

    /// The compact JSON object, properties in Java's order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a MessageQueue always serializes")
    }
}

/// Version of a table (topic configs, subscription groups); equal when all three values are.
///
/// `{"counter":7,"stateVersion":0,"timestamp":1717000000000}`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DataVersion {
    /// Incremented on every change.
    #[serde(deserialize_with = "lenient::int")]
    pub counter: i64,
    /// 5.x: orders registrations of the same broker address.
    #[serde(rename = "stateVersion", deserialize_with = "lenient::int")]
    pub state_version: i64,
    /// Milliseconds of the last change.
    #[serde(deserialize_with = "lenient::int")]
    pub timestamp: i64,
}

/// The expression type assumed when none is given.
pub const EXPRESSION_TYPE_TAG: &str = "TAG";

/// A consumer's subscription to one topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubscriptionData {
    /// Legacy filter-server mode.
    #[serde(rename = "classFilterMode", deserialize_with = "lenient::boolean")]
    pub class_filter_mode: bool,
    /// `String.hashCode()` of each tag.
    #[serde(rename = "codeSet", deserialize_with = "lenient::int_set")]
    pub code_set: BTreeSet<i32>,
    /// `TAG` or `SQL92`.
    #[serde(rename = "expressionType", deserialize_with = "lenient::string")]
    pub expression_type: String,
    /// The expression; `*` is everything, TAG form `tagA || tagB`.
    #[serde(rename = "subString", deserialize_with = "lenient::string")]
    pub sub_string: String,
    /// Client-side version. Java defaults it to the creation time; a missing value reads as 0.
    #[serde(rename = "subVersion", deserialize_with = "lenient::int")]
    pub sub_version: i64,
    /// Tags parsed from `subString` (TAG type only).
    #[serde(rename = "tagsSet", deserialize_with = "lenient::or_default")]
    pub tags_set: BTreeSet<String>,
    /// Topic.
    #[serde(deserialize_with = "lenient::string")]
    pub topic: String,
}

impl Default for SubscriptionData {
    fn default() -> Self {
        SubscriptionData {
            class_filter_mode: false,
            code_set: BTreeSet::new(),
            expression_type: EXPRESSION_TYPE_TAG.to_owned(),
            sub_string: String::new(),
            sub_version: 0,
            tags_set: BTreeSet::new(),
            topic: String::new(),
        }
    }
}

impl SubscriptionData {
    /// A TAG subscription with tags and codes derived from `sub_string` as the broker does: empty
    /// or `*` means everything; otherwise split on `||`, trim, drop empty parts.
    pub fn tag(topic: impl Into<String>, sub_string: &str, sub_version: i64) -> Self {
        let mut data = SubscriptionData { topic: topic.into(), sub_version, ..SubscriptionData::default() };
        let trimmed = sub_string.trim();
        if trimmed.is_empty() || trimmed == "*" {
            data.sub_string = "*".to_owned();
            return data;
        }
        data.sub_string = sub_string.to_owned();
        for tag in sub_string.split("||").map(str::trim).filter(|tag| !tag.is_empty()) {
            data.code_set.insert(java_string_hash(tag));
            data.tags_set.insert(tag.to_owned());
        }
        data
    }

    /// True for a TAG subscription (also when the type is empty, as Java assumes).
    pub fn is_tag_type(&self) -> bool {
        self.expression_type.is_empty() || self.expression_type == EXPRESSION_TYPE_TAG
    }
}

/// Java's `String.hashCode()`: over UTF-16 code units, `h = 31*h + unit`, wrapping.
pub fn java_string_hash(text: &str) -> i32 {
    text.encode_utf16().fold(0i32, |hash, unit| hash.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// Addresses of one broker name's replicas.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BrokerData {
    /// Broker id → `ip:port`; id 0 is the master. Integer keys (see [`crate::json::KeyStyle`]).
    #[serde(rename = "brokerAddrs", deserialize_with = "lenient::or_default")]
    pub broker_addrs: BTreeMap<i64, String>,
    /// Broker name.
    #[serde(rename = "brokerName", deserialize_with = "lenient::string")]
    pub broker_name: String,
    /// Cluster name.
    #[serde(deserialize_with = "lenient::string")]
    pub cluster: String,
    /// 5.x: a slave acts as master while the master is down.
    #[serde(rename = "enableActingMaster", deserialize_with = "lenient::boolean")]
    pub enable_acting_master: bool,
    /// 5.x: zone, in zone mode only.
    #[serde(rename = "zoneName", skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_string")]
    pub zone_name: Option<String>,
}

impl BrokerData {
    /// The master's address (broker id 0).
    pub fn master_addr(&self) -> Option<&str> {
        self.broker_addrs.get(&0).map(String::as_str)
    }
}

/// How one broker name hosts a topic.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueData {
    /// Broker name.
    #[serde(rename = "brokerName", deserialize_with = "lenient::string")]
    pub broker_name: String,
    /// Permission bits.
    #[serde(deserialize_with = "lenient::int")]
    pub perm: i32,
    /// Readable queues.
    #[serde(rename = "readQueueNums", deserialize_with = "lenient::int")]
    pub read_queue_nums: i32,
    /// Topic flags; Java ≤ 4.8.0 named it `topicSynFlag`.
    #[serde(rename = "topicSysFlag", alias = "topicSynFlag", deserialize_with = "lenient::int")]
    pub topic_sys_flag: i32,
    /// Writable queues.
    #[serde(rename = "writeQueueNums", deserialize_with = "lenient::int")]
    pub write_queue_nums: i32,
}

/// Permission bit: the auto-create template topic may be inherited.
pub const PERM_INHERIT: i32 = 0x1;
/// Permission bit: writable.
pub const PERM_WRITE: i32 = 0x2;
/// Permission bit: readable.
pub const PERM_READ: i32 = 0x4;

/// A topic's configuration on a broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicConfig {
    /// 5.x attributes, e.g. `{"message.type":"NORMAL"}`.
    #[serde(deserialize_with = "lenient::string_map")]
    pub attributes: BTreeMap<String, String>,
    /// Ordered topic.
    #[serde(deserialize_with = "lenient::boolean")]
    pub order: bool,
    /// Permission bits; default 6.
    #[serde(deserialize_with = "lenient::int")]
    pub perm: i32,
    /// Readable queues; default 16.
    #[serde(rename = "readQueueNums", deserialize_with = "lenient::int")]
    pub read_queue_nums: i32,
    /// Tag filtering; default `SINGLE_TAG`.
    #[serde(rename = "topicFilterType", deserialize_with = "lenient::or_default")]
    pub topic_filter_type: TopicFilterType,
    /// Topic name.
    #[serde(rename = "topicName", deserialize_with = "lenient::string")]
    pub topic_name: String,
    /// Topic flags; default 0.
    #[serde(rename = "topicSysFlag", deserialize_with = "lenient::int")]
    pub topic_sys_flag: i32,
    /// Writable queues; default 16.
    #[serde(rename = "writeQueueNums", deserialize_with = "lenient::int")]
    pub write_queue_nums: i32,
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            attributes: BTreeMap::new(),
            order: false,
            perm: PERM_READ | PERM_WRITE,
            read_queue_nums: 16,
            topic_filter_type: TopicFilterType::SingleTag,
            topic_name: String::new(),
            topic_sys_flag: 0,
            write_queue_nums: 16,
        }
    }
}

impl TopicConfig {
    /// The space-separated text form used in the compressed REGISTER_BROKER body:
    /// `topicName readQueueNums writeQueueNums perm topicFilterType`, plus the attributes as
    /// compact JSON when `with_attributes` (5.x).
    pub fn to_text(&self, with_attributes: bool) -> String {
        let mut text = format!(
            "{} {} {} {} {}",
            self.topic_name,
            self.read_queue_nums,
            self.write_queue_nums,
            self.perm,
            self.topic_filter_type.name()
        );
        if with_attributes {
            text.push(' ');
            text.push_str(&serde_json::to_string(&self.attributes).expect("a string map always serializes"));
        }
        text
    }

    /// Parses the text form; five fields (4.x) or six (5.x, attributes). `None` when malformed.
    pub fn from_text(text: &str) -> Option<Self> {
        use crate::json::lenient::JavaEnum;

        let mut fields = text.splitn(6, ' ');
        let mut config = TopicConfig { topic_name: fields.next()?.to_owned(), ..TopicConfig::default() };
        config.read_queue_nums = fields.next()?.parse().ok()?;
        config.write_queue_nums = fields.next()?.parse().ok()?;
        config.perm = fields.next()?.parse().ok()?;
        config.topic_filter_type = TopicFilterType::from_name(fields.next()?)?;
        if let Some(attributes) = fields.next() {
            config.attributes = serde_json::from_str(attributes).ok()?;
        }
        Some(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_slice, to_vec, KeyStyle};

    #[test]
    fn java_hash_matches_the_spec_example() {
        assert_eq!(java_string_hash("TagA"), 2_598_919);
        assert_eq!(java_string_hash(""), 0);
    }

    #[test]
    fn tag_subscription_derivation() {
        let data = SubscriptionData::tag("TopicTest", "TagA || TagB ||", 5);
        assert_eq!(data.tags_set, BTreeSet::from(["TagA".to_owned(), "TagB".to_owned()]));
        assert_eq!(data.code_set, BTreeSet::from([2_598_919, 2_598_920]));
        assert_eq!(SubscriptionData::tag("T", " ", 0).sub_string, "*");
    }

    #[test]
    fn subscription_golden_and_cpp_forms() {
        let java = r#"{"classFilterMode":false,"codeSet":[2598919,2598920],"expressionType":"TAG","subString":"TagA || TagB","subVersion":1717000000123,"tagsSet":["TagA","TagB"],"topic":"TopicTest"}"#;
        let data: SubscriptionData = from_slice(java.as_bytes()).expect("decodes");
        assert_eq!(data, SubscriptionData::tag("TopicTest", "TagA || TagB", 1_717_000_000_123));
        assert_eq!(to_vec(&data, KeyStyle::Fastjson), java.as_bytes());

        let cpp = r#"{"subString":"*","subVersion":"1717000000123","topic":"TopicTest"}"#;
        let data: SubscriptionData = from_slice(cpp.as_bytes()).expect("decodes");
        assert_eq!(data, SubscriptionData::tag("TopicTest", "*", 1_717_000_000_123));
        assert!(data.is_tag_type());

        // rocketmq-client-go writes the codes as strings.
        let go = r#"{"classFilterMode":false,"codeSet":["2598919","2598920"],"expressionType":"TAG","subString":"TagA || TagB","subVersion":1717000000123,"tagsSet":["TagA","TagB"],"topic":"TopicTest"}"#;
        let data: SubscriptionData = from_slice(go.as_bytes()).expect("decodes");
        assert_eq!(data, SubscriptionData::tag("TopicTest", "TagA || TagB", 1_717_000_000_123));
    }

    #[test]
    fn topic_config_golden_and_text_form() {
        let json = r#"{"attributes":{},"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}"#;
        let config: TopicConfig = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(config.read_queue_nums, 4);
        assert_eq!(to_vec(&config, KeyStyle::Fastjson), json.as_bytes());
        assert_eq!(config.to_text(false), "TopicTest 4 4 6 SINGLE_TAG");
        assert_eq!(config.to_text(true), "TopicTest 4 4 6 SINGLE_TAG {}");
        assert_eq!(TopicConfig::from_text(&config.to_text(true)), Some(config.clone()));
        assert_eq!(TopicConfig::from_text("TopicTest 4 4 6 SINGLE_TAG"), Some(config));
        assert_eq!(TopicConfig::from_text("TopicTest 4 4"), None);
        let defaults: TopicConfig = from_slice(br#"{"topicName":"X"}"#).expect("decodes");
        assert_eq!((defaults.read_queue_nums, defaults.write_queue_nums, defaults.perm), (16, 16, 6));
    }

    #[test]
    fn queue_data_reads_the_old_flag_name() {
        let data: QueueData = from_slice(br#"{"brokerName":"b","topicSynFlag":2}"#).expect("decodes");
        assert_eq!(data.topic_sys_flag, 2);
    }

    #[test]
    fn data_version_golden() {
        let json = r#"{"counter":7,"stateVersion":0,"timestamp":1717000000000}"#;
        let version: DataVersion = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(version, DataVersion { counter: 7, state_version: 0, timestamp: 1_717_000_000_000 });
        assert_eq!(to_vec(&version, KeyStyle::Fastjson), json.as_bytes());
    }
}
