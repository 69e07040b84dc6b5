//! `ChangeInvisibleTimeResponseHeader`: response to CHANGE_MESSAGE_INVISIBLETIME (200053)
//! (`codes.md` §9.4).
//!
//! Wire: `popTime` i64 R, `invisibleTime` i64 R, `reviveQid` i32 R.

define_header! {
    /// What the client needs to derive the message's new receipt handle.
    ChangeInvisibleTimeResponseHeader {
        /// Broker time of the change, ms.
        pop_time: i64 = "popTime", required;
        /// The new invisible time, ms.
        invisible_time_ms: i64 = "invisibleTime", required;
        /// Revive queue id.
        revive_qid: i32 = "reviveQid", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 3] = [("popTime", "1700000000500"), ("invisibleTime", "30000"), ("reviveQid", "5")];

    fn expected() -> ChangeInvisibleTimeResponseHeader {
        ChangeInvisibleTimeResponseHeader { pop_time: 1_700_000_000_500, invisible_time_ms: 30_000, revive_qid: 5 }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<ChangeInvisibleTimeResponseHeader>(
            &WIRE,
            ChangeInvisibleTimeResponseHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&ChangeInvisibleTimeResponseHeader { revive_qid: 0, ..expected() });
    }
}
