//! `ConsumerSendMsgBackRequestHeader`: CONSUMER_SEND_MSG_BACK (36), push consumer → broker
//! (`codes.md` §6.8).
//!
//! Wire: `offset` i64 R, `group` R, `delayLevel` i32 R, `originMsgId` O, `originTopic` O,
//! `unitMode` bool O, `maxReconsumeTimes` i32 O, + inherited §3 fields.

define_header! {
    /// Returns a message whose consumption failed, for redelivery or the DLQ.
    ConsumerSendMsgBackRequestHeader {
        /// Commit log offset of the failed message.
        offset: i64 = "offset", required;
        /// Consumer group.
        group: String = "group", required;
        /// 0 = broker picks `3 + reconsumeTimes`; −1 = straight to the DLQ; > 0 = that level.
        delay_level: i32 = "delayLevel", required;
        /// The message's msgId.
        origin_msg_id: String = "originMsgId", optional;
        /// The message's topic.
        origin_topic: String = "originTopic", optional;
        /// Unit mode.
        unit_mode: bool = "unitMode", optional(default = false);
        /// The client's retry limit (Java client default 16).
        max_reconsume_times: i32 = "maxReconsumeTimes", optional;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 7] = [
        ("offset", "3900"),
        ("group", "cg"),
        ("delayLevel", "0"),
        ("originMsgId", "7F000001658C18B4AAC2590E6B9B0000"),
        ("originTopic", "TopicTest"),
        ("unitMode", "false"),
        ("maxReconsumeTimes", "16"),
    ];

    fn expected() -> ConsumerSendMsgBackRequestHeader {
        ConsumerSendMsgBackRequestHeader {
            offset: 3900,
            group: "cg".into(),
            delay_level: 0,
            origin_msg_id: Some("7F000001658C18B4AAC2590E6B9B0000".into()),
            origin_topic: Some("TopicTest".into()),
            unit_mode: Some(false),
            max_reconsume_times: Some(16),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<ConsumerSendMsgBackRequestHeader>(&WIRE, ConsumerSendMsgBackRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn defaults_and_round_trip() {
        let header = ConsumerSendMsgBackRequestHeader {
            delay_level: -1,
            unit_mode: None,
            max_reconsume_times: None,
            ..expected()
        };
        assert!(!header.unit_mode());
        assert_round_trip(&header);
    }
}
