//! `GetEarliestMsgStoretimeRequestHeader`: GET_EARLIEST_MSG_STORETIME (32), client/admin → broker (`codes.md` §6.10).
//!
//! Wire: `topic` String R, `queueId` i32 R, + inherited §3 fields.

define_header! {
    /// Asks for the store time of a queue's earliest message.
    GetEarliestMsgStoretimeRequestHeader {
        /// Topic.
        topic: String = "topic", required;
        /// Queue id.
        queue_id: i32 = "queueId", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};
    use crate::header::RpcFields;

    const WIRE: [(&str, &str); 3] = [("topic", "TopicTest"), ("queueId", "3"), ("lo", "true")];

    #[test]
    fn golden() {
        let header = GetEarliestMsgStoretimeRequestHeader {
            topic: "TopicTest".into(),
            queue_id: 3,
            rpc: RpcFields { logical: Some(true), ..Default::default() },
        };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetEarliestMsgStoretimeRequestHeader>(
            &WIRE,
            GetEarliestMsgStoretimeRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetEarliestMsgStoretimeRequestHeader {
            topic: "t".into(),
            queue_id: -1,
            ..Default::default()
        });
    }
}
