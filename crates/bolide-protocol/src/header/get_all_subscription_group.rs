//! `GetAllSubscriptionGroupRequestHeader`: GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201), admin/slave → broker (`codes.md` §8).
//!
//! Wire: `groupSeq` i32 R, `dataVersion` String O (`DataVersion` JSON), `maxGroupNum` i32 O. No inherited
//! fields.
//!
//! This header only exists on the development line after 5.3.3 (paging); every released client
//! sends the request without `extFields`. A server should therefore decode it only when
//! `extFields` is present, and treat its absence as "send everything at once".

define_header! {
    /// Pages through a broker's subscription group configs.
    GetAllSubscriptionGroupRequestHeader {
        /// Position to continue from.
        group_seq: i32 = "groupSeq", required;
        /// `DataVersion` JSON the requester last saw.
        data_version: String = "dataVersion", optional;
        /// Most groups per page.
        max_group_num: i32 = "maxGroupNum", optional;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 3] =
        [("groupSeq", "100"), ("dataVersion", r#"{"counter":7,"timestamp":1700000000000}"#), ("maxGroupNum", "50")];

    fn expected() -> GetAllSubscriptionGroupRequestHeader {
        GetAllSubscriptionGroupRequestHeader {
            group_seq: 100,
            data_version: Some(r#"{"counter":7,"timestamp":1700000000000}"#.into()),
            max_group_num: Some(50),
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetAllSubscriptionGroupRequestHeader>(
            &WIRE,
            GetAllSubscriptionGroupRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetAllSubscriptionGroupRequestHeader {
            data_version: None,
            max_group_num: None,
            ..expected()
        });
    }
}
