//! `QueryDataVersionResponseHeader`: response to QUERY_DATA_VERSION (322) (`codes.md` §4.4).
//!
//! Wire: `changed` bool R.

define_header! {
    /// Whether the broker's data version differs from the name server's (or the broker is unknown).
    QueryDataVersionResponseHeader {
        /// `true` when the broker should re-register.
        changed: bool = "changed", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    #[test]
    fn golden() {
        assert_golden(&[("changed", "true")], &QueryDataVersionResponseHeader { changed: true });
    }

    #[test]
    fn missing_required_is_named() {
        let wire = [("changed", "false")];
        assert_required_named::<QueryDataVersionResponseHeader>(&wire, QueryDataVersionResponseHeader::WIRE_FIELDS);
    }

    #[test]
    fn java_boolean_parsing_and_round_trip() {
        use crate::header::testing::ext;
        use crate::header::CommandHeader;
        let header = QueryDataVersionResponseHeader::read_fields(&ext(&[("changed", "TRUE")]));
        assert_eq!(header, Ok(QueryDataVersionResponseHeader { changed: true }));
        assert_round_trip(&QueryDataVersionResponseHeader { changed: false });
    }
}
