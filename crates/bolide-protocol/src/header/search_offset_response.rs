//! `SearchOffsetResponseHeader`: response to SEARCH_OFFSET_BY_TIMESTAMP (29) (`codes.md` §6.10).
//!
//! Wire: `offset` i64 R.

define_header! {
    /// The queue offset found for the timestamp.
    SearchOffsetResponseHeader {
        /// The queue offset found for the timestamp.
        offset: i64 = "offset", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("offset", "1024")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &SearchOffsetResponseHeader { offset: 1024 });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<SearchOffsetResponseHeader>(&WIRE, SearchOffsetResponseHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&SearchOffsetResponseHeader { offset: -1 });
        assert_round_trip(&SearchOffsetResponseHeader { offset: i64::MIN });
    }
}
