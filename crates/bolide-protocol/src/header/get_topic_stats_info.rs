//! `GetTopicStatsInfoRequestHeader`: GET_TOPIC_STATS_INFO (202), admin → broker (`codes.md` §8).
//!
//! Wire: `topic` String R, + inherited §3 fields.

define_header! {
    /// Asks for the min/max offsets of every queue of a topic.
    GetTopicStatsInfoRequestHeader {
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
        assert_golden(&WIRE, &GetTopicStatsInfoRequestHeader { topic: "TopicTest".into(), ..Default::default() });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetTopicStatsInfoRequestHeader>(&WIRE, GetTopicStatsInfoRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetTopicStatsInfoRequestHeader { topic: String::new(), ..Default::default() });
    }
}
