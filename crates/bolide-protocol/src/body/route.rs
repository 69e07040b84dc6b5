//! Name server route bodies (`data-formats.md` §3.1, §3.2, §3.8): TopicRouteData, ClusterInfo,
//! GetBrokerMemberGroupResponseBody, and the 5.x static-topic mapping records they carry.
//!
//! Integer-keyed maps (`brokerAddrs`, `currIdMap`, `hostedQueues`) are written bare or quoted as
//! the caller's [`crate::json::KeyStyle`] says: quoted only for route data answering a request
//! with `version` ≥ 401 or `acceptStandardJsonOnly=true`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::common::{BrokerData, MessageQueue, QueueData, PERM_READ, PERM_WRITE};
use crate::json::lenient;

/// GET_ROUTEINFO_BY_TOPIC response (also the REGISTER_TOPIC_IN_NAMESRV request).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicRouteData {
    /// One per broker name in `queue_datas` that is still registered.
    #[serde(rename = "brokerDatas", deserialize_with = "lenient::or_default")]
    pub broker_datas: Vec<BrokerData>,
    /// Broker address → filter server addresses; legacy, normally empty.
    #[serde(rename = "filterServerTable", deserialize_with = "lenient::or_default")]
    pub filter_server_table: BTreeMap<String, Vec<String>>,
    /// `brokerName:queueNum;…` for ordered topics, from the name server's KV config.
    #[serde(
        rename = "orderTopicConf",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub order_topic_conf: Option<String>,
    /// One per broker name hosting the topic.
    #[serde(rename = "queueDatas", deserialize_with = "lenient::or_default")]
    pub queue_datas: Vec<QueueData>,
    /// 5.x static topics only: broker name → mapping.
    #[serde(rename = "topicQueueMappingByBroker", skip_serializing_if = "Option::is_none")]
    pub topic_queue_mapping_by_broker: Option<BTreeMap<String, TopicQueueMappingInfo>>,
}

impl TopicRouteData {
    /// The broker data of `broker_name`.
    pub fn broker(&self, broker_name: &str) -> Option<&BrokerData> {
        self.broker_datas.iter().find(|data| data.broker_name == broker_name)
    }

    /// The queues a producer sends to, as the Java client derives them: `writeQueueNums` queues
    /// of every writable broker that has a master (broker id 0).
    pub fn write_queues(&self, topic: &str) -> Vec<MessageQueue> {
        let writable = |queue_data: &&QueueData| {
            queue_data.perm & PERM_WRITE != 0
                && self.broker(&queue_data.broker_name).is_some_and(|broker| broker.master_addr().is_some())
        };
        self.queue_datas
            .iter()
            .filter(writable)
            .flat_map(|queue_data| queues(topic, &queue_data.broker_name, queue_data.write_queue_nums))
            .collect()
    }

    /// The queues a consumer reads: `readQueueNums` queues of every readable broker.
    pub fn read_queues(&self, topic: &str) -> Vec<MessageQueue> {
        self.queue_datas
            .iter()
            .filter(|queue_data| queue_data.perm & PERM_READ != 0)
            .flat_map(|queue_data| queues(topic, &queue_data.broker_name, queue_data.read_queue_nums))
            .collect()
    }
}

fn queues<'a>(topic: &'a str, broker_name: &'a str, count: i32) -> impl Iterator<Item = MessageQueue> + 'a {
    (0..count.max(0)).map(move |queue_id| MessageQueue::new(topic, broker_name, queue_id))
}

/// GET_BROKER_CLUSTER_INFO response. Stock name servers always write `brokerAddrs` unquoted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterInfo {
    /// Broker name → its addresses.
    #[serde(rename = "brokerAddrTable", deserialize_with = "lenient::or_default")]
    pub broker_addr_table: BTreeMap<String, BrokerData>,
    /// Cluster name → broker names.
    #[serde(rename = "clusterAddrTable", deserialize_with = "lenient::or_default")]
    pub cluster_addr_table: BTreeMap<String, BTreeSet<String>>,
}

/// GET_BROKER_MEMBER_GROUP response (5.x).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GetBrokerMemberGroupResponseBody {
    /// The replicas of one broker name.
    #[serde(rename = "brokerMemberGroup", skip_serializing_if = "Option::is_none")]
    pub broker_member_group: Option<BrokerMemberGroup>,
}

/// The replicas of one broker name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BrokerMemberGroup {
    /// Broker id → address; integer keys.
    #[serde(rename = "brokerAddrs", deserialize_with = "lenient::or_default")]
    pub broker_addrs: BTreeMap<i64, String>,
    /// Broker name.
    #[serde(rename = "brokerName", deserialize_with = "lenient::string")]
    pub broker_name: String,
    /// Cluster name.
    #[serde(deserialize_with = "lenient::string")]
    pub cluster: String,
}

/// The metadata scope stock brokers give static topics.
pub const METADATA_SCOPE_GLOBAL: &str = "__global__";

