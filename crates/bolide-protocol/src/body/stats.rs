//! Statistics bodies (`data-formats.md` §11.2, §11.3, §11.5): ConsumeStats, ConsumeStatsList,
//! TopicStatsTable, QueryConsumeTimeSpanBody, BrokerStatsData. Queue tables use object keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::MessageQueue;
use crate::json::{lenient, MessageQueueMap};

/// GET_CONSUME_STATS response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumeStats {
    /// Consumed messages per second.
    #[serde(rename = "consumeTps", deserialize_with = "lenient::float")]
    pub consume_tps: f64,
    /// Queue → offsets.
    #[serde(rename = "offsetTable", deserialize_with = "lenient::or_default")]
    pub offset_table: MessageQueueMap<OffsetWrapper>,
}

impl ConsumeStats {
    /// Sum over queues of `brokerOffset − consumerOffset`, as mqadmin computes "diff".
    pub fn total_diff(&self) -> i64 {
        self.offset_table.iter().map(|(_, offsets)| offsets.broker_offset - offsets.consumer_offset).sum()
    }
}

/// Offsets of one queue for one group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OffsetWrapper {
    /// Queue max offset.
    #[serde(rename = "brokerOffset", deserialize_with = "lenient::int")]
    pub broker_offset: i64,
    /// Committed offset, 0 if none.
    #[serde(rename = "consumerOffset", deserialize_with = "lenient::int")]
    pub consumer_offset: i64,
    /// Store time of the last consumed message, 0 if unknown.
    #[serde(rename = "lastTimestamp", deserialize_with = "lenient::int")]
    pub last_timestamp: i64,
    /// 5.x: max of committed and last pulled.
    #[serde(rename = "pullOffset", deserialize_with = "lenient::int")]
    pub pull_offset: i64,
}

/// GET_BROKER_CONSUME_STATS response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumeStatsList {
    /// The broker.
    #[serde(rename = "brokerAddr", skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_string")]
    pub broker_addr: Option<String>,
    /// Group → its stats per topic.
    #[serde(rename = "consumeStatsList", deserialize_with = "lenient::or_default")]
    pub consume_stats_list: Vec<BTreeMap<String, Vec<ConsumeStats>>>,
    /// Sum of diffs.
    #[serde(rename = "totalDiff", deserialize_with = "lenient::int")]
    pub total_diff: i64,
    /// 5.x: sum of in-flight diffs.
    #[serde(rename = "totalInflightDiff", deserialize_with = "lenient::int")]
    pub total_inflight_diff: i64,
}

/// GET_TOPIC_STATS_INFO response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicStatsTable {
    /// Queue → offsets; one entry per queue id.
    #[serde(rename = "offsetTable", deserialize_with = "lenient::or_default")]
    pub offset_table: MessageQueueMap<TopicOffset>,
    /// 5.x: put rate.
    #[serde(rename = "topicPutTps", deserialize_with = "lenient::float")]
    pub topic_put_tps: f64,
}

/// Offsets of one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicOffset {
    /// Store time of the last message, 0 if empty.
    #[serde(rename = "lastUpdateTimestamp", deserialize_with = "lenient::int")]
    pub last_update_timestamp: i64,
    /// Next queue offset.
    #[serde(rename = "maxOffset", deserialize_with = "lenient::int")]
    pub max_offset: i64,
    /// First queue offset still stored.
    #[serde(rename = "minOffset", deserialize_with = "lenient::int")]
    pub min_offset: i64,
}

/// QUERY_CONSUME_TIME_SPAN response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QueryConsumeTimeSpanBody {
    /// One entry per queue.
    #[serde(rename = "consumeTimeSpanSet", deserialize_with = "lenient::or_default")]
    pub consume_time_span_set: Vec<QueueTimeSpan>,
}

