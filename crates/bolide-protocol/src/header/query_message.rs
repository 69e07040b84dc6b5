//! `QueryMessageRequestHeader`: QUERY_MESSAGE (12), client/admin → broker (`codes.md` §6.12).
//!
//! Wire: `topic` R, `key` R, `maxNum` i32 R, `beginTimestamp` i64 R, `endTimestamp` i64 R,
//! `_UNIQUE_KEY_QUERY` bool O, + inherited §3 fields.
//!
//! `_UNIQUE_KEY_QUERY` is not a field of the Java class but an extra key set next to it; it is
//! kept here so that a decoded request carries everything the broker needs.

define_header! {
    /// Looks messages up by key (or by client message id) within a store-time range.
    QueryMessageRequestHeader {
        /// Topic.
        topic: String = "topic", required;
        /// Message key, or `UNIQ_KEY` when `_UNIQUE_KEY_QUERY` is true.
        key: String = "key", required;
        /// Most messages to return.
        max_num: i32 = "maxNum", required;
        /// Start of the store-time range, ms.
        begin_timestamp: i64 = "beginTimestamp", required;
        /// End of the store-time range, ms.
        end_timestamp: i64 = "endTimestamp", required;
        /// `key` is a client message id; the broker then uses its own max (32).
        unique_key_query: bool = "_UNIQUE_KEY_QUERY", optional(default = false);
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 6] = [
        ("topic", "TopicTest"),
        ("key", "order-42"),
        ("maxNum", "64"),
        ("beginTimestamp", "0"),
        ("endTimestamp", "9223372036854775807"),
        ("_UNIQUE_KEY_QUERY", "false"),
    ];

    fn expected() -> QueryMessageRequestHeader {
        QueryMessageRequestHeader {
            topic: "TopicTest".into(),
            key: "order-42".into(),
            max_num: 64,
            begin_timestamp: 0,
            end_timestamp: i64::MAX,
            unique_key_query: Some(false),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<QueryMessageRequestHeader>(&WIRE, QueryMessageRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn defaults_and_round_trip() {
        let header = QueryMessageRequestHeader { unique_key_query: None, ..expected() };
        assert!(!header.unique_key_query());
        assert_round_trip(&header);
    }
}
