//! `ViewBrokerStatsDataRequestHeader`: VIEW_BROKER_STATS_DATA (315), admin → broker
//! (`codes.md` §8).
//!
//! Wire: `statsName` R, `statsKey` R. No inherited fields.

define_header! {
    /// Asks for one statistics item (e.g. `TOPIC_PUT_NUMS` of a topic).
    ViewBrokerStatsDataRequestHeader {
        /// Statistics name.
        stats_name: String = "statsName", required;
        /// Statistics key.
        stats_key: String = "statsKey", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 2] = [("statsName", "TOPIC_PUT_NUMS"), ("statsKey", "TopicTest")];

    #[test]
    fn golden() {
        let header =
            ViewBrokerStatsDataRequestHeader { stats_name: "TOPIC_PUT_NUMS".into(), stats_key: "TopicTest".into() };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<ViewBrokerStatsDataRequestHeader>(&WIRE, ViewBrokerStatsDataRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&ViewBrokerStatsDataRequestHeader { stats_name: "n".into(), stats_key: "k@g".into() });
    }
}
