//! `ReplyMessageRequestHeader`: PUSH_REPLY_MESSAGE_TO_CLIENT (326), broker → requesting client
//! (`codes.md` §5.6).
//!
//! Wire: `producerGroup` R, `topic` R, `defaultTopic` R, `defaultTopicQueueNums` i32 R,
//! `queueId` i32 R, `sysFlag` i32 R, `bornTimestamp` i64 R, `flag` i32 R, `properties` O,
//! `reconsumeTimes` i32 O, `unitMode` bool O, `bornHost` R, `storeHost` R, `storeTimestamp` i64 R,
//! + inherited §3 fields.

define_header! {
    /// A reply message pushed to the client that sent the request. Body: the reply payload.
    ReplyMessageRequestHeader {
        /// Producer group of the replier.
        producer_group: String = "producerGroup", required;
        /// Reply topic.
        topic: String = "topic", required;
        /// Auto-create template topic.
        default_topic: String = "defaultTopic", required;
        /// Queue count for auto-created topics.
        default_topic_queue_nums: i32 = "defaultTopicQueueNums", required;
        /// Queue id.
        queue_id: i32 = "queueId", required;
        /// MessageSysFlag bits.
        sys_flag: i32 = "sysFlag", required;
        /// Replier's clock when the reply was created, ms.
        born_timestamp: i64 = "bornTimestamp", required;
        /// User flag.
        flag: i32 = "flag", required;
        /// Message properties (with `PUSH_REPLY_TIME` added).
        properties: String = "properties", optional;
        /// Reconsume times.
        reconsume_times: i32 = "reconsumeTimes", optional;
        /// Unit mode.
        unit_mode: bool = "unitMode", optional(default = false);
        /// `ip:port` of the replier.
        born_host: String = "bornHost", required;
        /// `ip:port` of the broker.
        store_host: String = "storeHost", required;
        /// Broker clock when the reply arrived, ms.
        store_timestamp: i64 = "storeTimestamp", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 14] = [
        ("producerGroup", "reply_group"),
        ("topic", "DefaultCluster_REPLY_TOPIC"),
        ("defaultTopic", "TBW102"),
        ("defaultTopicQueueNums", "4"),
        ("queueId", "0"),
        ("sysFlag", "0"),
        ("bornTimestamp", "1700000000000"),
        ("flag", "0"),
        ("properties", "MSG_TYPE\u{1}reply\u{2}"),
        ("reconsumeTimes", "0"),
        ("unitMode", "false"),
        ("bornHost", "10.0.0.9:53211"),
        ("storeHost", "10.0.0.1:10911"),
        ("storeTimestamp", "1700000000042"),
    ];

    fn expected() -> ReplyMessageRequestHeader {
        ReplyMessageRequestHeader {
            producer_group: "reply_group".into(),
            topic: "DefaultCluster_REPLY_TOPIC".into(),
            default_topic: "TBW102".into(),
            default_topic_queue_nums: 4,
            queue_id: 0,
            sys_flag: 0,
            born_timestamp: 1_700_000_000_000,
            flag: 0,
            properties: Some("MSG_TYPE\u{1}reply\u{2}".into()),
            reconsume_times: Some(0),
            unit_mode: Some(false),
            born_host: "10.0.0.9:53211".into(),
            store_host: "10.0.0.1:10911".into(),
            store_timestamp: 1_700_000_000_042,
            rpc: Default::default(),
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<ReplyMessageRequestHeader>(&WIRE, ReplyMessageRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn defaults_and_round_trip() {
        let header =
            ReplyMessageRequestHeader { properties: None, reconsume_times: None, unit_mode: None, ..expected() };
        assert!(!header.unit_mode());
        assert_round_trip(&header);
    }
}
