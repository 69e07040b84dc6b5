//! `GetProducerConnectionListRequestHeader`: GET_PRODUCER_CONNECTION_LIST (204), admin → broker (`codes.md` §8).
//!
//! Wire: `producerGroup` String R, + inherited §3 fields.

define_header! {
    /// Asks for the connections of a producer group.
    GetProducerConnectionListRequestHeader {
        /// The producer group.
        producer_group: String = "producerGroup", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("producerGroup", "pg")];

    #[test]
    fn golden() {
        assert_golden(
            &WIRE,
            &GetProducerConnectionListRequestHeader { producer_group: "pg".into(), ..Default::default() },
        );
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetProducerConnectionListRequestHeader>(
            &WIRE,
            GetProducerConnectionListRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetProducerConnectionListRequestHeader {
            producer_group: String::new(),
            ..Default::default()
        });
    }
}
