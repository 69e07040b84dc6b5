//! `GetEarliestMsgStoretimeResponseHeader`: response to GET_EARLIEST_MSG_STORETIME (32) (`codes.md` §6.10).
//!
//! Wire: `timestamp` i64 R.

define_header! {
    /// Store time of the earliest message in ms, −1 if the queue does not exist or is empty.
    GetEarliestMsgStoretimeResponseHeader {
        /// Store time of the earliest message in ms, −1 if the queue does not exist or is empty.
        timestamp: i64 = "timestamp", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("timestamp", "1024")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &GetEarliestMsgStoretimeResponseHeader { timestamp: 1024 });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetEarliestMsgStoretimeResponseHeader>(
            &WIRE,
            GetEarliestMsgStoretimeResponseHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetEarliestMsgStoretimeResponseHeader { timestamp: -1 });
        assert_round_trip(&GetEarliestMsgStoretimeResponseHeader { timestamp: i64::MIN });
    }
}
