//! `UnregisterClientRequestHeader`: UNREGISTER_CLIENT (35), client → broker (`codes.md` §6.2).
//!
//! Wire: `clientID` String R (capital `ID`), `producerGroup` O, `consumerGroup` O, + inherited §3
//! fields. Sent on shutdown, once per group.

define_header! {
    /// A client leaving one of its groups.
    UnregisterClientRequestHeader {
        /// The client id as sent in `HeartbeatData.clientID`.
        client_id: String = "clientID", required;
        /// The producer group being left.
        producer_group: String = "producerGroup", optional;
        /// The consumer group being left.
        consumer_group: String = "consumerGroup", optional;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 2] = [("clientID", "10.0.0.9@12345#1"), ("consumerGroup", "cg")];

    #[test]
    fn golden() {
        let header = UnregisterClientRequestHeader {
            client_id: "10.0.0.9@12345#1".into(),
            consumer_group: Some("cg".into()),
            ..Default::default()
        };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<UnregisterClientRequestHeader>(&WIRE, UnregisterClientRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        let header = UnregisterClientRequestHeader {
            client_id: "c".into(),
            producer_group: Some("pg".into()),
            ..Default::default()
        };
        assert_round_trip(&header);
    }
}
