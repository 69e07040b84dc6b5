//! `ViewMessageRequestHeader`: VIEW_MESSAGE_BY_ID (33), client/admin → broker (`codes.md` §6.11).
//!
//! Wire: `topic` String O (5.x), `offset` i64 R. No inherited fields.

define_header! {
    /// Loads one stored message by commit log offset.
    ViewMessageRequestHeader {
        /// Topic (5.x).
        topic: String = "topic", optional;
        /// Commit log offset taken from an offset message id.
        offset: i64 = "offset", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 2] = [("topic", "TopicTest"), ("offset", "3900")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &ViewMessageRequestHeader { topic: Some("TopicTest".into()), offset: 3900 });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<ViewMessageRequestHeader>(&WIRE, ViewMessageRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&ViewMessageRequestHeader { topic: None, offset: 0 });
    }
}
