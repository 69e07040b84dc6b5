//! `NotificationRequestHeader`: NOTIFICATION (200054, 5.x), consumer/proxy → broker
//! (`codes.md` §9.5).
//!
//! Wire: `consumerGroup` R, `topic` R, `queueId` i32 R, `pollTime` i64 R, `bornTime` i64 R,
//! `order` bool O, `attemptId` O, + inherited §3 fields.

define_header! {
    /// Long-polls until a queue has a message to pop.
    NotificationRequestHeader {
        /// Consumer group.
        consumer_group: String = "consumerGroup", required;
        /// Topic.
        topic: String = "topic", required;
        /// Queue id; negative = any queue.
        queue_id: i32 = "queueId", required;
        /// Long-poll time, ms.
        poll_time_ms: i64 = "pollTime", required;
        /// Client clock when sent, ms.
        born_time: i64 = "bornTime", required;
        /// Orderly consumption.
        order: bool = "order", optional(default = false);
        /// Idempotency id.
        attempt_id: String = "attemptId", optional;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 7] = [
        ("consumerGroup", "cg"),
        ("topic", "TopicTest"),
        ("queueId", "-1"),
        ("pollTime", "20000"),
        ("bornTime", "1700000000000"),
        ("order", "true"),
        ("attemptId", "n-1"),
    ];

    fn expected() -> NotificationRequestHeader {
        NotificationRequestHeader {
            consumer_group: "cg".into(),
            topic: "TopicTest".into(),
            queue_id: -1,
            poll_time_ms: 20_000,
            born_time: 1_700_000_000_000,
            order: Some(true),
            attempt_id: Some("n-1".into()),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<NotificationRequestHeader>(&WIRE, NotificationRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn defaults_and_round_trip() {
        let header = NotificationRequestHeader { order: None, attempt_id: None, ..expected() };
        assert!(!header.order());
        assert_round_trip(&header);
    }
}