/// Static-topic mapping of one topic on one broker (5.x).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicQueueMappingInfo {
    /// Hosting broker name.
    #[serde(deserialize_with = "lenient::string")]
    pub bname: String,
    /// Logical queue id → physical queue id; integer keys.
    #[serde(rename = "currIdMap", deserialize_with = "lenient::or_default")]
    pub curr_id_map: BTreeMap<i32, i32>,
    /// The data is stale.
    #[serde(deserialize_with = "lenient::boolean")]
    pub dirty: bool,
    /// Fences old data.
    #[serde(deserialize_with = "lenient::int")]
    pub epoch: i64,
    /// Metadata scope.
    #[serde(deserialize_with = "lenient::string")]
    pub scope: String,
    /// Topic.
    #[serde(deserialize_with = "lenient::string")]
    pub topic: String,
    /// Logical queue count.
    #[serde(rename = "totalQueues", deserialize_with = "lenient::int")]
    pub total_queues: i32,
}

impl Default for TopicQueueMappingInfo {
    fn default() -> Self {
        TopicQueueMappingInfo {
            bname: String::new(),
            curr_id_map: BTreeMap::new(),
            dirty: false,
            epoch: 0,
            scope: METADATA_SCOPE_GLOBAL.to_owned(),
            topic: String::new(),
            total_queues: 0,
        }
    }
}

/// [`TopicQueueMappingInfo`] plus the hosted queues' offset mapping (5.x, GET_ALL_TOPIC_CONFIG).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicQueueMappingDetail {
    /// Hosting broker name.
    #[serde(deserialize_with = "lenient::string")]
    pub bname: String,
    /// Logical queue id → physical queue id; integer keys.
    #[serde(rename = "currIdMap", deserialize_with = "lenient::or_default")]
    pub curr_id_map: BTreeMap<i32, i32>,
    /// The data is stale.
    #[serde(deserialize_with = "lenient::boolean")]
    pub dirty: bool,
    /// Fences old data.
    #[serde(deserialize_with = "lenient::int")]
    pub epoch: i64,
    /// Logical queue id → mapping items, oldest first; integer keys.
    #[serde(rename = "hostedQueues", deserialize_with = "lenient::or_default")]
    pub hosted_queues: BTreeMap<i32, Vec<LogicQueueMappingItem>>,
    /// Metadata scope.
    #[serde(deserialize_with = "lenient::string")]
    pub scope: String,
    /// Topic.
    #[serde(deserialize_with = "lenient::string")]
    pub topic: String,
    /// Logical queue count.
    #[serde(rename = "totalQueues", deserialize_with = "lenient::int")]
    pub total_queues: i32,
}

impl Default for TopicQueueMappingDetail {
    fn default() -> Self {
        TopicQueueMappingDetail {
            bname: String::new(),
            curr_id_map: BTreeMap::new(),
            dirty: false,
            epoch: 0,
            hosted_queues: BTreeMap::new(),
            scope: METADATA_SCOPE_GLOBAL.to_owned(),
            topic: String::new(),
            total_queues: 0,
        }
    }
}

/// One generation of a logical queue's placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogicQueueMappingItem {
    /// Broker hosting this generation.
    #[serde(deserialize_with = "lenient::string")]
    pub bname: String,
    /// Physical end offset, excluded; -1 while open.
    #[serde(rename = "endOffset", deserialize_with = "lenient::int")]
    pub end_offset: i64,
    /// Generation.
    #[serde(deserialize_with = "lenient::int")]
    pub gen: i32,
    /// Logical offset of the generation's first message.
    #[serde(rename = "logicOffset", deserialize_with = "lenient::int")]
    pub logic_offset: i64,
    /// Physical queue id.
    #[serde(rename = "queueId", deserialize_with = "lenient::int")]
    pub queue_id: i32,
    /// Physical start offset.
    #[serde(rename = "startOffset", deserialize_with = "lenient::int")]
    pub start_offset: i64,
    /// Reserved; -1.
    #[serde(rename = "timeOfEnd", deserialize_with = "lenient::int")]
    pub time_of_end: i64,
    /// Reserved; -1.
    #[serde(rename = "timeOfStart", deserialize_with = "lenient::int")]
    pub time_of_start: i64,
}

