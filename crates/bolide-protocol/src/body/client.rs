//! Client bodies (`data-formats.md` §9.1, §9.4, §9.5): HeartbeatData with ProducerData and
//! ConsumerData, CheckClientRequestBody, ConsumeMessageDirectlyResult.

use serde::{Deserialize, Serialize};

use super::common::SubscriptionData;
use super::enums::{CmResult, ConsumeFromWhere, ConsumeType, MessageModel};
use crate::json::lenient;

/// HEART_BEAT request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HeartbeatData {
    /// `clientIP@instanceName[@unitName]`; echoed unchanged in consumer lists.
    #[serde(rename = "clientID", deserialize_with = "lenient::string")]
    pub client_id: String,
    /// Consumer groups of this client.
    #[serde(rename = "consumerDataSet", deserialize_with = "lenient::or_default")]
    pub consumer_data_set: Vec<ConsumerData>,
    /// 5.x heartbeat v2 fingerprint; 0 for v1.
    #[serde(rename = "heartbeatFingerprint", deserialize_with = "lenient::int")]
    pub heartbeat_fingerprint: i32,
    /// Producer groups of this client (Java always adds `CLIENT_INNER_PRODUCER`).
    #[serde(rename = "producerDataSet", deserialize_with = "lenient::or_default")]
    pub producer_data_set: Vec<ProducerData>,
    /// 5.x: subscriptions omitted, reuse the previous ones.
    #[serde(rename = "withoutSub", deserialize_with = "lenient::boolean")]
    pub without_sub: bool,
}

/// A producer group in a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProducerData {
    /// Producer group.
    #[serde(rename = "groupName", deserialize_with = "lenient::string")]
    pub group_name: String,
}

/// A consumer group in a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerData {
    /// Where a new group starts.
    #[serde(rename = "consumeFromWhere", skip_serializing_if = "Option::is_none")]
    pub consume_from_where: Option<ConsumeFromWhere>,
    /// Pull, push or pop.
    #[serde(rename = "consumeType", skip_serializing_if = "Option::is_none")]
    pub consume_type: Option<ConsumeType>,
    /// Consumer group.
    #[serde(rename = "groupName", deserialize_with = "lenient::string")]
    pub group_name: String,
    /// Clustering or broadcasting.
    #[serde(rename = "messageModel", skip_serializing_if = "Option::is_none")]
    pub message_model: Option<MessageModel>,
    /// Subscriptions; clustering push consumers include `%RETRY%<group>`.
    #[serde(rename = "subscriptionDataSet", deserialize_with = "lenient::or_default")]
    pub subscription_data_set: Vec<SubscriptionData>,
    /// Unit mode.
    #[serde(rename = "unitMode", deserialize_with = "lenient::boolean")]
    pub unit_mode: bool,
}

/// CHECK_CLIENT_CONFIG request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckClientRequestBody {
    /// Client id.
    #[serde(rename = "clientId", deserialize_with = "lenient::string")]
    pub client_id: String,
    /// Consumer group.
    #[serde(deserialize_with = "lenient::string")]
    pub group: String,
    /// 5.x namespace.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_string")]
    pub namespace: Option<String>,
    /// The subscription to check.
    #[serde(rename = "subscriptionData", skip_serializing_if = "Option::is_none")]
    pub subscription_data: Option<SubscriptionData>,
}

/// CONSUME_MESSAGE_DIRECTLY response, written by clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumeMessageDirectlyResult {
    /// Offsets committed automatically (orderly); default true.
    #[serde(rename = "autoCommit", deserialize_with = "lenient::boolean")]
    pub auto_commit: bool,
    /// Outcome.
    #[serde(rename = "consumeResult", skip_serializing_if = "Option::is_none")]
    pub consume_result: Option<CmResult>,
    /// Consumed by an orderly listener.
    #[serde(deserialize_with = "lenient::boolean")]
    pub order: bool,
    /// Free text, e.g. the exception.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_string")]
    pub remark: Option<String>,
    /// Time spent consuming (sic, Java's spelling).
    #[serde(rename = "spentTimeMills", deserialize_with = "lenient::int")]
    pub spent_time_mills: i64,
}

