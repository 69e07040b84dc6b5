//! `PutKVConfigRequestHeader`: PUT_KV_CONFIG (100), admin/broker → name server (`codes.md` §4.7).
//!
//! Wire: `namespace` String R, `key` String R, `value` String R. No inherited fields.

define_header! {
    /// Stores one KV config entry (e.g. namespace `ORDER_TOPIC_CONFIG`).
    PutKVConfigRequestHeader {
        /// KV namespace (not the client namespace of `codes.md` §3).
        namespace: String = "namespace", required;
        /// Entry key.
        key: String = "key", required;
        /// Entry value.
        value: String = "value", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 3] =
        [("namespace", "ORDER_TOPIC_CONFIG"), ("key", "TopicOrder"), ("value", "broker-a:4;broker-b:4")];

    fn expected() -> PutKVConfigRequestHeader {
        PutKVConfigRequestHeader {
            namespace: "ORDER_TOPIC_CONFIG".into(),
            key: "TopicOrder".into(),
            value: "broker-a:4;broker-b:4".into(),
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<PutKVConfigRequestHeader>(&WIRE, PutKVConfigRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&PutKVConfigRequestHeader { value: String::new(), ..expected() });
    }
}
