//! `UnlockBatchMqRequestHeader`: UNLOCK_BATCH_MQ (42), orderly consumer → broker, may be oneway (`codes.md` §6.9).
//!
//! Wire: no own fields, only the inherited §3 fields (5.x); 4.x clients send no `extFields`.

define_header! {
    /// Unlocks queues (body: `UnlockBatchRequestBody`).
    UnlockBatchMqRequestHeader {}
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_round_trip, ext};
    use crate::header::{CommandHeader, RpcFields};

    #[test]
    fn golden() {
        let header = UnlockBatchMqRequestHeader {
            rpc: RpcFields { namespace: Some("tenant".into()), oneway: Some(true), ..Default::default() },
        };
        assert_golden(&[("ns", "tenant"), ("oway", "true")], &header);
    }

    #[test]
    fn no_fields_at_all_decodes() {
        assert_eq!(UnlockBatchMqRequestHeader::read_fields(&ext(&[])), Ok(UnlockBatchMqRequestHeader::default()));
        assert!(UnlockBatchMqRequestHeader::WIRE_FIELDS.is_empty());
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&UnlockBatchMqRequestHeader {
            rpc: RpcFields { broker_name: Some("b".into()), ..Default::default() },
        });
    }
}
