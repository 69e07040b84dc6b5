//! Offset tables (`data-formats.md` §9.7, §9.8, §11.5): ResetOffsetBody and its C++ form,
//! GetConsumerStatusBody, ConsumerOffsetSerializeWrapper, delay offsets, QueryCorrectionOffsetBody.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::{DataVersion, MessageQueue};
use crate::json::{lenient, MessageQueueMap};

/// INVOKE_BROKER_TO_RESET_OFFSET response and RESET_CONSUMER_CLIENT_OFFSET request: the offset
/// to reset each queue to. Object keys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ResetOffsetBody {
    /// Queue → offset.
    #[serde(rename = "offsetTable", deserialize_with = "lenient::or_default")]
    pub offset_table: MessageQueueMap<i64>,
}

/// What RESET_CONSUMER_CLIENT_OFFSET carries to C++ clients instead: a plain array.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ResetOffsetBodyForC {
    /// One entry per queue.
    #[serde(rename = "offsetTable", deserialize_with = "lenient::or_default")]
    pub offset_table: Vec<MessageQueueForC>,
}

/// A queue with its reset offset, for C++ clients.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageQueueForC {
    /// Broker name.
    #[serde(rename = "brokerName", deserialize_with = "lenient::string")]
    pub broker_name: String,
    /// Offset to reset to.
    #[serde(deserialize_with = "lenient::int")]
    pub offset: i64,
    /// Queue id.
    #[serde(rename = "queueId", deserialize_with = "lenient::int")]
    pub queue_id: i32,
    /// Topic.
    #[serde(deserialize_with = "lenient::string")]
    pub topic: String,
}

impl From<&ResetOffsetBody> for ResetOffsetBodyForC {
    fn from(body: &ResetOffsetBody) -> Self {
        let offset_table = body
            .offset_table
            .iter()
            .map(|(queue, offset)| MessageQueueForC {
                broker_name: queue.broker_name.clone(),
                offset: *offset,
                queue_id: queue.queue_id,
                topic: queue.topic.clone(),
            })
            .collect();
        ResetOffsetBodyForC { offset_table }
    }
}

impl MessageQueueForC {
    /// The queue without the offset.
    pub fn message_queue(&self) -> MessageQueue {
        MessageQueue::new(self.topic.clone(), self.broker_name.clone(), self.queue_id)
    }
}

/// GET_CONSUMER_STATUS_FROM_CLIENT response (`messageQueueTable`) and
/// INVOKE_BROKER_TO_GET_CONSUMER_STATUS response (`consumerTable`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GetConsumerStatusBody {
    /// Client id → its queues' offsets.
    #[serde(rename = "consumerTable", deserialize_with = "lenient::or_default")]
    pub consumer_table: BTreeMap<String, MessageQueueMap<i64>>,
    /// Queue → offset, from one client.
    #[serde(rename = "messageQueueTable", deserialize_with = "lenient::or_default")]
    pub message_queue_table: MessageQueueMap<i64>,
}

/// GET_ALL_CONSUMER_OFFSET response (the broker's `consumerOffset.json`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerOffsetSerializeWrapper {
    /// 5.x: version of the table.
    #[serde(rename = "dataVersion", skip_serializing_if = "Option::is_none")]
    pub data_version: Option<DataVersion>,
    /// `topic@group` → queue id → committed offset; integer inner keys.
    #[serde(rename = "offsetTable", deserialize_with = "lenient::or_default")]
    pub offset_table: BTreeMap<String, BTreeMap<i32, i64>>,
}

/// GET_ALL_DELAY_OFFSET response: delay level → offset in the schedule topic's queue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DelayOffsetSerializeWrapper {
    /// 5.x: version of the table.
    #[serde(rename = "dataVersion", skip_serializing_if = "Option::is_none")]
    pub data_version: Option<DataVersion>,
    /// Delay level → offset; integer keys.
    #[serde(rename = "offsetTable", deserialize_with = "lenient::or_default")]
    pub offset_table: BTreeMap<i32, i64>,
}

/// QUERY_CORRECTION_OFFSET response: queue id → offset; integer keys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QueryCorrectionOffsetBody {
    /// Queue id → offset.
    #[serde(rename = "correctionOffsets", deserialize_with = "lenient::or_default")]
    pub correction_offsets: BTreeMap<i32, i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_slice, to_vec, KeyStyle};

    #[test]
    fn reset_offset_golden_and_c_form() {
        let json = r#"{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}:120,{"brokerName":"broker-a","queueId":1,"topic":"TopicTest"}:118}}"#;
        let body: ResetOffsetBody = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(body.offset_table.get(&MessageQueue::new("TopicTest", "broker-a", 1)), Some(&118));
        assert_eq!(String::from_utf8(to_vec(&body, KeyStyle::Fastjson)).expect("UTF-8"), json);
        let for_c = ResetOffsetBodyForC::from(&body);
        assert_eq!(
            String::from_utf8(to_vec(&for_c, KeyStyle::Fastjson)).expect("UTF-8"),
            r#"{"offsetTable":[{"brokerName":"broker-a","offset":120,"queueId":0,"topic":"TopicTest"},{"brokerName":"broker-a","offset":118,"queueId":1,"topic":"TopicTest"}]}"#
        );
        assert_eq!(for_c.offset_table[1].message_queue(), MessageQueue::new("TopicTest", "broker-a", 1));
    }

    #[test]
    fn consumer_status_nested_object_keys() {
        let json = r#"{"consumerTable":{"c1":{{"brokerName":"b","queueId":2,"topic":"T"}:7}},"messageQueueTable":{}}"#;
        let body: GetConsumerStatusBody = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(body.consumer_table["c1"].get(&MessageQueue::new("T", "b", 2)), Some(&7));
        assert_eq!(to_vec(&body, KeyStyle::Fastjson), json.as_bytes());
    }

    #[test]
    fn consumer_offsets_with_integer_keys() {
        let json = r#"{"dataVersion":{"counter":1,"stateVersion":0,"timestamp":5},"offsetTable":{"TopicTest@GroupA":{0:240,1:251}}}"#;
        let body: ConsumerOffsetSerializeWrapper = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(body.offset_table["TopicTest@GroupA"][&1], 251);
        assert_eq!(to_vec(&body, KeyStyle::Fastjson), json.as_bytes());
        let delay: DelayOffsetSerializeWrapper = from_slice(br#"{"offsetTable":{1:5,18:0}}"#).expect("decodes");
        assert_eq!(delay.offset_table[&18], 0);
        let correction: QueryCorrectionOffsetBody = from_slice(br#"{"correctionOffsets":{3:9}}"#).expect("decodes");
        assert_eq!(to_vec(&correction, KeyStyle::Fastjson), br#"{"correctionOffsets":{3:9}}"#);
    }
}
