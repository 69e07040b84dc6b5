//! `PopMessageRequestHeader`: POP_MESSAGE (200050, 5.x, JSON headers only), consumer/proxy →
//! broker (`codes.md` §9.1).
//!
//! Wire: `consumerGroup` R, `topic` R, `queueId` i32 R, `maxMsgNums` i32 R, `invisibleTime` i64 R,
//! `pollTime` i64 R, `bornTime` i64 R, `initMode` i32 R, `expType` O, `exp` O, `order` bool O,
//! `attemptId` O, + inherited §3 fields.
//!
//! The limit `maxMsgNums ≤ 32` is enforced by the stock processor, not by the header's
//! `checkFields`, so it is not checked here.

/// `initMode`: start from the queue's min offset when the group has no offset.
pub const INIT_MODE_MIN: i32 = 0;
/// `initMode`: start from the queue's max offset when the group has no offset.
pub const INIT_MODE_MAX: i32 = 1;

define_header! {
    /// Pops messages from a queue (or any queue when `queueId` is negative); they stay invisible
    /// to other pops for `invisibleTime` unless acknowledged.
    PopMessageRequestHeader {
        /// Consumer group.
        consumer_group: String = "consumerGroup", required;
        /// Topic.
        topic: String = "topic", required;
        /// Queue id; negative = any queue.
        queue_id: i32 = "queueId", required;
        /// Most messages to return.
        max_msg_nums: i32 = "maxMsgNums", required;
        /// How long popped messages stay invisible, ms.
        invisible_time_ms: i64 = "invisibleTime", required;
        /// Long-poll time, ms.
        poll_time_ms: i64 = "pollTime", required;
        /// Client clock when sent, ms.
        born_time: i64 = "bornTime", required;
        /// [`INIT_MODE_MIN`] or [`INIT_MODE_MAX`].
        init_mode: i32 = "initMode", required;
        /// `TAG` or `SQL92`.
        exp_type: String = "expType", optional;
        /// Filter expression.
        exp: String = "exp", optional;
        /// Orderly pop.
        order: bool = "order", optional(default = false);
        /// Idempotency id for retries.
        attempt_id: String = "attemptId", optional;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 12] = [
        ("consumerGroup", "cg"),
        ("topic", "TopicTest"),
        ("queueId", "-1"),
        ("maxMsgNums", "32"),
        ("invisibleTime", "60000"),
        ("pollTime", "20000"),
        ("bornTime", "1700000000000"),
        ("initMode", "0"),
        ("expType", "TAG"),
        ("exp", "*"),
        ("order", "false"),
        ("attemptId", "a1b2c3"),
    ];

    fn expected() -> PopMessageRequestHeader {
        PopMessageRequestHeader {
            consumer_group: "cg".into(),
            topic: "TopicTest".into(),
            queue_id: -1,
            max_msg_nums: 32,
            invisible_time_ms: 60_000,
            poll_time_ms: 20_000,
            born_time: 1_700_000_000_000,
            init_mode: INIT_MODE_MIN,
            exp_type: Some("TAG".into()),
            exp: Some("*".into()),
            order: Some(false),
            attempt_id: Some("a1b2c3".into()),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<PopMessageRequestHeader>(&WIRE, PopMessageRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn defaults_and_round_trip() {
        let header = PopMessageRequestHeader {
            exp_type: None,
            exp: None,
            order: None,
            attempt_id: None,
            init_mode: INIT_MODE_MAX,
            ..expected()
        };
        assert!(!header.order());
        assert_round_trip(&header);
    }
}
