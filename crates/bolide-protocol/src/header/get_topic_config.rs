//! `GetTopicConfigRequestHeader`: GET_TOPIC_CONFIG (351, 5.x), admin → broker (`codes.md` §8).
//!
//! Wire: `topic` String R, + inherited §3 fields.

define_header! {
    /// Asks for one topic's config and queue mapping.
    GetTopicConfigRequestHeader {
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
        assert_golden(&WIRE, &GetTopicConfigRequestHeader { topic: "TopicTest".into(), ..Default::default() });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetTopicConfigRequestHeader>(&WIRE, GetTopicConfigRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetTopicConfigRequestHeader { topic: String::new(), ..Default::default() });
    }
}
