//! `SearchOffsetRequestHeader`: SEARCH_OFFSET_BY_TIMESTAMP (29), client/admin → broker
//! (`codes.md` §6.10).
//!
//! Wire: `topic` String R, `queueId` i32 R, `timestamp` i64 R, `boundaryType` `LOWER`/`UPPER` O
//! (5.x, default LOWER), + inherited §3 fields.

use crate::ext_fields::FieldValue;

/// Which end of a run of equal store times SEARCH_OFFSET_BY_TIMESTAMP returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum BoundaryType {
    /// The smallest offset whose store time is ≥ the timestamp.
    #[default]
    Lower,
    /// The largest offset whose store time is ≤ the timestamp.
    Upper,
}

impl FieldValue for BoundaryType {
    const TYPE_NAME: &'static str = "BoundaryType";

    /// Java's `BoundaryType.getType`: `upper` in any case is UPPER, anything else LOWER.
    fn parse_field(text: &str) -> Option<Self> {
        Some(if text.eq_ignore_ascii_case("upper") { BoundaryType::Upper } else { BoundaryType::Lower })
    }

    fn to_field(&self) -> String {
        match self {
            BoundaryType::Lower => "LOWER",
            BoundaryType::Upper => "UPPER",
        }
        .to_owned()
    }
}

define_header! {
    /// Finds the queue offset of a store time.
    SearchOffsetRequestHeader {
        /// Topic.
        topic: String = "topic", required;
        /// Queue id.
        queue_id: i32 = "queueId", required;
        /// Store time to look for, ms.
        timestamp: i64 = "timestamp", required;
        /// Which boundary to return (5.x).
        boundary_type: BoundaryType = "boundaryType", optional(default = BoundaryType::Lower);
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip, ext};
    use crate::header::CommandHeader;

    const WIRE: [(&str, &str); 4] =
        [("topic", "TopicTest"), ("queueId", "2"), ("timestamp", "1700000000000"), ("boundaryType", "UPPER")];

    fn expected() -> SearchOffsetRequestHeader {
        SearchOffsetRequestHeader {
            topic: "TopicTest".into(),
            queue_id: 2,
            timestamp: 1_700_000_000_000,
            boundary_type: Some(BoundaryType::Upper),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<SearchOffsetRequestHeader>(&WIRE, SearchOffsetRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn boundary_type_parses_like_java() {
        let mut fields = ext(&WIRE);
        fields.insert("boundaryType", "upper");
        assert_eq!(SearchOffsetRequestHeader::read_fields(&fields).map(|h| h.boundary_type()), Ok(BoundaryType::Upper));
        fields.insert("boundaryType", "sideways");
        assert_eq!(SearchOffsetRequestHeader::read_fields(&fields).map(|h| h.boundary_type()), Ok(BoundaryType::Lower));
        fields.remove("boundaryType");
        assert_eq!(SearchOffsetRequestHeader::read_fields(&fields).map(|h| h.boundary_type()), Ok(BoundaryType::Lower));
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&SearchOffsetRequestHeader { boundary_type: Some(BoundaryType::Lower), ..expected() });
        assert_round_trip(&SearchOffsetRequestHeader { boundary_type: None, ..expected() });
    }
}
