//! `RpcFields`: the fields most request headers inherit from Java's `RpcRequestHeader` and
//! `TopicRequestHeader` (`codes.md` §3, `remoting.md` §10.1).
//!
//! Wire: `ns` String O, `nsd` bool O, `bname` String O, `oway` bool O, `lo` bool O.
//!
//! `lo` only exists on topic-scoped Java headers (`TopicRequestHeader`); it is kept here for every
//! header because a key Java would not send is simply never present, and one struct is easier to
//! carry around than two. A broker without static topics or namespaces can ignore all five.

define_header! {
    /// The inherited common header fields. Embedded as `rpc` in the headers that inherit them.
    RpcFields {
        /// Namespace of the client.
        namespace: String = "ns", optional;
        /// Whether names in the request already carry the namespace.
        namespaced: bool = "nsd", optional;
        /// Broker name the client believes it is talking to (4.9.5+).
        broker_name: String = "bname", optional;
        /// Oneway hint.
        oneway: bool = "oway", optional;
        /// Logical (static topic) queue addressing.
        logical: bool = "lo", optional;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_round_trip, ext};
    use crate::header::CommandHeader;

    #[test]
    fn golden() {
        let wire = [("ns", "tenant"), ("nsd", "true"), ("bname", "broker-a"), ("oway", "false"), ("lo", "true")];
        let rpc = RpcFields {
            namespace: Some("tenant".into()),
            namespaced: Some(true),
            broker_name: Some("broker-a".into()),
            oneway: Some(false),
            logical: Some(true),
        };
        assert_golden(&wire, &rpc);
    }

    #[test]
    fn all_absent_is_default_and_writes_nothing() {
        assert_eq!(RpcFields::read_fields(&ext(&[("topic", "t")])), Ok(RpcFields::default()));
        assert_round_trip(&RpcFields::default());
        assert!(RpcFields::WIRE_FIELDS.iter().all(|f| !f.required));
    }
}
