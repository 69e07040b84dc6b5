//! `GetKVConfigResponseHeader`: response to GET_KV_CONFIG (101) (`codes.md` §4.7).
//!
//! Wire: `value` String O.

define_header! {
    /// The value of a KV config entry.
    GetKVConfigResponseHeader {
        /// The stored value.
        value: String = "value", optional;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_round_trip};

    #[test]
    fn golden() {
        let header = GetKVConfigResponseHeader { value: Some("broker-a:8".into()) };
        assert_golden(&[("value", "broker-a:8")], &header);
    }

    #[test]
    fn absent_value_round_trips() {
        assert_golden(&[], &GetKVConfigResponseHeader::default());
        assert_round_trip(&GetKVConfigResponseHeader { value: Some(String::new()) });
    }
}
