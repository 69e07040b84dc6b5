//! `GetKVListByNamespaceRequestHeader`: GET_KVLIST_BY_NAMESPACE (219), admin → name server
//! (`codes.md` §4.7).
//!
//! Wire: `namespace` String R. No inherited fields.

define_header! {
    /// Lists every KV config entry of a namespace.
    GetKVListByNamespaceRequestHeader {
        /// KV namespace.
        namespace: String = "namespace", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("namespace", "ORDER_TOPIC_CONFIG")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &GetKVListByNamespaceRequestHeader { namespace: "ORDER_TOPIC_CONFIG".into() });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetKVListByNamespaceRequestHeader>(
            &WIRE,
            GetKVListByNamespaceRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetKVListByNamespaceRequestHeader { namespace: "x y".into() });
    }
}
