//! `PullMessageResponseHeader`: response to PULL_MESSAGE (11) / LITE_PULL_MESSAGE (361)
//! (`codes.md` §6.5).
//!
//! Wire: `suggestWhichBrokerId` i64 R, `nextBeginOffset` i64 R, `minOffset` i64 R, `maxOffset`
//! i64 R, `offsetDelta` i64 O, `topicSysFlag` i32 O, `groupSysFlag` i32 O, `forbiddenType` i32 O
//! (all optional ones 5.x). The four required fields must be present for codes 0, 19, 20 and 21.

define_header! {
    /// Where the consumer continues, and the queue's current bounds.
    PullMessageResponseHeader {
        /// Broker id to pull from next (0 = master).
        suggest_which_broker_id: i64 = "suggestWhichBrokerId", required;
        /// Offset for the next pull of this queue.
        next_begin_offset: i64 = "nextBeginOffset", required;
        /// Current min queue offset.
        min_offset: i64 = "minOffset", required;
        /// Current max queue offset (the offset the next message will get).
        max_offset: i64 = "maxOffset", required;
        /// Static topics only: added to each message's queue offset.
        offset_delta: i64 = "offsetDelta", optional;
        /// Topic sys flag.
        topic_sys_flag: i32 = "topicSysFlag", optional;
        /// Group sys flag.
        group_sys_flag: i32 = "groupSysFlag", optional;
        /// With code 16: 1 broker, 2 group, 3 topic, 4 broadcast disabled, 5 subscription forbidden.
        forbidden_type: i32 = "forbiddenType", optional;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 4] =
        [("suggestWhichBrokerId", "0"), ("nextBeginOffset", "160"), ("minOffset", "0"), ("maxOffset", "1024")];

    fn expected() -> PullMessageResponseHeader {
        PullMessageResponseHeader {
            suggest_which_broker_id: 0,
            next_begin_offset: 160,
            min_offset: 0,
            max_offset: 1024,
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<PullMessageResponseHeader>(&WIRE, PullMessageResponseHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip_with_5x_fields() {
        let header = PullMessageResponseHeader {
            offset_delta: Some(-5),
            topic_sys_flag: Some(0),
            group_sys_flag: Some(0),
            forbidden_type: Some(3),
            ..expected()
        };
        assert_round_trip(&header);
    }
}
