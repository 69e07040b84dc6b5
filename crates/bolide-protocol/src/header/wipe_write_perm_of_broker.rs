//! `WipeWritePermOfBrokerRequestHeader`: WIPE_WRITE_PERM_OF_BROKER (205), admin → name server
//! (`codes.md` §4.9).
//!
//! Wire: `brokerName` String R. No inherited fields.

define_header! {
    /// Removes the write permission of every topic on a broker (in the name server's route table).
    WipeWritePermOfBrokerRequestHeader {
        /// The broker whose queue data change.
        broker_name: String = "brokerName", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("brokerName", "broker-a")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &WipeWritePermOfBrokerRequestHeader { broker_name: "broker-a".into() });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<WipeWritePermOfBrokerRequestHeader>(
            &WIRE,
            WipeWritePermOfBrokerRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&WipeWritePermOfBrokerRequestHeader { broker_name: "b".into() });
    }
}
