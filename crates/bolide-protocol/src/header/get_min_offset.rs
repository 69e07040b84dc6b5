//! `GetMinOffsetRequestHeader`: GET_MIN_OFFSET (31), client/admin → broker (`codes.md` §6.10).
//!
//! Wire: `topic` String R, `queueId` i32 R, + inherited §3 fields.

define_header! {
    /// Asks for a queue's min offset.
    GetMinOffsetRequestHeader {
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
        let header = GetMinOffsetRequestHeader {
            topic: "TopicTest".into(),
            queue_id: 3,
            rpc: RpcFields { logical: Some(true), ..Default::default() },
        };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetMinOffsetRequestHeader>(&WIRE, GetMinOffsetRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetMinOffsetRequestHeader { topic: "t".into(), queue_id: -1, ..Default::default() });
    }
}