impl Default for ConsumeMessageDirectlyResult {
    fn default() -> Self {
        ConsumeMessageDirectlyResult {
            auto_commit: true,
            consume_result: None,
            order: false,
            remark: None,
            spent_time_mills: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_slice, to_vec, KeyStyle};

    const JAVA: &str = r#"{"clientID":"192.168.1.30@12345#9876543210","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","groupName":"GroupA","messageModel":"CLUSTERING","subscriptionDataSet":[{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1717000000123,"tagsSet":[],"topic":"TopicTest"},{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1717000000124,"tagsSet":[],"topic":"%RETRY%GroupA"}],"unitMode":false}],"heartbeatFingerprint":0,"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"}],"withoutSub":false}"#;

    fn expected() -> HeartbeatData {
        HeartbeatData {
            client_id: "192.168.1.30@12345#9876543210".to_owned(),
            consumer_data_set: vec![ConsumerData {
                consume_from_where: Some(ConsumeFromWhere::LastOffset),
                consume_type: Some(ConsumeType::Passively),
                group_name: "GroupA".to_owned(),
                message_model: Some(MessageModel::Clustering),
                subscription_data_set: vec![
                    SubscriptionData::tag("TopicTest", "*", 1_717_000_000_123),
                    SubscriptionData::tag("%RETRY%GroupA", "*", 1_717_000_000_124),
                ],
                unit_mode: false,
            }],
            heartbeat_fingerprint: 0,
            producer_data_set: vec![ProducerData { group_name: "CLIENT_INNER_PRODUCER".to_owned() }],
            without_sub: false,
        }
    }

    #[test]
    fn java_heartbeat_golden() {
        let data: HeartbeatData = from_slice(JAVA.as_bytes()).expect("decodes");
        assert_eq!(data, expected());
        assert_eq!(String::from_utf8(to_vec(&data, KeyStyle::Fastjson)).expect("UTF-8"), JAVA);
    }

    #[test]
    fn cpp_heartbeat_with_ordinals_and_missing_sets() {
        let cpp = r#"{"clientID":"192.168.1.30@12345#9876543210","consumerDataSet":[{"consumeFromWhere":0,"consumeType":1,"groupName":"GroupA","messageModel":1,"subscriptionDataSet":[{"subString":"*","subVersion":"1717000000123","topic":"TopicTest"},{"subString":"*","subVersion":"1717000000124","topic":"%RETRY%GroupA"}]}],"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"}]}"#;
        let data: HeartbeatData = from_slice(format!("{cpp}\r\n").as_bytes()).expect("decodes");
        assert_eq!(data, expected());
    }

    #[test]
    fn go_heartbeat_without_v2_fields_or_producers() {
        let go = r#"{"clientID":"c","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","consumeType":"CONSUME_ACTIVELY","groupName":"G","messageModel":"BROADCASTING","subscriptionDataSet":null,"unitMode":false}],"producerDataSet":null}"#;
        let data: HeartbeatData = from_slice(go.as_bytes()).expect("decodes");
        assert!(data.producer_data_set.is_empty());
        assert_eq!(data.consumer_data_set[0].consume_from_where, Some(ConsumeFromWhere::FirstOffset));
        assert!(data.consumer_data_set[0].subscription_data_set.is_empty());
    }

    #[test]
    fn errors_name_the_offending_property() {
        let bad = r#"{"consumerDataSet":[{"groupName":"G","consumeType":"PUSH"}]}"#;
        match from_slice::<HeartbeatData>(bad.as_bytes()) {
            Err(crate::json::JsonError::Data { path, .. }) => assert_eq!(path, "consumerDataSet[0].consumeType"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn consume_directly_result_defaults() {
        let result: ConsumeMessageDirectlyResult = from_slice(br#"{"consumeResult":"CR_SUCCESS"}"#).expect("decodes");
        assert!(result.auto_commit);
        assert_eq!(result.consume_result, Some(CmResult::Success));
        assert_eq!(
            to_vec(&result, KeyStyle::Fastjson),
            br#"{"autoCommit":true,"consumeResult":"CR_SUCCESS","order":false,"spentTimeMills":0}"#
        );
    }

    #[test]
    fn check_client_body() {
        let json = r#"{"clientId":"c","group":"G","subscriptionData":{"classFilterMode":false,"codeSet":[],"expressionType":"SQL92","subString":"a > 1","subVersion":5,"tagsSet":[],"topic":"T"}}"#;
        let body: CheckClientRequestBody = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(body.subscription_data.as_ref().map(|data| data.expression_type.as_str()), Some("SQL92"));
        assert_eq!(to_vec(&body, KeyStyle::Fastjson), json.as_bytes());
    }
}
