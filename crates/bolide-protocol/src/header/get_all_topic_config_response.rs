//! `GetAllTopicConfigResponseHeader`: response to GET_ALL_TOPIC_CONFIG (21) on servers that page (`codes.md` §8).
//!
//! Wire: `totalTopicNum` i32 R.
//!
//! Only a server that pages may send this header. A server that does not page must omit
//! `extFields` entirely: post-5.3.3 Java clients fail on an empty map because this field is
//! required (`remoting.md` §10.3).

define_header! {
    /// Total number of topics on the broker.
    GetAllTopicConfigResponseHeader {
        /// Total number of topics.
        total_topic_num: i32 = "totalTopicNum", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("totalTopicNum", "1234")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &GetAllTopicConfigResponseHeader { total_topic_num: 1234 });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetAllTopicConfigResponseHeader>(&WIRE, GetAllTopicConfigResponseHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetAllTopicConfigResponseHeader { total_topic_num: 0 });
    }
}
