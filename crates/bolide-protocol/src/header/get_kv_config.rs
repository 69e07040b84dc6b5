//! `GetKVConfigRequestHeader`: GET_KV_CONFIG (101), admin/broker → name server (`codes.md` §4.7).
//!
//! Wire: `namespace` String R, `key` String R. No inherited fields.

define_header! {
    /// Reads one KV config entry.
    GetKVConfigRequestHeader {
        /// KV namespace.
        namespace: String = "namespace", required;
        /// Entry key.
        key: String = "key", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 2] = [("namespace", "ORDER_TOPIC_CONFIG"), ("key", "TopicOrder")];

    #[test]
    fn golden() {
        let header = GetKVConfigRequestHeader { namespace: "ORDER_TOPIC_CONFIG".into(), key: "TopicOrder".into() };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetKVConfigRequestHeader>(&WIRE, GetKVConfigRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetKVConfigRequestHeader { namespace: "ns".into(), key: "k=v;x".into() });
    }
}
