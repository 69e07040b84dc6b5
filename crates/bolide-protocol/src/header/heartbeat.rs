//! `HeartbeatRequestHeader`: HEART_BEAT (34), client → broker (`codes.md` §6.1).
//!
//! Wire: no own fields, only the inherited §3 fields (5.x); 4.x clients send no `extFields`.

define_header! {
    /// A client heartbeat (body: `HeartbeatData`).
    HeartbeatRequestHeader {}
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_round_trip, ext};
    use crate::header::{CommandHeader, RpcFields};

    #[test]
    fn golden() {
        let header = HeartbeatRequestHeader {
            rpc: RpcFields { namespace: Some("tenant".into()), oneway: Some(true), ..Default::default() },
        };
        assert_golden(&[("ns", "tenant"), ("oway", "true")], &header);
    }

    #[test]
    fn no_fields_at_all_decodes() {
        assert_eq!(HeartbeatRequestHeader::read_fields(&ext(&[])), Ok(HeartbeatRequestHeader::default()));
        assert!(HeartbeatRequestHeader::WIRE_FIELDS.is_empty());
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&HeartbeatRequestHeader {
            rpc: RpcFields { broker_name: Some("b".into()), ..Default::default() },
        });
    }
}
