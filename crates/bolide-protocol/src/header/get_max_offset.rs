//! `GetMaxOffsetRequestHeader`: GET_MAX_OFFSET (30), client/admin → broker (`codes.md` §6.10).
//!
//! Wire: `topic` String R, `queueId` i32 R, `committed` bool O (5.x, default true), + inherited §3
//! fields.

define_header! {
    /// Asks for a queue's max offset.
    GetMaxOffsetRequestHeader {
        /// Topic.
        topic: String = "topic", required;
        /// Queue id.
        queue_id: i32 = "queueId", required;
        /// Only count committed (replicated) messages.
        committed: bool = "committed", optional(default = true);
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 3] = [("topic", "TopicTest"), ("queueId", "0"), ("committed", "false")];

    fn expected() -> GetMaxOffsetRequestHeader {
        GetMaxOffsetRequestHeader {
            topic: "TopicTest".into(),
            queue_id: 0,
            committed: Some(false),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
        assert!(!expected().committed());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetMaxOffsetRequestHeader>(&WIRE, GetMaxOffsetRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn committed_defaults_to_true() {
        let header = GetMaxOffsetRequestHeader { committed: None, ..expected() };
        assert!(header.committed());
        assert_round_trip(&header);
    }
}
