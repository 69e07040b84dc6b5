//! 5.x POP and assignment bodies (`data-formats.md` §9.9, §9.10): BatchAckMessageRequestBody,
//! QueryAssignmentRequestBody / ResponseBody, SetMessageRequestModeRequestBody.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::MessageQueue;
use super::enums::{MessageModel, MessageRequestMode};
use crate::json::lenient;

/// BATCH_ACK_MESSAGE request (5.1.3+).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BatchAckMessageRequestBody {
    /// Acks, one per (queue, pop batch).
    #[serde(deserialize_with = "lenient::or_default")]
    pub acks: Vec<BatchAck>,
    /// Broker name.
    #[serde(rename = "brokerName", deserialize_with = "lenient::string")]
    pub broker_name: String,
}

/// Acks of several offsets of one pop batch. Written with short property names; the long names
/// are accepted too.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BatchAck {
    /// Base64 of the bit set's little-endian bytes; bit i acks offset `start_offset + i`.
    #[serde(rename = "b", alias = "bitSet", deserialize_with = "lenient::string")]
    pub bit_set: String,
    /// Consumer group.
    #[serde(rename = "c", alias = "consumerGroup", deserialize_with = "lenient::string")]
    pub consumer_group: String,
    /// Invisible time, ms.
    #[serde(rename = "it", alias = "invisibleTime", deserialize_with = "lenient::int")]
    pub invisible_time: i64,
    /// Pop time, ms.
    #[serde(rename = "pt", alias = "popTime", deserialize_with = "lenient::int")]
    pub pop_time: i64,
    /// Queue id.
    #[serde(rename = "q", alias = "queueId", deserialize_with = "lenient::int")]
    pub queue_id: i32,
    /// Retry flag `0`/`1`/`2`.
    #[serde(rename = "r", alias = "retry", deserialize_with = "lenient::string")]
    pub retry: String,
    /// Revive queue id.
    #[serde(rename = "rq", alias = "reviveQueueId", deserialize_with = "lenient::int")]
    pub revive_queue_id: i32,
    /// First offset of the pop batch.
    #[serde(rename = "so", alias = "startOffset", deserialize_with = "lenient::int")]
    pub start_offset: i64,
    /// Topic.
    #[serde(rename = "t", alias = "topic", deserialize_with = "lenient::string")]
    pub topic: String,
}

/// QUERY_ASSIGNMENT request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QueryAssignmentRequestBody {
    /// Client id.
    #[serde(rename = "clientId", deserialize_with = "lenient::string")]
    pub client_id: String,
    /// Consumer group.
    #[serde(rename = "consumerGroup", deserialize_with = "lenient::string")]
    pub consumer_group: String,
    /// Clustering or broadcasting.
    #[serde(rename = "messageModel", skip_serializing_if = "Option::is_none")]
    pub message_model: Option<MessageModel>,
    /// Allocation strategy name.
    #[serde(rename = "strategyName", deserialize_with = "lenient::string")]
    pub strategy_name: String,
    /// Topic.
    #[serde(deserialize_with = "lenient::string")]
    pub topic: String,
}

/// QUERY_ASSIGNMENT response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QueryAssignmentResponseBody {
    /// Assigned queues.
    #[serde(rename = "messageQueueAssignments", deserialize_with = "lenient::or_default")]
    pub message_queue_assignments: Vec<MessageQueueAssignment>,
}

/// One assigned queue and how to read it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageQueueAssignment {
    /// Extra settings.
    #[serde(deserialize_with = "lenient::string_map")]
    pub attachments: BTreeMap<String, String>,
    /// The queue.
    #[serde(rename = "messageQueue", skip_serializing_if = "Option::is_none")]
    pub message_queue: Option<MessageQueue>,
    /// Pull or pop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<MessageRequestMode>,
}

/// SET_MESSAGE_REQUEST_MODE request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SetMessageRequestModeRequestBody {
    /// Consumer group.
    #[serde(rename = "consumerGroup", deserialize_with = "lenient::string")]
    pub consumer_group: String,
    /// Pull or pop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<MessageRequestMode>,
    /// Clients sharing one queue in pop mode.
    #[serde(rename = "popShareQueueNum", deserialize_with = "lenient::int")]
    pub pop_share_queue_num: i32,
    /// Topic.
    #[serde(deserialize_with = "lenient::string")]
    pub topic: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_slice, to_vec, KeyStyle};

    #[test]
    fn batch_ack_short_and_long_names() {
        let short = r#"{"acks":[{"b":"Aw==","c":"G","it":30000,"pt":1717000000000,"q":1,"r":"0","rq":2,"so":40,"t":"T"}],"brokerName":"broker-a"}"#;
        let body: BatchAckMessageRequestBody = from_slice(short.as_bytes()).expect("decodes");
        assert_eq!(body.acks[0].start_offset, 40);
        assert_eq!(to_vec(&body, KeyStyle::Fastjson), short.as_bytes());
        let long = r#"{"acks":[{"bitSet":"Aw==","consumerGroup":"G","invisibleTime":30000,"popTime":1717000000000,"queueId":1,"retry":"0","reviveQueueId":2,"startOffset":40,"topic":"T"}],"brokerName":"broker-a"}"#;
        assert_eq!(from_slice::<BatchAckMessageRequestBody>(long.as_bytes()).expect("decodes"), body);
    }

    #[test]
    fn assignment_bodies() {
        let json = r#"{"messageQueueAssignments":[{"attachments":{},"messageQueue":{"brokerName":"b","queueId":0,"topic":"T"},"mode":"POP"}]}"#;
        let body: QueryAssignmentResponseBody = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(body.message_queue_assignments[0].mode, Some(MessageRequestMode::Pop));
        assert_eq!(to_vec(&body, KeyStyle::Fastjson), json.as_bytes());
        let request =
            r#"{"clientId":"c","consumerGroup":"G","messageModel":"CLUSTERING","strategyName":"AVG","topic":"T"}"#;
        let decoded: QueryAssignmentRequestBody = from_slice(request.as_bytes()).expect("decodes");
        assert_eq!(to_vec(&decoded, KeyStyle::Fastjson), request.as_bytes());
        let mode = r#"{"consumerGroup":"G","mode":"PULL","popShareQueueNum":0,"topic":"T"}"#;
        let decoded: SetMessageRequestModeRequestBody = from_slice(mode.as_bytes()).expect("decodes");
        assert_eq!(to_vec(&decoded, KeyStyle::Fastjson), mode.as_bytes());
    }
}
