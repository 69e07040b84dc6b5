//! `QueryTopicConsumeByWhoRequestHeader`: QUERY_TOPIC_CONSUME_BY_WHO (300), admin → broker (`codes.md` §8).
//!
//! Wire: `topic` String R, + inherited §3 fields.

define_header! {
    /// Asks which consumer groups consume a topic.
    QueryTopicConsumeByWhoRequestHeader {
        /// The topic.
        topic: String = "topic", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("topic", "TopicTest")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &QueryTopicConsumeByWhoRequestHeader { topic: "TopicTest".into(), ..Default::default() });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<QueryTopicConsumeByWhoRequestHeader>(
            &WIRE,
            QueryTopicConsumeByWhoRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&QueryTopicConsumeByWhoRequestHeader { topic: String::new(), ..Default::default() });
    }
}
