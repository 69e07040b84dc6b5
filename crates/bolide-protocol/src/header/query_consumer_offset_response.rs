//! `QueryConsumerOffsetResponseHeader`: response to QUERY_CONSUMER_OFFSET (14), code 0 (`codes.md` §6.6).
//!
//! Wire: `offset` i64 R.

define_header! {
    /// The group's committed offset for the queue.
    QueryConsumerOffsetResponseHeader {
        /// The group's committed offset for the queue.
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
        assert_golden(&WIRE, &QueryConsumerOffsetResponseHeader { offset: 1024 });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<QueryConsumerOffsetResponseHeader>(
            &WIRE,
            QueryConsumerOffsetResponseHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&QueryConsumerOffsetResponseHeader { offset: -1 });
        assert_round_trip(&QueryConsumerOffsetResponseHeader { offset: i64::MIN });
    }
}
