//! `SendMessageRequestHeader`: SEND_MESSAGE (10) and SEND_REPLY_MESSAGE (324), producer → broker,
//! long field names (`codes.md` §5.1). The one-letter form is in [`super::send_message_v2`].
//!
//! Wire: `producerGroup` R, `topic` R, `defaultTopic` R, `defaultTopicQueueNums` i32 R,
//! `queueId` i32 R, `sysFlag` i32 R, `bornTimestamp` i64 R, `flag` i32 R, `properties` O,
//! `reconsumeTimes` i32 O, `unitMode` bool O, `batch` bool O, `maxReconsumeTimes` i32 O,
//! + inherited §3 fields (`bname` from 4.9.5).

define_header! {
    /// One message (or a batch when `batch` is true) to store. Body: the payload bytes.
    SendMessageRequestHeader {
        /// Producer group.
        producer_group: String = "producerGroup", required;
        /// Target topic.
        topic: String = "topic", required;
        /// Auto-create template topic, normally `TBW102`.
        default_topic: String = "defaultTopic", required;
        /// Queue count for auto-created topics.
        default_topic_queue_nums: i32 = "defaultTopicQueueNums", required;
        /// Target queue; negative lets the broker pick one.
        queue_id: i32 = "queueId", required;
        /// MessageSysFlag bits.
        sys_flag: i32 = "sysFlag", required;
        /// Client clock when the message was created, ms.
        born_timestamp: i64 = "bornTimestamp", required;
        /// User flag copied into the stored message.
        flag: i32 = "flag", required;
        /// Message properties string.
        properties: String = "properties", optional;
        /// Delivery attempts so far, for `%RETRY%` topics.
        reconsume_times: i32 = "reconsumeTimes", optional;
        /// Unit mode.
        unit_mode: bool = "unitMode", optional(default = false);
        /// Whether the body is a batch.
        batch: bool = "batch", optional(default = false);
        /// The client's retry limit, honoured for `%RETRY%` topics.
        max_reconsume_times: i32 = "maxReconsumeTimes", optional;
    }
    inherits rpc;
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};
    use crate::header::RpcFields;

    pub(crate) const WIRE: [(&str, &str); 14] = [
        ("producerGroup", "please_rename_unique_group_name"),
        ("topic", "TopicTest"),
        ("defaultTopic", "TBW102"),
        ("defaultTopicQueueNums", "4"),
        ("queueId", "2"),
        ("sysFlag", "0"),
        ("bornTimestamp", "1700000000123"),
        ("flag", "0"),
        ("properties", "UNIQ_KEY\u{1}7F000001\u{2}WAIT\u{1}true\u{2}TAGS\u{1}TagA\u{2}"),
        ("reconsumeTimes", "0"),
        ("unitMode", "false"),
        ("batch", "false"),
        ("maxReconsumeTimes", "16"),
        ("bname", "broker-a"),
    ];

    pub(crate) fn expected() -> SendMessageRequestHeader {
        SendMessageRequestHeader {
            producer_group: "please_rename_unique_group_name".into(),
            topic: "TopicTest".into(),
            default_topic: "TBW102".into(),
            default_topic_queue_nums: 4,
            queue_id: 2,
            sys_flag: 0,
            born_timestamp: 1_700_000_000_123,
            flag: 0,
            properties: Some("UNIQ_KEY\u{1}7F000001\u{2}WAIT\u{1}true\u{2}TAGS\u{1}TagA\u{2}".into()),
            reconsume_times: Some(0),
            unit_mode: Some(false),
            batch: Some(false),
            max_reconsume_times: Some(16),
            rpc: RpcFields { broker_name: Some("broker-a".into()), ..Default::default() },
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<SendMessageRequestHeader>(&WIRE, SendMessageRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn defaults_and_round_trip() {
        let header = SendMessageRequestHeader {
            properties: None,
            reconsume_times: None,
            unit_mode: None,
            batch: None,
            max_reconsume_times: None,
            rpc: RpcFields::default(),
            ..expected()
        };
        assert!(!header.unit_mode() && !header.batch());
        assert_round_trip(&header);
    }
}
