//! `AddWritePermOfBrokerResponseHeader`: response to ADD_WRITE_PERM_OF_BROKER (327)
//! (`codes.md` §4.9).
//!
//! Wire: `addTopicCount` i32 R.

define_header! {
    /// How many topics got their write permission back.
    AddWritePermOfBrokerResponseHeader {
        /// Number of topics changed.
        add_topic_count: i32 = "addTopicCount", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("addTopicCount", "7")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &AddWritePermOfBrokerResponseHeader { add_topic_count: 7 });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<AddWritePermOfBrokerResponseHeader>(
            &WIRE,
            AddWritePermOfBrokerResponseHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&AddWritePermOfBrokerResponseHeader { add_topic_count: -1 });
    }
}
