//! Small table and list bodies (`data-formats.md` §3.6, §3.7, §9.2): KVTable, TopicList,
//! GroupList, GetConsumerListByGroupResponseBody.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::json::lenient;

/// `{"table":{...}}`: GET_KVLIST_BY_NAMESPACE, GET_BROKER_RUNTIME_INFO and the optional body of
/// the REGISTER_BROKER response (namespace `ORDER_TOPIC_CONFIG`). Values are always strings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct KvTable {
    /// Key → value.
    #[serde(deserialize_with = "lenient::string_map")]
    pub table: BTreeMap<String, String>,
}

/// A set of topic names; `brokerAddr` only in GET_SYSTEM_TOPIC_LIST_* responses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicList {
    /// Address of the broker the list came from.
    #[serde(rename = "brokerAddr", skip_serializing_if = "Option::is_none", deserialize_with = "lenient::opt_string")]
    pub broker_addr: Option<String>,
    /// Topic names.
    #[serde(rename = "topicList", deserialize_with = "lenient::or_default")]
    pub topic_list: BTreeSet<String>,
}

/// A set of consumer group names.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupList {
    /// Group names.
    #[serde(rename = "groupList", deserialize_with = "lenient::or_default")]
    pub group_list: BTreeSet<String>,
}

/// GET_CONSUMER_LIST_BY_GROUP response: the client ids exactly as the heartbeats gave them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GetConsumerListByGroupResponseBody {
    /// Client ids.
    #[serde(rename = "consumerIdList", deserialize_with = "lenient::or_default")]
    pub consumer_id_list: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_slice, to_vec, KeyStyle};

    #[test]
    fn kv_table_golden() {
        let json = r#"{"table":{"TopicOrder":"broker-a:8;broker-b:8"}}"#;
        let table: KvTable = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(table.table["TopicOrder"], "broker-a:8;broker-b:8");
        assert_eq!(to_vec(&table, KeyStyle::Fastjson), json.as_bytes());
        let lenient: KvTable = from_slice(br#"{"table":{"a":1,"b":true,"c":null}}"#).expect("decodes");
        assert_eq!(lenient.table, [("a".to_owned(), "1".to_owned()), ("b".to_owned(), "true".to_owned())].into());
    }

    #[test]
    fn topic_and_group_lists() {
        let list: TopicList = from_slice(br#"{"topicList":["TopicTest","TBW102","%RETRY%GroupA"]}"#).expect("decodes");
        assert_eq!(list.topic_list.len(), 3);
        assert_eq!(list.broker_addr, None);
        assert_eq!(to_vec(&list, KeyStyle::Fastjson), br#"{"topicList":["%RETRY%GroupA","TBW102","TopicTest"]}"#);
        let groups: GroupList = from_slice(br#"{"groupList":["G","G"]}"#).expect("decodes");
        assert_eq!(groups.group_list.len(), 1, "sets collapse duplicates");
    }

    #[test]
    fn consumer_list_golden() {
        let json = r#"{"consumerIdList":["192.168.1.30@12345#9876543210","192.168.1.31@222#1234"]}"#;
        let body: GetConsumerListByGroupResponseBody = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(body.consumer_id_list.len(), 2);
        assert_eq!(to_vec(&body, KeyStyle::Fastjson), json.as_bytes());
    }
}
