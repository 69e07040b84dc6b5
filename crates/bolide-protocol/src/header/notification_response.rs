//! `NotificationResponseHeader`: response to NOTIFICATION (200054) (`codes.md` §9.5).
//!
//! Wire: `hasMsg` bool R, `pollingFull` bool O.

define_header! {
    /// Whether a message is available.
    NotificationResponseHeader {
        /// A message can be popped.
        has_msg: bool = "hasMsg", required;
        /// The broker's long-poll queue is full.
        polling_full: bool = "pollingFull", optional(default = false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 2] = [("hasMsg", "true"), ("pollingFull", "false")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &NotificationResponseHeader { has_msg: true, polling_full: Some(false) });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<NotificationResponseHeader>(&WIRE, NotificationResponseHeader::WIRE_FIELDS);
    }

    #[test]
    fn defaults_and_round_trip() {
        let header = NotificationResponseHeader { has_msg: false, polling_full: None };
        assert!(!header.polling_full());
        assert_round_trip(&header);
    }
}
