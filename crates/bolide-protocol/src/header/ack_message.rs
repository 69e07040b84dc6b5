//! `AckMessageRequestHeader`: ACK_MESSAGE (200051, 5.x), consumer/proxy → broker
//! (`codes.md` §9.2).
//!
//! Wire: `consumerGroup` R, `topic` R, `queueId` i32 R, `extraInfo` R, `offset` i64 R, + inherited
//! §3 fields.

define_header! {
    /// Acknowledges one popped message.
    AckMessageRequestHeader {
        /// Consumer group.
        consumer_group: String = "consumerGroup", required;
        /// Topic.
        topic: String = "topic", required;
        /// Queue id.
        queue_id: i32 = "queueId", required;
        /// The receipt handle.
        extra_info: String = "extraInfo", required;
        /// Queue offset of the message.
        offset: i64 = "offset", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 5] = [
        ("consumerGroup", "cg"),
        ("topic", "TopicTest"),
        ("queueId", "1"),
        ("extraInfo", "100 1700000000100 60000 3 0 broker-a 1 100"),
        ("offset", "100"),
    ];

    fn expected() -> AckMessageRequestHeader {
        AckMessageRequestHeader {
            consumer_group: "cg".into(),
            topic: "TopicTest".into(),
            queue_id: 1,
            extra_info: "100 1700000000100 60000 3 0 broker-a 1 100".into(),
            offset: 100,
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<AckMessageRequestHeader>(&WIRE, AckMessageRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&AckMessageRequestHeader { offset: 0, ..expected() });
    }
}
