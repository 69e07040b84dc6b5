//! `GetMinOffsetResponseHeader`: response to GET_MIN_OFFSET (31) (`codes.md` §6.10).
//!
//! Wire: `offset` i64 R.

define_header! {
    /// Smallest queue offset still readable.
    GetMinOffsetResponseHeader {
        /// Smallest queue offset still readable.
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
        assert_golden(&WIRE, &GetMinOffsetResponseHeader { offset: 1024 });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetMinOffsetResponseHeader>(&WIRE, GetMinOffsetResponseHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetMinOffsetResponseHeader { offset: -1 });
        assert_round_trip(&GetMinOffsetResponseHeader { offset: i64::MIN });
    }
}
