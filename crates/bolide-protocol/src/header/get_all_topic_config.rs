//! `GetAllTopicConfigRequestHeader`: GET_ALL_TOPIC_CONFIG (21), admin/slave → broker (`codes.md` §8).
//!
//! Wire: `topicSeq` i32 R, `dataVersion` String O (`DataVersion` JSON), `maxTopicNum` i32 O. No inherited
//! fields.
//!
//! This header only exists on the development line after 5.3.3 (paging); every released client
//! sends the request without `extFields`. A server should therefore decode it only when
//! `extFields` is present, and treat its absence as "send everything at once".

define_header! {
    /// Pages through a broker's topic configs.
    GetAllTopicConfigRequestHeader {
        /// Position to continue from.
        topic_seq: i32 = "topicSeq", required;
        /// `DataVersion` JSON the requester last saw.
        data_version: String = "dataVersion", optional;
        /// Most topics per page.
        max_topic_num: i32 = "maxTopicNum", optional;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 3] =
        [("topicSeq", "100"), ("dataVersion", r#"{"counter":7,"timestamp":1700000000000}"#), ("maxTopicNum", "50")];

    fn expected() -> GetAllTopicConfigRequestHeader {
        GetAllTopicConfigRequestHeader {
            topic_seq: 100,
            data_version: Some(r#"{"counter":7,"timestamp":1700000000000}"#.into()),
            max_topic_num: Some(50),
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetAllTopicConfigRequestHeader>(&WIRE, GetAllTopicConfigRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetAllTopicConfigRequestHeader { data_version: None, max_topic_num: None, ..expected() });
    }
}
