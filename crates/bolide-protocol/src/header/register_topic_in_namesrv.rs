//! `RegisterTopicRequestHeader`: REGISTER_TOPIC_IN_NAMESRV (217, 5.x), admin/broker → name server
//! (`codes.md` §4.9).
//!
//! Wire: `topic` String R, + inherited §3 fields. Body: `TopicRouteData` whose queue data are
//! merged into the topic.

define_header! {
    /// Merges queue data into a topic's route.
    RegisterTopicRequestHeader {
        /// The topic.
        topic: String = "topic", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};
    use crate::header::RpcFields;

    const WIRE: [(&str, &str); 2] = [("topic", "TopicTest"), ("lo", "false")];

    #[test]
    fn golden() {
        let header = RegisterTopicRequestHeader {
            topic: "TopicTest".into(),
            rpc: RpcFields { logical: Some(false), ..Default::default() },
        };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<RegisterTopicRequestHeader>(&WIRE, RegisterTopicRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&RegisterTopicRequestHeader { topic: "t".into(), ..Default::default() });
    }
}
