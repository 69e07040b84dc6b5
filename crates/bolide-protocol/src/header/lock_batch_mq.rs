//! `LockBatchMqRequestHeader`: LOCK_BATCH_MQ (41), orderly consumer → broker (`codes.md` §6.9).
//!
//! Wire: no own fields, only the inherited §3 fields (5.x); 4.x clients send no `extFields`.

define_header! {
    /// Locks queues for an orderly consumer (body: `LockBatchRequestBody`).
    LockBatchMqRequestHeader {}
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_round_trip, ext};
    use crate::header::{CommandHeader, RpcFields};

    #[test]
    fn golden() {
        let header = LockBatchMqRequestHeader {
            rpc: RpcFields { namespace: Some("tenant".into()), oneway: Some(true), ..Default::default() },
        };
        assert_golden(&[("ns", "tenant"), ("oway", "true")], &header);
    }

    #[test]
    fn no_fields_at_all_decodes() {
        assert_eq!(LockBatchMqRequestHeader::read_fields(&ext(&[])), Ok(LockBatchMqRequestHeader::default()));
        assert!(LockBatchMqRequestHeader::WIRE_FIELDS.is_empty());
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&LockBatchMqRequestHeader {
            rpc: RpcFields { broker_name: Some("b".into()), ..Default::default() },
        });
    }
}
