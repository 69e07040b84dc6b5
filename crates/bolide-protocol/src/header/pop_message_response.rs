//! `PopMessageResponseHeader`: response to POP_MESSAGE (200050) (`codes.md` §9.1).
//!
//! Wire: `popTime` i64 R, `invisibleTime` i64 R, `reviveQid` i32 R, `restNum` i64 R,
//! `startOffsetInfo` O, `msgOffsetInfo` O, `orderCountInfo` O.
//!
//! The three info strings are `;`-separated triples `<retry> <queueId|key> <value>`; their parsing
//! belongs with the receipt-handle code (`data-formats.md` §10), not here.

define_header! {
    /// What the client needs to build each popped message's receipt handle.
    PopMessageResponseHeader {
        /// Broker time of the pop, ms.
        pop_time: i64 = "popTime", required;
        /// How long the messages stay invisible, ms.
        invisible_time_ms: i64 = "invisibleTime", required;
        /// Revive queue id (999 = orderly).
        revive_qid: i32 = "reviveQid", required;
        /// Messages left.
        rest_num: i64 = "restNum", required;
        /// `<retry> <queueId> <startOffset>` triples.
        start_offset_info: String = "startOffsetInfo", optional;
        /// `<retry> <queueId> <o1,o2,...>` triples.
        msg_offset_info: String = "msgOffsetInfo", optional;
        /// `<retry> <key> <count>` triples (orderly only).
        order_count_info: String = "orderCountInfo", optional;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 6] = [
        ("popTime", "1700000000100"),
        ("invisibleTime", "60000"),
        ("reviveQid", "3"),
        ("restNum", "12"),
        ("startOffsetInfo", "0 1 100;1 0 7"),
        ("msgOffsetInfo", "0 1 100,101;1 0 7"),
    ];

    fn expected() -> PopMessageResponseHeader {
        PopMessageResponseHeader {
            pop_time: 1_700_000_000_100,
            invisible_time_ms: 60_000,
            revive_qid: 3,
            rest_num: 12,
            start_offset_info: Some("0 1 100;1 0 7".into()),
            msg_offset_info: Some("0 1 100,101;1 0 7".into()),
            order_count_info: None,
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<PopMessageResponseHeader>(&WIRE, PopMessageResponseHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        let header = PopMessageResponseHeader { revive_qid: 999, order_count_info: Some("0 k 2".into()), ..expected() };
        assert_round_trip(&header);
    }
}
