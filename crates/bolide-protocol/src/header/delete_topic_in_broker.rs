//! `DeleteTopicRequestHeader`: DELETE_TOPIC_IN_BROKER (215), admin → broker (`codes.md` §8).
//!
//! Wire: `topic` String R, + inherited §3 fields.

define_header! {
    /// Deletes a topic's config, offsets and stored data on a broker.
    DeleteTopicRequestHeader {
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
        assert_golden(&WIRE, &DeleteTopicRequestHeader { topic: "TopicTest".into(), ..Default::default() });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<DeleteTopicRequestHeader>(&WIRE, DeleteTopicRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&DeleteTopicRequestHeader { topic: String::new(), ..Default::default() });
    }
}
