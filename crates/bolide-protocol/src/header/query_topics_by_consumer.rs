//! `QueryTopicsByConsumerRequestHeader`: QUERY_TOPICS_BY_CONSUMER (343, 5.x), admin → broker (`codes.md` §8).
//!
//! Wire: `group` String R, + inherited §3 fields.

define_header! {
    /// Asks which topics a consumer group consumes.
    QueryTopicsByConsumerRequestHeader {
        /// The consumer group.
        group: String = "group", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("group", "cg")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &QueryTopicsByConsumerRequestHeader { group: "cg".into(), ..Default::default() });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<QueryTopicsByConsumerRequestHeader>(
            &WIRE,
            QueryTopicsByConsumerRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&QueryTopicsByConsumerRequestHeader { group: String::new(), ..Default::default() });
    }
}
