//! `GetConsumerListByGroupRequestHeader`: GET_CONSUMER_LIST_BY_GROUP (38), client → broker (`codes.md` §6.3).
//!
//! Wire: `consumerGroup` String R, + inherited §3 fields.

define_header! {
    /// Asks for the ids of the live consumers of a group (client-side rebalancing).
    GetConsumerListByGroupRequestHeader {
        /// The consumer group.
        consumer_group: String = "consumerGroup", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("consumerGroup", "please_rename_unique_group_name_4")];

    #[test]
    fn golden() {
        let header = GetConsumerListByGroupRequestHeader {
            consumer_group: "please_rename_unique_group_name_4".into(),
            ..Default::default()
        };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetConsumerListByGroupRequestHeader>(
            &WIRE,
            GetConsumerListByGroupRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetConsumerListByGroupRequestHeader {
            consumer_group: "%RETRY%x".into(),
            ..Default::default()
        });
    }
}
