//! `PeekMessageRequestHeader`: PEEK_MESSAGE (200052, 5.x), consumer/proxy → broker
//! (`codes.md` §9.5).
//!
//! Wire: `topic` R, `queueId` i32 R, `maxMsgNums` i32 R, `consumerGroup` R, + inherited §3 fields.

define_header! {
    /// Reads messages like POP_MESSAGE but without making them invisible.
    PeekMessageRequestHeader {
        /// Topic.
        topic: String = "topic", required;
        /// Queue id.
        queue_id: i32 = "queueId", required;
        /// Most messages to return.
        max_msg_nums: i32 = "maxMsgNums", required;
        /// Consumer group.
        consumer_group: String = "consumerGroup", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 4] =
        [("topic", "TopicTest"), ("queueId", "0"), ("maxMsgNums", "16"), ("consumerGroup", "cg")];

    fn expected() -> PeekMessageRequestHeader {
        PeekMessageRequestHeader {
            topic: "TopicTest".into(),
            queue_id: 0,
            max_msg_nums: 16,
            consumer_group: "cg".into(),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<PeekMessageRequestHeader>(&WIRE, PeekMessageRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&PeekMessageRequestHeader { queue_id: 7, ..expected() });
    }
}
