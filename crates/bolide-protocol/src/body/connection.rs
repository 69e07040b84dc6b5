//! Connection listings (`data-formats.md` §11.1, §11.5): ConsumerConnection, ProducerConnection,
//! ProducerTableInfo.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::SubscriptionData;
use super::enums::{language_code, ConsumeFromWhere, ConsumeType, MessageModel};
use crate::json::lenient;
use crate::language::LanguageCode;

/// One client connection of a group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Connection {
    /// `ip:port` of the client's socket.
    #[serde(rename = "clientAddr", deserialize_with = "lenient::string")]
    pub client_addr: String,
    /// Client id from the heartbeat.
    #[serde(rename = "clientId", deserialize_with = "lenient::string")]
    pub client_id: String,
    /// Client language, by name.
    #[serde(with = "language_code")]
    pub language: LanguageCode,
    /// The client's version ordinal.
    #[serde(deserialize_with = "lenient::int")]
    pub version: i32,
}

/// GET_CONSUMER_CONNECTION_LIST response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerConnection {
    /// Connected clients.
    #[serde(rename = "connectionSet", deserialize_with = "lenient::or_default")]
    pub connection_set: Vec<Connection>,
    /// Where a new group starts.
    #[serde(rename = "consumeFromWhere", skip_serializing_if = "Option::is_none")]
    pub consume_from_where: Option<ConsumeFromWhere>,
    /// Pull, push or pop.
    #[serde(rename = "consumeType", skip_serializing_if = "Option::is_none")]
    pub consume_type: Option<ConsumeType>,
    /// Clustering or broadcasting.
    #[serde(rename = "messageModel", skip_serializing_if = "Option::is_none")]
    pub message_model: Option<MessageModel>,
    /// Topic → subscription.
    #[serde(rename = "subscriptionTable", deserialize_with = "lenient::or_default")]
    pub subscription_table: BTreeMap<String, SubscriptionData>,
}

/// GET_PRODUCER_CONNECTION_LIST response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProducerConnection {
    /// Connected producers.
    #[serde(rename = "connectionSet", deserialize_with = "lenient::or_default")]
    pub connection_set: Vec<Connection>,
}

/// GET_ALL_PRODUCER_INFO response (5.x): producer group → producers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProducerTableInfo {
    /// Group → producers.
    #[serde(deserialize_with = "lenient::or_default")]
    pub data: BTreeMap<String, Vec<ProducerInfo>>,
}

/// One producer of a group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProducerInfo {
    /// Client id.
    #[serde(rename = "clientId", deserialize_with = "lenient::string")]
    pub client_id: String,
    /// Client language, by name.
    #[serde(with = "language_code")]
    pub language: LanguageCode,
    /// Last heartbeat, ms.
    #[serde(rename = "lastUpdateTimestamp", deserialize_with = "lenient::int")]
    pub last_update_timestamp: i64,
    /// Client address.
    #[serde(rename = "remoteIP", deserialize_with = "lenient::string")]
    pub remote_ip: String,
    /// The client's version ordinal.
    #[serde(deserialize_with = "lenient::int")]
    pub version: i32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_slice, to_vec, KeyStyle};

    #[test]
    fn consumer_connection_golden() {
        let json = r#"{"connectionSet":[{"clientAddr":"192.168.1.30:53412","clientId":"192.168.1.30@12345#9876543210","language":"JAVA","version":479}],"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","subscriptionTable":{"TopicTest":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1717000000123,"tagsSet":[],"topic":"TopicTest"}}}"#;
        let body: ConsumerConnection = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(body.connection_set[0].version, 479);
        assert_eq!(body.connection_set[0].language, LanguageCode::Java);
        assert_eq!(body.subscription_table["TopicTest"], SubscriptionData::tag("TopicTest", "*", 1_717_000_000_123));
        assert_eq!(String::from_utf8(to_vec(&body, KeyStyle::Fastjson)).expect("UTF-8"), json);
    }

    #[test]
    fn languages_by_ordinal_and_unknown_value() {
        let body: ProducerConnection =
            from_slice(br#"{"connectionSet":[{"language":1},{"language":"GO"},{"language":200}]}"#).expect("decodes");
        let languages: Vec<_> = body.connection_set.iter().map(|connection| connection.language).collect();
        assert_eq!(languages, [LanguageCode::Cpp, LanguageCode::Go, LanguageCode::Unknown(200)]);
        let encoded = to_vec(&body, KeyStyle::Fastjson);
        assert_eq!(from_slice::<ProducerConnection>(&encoded).expect("round trip"), body);
    }

    #[test]
    fn producer_table_round_trip() {
        let json = r#"{"data":{"PG":[{"clientId":"c","language":"CPP","lastUpdateTimestamp":5,"remoteIP":"10.0.0.1:1","version":317}]}}"#;
        let body: ProducerTableInfo = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(to_vec(&body, KeyStyle::Fastjson), json.as_bytes());
    }
}
