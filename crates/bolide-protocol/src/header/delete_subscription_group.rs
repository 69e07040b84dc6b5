//! `DeleteSubscriptionGroupRequestHeader`: DELETE_SUBSCRIPTIONGROUP (207), admin → broker
//! (`codes.md` §8).
//!
//! Wire: `groupName` R, `cleanOffset` bool O (5.x), `removeOffset` bool O (4.x key), + inherited
//! §3 fields.
//!
//! The stock 5.x broker reads only `cleanOffset`; 4.x mqadmin sent the same flag as
//! `removeOffset`. Both keys are kept so either request round-trips, and
//! [`DeleteSubscriptionGroupRequestHeader::clean_offset`] honours either.

define_header! {
    /// Deletes a subscription group (optionally with its consumer offsets).
    DeleteSubscriptionGroupRequestHeader {
        /// The group.
        group_name: String = "groupName", required;
        /// Also delete the group's consumer offsets (5.x key).
        clean_offset: bool = "cleanOffset", optional;
        /// The same flag under its 4.x key.
        remove_offset: bool = "removeOffset", optional;
    }
    inherits rpc;
}

impl DeleteSubscriptionGroupRequestHeader {
    /// Whether offsets should be deleted: `cleanOffset`, else `removeOffset`, else false.
    pub fn clean_offset(&self) -> bool {
        self.clean_offset.or(self.remove_offset).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 2] = [("groupName", "cg"), ("cleanOffset", "true")];

    #[test]
    fn golden() {
        let header = DeleteSubscriptionGroupRequestHeader {
            group_name: "cg".into(),
            clean_offset: Some(true),
            ..Default::default()
        };
        assert_golden(&WIRE, &header);
        assert!(header.clean_offset());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<DeleteSubscriptionGroupRequestHeader>(
            &WIRE,
            DeleteSubscriptionGroupRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn legacy_key_and_round_trip() {
        let old = DeleteSubscriptionGroupRequestHeader {
            group_name: "cg".into(),
            remove_offset: Some(true),
            ..Default::default()
        };
        assert!(old.clean_offset());
        assert_round_trip(&old);
        assert!(!DeleteSubscriptionGroupRequestHeader::default().clean_offset());
    }
}
