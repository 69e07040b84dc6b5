//! `ResetOffsetRequestHeader`: INVOKE_BROKER_TO_RESET_OFFSET (222), admin → broker, and
//! RESET_CONSUMER_CLIENT_OFFSET (220), broker → client, oneway (`codes.md` §7.3, §7.5).
//!
//! Wire: `group` R, `topic` R, `timestamp` i64 R, `isForce` bool R, `queueId` i32 O (5.x,
//! default −1), `offset` i64 O (5.x), + inherited §3 fields.
//!
//! In Java `queueId` is a primitive with default −1, so 5.x peers always send it while 4.x peers
//! never do; [`ResetOffsetRequestHeader::queue_id`] applies the default.

/// `queueId` meaning "every queue of the topic".
pub const ALL_QUEUES: i32 = -1;

define_header! {
    /// Resets a group's consumer offsets of a topic to a time (or one queue to an offset).
    ResetOffsetRequestHeader {
        /// Consumer group.
        group: String = "group", required;
        /// Topic.
        topic: String = "topic", required;
        /// Target store time in ms; −1 resets to the max offset.
        timestamp: i64 = "timestamp", required;
        /// 4.x mode: when false, offsets only move backwards. The key is literally `isForce`.
        force: bool = "isForce", required;
        /// A single queue (5.x); [`ALL_QUEUES`] when absent.
        queue_id: i32 = "queueId", optional(default = ALL_QUEUES);
        /// Explicit target offset for a single queue (5.x).
        offset: i64 = "offset", optional;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 5] = [
        ("group", "cg"),
        ("topic", "TopicTest"),
        ("timestamp", "1700000000000"),
        ("isForce", "true"),
        ("queueId", "-1"),
    ];

    fn expected() -> ResetOffsetRequestHeader {
        ResetOffsetRequestHeader {
            group: "cg".into(),
            topic: "TopicTest".into(),
            timestamp: 1_700_000_000_000,
            force: true,
            queue_id: Some(ALL_QUEUES),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<ResetOffsetRequestHeader>(&WIRE, ResetOffsetRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn defaults_and_round_trip() {
        let old_style = ResetOffsetRequestHeader { queue_id: None, force: false, ..expected() };
        assert_eq!(old_style.queue_id(), ALL_QUEUES);
        assert_round_trip(&old_style);
        assert_round_trip(&ResetOffsetRequestHeader { queue_id: Some(2), offset: Some(77), ..expected() });
    }
}
