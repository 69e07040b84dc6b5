//! `UpdateConsumerOffsetRequestHeader`: UPDATE_CONSUMER_OFFSET (15), consumer → broker, usually
//! oneway (`codes.md` §6.7).
//!
//! Wire: `consumerGroup` R, `topic` R, `queueId` i32 R, `commitOffset` i64 R, + inherited §3
//! fields. The response has no header.

define_header! {
    /// Commits a group's offset of one queue.
    UpdateConsumerOffsetRequestHeader {
        /// Consumer group.
        consumer_group: String = "consumerGroup", required;
        /// Topic.
        topic: String = "topic", required;
        /// Queue id.
        queue_id: i32 = "queueId", required;
        /// The next queue offset to consume.
        commit_offset: i64 = "commitOffset", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};
    use crate::header::RpcFields;

    const WIRE: [(&str, &str); 6] = [
        ("consumerGroup", "cg"),
        ("topic", "TopicTest"),
        ("queueId", "1"),
        ("commitOffset", "4096"),
        ("bname", "broker-a"),
        ("oway", "true"),
    ];

    fn expected() -> UpdateConsumerOffsetRequestHeader {
        UpdateConsumerOffsetRequestHeader {
            consumer_group: "cg".into(),
            topic: "TopicTest".into(),
            queue_id: 1,
            commit_offset: 4096,
            rpc: RpcFields { broker_name: Some("broker-a".into()), oneway: Some(true), ..Default::default() },
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<UpdateConsumerOffsetRequestHeader>(
            &WIRE,
            UpdateConsumerOffsetRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&UpdateConsumerOffsetRequestHeader { rpc: RpcFields::default(), ..expected() });
    }
}
