//! `GetMaxOffsetResponseHeader`: response to GET_MAX_OFFSET (30) (`codes.md` §6.10).
//!
//! Wire: `offset` i64 R.

define_header! {
    /// Queue offset after the last message (0 for an empty queue).
    GetMaxOffsetResponseHeader {
        /// Queue offset after the last message (0 for an empty queue).
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
        assert_golden(&WIRE, &GetMaxOffsetResponseHeader { offset: 1024 });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetMaxOffsetResponseHeader>(&WIRE, GetMaxOffsetResponseHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetMaxOffsetResponseHeader { offset: -1 });
        assert_round_trip(&GetMaxOffsetResponseHeader { offset: i64::MIN });
    }
}
