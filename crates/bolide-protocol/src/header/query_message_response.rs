//! `QueryMessageResponseHeader`: response to QUERY_MESSAGE (12), code 0 (`codes.md` §6.12).
//!
//! Wire: `indexLastUpdateTimestamp` i64 R, `indexLastUpdatePhyoffset` i64 R.

define_header! {
    /// How fresh the broker's index is.
    QueryMessageResponseHeader {
        /// Store time of the last indexed message, ms.
        index_last_update_timestamp: i64 = "indexLastUpdateTimestamp", required;
        /// Commit log offset of the last indexed message.
        index_last_update_commit_log_offset: i64 = "indexLastUpdatePhyoffset", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 2] =
        [("indexLastUpdateTimestamp", "1700000000000"), ("indexLastUpdatePhyoffset", "3900")];

    #[test]
    fn golden() {
        let header = QueryMessageResponseHeader {
            index_last_update_timestamp: 1_700_000_000_000,
            index_last_update_commit_log_offset: 3900,
        };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<QueryMessageResponseHeader>(&WIRE, QueryMessageResponseHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&QueryMessageResponseHeader {
            index_last_update_timestamp: 0,
            index_last_update_commit_log_offset: 0,
        });
    }
}
