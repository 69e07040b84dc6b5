//! `QueryCorrectionOffsetHeader`: QUERY_CORRECTION_OFFSET (308), admin → broker (`codes.md` §8).
//!
//! Wire: `filterGroups` O (comma-separated), `compareGroup` R, `topic` R, + inherited §3 fields.

define_header! {
    /// Asks for the smallest consumer offset per queue among groups, for offset correction.
    QueryCorrectionOffsetHeader {
        /// Groups to leave out, comma-separated.
        filter_groups: String = "filterGroups", optional;
        /// The group to compare with.
        compare_group: String = "compareGroup", required;
        /// Topic.
        topic: String = "topic", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 3] = [("filterGroups", "g1,g2"), ("compareGroup", "cg"), ("topic", "TopicTest")];

    fn expected() -> QueryCorrectionOffsetHeader {
        QueryCorrectionOffsetHeader {
            filter_groups: Some("g1,g2".into()),
            compare_group: "cg".into(),
            topic: "TopicTest".into(),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<QueryCorrectionOffsetHeader>(&WIRE, QueryCorrectionOffsetHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&QueryCorrectionOffsetHeader { filter_groups: None, ..expected() });
    }
}
