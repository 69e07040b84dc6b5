//! `ChangeInvisibleTimeRequestHeader`: CHANGE_MESSAGE_INVISIBLETIME (200053, 5.x),
//! consumer/proxy → broker (`codes.md` §9.4).
//!
//! Wire: `consumerGroup` R, `topic` R, `queueId` i32 R, `extraInfo` R, `offset` i64 R,
//! `invisibleTime` i64 R, + inherited §3 fields.

define_header! {
    /// Extends (or shortens) how long a popped message stays invisible.
    ChangeInvisibleTimeRequestHeader {
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
        /// New invisible time from now, ms.
        invisible_time_ms: i64 = "invisibleTime", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 6] = [
        ("consumerGroup", "cg"),
        ("topic", "TopicTest"),
        ("queueId", "1"),
        ("extraInfo", "100 1700000000100 60000 3 0 broker-a 1 100"),
        ("offset", "100"),
        ("invisibleTime", "30000"),
    ];

    fn expected() -> ChangeInvisibleTimeRequestHeader {
        ChangeInvisibleTimeRequestHeader {
            consumer_group: "cg".into(),
            topic: "TopicTest".into(),
            queue_id: 1,
            extra_info: "100 1700000000100 60000 3 0 broker-a 1 100".into(),
            offset: 100,
            invisible_time_ms: 30_000,
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<ChangeInvisibleTimeRequestHeader>(&WIRE, ChangeInvisibleTimeRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&ChangeInvisibleTimeRequestHeader { invisible_time_ms: 0, ..expected() });
    }
}
