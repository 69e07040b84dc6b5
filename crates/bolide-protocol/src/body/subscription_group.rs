//! Subscription group bodies (`data-formats.md` §11.4, §11.5): SubscriptionGroupConfig,
//! SubscriptionGroupWrapper, SubscriptionGroupList, QuerySubscriptionResponseBody.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::{DataVersion, SubscriptionData};
use super::enums::GroupRetryPolicyType;
use crate::json::lenient;

/// A consumer group's broker-side configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubscriptionGroupConfig {
    /// 5.x attributes.
    #[serde(deserialize_with = "lenient::string_map")]
    pub attributes: BTreeMap<String, String>,
    /// Broker id consumers should read from; default 0 (master).
    #[serde(rename = "brokerId", deserialize_with = "lenient::int")]
    pub broker_id: i64,
    /// Broadcast consumption allowed; default true.
    #[serde(rename = "consumeBroadcastEnable", deserialize_with = "lenient::boolean")]
    pub consume_broadcast_enable: bool,
    /// Consumption allowed; default true.
    #[serde(rename = "consumeEnable", deserialize_with = "lenient::boolean")]
    pub consume_enable: bool,
    /// A new group starts from the queue's start; default true.
    #[serde(rename = "consumeFromMinEnable", deserialize_with = "lenient::boolean")]
    pub consume_from_min_enable: bool,
    /// 5.x: orderly group.
    #[serde(rename = "consumeMessageOrderly", deserialize_with = "lenient::boolean")]
    pub consume_message_orderly: bool,
    /// 5.x; default 15.
    #[serde(rename = "consumeTimeoutMinute", deserialize_with = "lenient::int")]
    pub consume_timeout_minute: i32,
    /// Group name.
    #[serde(rename = "groupName", deserialize_with = "lenient::string")]
    pub group_name: String,
    /// 5.x retry back-off.
    #[serde(rename = "groupRetryPolicy", deserialize_with = "lenient::or_default")]
    pub group_retry_policy: GroupRetryPolicy,
    /// 5.x flags.
    #[serde(rename = "groupSysFlag", deserialize_with = "lenient::int")]
    pub group_sys_flag: i32,
    /// Tell consumers when the group's membership changes; default true.
    #[serde(rename = "notifyConsumerIdsChangedEnable", deserialize_with = "lenient::boolean")]
    pub notify_consumer_ids_changed_enable: bool,
    /// Reconsume attempts before the dead-letter queue; default 16.
    #[serde(rename = "retryMaxTimes", deserialize_with = "lenient::int")]
    pub retry_max_times: i32,
    /// Queues of `%RETRY%<group>`; default 1.
    #[serde(rename = "retryQueueNums", deserialize_with = "lenient::int")]
    pub retry_queue_nums: i32,
    /// 5.x, optional: declared subscriptions.
    #[serde(rename = "subscriptionDataSet", skip_serializing_if = "Option::is_none")]
    pub subscription_data_set: Option<Vec<SimpleSubscriptionData>>,
    /// Default 1.
    #[serde(rename = "whichBrokerWhenConsumeSlowly", deserialize_with = "lenient::int")]
    pub which_broker_when_consume_slowly: i64,
}

impl Default for SubscriptionGroupConfig {
    fn default() -> Self {
        SubscriptionGroupConfig {
            attributes: BTreeMap::new(),
            broker_id: 0,
            consume_broadcast_enable: true,
            consume_enable: true,
            consume_from_min_enable: true,
            consume_message_orderly: false,
            consume_timeout_minute: 15,
            group_name: String::new(),
            group_retry_policy: GroupRetryPolicy::default(),
            group_sys_flag: 0,
            notify_consumer_ids_changed_enable: true,
            retry_max_times: 16,
            retry_queue_nums: 1,
            subscription_data_set: None,
            which_broker_when_consume_slowly: 1,
        }
    }
}

impl SubscriptionGroupConfig {
    /// A group with Java's defaults.
    pub fn new(group_name: impl Into<String>) -> Self {
        SubscriptionGroupConfig { group_name: group_name.into(), ..SubscriptionGroupConfig::default() }
    }
}

/// Retry back-off of a group (5.x). Default `{"type":"CUSTOMIZED"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupRetryPolicy {
    /// The customized policy's parameters.
    #[serde(rename = "customizedRetryPolicy", skip_serializing_if = "Option::is_none")]
    pub customized_retry_policy: Option<CustomizedRetryPolicy>,
    /// The exponential policy's parameters.
    #[serde(rename = "exponentialRetryPolicy", skip_serializing_if = "Option::is_none")]
    pub exponential_retry_policy: Option<ExponentialRetryPolicy>,
    /// Which policy applies.
    #[serde(rename = "type", deserialize_with = "lenient::or_default")]
    pub policy_type: GroupRetryPolicyType,
}

/// Delays that grow by a factor per attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExponentialRetryPolicy {
    /// First delay, ms; default 5 s.
    #[serde(deserialize_with = "lenient::int")]
    pub initial: i64,
    /// Largest delay, ms; default 2 h.
    #[serde(deserialize_with = "lenient::int")]
    pub max: i64,
    /// Growth factor; default 2.
    #[serde(deserialize_with = "lenient::int")]
    pub multiplier: i64,
}

