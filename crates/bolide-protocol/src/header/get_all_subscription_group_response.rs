//! `GetAllSubscriptionGroupResponseHeader`: response to GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201) on servers that page (`codes.md` §8).
//!
//! Wire: `totalGroupNum` i32 R.
//!
//! Only a server that pages may send this header. A server that does not page must omit
//! `extFields` entirely: post-5.3.3 Java clients fail on an empty map because this field is
//! required (`remoting.md` §10.3).

define_header! {
    /// Total number of subscription groups on the broker.
    GetAllSubscriptionGroupResponseHeader {
        /// Total number of subscription groups.
        total_group_num: i32 = "totalGroupNum", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("totalGroupNum", "1234")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &GetAllSubscriptionGroupResponseHeader { total_group_num: 1234 });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetAllSubscriptionGroupResponseHeader>(
            &WIRE,
            GetAllSubscriptionGroupResponseHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetAllSubscriptionGroupResponseHeader { total_group_num: 0 });
    }
}