impl Default for LogicQueueMappingItem {
    fn default() -> Self {
        LogicQueueMappingItem {
            bname: String::new(),
            end_offset: -1,
            gen: 0,
            logic_offset: 0,
            queue_id: 0,
            start_offset: 0,
            time_of_end: -1,
            time_of_start: -1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_slice, to_vec, KeyStyle};

    const ROUTE_FASTJSON: &str = r#"{"brokerDatas":[{"brokerAddrs":{0:"192.168.1.20:10911",1:"192.168.1.21:10911"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#;
    const ROUTE_STANDARD: &str = r#"{"brokerDatas":[{"brokerAddrs":{"0":"192.168.1.20:10911","1":"192.168.1.21:10911"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#;
    const CLUSTER: &str = r#"{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"192.168.1.20:10911"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}},"clusterAddrTable":{"DefaultCluster":["broker-a"]}}"#;

    fn broker_a(addrs: &[(i64, &str)]) -> BrokerData {
        BrokerData {
            broker_addrs: addrs.iter().map(|(id, addr)| (*id, (*addr).to_owned())).collect(),
            broker_name: "broker-a".to_owned(),
            cluster: "DefaultCluster".to_owned(),
            enable_acting_master: false,
            zone_name: None,
        }
    }

    fn route() -> TopicRouteData {
        TopicRouteData {
            broker_datas: vec![broker_a(&[(0, "192.168.1.20:10911"), (1, "192.168.1.21:10911")])],
            queue_datas: vec![QueueData {
                broker_name: "broker-a".to_owned(),
                perm: 6,
                read_queue_nums: 4,
                topic_sys_flag: 0,
                write_queue_nums: 4,
            }],
            ..TopicRouteData::default()
        }
    }

    #[test]
    fn route_golden_in_both_styles() {
        assert_eq!(from_slice::<TopicRouteData>(ROUTE_FASTJSON.as_bytes()).expect("fastjson form"), route());
        assert_eq!(from_slice::<TopicRouteData>(ROUTE_STANDARD.as_bytes()).expect("standard form"), route());
        assert_eq!(String::from_utf8(to_vec(&route(), KeyStyle::Fastjson)).expect("UTF-8"), ROUTE_FASTJSON);
        assert_eq!(String::from_utf8(to_vec(&route(), KeyStyle::Standard)).expect("UTF-8"), ROUTE_STANDARD);
        assert_eq!(route().broker_datas[0].master_addr(), Some("192.168.1.20:10911"));
    }

    #[test]
    fn cluster_info_golden() {
        let info = ClusterInfo {
            broker_addr_table: [("broker-a".to_owned(), broker_a(&[(0, "192.168.1.20:10911")]))].into(),
            cluster_addr_table: [("DefaultCluster".to_owned(), ["broker-a".to_owned()].into())].into(),
        };
        assert_eq!(from_slice::<ClusterInfo>(CLUSTER.as_bytes()).expect("decodes"), info);
        assert_eq!(String::from_utf8(to_vec(&info, KeyStyle::Fastjson)).expect("UTF-8"), CLUSTER);
        let standard = String::from_utf8(to_vec(&info, KeyStyle::Standard)).expect("UTF-8");
        assert_eq!(standard, CLUSTER.replace("{0:", "{\"0\":"));
    }

    #[test]
    fn member_group_golden() {
        let json = r#"{"brokerMemberGroup":{"brokerAddrs":{0:"192.168.1.20:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}}"#;
        let body: GetBrokerMemberGroupResponseBody = from_slice(json.as_bytes()).expect("decodes");
        let group = body.broker_member_group.as_ref().expect("present");
        assert_eq!(group.broker_addrs.get(&0).map(String::as_str), Some("192.168.1.20:10911"));
        assert_eq!(to_vec(&body, KeyStyle::Fastjson), json.as_bytes());
    }

    #[test]
    fn route_with_static_mapping_and_zone_round_trips() {
        let mut data = route();
        data.broker_datas[0].zone_name = Some("zone-1".to_owned());
        data.order_topic_conf = Some("broker-a:4".to_owned());
        let info = TopicQueueMappingInfo {
            bname: "broker-a".to_owned(),
            curr_id_map: [(0, 3), (1, 4)].into(),
            epoch: 9,
            topic: "T".to_owned(),
            total_queues: 2,
            ..TopicQueueMappingInfo::default()
        };
        data.topic_queue_mapping_by_broker = Some([("broker-a".to_owned(), info)].into());
        for style in [KeyStyle::Fastjson, KeyStyle::Standard] {
            let encoded = to_vec(&data, style);
            assert_eq!(from_slice::<TopicRouteData>(&encoded).expect("round trip"), data);
        }
        let text = String::from_utf8(to_vec(&data, KeyStyle::Fastjson)).expect("UTF-8");
        assert!(text.contains(r#""currIdMap":{0:3,1:4}"#), "{text}");
    }

    #[test]
    fn queues_derived_as_clients_do() {
        let mut data = route();
        data.queue_datas.push(QueueData {
            broker_name: "broker-b".to_owned(),
            perm: 6,
            read_queue_nums: 2,
            write_queue_nums: 2,
            topic_sys_flag: 0,
        });
        data.broker_datas.push(BrokerData { broker_name: "broker-b".to_owned(), ..BrokerData::default() });
        // broker-b has no master: readable, not writable.
        let write = data.write_queues("T");
        assert_eq!(write.len(), 4);
        assert_eq!(write[3], MessageQueue::new("T", "broker-a", 3));
        assert_eq!(data.read_queues("T").len(), 6);
        data.queue_datas[0].perm = 4;
        assert!(data.write_queues("T").is_empty());
    }

    #[test]
    fn go_client_missing_collections_are_empty() {
        let data: TopicRouteData = from_slice(b"{\"queueDatas\":null}\n").expect("decodes");
        assert_eq!(data, TopicRouteData::default());
    }
}
