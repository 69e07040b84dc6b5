//! `DeleteKVConfigRequestHeader`: DELETE_KV_CONFIG (102), admin → name server (`codes.md` §4.7).
//!
//! Wire: `namespace` String R, `key` String R. No inherited fields.

define_header! {
    /// Deletes one KV config entry (succeeds when it did not exist).
    DeleteKVConfigRequestHeader {
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
        let header = DeleteKVConfigRequestHeader { namespace: "ORDER_TOPIC_CONFIG".into(), key: "TopicOrder".into() };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<DeleteKVConfigRequestHeader>(&WIRE, DeleteKVConfigRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&DeleteKVConfigRequestHeader { namespace: "a".into(), key: "b".into() });
    }
}