impl Default for ExponentialRetryPolicy {
    fn default() -> Self {
        ExponentialRetryPolicy { initial: 5_000, max: 7_200_000, multiplier: 2 }
    }
}

/// One delay per attempt; the last repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomizedRetryPolicy {
    /// Delays, ms; default the message delay levels 1 s … 2 h.
    #[serde(deserialize_with = "lenient::or_default")]
    pub next: Vec<i64>,
}

impl Default for CustomizedRetryPolicy {
    fn default() -> Self {
        const SECOND: i64 = 1_000;
        const MINUTE: i64 = 60 * SECOND;
        let next = [SECOND, 5 * SECOND, 10 * SECOND, 30 * SECOND]
            .into_iter()
            .chain((1..=10).map(|minutes| minutes * MINUTE))
            .chain([20 * MINUTE, 30 * MINUTE, 60 * MINUTE, 120 * MINUTE])
            .collect();
        CustomizedRetryPolicy { next }
    }
}

/// A declared subscription of a group (5.x).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimpleSubscriptionData {
    /// Filter expression.
    #[serde(deserialize_with = "lenient::string")]
    pub expression: String,
    /// `TAG` or `SQL92`.
    #[serde(rename = "expressionType", deserialize_with = "lenient::string")]
    pub expression_type: String,
    /// Topic.
    #[serde(deserialize_with = "lenient::string")]
    pub topic: String,
    /// Version.
    #[serde(deserialize_with = "lenient::int")]
    pub version: i64,
}

/// GET_ALL_SUBSCRIPTIONGROUP_CONFIG response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SubscriptionGroupWrapper {
    /// Version of the table.
    #[serde(rename = "dataVersion", deserialize_with = "lenient::or_default")]
    pub data_version: DataVersion,
    /// After 5.3.3 only: group → topic → forbidden bits.
    #[serde(rename = "forbiddenTable", skip_serializing_if = "Option::is_none")]
    pub forbidden_table: Option<BTreeMap<String, BTreeMap<String, i32>>>,
    /// Group → config.
    #[serde(rename = "subscriptionGroupTable", deserialize_with = "lenient::or_default")]
    pub subscription_group_table: BTreeMap<String, SubscriptionGroupConfig>,
}

/// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SubscriptionGroupList {
    /// Groups to create or update.
    #[serde(rename = "groupConfigList", deserialize_with = "lenient::or_default")]
    pub group_config_list: Vec<SubscriptionGroupConfig>,
}

/// QUERY_SUBSCRIPTION_BY_CONSUMER response (5.x).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QuerySubscriptionResponseBody {
    /// Consumer group.
    #[serde(deserialize_with = "lenient::string")]
    pub group: String,
    /// The subscription.
    #[serde(rename = "subscriptionData", skip_serializing_if = "Option::is_none")]
    pub subscription_data: Option<SubscriptionData>,
    /// Topic.
    #[serde(deserialize_with = "lenient::string")]
    pub topic: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_slice, to_vec, KeyStyle};

    #[test]
    fn missing_properties_take_java_defaults() {
        let config: SubscriptionGroupConfig = from_slice(br#"{"groupName":"GroupA"}"#).expect("decodes");
        assert_eq!(config, SubscriptionGroupConfig::new("GroupA"));
        assert_eq!(
            String::from_utf8(to_vec(&config, KeyStyle::Fastjson)).expect("UTF-8"),
            r#"{"attributes":{},"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"consumeMessageOrderly":false,"consumeTimeoutMinute":15,"groupName":"GroupA","groupRetryPolicy":{"type":"CUSTOMIZED"},"groupSysFlag":0,"notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}"#
        );
    }

    #[test]
    fn retry_policies_and_declared_subscriptions() {
        let json = r#"{"groupName":"G","groupRetryPolicy":{"exponentialRetryPolicy":{"initial":1000,"max":60000,"multiplier":3},"type":"EXPONENTIAL"},"subscriptionDataSet":[{"expression":"*","expressionType":"TAG","topic":"T","version":1}]}"#;
        let config: SubscriptionGroupConfig = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(config.group_retry_policy.policy_type, GroupRetryPolicyType::Exponential);
        assert_eq!(
            config.group_retry_policy.exponential_retry_policy.as_ref().map(|policy| policy.multiplier),
            Some(3)
        );
        assert_eq!(config.subscription_data_set.as_ref().map(Vec::len), Some(1));
        assert_eq!(CustomizedRetryPolicy::default().next.len(), 18);
        let encoded = to_vec(&config, KeyStyle::Fastjson);
        assert_eq!(from_slice::<SubscriptionGroupConfig>(&encoded).expect("round trip"), config);
    }

    #[test]
    fn wrapper_and_list() {
        let json = r#"{"dataVersion":{"counter":1,"stateVersion":0,"timestamp":2},"subscriptionGroupTable":{"G":{"groupName":"G","retryMaxTimes":3}}}"#;
        let wrapper: SubscriptionGroupWrapper = from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(wrapper.subscription_group_table["G"].retry_max_times, 3);
        assert!(wrapper.subscription_group_table["G"].consume_enable);
        let list: SubscriptionGroupList = from_slice(br#"{"groupConfigList":[{"groupName":"A"}]}"#).expect("decodes");
        assert_eq!(list.group_config_list, vec![SubscriptionGroupConfig::new("A")]);
    }
}
