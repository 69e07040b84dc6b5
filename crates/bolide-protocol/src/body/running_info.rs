//! ConsumerRunningInfo (`data-formats.md` §9.6): the GET_CONSUMER_RUNNING_INFO response, written
//! by clients and relayed by the broker. `mqTable` and `mqPopTable` use object keys.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::common::SubscriptionData;
use crate::json::{lenient, MessageQueueMap};

/// A consumer's settings, queues and statistics.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerRunningInfo {
    /// Optional thread dump.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_string")]
    pub jstack: Option<String>,
    /// 5.x: queue → pop state.
    #[serde(rename = "mqPopTable", deserialize_with = "lenient::or_default")]
    pub mq_pop_table: MessageQueueMap<PopProcessQueueInfo>,
    /// Queue → process queue state.
    #[serde(rename = "mqTable", deserialize_with = "lenient::or_default")]
    pub mq_table: MessageQueueMap<ProcessQueueInfo>,
    /// Client settings and statistics (`PROP_CONSUME_TYPE`, `PROP_CLIENT_VERSION`, …).
    #[serde(deserialize_with = "lenient::string_map")]
    pub properties: BTreeMap<String, String>,
    /// Topic → statistics.
    #[serde(rename = "statusTable", deserialize_with = "lenient::or_default")]
    pub status_table: BTreeMap<String, ConsumeStatus>,
    /// Subscriptions.
    #[serde(rename = "subscriptionSet", deserialize_with = "lenient::or_default")]
    pub subscription_set: Vec<SubscriptionData>,
    /// 5.x: user-supplied information.
    #[serde(rename = "userConsumerInfo", deserialize_with = "lenient::string_map")]
    pub user_consumer_info: BTreeMap<String, String>,
}

/// State of one pulled queue in a push consumer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProcessQueueInfo {
    /// Cached messages.
    #[serde(rename = "cachedMsgCount", deserialize_with = "lenient::int")]
    pub cached_msg_count: i32,
    /// Highest cached queue offset.
    #[serde(rename = "cachedMsgMaxOffset", deserialize_with = "lenient::int")]
    pub cached_msg_max_offset: i64,
    /// Lowest cached queue offset.
    #[serde(rename = "cachedMsgMinOffset", deserialize_with = "lenient::int")]
    pub cached_msg_min_offset: i64,
    /// Cached body size.
    #[serde(rename = "cachedMsgSizeInMiB", deserialize_with = "lenient::int")]
    pub cached_msg_size_in_mib: i32,
    /// Offset the client will commit.
    #[serde(rename = "commitOffset", deserialize_with = "lenient::int")]
    pub commit_offset: i64,
    /// Dropped (sic, Java's spelling).
    #[serde(deserialize_with = "lenient::boolean")]
    pub droped: bool,
    /// Last consume time, ms.
    #[serde(rename = "lastConsumeTimestamp", deserialize_with = "lenient::int")]
    pub last_consume_timestamp: i64,
    /// Last lock time, ms.
    #[serde(rename = "lastLockTimestamp", deserialize_with = "lenient::int")]
    pub last_lock_timestamp: i64,
    /// Last pull time, ms.
    #[serde(rename = "lastPullTimestamp", deserialize_with = "lenient::int")]
    pub last_pull_timestamp: i64,
    /// Locked (orderly).
    #[serde(deserialize_with = "lenient::boolean")]
    pub locked: bool,
    /// Messages of an open orderly transaction.
    #[serde(rename = "transactionMsgCount", deserialize_with = "lenient::int")]
    pub transaction_msg_count: i32,
    /// Highest offset of the open orderly transaction.
    #[serde(rename = "transactionMsgMaxOffset", deserialize_with = "lenient::int")]
    pub transaction_msg_max_offset: i64,
    /// Lowest offset of the open orderly transaction.
    #[serde(rename = "transactionMsgMinOffset", deserialize_with = "lenient::int")]
    pub transaction_msg_min_offset: i64,
    /// Unlock attempts.
    #[serde(rename = "tryUnlockTimes", deserialize_with = "lenient::int")]
    pub try_unlock_times: i64,
}

