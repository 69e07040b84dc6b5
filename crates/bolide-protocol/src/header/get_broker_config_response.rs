//! `GetBrokerConfigResponseHeader`: response to GET_BROKER_CONFIG (26) (`codes.md` §8).
//!
//! Wire: `version` String R (the `DataVersion` JSON of the broker config). Body: properties text.

define_header! {
    /// The version of the broker config returned in the body.
    GetBrokerConfigResponseHeader {
        /// `DataVersion` JSON.
        version: String = "version", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const VERSION: &str = r#"{"counter":3,"stateVersion":0,"timestamp":1700000000000}"#;

    #[test]
    fn golden() {
        assert_golden(&[("version", VERSION)], &GetBrokerConfigResponseHeader { version: VERSION.into() });
    }

    #[test]
    fn missing_required_is_named() {
        let wire = [("version", VERSION)];
        assert_required_named::<GetBrokerConfigResponseHeader>(&wire, GetBrokerConfigResponseHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetBrokerConfigResponseHeader { version: String::new() });
    }
}
