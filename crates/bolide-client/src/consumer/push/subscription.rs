//! Subscriptions of a push consumer: a topic and a filter [`Expression`], turned into the
//! `SubscriptionData` announced in heartbeats and sent with every pull.

use bolide_protocol::body::{CheckClientRequestBody, SubscriptionData};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::error::ClientError;
use crate::instance::Instance;
use crate::message::MessageExt;

/// Java's `ExpressionType.SQL92`.
const SQL92: &str = "SQL92";

/// Which messages of a topic a subscription wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expression {
    /// Tags separated by `||` (`"TagA || TagB"`), or `*` for every message.
    Tags(String),
    /// A SQL92 condition on message properties (`"a > 5 AND color = 'blue'"`). The broker
    /// must run with `enablePropertyFilter=true`.
    Sql92(String),
}

impl Expression {
    /// Every message of the topic.
    pub fn all() -> Self {
        Expression::Tags("*".to_owned())
    }

    /// A tag expression such as `"TagA || TagB"`.
    pub fn tags(expression: impl Into<String>) -> Self {
        Expression::Tags(expression.into())
    }

    /// A SQL92 property condition.
    pub fn sql92(expression: impl Into<String>) -> Self {
        Expression::Sql92(expression.into())
    }
}

/// One subscribed topic, as built at subscribe time.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub(crate) data: SubscriptionData,
}

impl Subscription {
    /// Validates `expression` and stamps the subscription version with `version` (Java uses
    /// the creation time in ms).
    pub(crate) fn new(topic: &str, expression: &Expression, version: i64) -> Result<Self, ClientError> {
        let invalid =
            |reason: &str| ClientError::InvalidSubscription { topic: topic.to_owned(), reason: reason.into() };
        if topic.is_empty() || topic.len() > 127 {
            return Err(invalid("a topic has 1 to 127 characters"));
        }
        let data = match expression {
            Expression::Tags(tags) => SubscriptionData::tag(topic, tags, version),
            Expression::Sql92(sql) if sql.trim().is_empty() => return Err(invalid("empty SQL92 expression")),
            Expression::Sql92(sql) => SubscriptionData {
                topic: topic.to_owned(),
                sub_string: sql.clone(),
                expression_type: SQL92.to_owned(),
                sub_version: version,
                ..SubscriptionData::default()
            },
        };
        Ok(Self { data })
    }

    pub(crate) fn topic(&self) -> &str {
        &self.data.topic
    }

    /// CHECK_CLIENT_CONFIG to every master serving the topic, for a subscription that is not a
    /// tag expression (Java's `MQClientInstance.checkClientInBroker`): the broker compiles the
    /// expression and refuses a bad one, or SQL92 when `enablePropertyFilter` is off. A topic
    /// without a route yet has nobody to ask.
    pub(crate) async fn check_in_brokers(&self, instance: &Instance, group: &str) -> Result<(), ClientError> {
        if self.data.is_tag_type() {
            return Ok(());
        }
        let Some(route) = instance.cached_route(self.topic()) else {
            return Ok(());
        };
        let body = CheckClientRequestBody {
            client_id: instance.client_id().to_owned(),
            group: group.to_owned(),
            namespace: None,
            subscription_data: Some(self.data.clone()),
        };
        let body = json::to_vec(&body, KeyStyle::Fastjson);
        let mut addrs: Vec<&String> = route.masters.values().collect();
        addrs.sort();
        for addr in addrs {
            let request = RemotingCommand::request(RequestCode::CHECK_CLIENT_CONFIG).with_body(body.clone());
            let response = instance.invoke(addr, request, instance.config().request_timeout()).await?;
            let code = response.response_code();
            if code != ResponseCode::SUCCESS {
                return Err(ClientError::SubscriptionRefused {
                    topic: self.data.topic.clone(),
                    expression_type: self.data.expression_type.clone(),
                    expression: self.data.sub_string.clone(),
                    addr: addr.clone(),
                    code,
                    remark: response.remark.unwrap_or_default(),
                });
            }
        }
        Ok(())
    }

    /// The client-side tag check after the broker's hash-code filter (Java's
    /// `PullAPIWrapper.processPullResult`): two tags may share a hash code.
    pub(crate) fn wants(&self, message: &MessageExt) -> bool {
        if !self.data.is_tag_type() || self.data.tags_set.is_empty() {
            return true;
        }
        message.tags().is_some_and(|tag| self.data.tags_set.contains(tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_and_sql_subscriptions_carry_their_types() {
        let tags = Subscription::new("T", &Expression::tags("A || B"), 5).expect("valid");
        assert_eq!(tags.data.expression_type, "TAG");
        assert_eq!(tags.data.tags_set.len(), 2);
        assert_eq!(tags.data.sub_version, 5);
        let sql = Subscription::new("T", &Expression::sql92("a > 1"), 5).expect("valid");
        assert_eq!((sql.data.expression_type.as_str(), sql.data.sub_string.as_str()), ("SQL92", "a > 1"));
        assert!(sql.data.tags_set.is_empty());
        assert!(Subscription::new("T", &Expression::sql92(" "), 5).is_err());
        assert!(Subscription::new("", &Expression::all(), 5).is_err());
    }
}
