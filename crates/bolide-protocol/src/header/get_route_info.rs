//! `GetRouteInfoRequestHeader`: GET_ROUTEINFO_BY_TOPIC (105), client/admin → name server
//! (`codes.md` §4.1).
//!
//! Wire: `topic` String R, `acceptStandardJsonOnly` bool O (4.9.4+), + inherited §3 fields.

define_header! {
    /// Asks a name server for a topic's route.
    GetRouteInfoRequestHeader {
        /// The topic.
        topic: String = "topic", required;
        /// `true` asks for the quoted-key JSON variant of `TopicRouteData` regardless of version.
        accept_standard_json_only: bool = "acceptStandardJsonOnly", optional(default = false);
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};
    use crate::header::RpcFields;

    const WIRE: [(&str, &str); 3] = [("topic", "TopicTest"), ("acceptStandardJsonOnly", "true"), ("bname", "broker-a")];

    #[test]
    fn golden() {
        let header = GetRouteInfoRequestHeader {
            topic: "TopicTest".into(),
            accept_standard_json_only: Some(true),
            rpc: RpcFields { broker_name: Some("broker-a".into()), ..RpcFields::default() },
        };
        assert_golden(&WIRE, &header);
        assert!(header.accept_standard_json_only());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetRouteInfoRequestHeader>(&WIRE, GetRouteInfoRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip_and_default() {
        let header = GetRouteInfoRequestHeader { topic: "t".into(), ..Default::default() };
        assert_round_trip(&header);
        assert!(!header.accept_standard_json_only());
    }
}
