//! `GetConsumeStatsInBrokerHeader`: GET_BROKER_CONSUME_STATS (317), admin → broker
//! (`codes.md` §8).
//!
//! Wire: `isOrder` bool R. No inherited fields.

define_header! {
    /// Asks for the consume stats of every group on the broker.
    GetConsumeStatsInBrokerHeader {
        /// Only orderly groups. The key is literally `isOrder`.
        order: bool = "isOrder", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("isOrder", "false")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &GetConsumeStatsInBrokerHeader { order: false });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetConsumeStatsInBrokerHeader>(&WIRE, GetConsumeStatsInBrokerHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetConsumeStatsInBrokerHeader { order: true });
    }
}
