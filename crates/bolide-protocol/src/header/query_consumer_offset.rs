//! `QueryConsumerOffsetRequestHeader`: QUERY_CONSUMER_OFFSET (14), consumer → broker
//! (`codes.md` §6.6).
//!
//! Wire: `consumerGroup` R, `topic` R, `queueId` i32 R, `setZeroIfNotFound` bool O (5.x),
//! + inherited §3 fields.

define_header! {
    /// Asks for a group's committed offset of one queue.
    QueryConsumerOffsetRequestHeader {
        /// Consumer group.
        consumer_group: String = "consumerGroup", required;
        /// Topic.
        topic: String = "topic", required;
        /// Queue id.
        queue_id: i32 = "queueId", required;
        /// Only an explicit `false` changes the broker's answer (22 instead of offset 0); the Java
        /// class has no default, so absence is kept distinct from `false`.
        set_zero_if_not_found: bool = "setZeroIfNotFound", optional;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};
    use crate::header::RpcFields;

    const WIRE: [(&str, &str); 5] = [
        ("consumerGroup", "cg"),
        ("topic", "TopicTest"),
        ("queueId", "0"),
        ("setZeroIfNotFound", "false"),
        ("bname", "broker-a"),
    ];

    fn expected() -> QueryConsumerOffsetRequestHeader {
        QueryConsumerOffsetRequestHeader {
            consumer_group: "cg".into(),
            topic: "TopicTest".into(),
            queue_id: 0,
            set_zero_if_not_found: Some(false),
            rpc: RpcFields { broker_name: Some("broker-a".into()), ..Default::default() },
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<QueryConsumerOffsetRequestHeader>(&WIRE, QueryConsumerOffsetRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&QueryConsumerOffsetRequestHeader { set_zero_if_not_found: None, ..expected() });
    }
}
