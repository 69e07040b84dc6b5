//! `GetSubscriptionGroupConfigRequestHeader`: GET_SUBSCRIPTIONGROUP_CONFIG (352, 5.x), admin → broker (`codes.md` §8).
//!
//! Wire: `group` String R, + inherited §3 fields.

define_header! {
    /// Asks for one subscription group's config.
    GetSubscriptionGroupConfigRequestHeader {
        /// The consumer group.
        group: String = "group", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("group", "cg")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &GetSubscriptionGroupConfigRequestHeader { group: "cg".into(), ..Default::default() });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetSubscriptionGroupConfigRequestHeader>(
            &WIRE,
            GetSubscriptionGroupConfigRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetSubscriptionGroupConfigRequestHeader { group: String::new(), ..Default::default() });
    }
}
