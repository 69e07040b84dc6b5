//! `AddWritePermOfBrokerRequestHeader`: ADD_WRITE_PERM_OF_BROKER (327), admin → name server
//! (`codes.md` §4.9).
//!
//! Wire: `brokerName` String R. No inherited fields.

define_header! {
    /// Gives back the write permission of every topic on a broker (in the name server's route table).
    AddWritePermOfBrokerRequestHeader {
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
        assert_golden(&WIRE, &AddWritePermOfBrokerRequestHeader { broker_name: "broker-a".into() });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<AddWritePermOfBrokerRequestHeader>(
            &WIRE,
            AddWritePermOfBrokerRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&AddWritePermOfBrokerRequestHeader { broker_name: "b".into() });
    }
}
