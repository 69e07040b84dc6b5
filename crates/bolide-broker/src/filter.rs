//! Broker-side message filtering: by consume queue entry, the tag hash codes of a TAG
//! subscription (Java's `ExpressionMessageFilter.isMatchedByConsumeQueue`); by message, the
//! properties of a SQL92 subscription (`isMatchedByCommitLog`).

use std::collections::BTreeSet;
use std::sync::Arc;

use bolide_filter::{FilterError, Properties, Selector};
use bolide_protocol::body::SubscriptionData;
use bolide_protocol::message::properties;

/// Expression type of SQL92 subscriptions.
pub const EXPRESSION_TYPE_SQL92: &str = "SQL92";

/// Which messages a pull may return.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageFilter {
    /// Everything (`*`, an empty expression, or no subscription).
    All,
    /// Entries whose tags code (as a Java int) is one of these.
    Tags(BTreeSet<i32>),
    /// Messages whose properties satisfy a SQL92 selector.
    Sql(Arc<Selector>),
}

/// A message's raw properties string, looked up by name.
pub struct RawProperties<'a>(pub &'a [u8]);

impl Properties for RawProperties<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        properties::find_property_bytes(self.0, name).and_then(|value| std::str::from_utf8(value).ok())
    }
}

impl MessageFilter {
    /// The filter of a subscription: TAG, or SQL92 (compiled; an error points at the fault).
    ///
    /// # Errors
    /// [`FilterError`] for a SQL92 expression that does not compile.
    pub fn compile(subscription: &SubscriptionData) -> Result<Self, FilterError> {
        if subscription.expression_type.eq_ignore_ascii_case(EXPRESSION_TYPE_SQL92) {
            Ok(MessageFilter::Sql(Arc::new(Selector::compile(&subscription.sub_string)?)))
        } else {
            Ok(Self::from_subscription(subscription))
        }
    }

    /// Whether `subscription` is a SQL92 one.
    pub fn is_sql92(subscription: &SubscriptionData) -> bool {
        subscription.expression_type.eq_ignore_ascii_case(EXPRESSION_TYPE_SQL92)
    }

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

    /// Whether a consume queue entry with `tags_code` may pass. Like Java, only the low 32 bits
    /// are compared. SQL92 filters decide by message ([`MessageFilter::matches_properties`]).
    pub fn matches(&self, tags_code: i64) -> bool {
        match self {
            MessageFilter::All | MessageFilter::Sql(_) => true,
            MessageFilter::Tags(codes) => codes.contains(&(tags_code as i32)),
        }
    }

    /// Whether a message with these raw properties passes (always, except for SQL92).
    pub fn matches_properties(&self, raw_properties: &[u8]) -> bool {
        match self {
            MessageFilter::Sql(selector) => selector.matches(&RawProperties(raw_properties)),
            _ => true,
        }
    }

    /// Whether a message passes both checks.
    pub fn matches_message(&self, tags_code: i64, raw_properties: &[u8]) -> bool {
        self.matches(tags_code) && self.matches_properties(raw_properties)
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

    #[test]
    fn sql92_selects_by_properties() {
        let subscription = SubscriptionData {
            expression_type: "SQL92".to_owned(),
            sub_string: "a BETWEEN 1 AND 3 AND TAGS IN ('A', 'B')".to_owned(),
            ..SubscriptionData::default()
        };
        let filter = MessageFilter::compile(&subscription).expect("valid");
        assert!(filter.matches(0), "consume queue entries all pass");
        assert!(filter.matches_properties(b"TAGS\x01A\x02a\x012\x02"));
        assert!(!filter.matches_properties(b"TAGS\x01C\x02a\x012\x02"));
        assert!(!filter.matches_properties(b""));
        let bad = SubscriptionData { sub_string: "a >> 1".to_owned(), ..subscription };
        let err = MessageFilter::compile(&bad).expect_err("invalid");
        assert_eq!(err.column, 4);
    }
}
