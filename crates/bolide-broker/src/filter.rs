//! Broker-side message filtering by consume queue entry: the tag hash codes of a TAG
//! subscription (Java's `ExpressionMessageFilter.isMatchedByConsumeQueue`).

use std::collections::BTreeSet;

use bolide_protocol::body::SubscriptionData;

/// Which consume queue entries a pull may return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageFilter {
    /// Everything (`*`, an empty expression, or no subscription).
    All,
    /// Entries whose tags code (as a Java int) is one of these.
    Tags(BTreeSet<i32>),
}

impl MessageFilter {
    /// The filter of a TAG subscription.
    pub fn from_subscription(subscription: &SubscriptionData) -> Self {
        let sub = subscription.sub_string.trim();
        if subscription.class_filter_mode || sub.is_empty() || sub == "*" {
            MessageFilter::All
        } else {
            MessageFilter::Tags(subscription.code_set.clone())
        }
    }

    /// The filter of a TAG expression as it arrives in a pull header (`TagA || TagB`).
    pub fn from_expression(topic: &str, expression: &str) -> Self {
        Self::from_subscription(&SubscriptionData::tag(topic, expression, 0))
    }

    /// Whether an entry with `tags_code` passes. Like Java, only the low 32 bits are compared.
    pub fn matches(&self, tags_code: i64) -> bool {
        match self {
            MessageFilter::All => true,
            MessageFilter::Tags(codes) => codes.contains(&(tags_code as i32)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_protocol::message::tag::tags_code;

    #[test]
    fn tags_select_by_hash() {
        let filter = MessageFilter::from_expression("T", "TagA || TagB");
        assert!(filter.matches(tags_code(Some("TagA"))));
        assert!(filter.matches(tags_code(Some("TagB"))));
        assert!(!filter.matches(tags_code(Some("TagC"))));
        assert!(!filter.matches(0));
        assert_eq!(MessageFilter::from_expression("T", " * "), MessageFilter::All);
        assert!(MessageFilter::from_expression("T", "").matches(12345));
    }
}
