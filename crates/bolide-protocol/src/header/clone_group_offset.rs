//! `CloneGroupOffsetRequestHeader`: CLONE_GROUP_OFFSET (314), admin → broker (`codes.md` §8).
//!
//! Wire: `srcGroup` R, `destGroup` R, `topic` O, `offline` bool O, + inherited §3 fields.

define_header! {
    /// Copies one group's consumer offsets to another group.
    CloneGroupOffsetRequestHeader {
        /// Group to copy from.
        src_group: String = "srcGroup", required;
        /// Group to copy to.
        dest_group: String = "destGroup", required;
        /// Only this topic (all topics of `srcGroup` when absent).
        topic: String = "topic", optional;
        /// Whether the source group is offline.
        offline: bool = "offline", optional(default = false);
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 4] =
        [("srcGroup", "a"), ("destGroup", "b"), ("topic", "TopicTest"), ("offline", "true")];

    fn expected() -> CloneGroupOffsetRequestHeader {
        CloneGroupOffsetRequestHeader {
            src_group: "a".into(),
            dest_group: "b".into(),
            topic: Some("TopicTest".into()),
            offline: Some(true),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<CloneGroupOffsetRequestHeader>(&WIRE, CloneGroupOffsetRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn defaults_and_round_trip() {
        let header = CloneGroupOffsetRequestHeader { topic: None, offline: None, ..expected() };
        assert!(!header.offline());
        assert_round_trip(&header);
    }
}