/// State of one popped queue (5.x).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PopProcessQueueInfo {
    /// Dropped (sic).
    #[serde(deserialize_with = "lenient::boolean")]
    pub droped: bool,
    /// Last pop time, ms.
    #[serde(rename = "lastPopTimestamp", deserialize_with = "lenient::int")]
    pub last_pop_timestamp: i64,
    /// Messages popped and not yet acked.
    #[serde(rename = "waitAckCount", deserialize_with = "lenient::int")]
    pub wait_ack_count: i32,
}

/// Per-topic consume statistics.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumeStatus {
    /// Failed messages in the last hour.
    #[serde(rename = "consumeFailedMsgs", deserialize_with = "lenient::int")]
    pub consume_failed_msgs: i64,
    /// Failures per second.
    #[serde(rename = "consumeFailedTPS", deserialize_with = "lenient::float")]
    pub consume_failed_tps: f64,
    /// Successes per second.
    #[serde(rename = "consumeOKTPS", deserialize_with = "lenient::float")]
    pub consume_ok_tps: f64,
    /// Consume latency, ms.
    #[serde(rename = "consumeRT", deserialize_with = "lenient::float")]
    pub consume_rt: f64,
    /// Pull latency, ms.
    #[serde(rename = "pullRT", deserialize_with = "lenient::float")]
    pub pull_rt: f64,
    /// Pulled messages per second.
    #[serde(rename = "pullTPS", deserialize_with = "lenient::float")]
    pub pull_tps: f64,
}

impl ConsumerRunningInfo {
    /// Topics of the subscriptions.
    pub fn topics(&self) -> BTreeSet<&str> {
        self.subscription_set.iter().map(|data| data.topic.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::MessageQueue;
    use crate::json::{from_slice, to_vec, KeyStyle};

    #[test]
    fn running_info_with_object_keys_round_trips() {
        let json = r#"{"jstack":"main","mqPopTable":{},"mqTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"cachedMsgCount":1,"cachedMsgMaxOffset":9,"cachedMsgMinOffset":9,"cachedMsgSizeInMiB":0,"commitOffset":9,"droped":false,"lastConsumeTimestamp":2,"lastLockTimestamp":0,"lastPullTimestamp":1,"locked":false,"transactionMsgCount":0,"transactionMsgMaxOffset":0,"transactionMsgMinOffset":0,"tryUnlockTimes":0}},"properties":{"PROP_CONSUME_TYPE":"CONSUME_PASSIVELY"},"statusTable":{"T":{"consumeFailedMsgs":0,"consumeFailedTPS":0.0,"consumeOKTPS":1.5,"consumeRT":2.0,"pullRT":3.0,"pullTPS":4.0}},"subscriptionSet":[],"userConsumerInfo":{}}"#;
        let info: ConsumerRunningInfo = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(info.mq_table.get(&MessageQueue::new("T", "b", 0)).map(|queue| queue.commit_offset), Some(9));
        assert_eq!(info.status_table["T"].consume_ok_tps, 1.5);
        assert_eq!(String::from_utf8(to_vec(&info, KeyStyle::Fastjson)).expect("UTF-8"), json);
    }

    #[test]
    fn go_client_hand_written_form() {
        // The Go client writes the map by hand; spacing and property subsets vary.
        let go = r#"{"properties":{"PROP_CLIENT_VERSION":"v2.1.2","PROP_CONSUMER_START_TIMESTAMP":1717000000000}, "mqTable":{ {"topic":"T","brokerName":"b","queueId":1} : {"commitOffset":3} }}"#;
        let info: ConsumerRunningInfo = from_slice(go.as_bytes()).expect("decodes");
        assert_eq!(info.properties["PROP_CONSUMER_START_TIMESTAMP"], "1717000000000");
        assert_eq!(info.mq_table.get(&MessageQueue::new("T", "b", 1)).map(|queue| queue.commit_offset), Some(3));
    }
}