/// Time span of one queue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueTimeSpan {
    /// Store time of the message at the consumer offset.
    #[serde(rename = "consumeTimeStamp", deserialize_with = "lenient::int")]
    pub consume_time_stamp: i64,
    /// The same, as text.
    #[serde(
        rename = "consumeTimeStampStr",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub consume_time_stamp_str: Option<String>,
    /// Delay between the newest message and the consumed one.
    #[serde(rename = "delayTime", deserialize_with = "lenient::int")]
    pub delay_time: i64,
    /// Store time of the newest message.
    #[serde(rename = "maxTimeStamp", deserialize_with = "lenient::int")]
    pub max_time_stamp: i64,
    /// The same, as text.
    #[serde(
        rename = "maxTimeStampStr",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub max_time_stamp_str: Option<String>,
    /// The queue.
    #[serde(rename = "messageQueue", skip_serializing_if = "Option::is_none")]
    pub message_queue: Option<MessageQueue>,
    /// Store time of the oldest message.
    #[serde(rename = "minTimeStamp", deserialize_with = "lenient::int")]
    pub min_time_stamp: i64,
    /// The same, as text.
    #[serde(
        rename = "minTimeStampStr",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub min_time_stamp_str: Option<String>,
}

/// VIEW_BROKER_STATS_DATA response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BrokerStatsData {
    /// Last day.
    #[serde(rename = "statsDay", deserialize_with = "lenient::or_default")]
    pub stats_day: BrokerStatsItem,
    /// Last hour.
    #[serde(rename = "statsHour", deserialize_with = "lenient::or_default")]
    pub stats_hour: BrokerStatsItem,
    /// Last minute.
    #[serde(rename = "statsMinute", deserialize_with = "lenient::or_default")]
    pub stats_minute: BrokerStatsItem,
}

/// One statistics window.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BrokerStatsItem {
    /// Average per operation.
    #[serde(deserialize_with = "lenient::float")]
    pub avgpt: f64,
    /// Total.
    #[serde(deserialize_with = "lenient::int")]
    pub sum: i64,
    /// Per second.
    #[serde(deserialize_with = "lenient::float")]
    pub tps: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_slice, to_vec, KeyStyle};

    #[test]
    fn consume_stats_golden() {
        let json = r#"{"consumeTps":0.0,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}:{"brokerOffset":250,"consumerOffset":240,"lastTimestamp":1717000001234,"pullOffset":250}}}"#;
        let stats: ConsumeStats = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(stats.total_diff(), 10);
        assert_eq!(String::from_utf8(to_vec(&stats, KeyStyle::Fastjson)).expect("UTF-8"), json);
    }

    #[test]
    fn topic_stats_golden() {
        let json = r#"{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}:{"lastUpdateTimestamp":1717000001234,"maxOffset":250,"minOffset":0}},"topicPutTps":0.0}"#;
        let stats: TopicStatsTable = from_slice(json.as_bytes()).expect("decodes");
        let queue = MessageQueue::new("TopicTest", "broker-a", 0);
        assert_eq!(stats.offset_table.get(&queue).map(|offset| offset.max_offset), Some(250));
        assert_eq!(String::from_utf8(to_vec(&stats, KeyStyle::Fastjson)).expect("UTF-8"), json);
    }

    #[test]
    fn consume_stats_list_nests_object_keys() {
        let json = r#"{"brokerAddr":"10.0.0.1:10911","consumeStatsList":[{"GroupA":[{"consumeTps":1.5,"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:{"brokerOffset":3,"consumerOffset":1,"lastTimestamp":0,"pullOffset":2}}}]}],"totalDiff":2,"totalInflightDiff":1}"#;
        let list: ConsumeStatsList = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(list.consume_stats_list[0]["GroupA"][0].total_diff(), 2);
        assert_eq!(String::from_utf8(to_vec(&list, KeyStyle::Fastjson)).expect("UTF-8"), json);
    }

    #[test]
    fn time_span_and_broker_stats() {
        let json = r#"{"consumeTimeSpanSet":[{"consumeTimeStamp":3,"delayTime":1,"maxTimeStamp":4,"messageQueue":{"brokerName":"b","queueId":0,"topic":"T"},"minTimeStamp":1}]}"#;
        let body: QueryConsumeTimeSpanBody = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(to_vec(&body, KeyStyle::Fastjson), json.as_bytes());
        let stats = r#"{"statsDay":{"avgpt":0.5,"sum":10,"tps":2.0},"statsHour":{"avgpt":0.0,"sum":0,"tps":0.0},"statsMinute":{"avgpt":0.0,"sum":0,"tps":0.0}}"#;
        let body: BrokerStatsData = from_slice(stats.as_bytes()).expect("decodes");
        assert_eq!(to_vec(&body, KeyStyle::Fastjson), stats.as_bytes());
    }
}
