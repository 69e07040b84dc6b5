//! `GetConsumerConnectionListRequestHeader`: GET_CONSUMER_CONNECTION_LIST (203), admin → broker (`codes.md` §8).
//!
//! Wire: `consumerGroup` String R, + inherited §3 fields.

define_header! {
    /// Asks for the connections and subscriptions of a consumer group.
    GetConsumerConnectionListRequestHeader {
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
        let header = GetConsumerConnectionListRequestHeader {
            consumer_group: "please_rename_unique_group_name_4".into(),
            ..Default::default()
        };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetConsumerConnectionListRequestHeader>(
            &WIRE,
            GetConsumerConnectionListRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetConsumerConnectionListRequestHeader {
            consumer_group: "%RETRY%x".into(),
            ..Default::default()
        });
    }
}
