//! Queue lock bodies for ordered consumption (`data-formats.md` §9.3): LOCK_BATCH_MQ and
//! UNLOCK_BATCH_MQ requests, LOCK_BATCH_MQ response.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::common::MessageQueue;
use crate::json::lenient;

/// LOCK_BATCH_MQ request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LockBatchRequestBody {
    /// Requesting client.
    #[serde(rename = "clientId", deserialize_with = "lenient::string")]
    pub client_id: String,
    /// Consumer group.
    #[serde(rename = "consumerGroup", deserialize_with = "lenient::string")]
    pub consumer_group: String,
    /// Queues to lock.
    #[serde(rename = "mqSet", deserialize_with = "lenient::or_default")]
    pub mq_set: BTreeSet<MessageQueue>,
    /// 5.x: do not fan out to replicas.
    #[serde(rename = "onlyThisBroker", deserialize_with = "lenient::boolean")]
    pub only_this_broker: bool,
}

/// UNLOCK_BATCH_MQ request; the same properties as [`LockBatchRequestBody`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UnlockBatchRequestBody {
    /// Requesting client.
    #[serde(rename = "clientId", deserialize_with = "lenient::string")]
    pub client_id: String,
    /// Consumer group.
    #[serde(rename = "consumerGroup", deserialize_with = "lenient::string")]
    pub consumer_group: String,
    /// Queues to unlock.
    #[serde(rename = "mqSet", deserialize_with = "lenient::or_default")]
    pub mq_set: BTreeSet<MessageQueue>,
    /// 5.x: do not fan out to replicas.
    #[serde(rename = "onlyThisBroker", deserialize_with = "lenient::boolean")]
    pub only_this_broker: bool,
}

/// LOCK_BATCH_MQ response: the queues now locked by the requester.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LockBatchResponseBody {
    /// Locked queues.
    #[serde(rename = "lockOKMQSet", deserialize_with = "lenient::or_default")]
    pub lock_ok_mq_set: BTreeSet<MessageQueue>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_slice, to_vec, KeyStyle};

    #[test]
    fn lock_request_golden() {
        let json = r#"{"clientId":"192.168.1.30@12345#9876543210","consumerGroup":"GroupA","mqSet":[{"brokerName":"broker-a","queueId":0,"topic":"OrderTopic"},{"brokerName":"broker-a","queueId":1,"topic":"OrderTopic"}],"onlyThisBroker":false}"#;
        let body: LockBatchRequestBody = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(body.mq_set.len(), 2);
        assert!(body.mq_set.contains(&MessageQueue::new("OrderTopic", "broker-a", 1)));
        assert_eq!(to_vec(&body, KeyStyle::Fastjson), json.as_bytes());
        let unlock: UnlockBatchRequestBody = from_slice(json.as_bytes()).expect("same shape");
        assert_eq!(unlock.mq_set, body.mq_set);
    }

    #[test]
    fn lock_response_golden() {
        let json = r#"{"lockOKMQSet":[{"brokerName":"broker-a","queueId":0,"topic":"OrderTopic"}]}"#;
        let body: LockBatchResponseBody = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(body.lock_ok_mq_set.len(), 1);
        assert_eq!(to_vec(&body, KeyStyle::Fastjson), json.as_bytes());
    }
}
