//! `NotifyConsumerIdsChangedRequestHeader`: NOTIFY_CONSUMER_IDS_CHANGED (40), broker → client, oneway (`codes.md` §6.4).
//!
//! Wire: `consumerGroup` String R, + inherited §3 fields.

define_header! {
    /// Tells a consumer to rebalance now.
    NotifyConsumerIdsChangedRequestHeader {
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
        let header = NotifyConsumerIdsChangedRequestHeader {
            consumer_group: "please_rename_unique_group_name_4".into(),
            ..Default::default()
        };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<NotifyConsumerIdsChangedRequestHeader>(
            &WIRE,
            NotifyConsumerIdsChangedRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&NotifyConsumerIdsChangedRequestHeader {
            consumer_group: "%RETRY%x".into(),
            ..Default::default()
        });
    }
}
