//! `QuerySubscriptionByConsumerRequestHeader`: QUERY_SUBSCRIPTION_BY_CONSUMER (345, 5.x),
//! admin → broker (`codes.md` §8).
//!
//! Wire: `group` R, `topic` O, + inherited §3 fields.

define_header! {
    /// Asks for a group's subscription of a topic.
    QuerySubscriptionByConsumerRequestHeader {
        /// Consumer group.
        group: String = "group", required;
        /// Topic.
        topic: String = "topic", optional;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 2] = [("group", "cg"), ("topic", "TopicTest")];

    #[test]
    fn golden() {
        let header = QuerySubscriptionByConsumerRequestHeader {
            group: "cg".into(),
            topic: Some("TopicTest".into()),
            ..Default::default()
        };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<QuerySubscriptionByConsumerRequestHeader>(
            &WIRE,
            QuerySubscriptionByConsumerRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&QuerySubscriptionByConsumerRequestHeader { group: "g".into(), ..Default::default() });
    }
}
