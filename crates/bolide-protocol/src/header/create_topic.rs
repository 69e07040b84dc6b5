//! `CreateTopicRequestHeader`: UPDATE_AND_CREATE_TOPIC (17), admin → broker (`codes.md` §8).
//!
//! Wire: `topic` R, `defaultTopic` R, `readQueueNums` i32 R, `writeQueueNums` i32 R, `perm` i32 R,
//! `topicFilterType` R ∈ {`SINGLE_TAG`, `MULTI_TAG`}, `topicSysFlag` i32 O, `order` bool R,
//! `attributes` O (5.x), `force` bool O (5.x), + inherited §3 fields.

use crate::error::HeaderError;

/// `topicFilterType` of ordinary topics.
pub const SINGLE_TAG: &str = "SINGLE_TAG";
/// `topicFilterType` of multi-tag topics.
pub const MULTI_TAG: &str = "MULTI_TAG";

define_header! {
    /// Creates or updates a topic on one broker.
    CreateTopicRequestHeader {
        /// Topic.
        topic: String = "topic", required;
        /// Template topic (mqadmin sends `TBW102`).
        default_topic: String = "defaultTopic", required;
        /// Read queue count.
        read_queue_nums: i32 = "readQueueNums", required;
        /// Write queue count.
        write_queue_nums: i32 = "writeQueueNums", required;
        /// Permission bits.
        perm: i32 = "perm", required;
        /// [`SINGLE_TAG`] or [`MULTI_TAG`].
        topic_filter_type: String = "topicFilterType", required;
        /// Topic sys flag.
        topic_sys_flag: i32 = "topicSysFlag", optional;
        /// Ordered topic. Required: the Java default `false` does not excuse a missing key.
        order: bool = "order", required;
        /// 5.x attribute changes, `+k1=v1,+k2=v2,-k3`.
        attributes: String = "attributes", optional;
        /// 5.x: overwrite conflicting attributes.
        force: bool = "force", optional(default = false);
    }
    inherits rpc;
    checked_by check_topic_filter_type;
}

/// Java's `checkFields`: `TopicFilterType.valueOf(topicFilterType)` must succeed (exact case).
fn check_topic_filter_type(header: &CreateTopicRequestHeader) -> Result<(), HeaderError> {
    match header.topic_filter_type.as_str() {
        SINGLE_TAG | MULTI_TAG => Ok(()),
        other => Err(HeaderError::Rule {
            field: "topicFilterType",
            reason: format!("topicFilterType = [{other}] value invalid"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip, ext};
    use crate::header::CommandHeader;

    const WIRE: [(&str, &str); 10] = [
        ("topic", "TopicTest"),
        ("defaultTopic", "TBW102"),
        ("readQueueNums", "8"),
        ("writeQueueNums", "8"),
        ("perm", "6"),
        ("topicFilterType", "SINGLE_TAG"),
        ("topicSysFlag", "0"),
        ("order", "false"),
        ("attributes", "+message.type=NORMAL"),
        ("force", "false"),
    ];

    fn expected() -> CreateTopicRequestHeader {
        CreateTopicRequestHeader {
            topic: "TopicTest".into(),
            default_topic: "TBW102".into(),
            read_queue_nums: 8,
            write_queue_nums: 8,
            perm: 6,
            topic_filter_type: SINGLE_TAG.into(),
            topic_sys_flag: Some(0),
            order: false,
            attributes: Some("+message.type=NORMAL".into()),
            force: Some(false),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<CreateTopicRequestHeader>(&WIRE, CreateTopicRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn unknown_filter_type_is_a_rule_error() {
        let mut fields = ext(&WIRE);
        fields.insert("topicFilterType", "single_tag");
        let err = CreateTopicRequestHeader::read_fields(&fields).unwrap_err();
        assert!(matches!(err, HeaderError::Rule { field: "topicFilterType", .. }), "{err:?}");
    }

    #[test]
    fn defaults_and_round_trip() {
        let header = CreateTopicRequestHeader {
            topic_filter_type: MULTI_TAG.into(),
            topic_sys_flag: None,
            attributes: None,
            force: None,
            order: true,
            ..expected()
        };
        assert!(!header.force());
        assert_round_trip(&header);
    }
}
