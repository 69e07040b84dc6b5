//! `WipeWritePermOfBrokerResponseHeader`: response to WIPE_WRITE_PERM_OF_BROKER (205)
//! (`codes.md` §4.9).
//!
//! Wire: `wipeTopicCount` i32 R.

define_header! {
    /// How many topics lost their write permission.
    WipeWritePermOfBrokerResponseHeader {
        /// Number of topics changed.
        wipe_topic_count: i32 = "wipeTopicCount", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("wipeTopicCount", "12")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &WipeWritePermOfBrokerResponseHeader { wipe_topic_count: 12 });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<WipeWritePermOfBrokerResponseHeader>(
            &WIRE,
            WipeWritePermOfBrokerResponseHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&WipeWritePermOfBrokerResponseHeader { wipe_topic_count: 0 });
    }
}
