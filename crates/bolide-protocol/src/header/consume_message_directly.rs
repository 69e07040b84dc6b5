//! `ConsumeMessageDirectlyResultRequestHeader`: CONSUME_MESSAGE_DIRECTLY (309), admin → broker
//! and, with broker-added keys, broker → client (`codes.md` §7.2).
//!
//! Wire: `consumerGroup` R, `clientId` O, `msgId` O, `brokerName` O, `topic` O (5.x),
//! `topicSysFlag` i32 O, `groupSysFlag` i32 O, + inherited §3 fields.

define_header! {
    /// Asks a consumer client to consume one stored message right now.
    ConsumeMessageDirectlyResultRequestHeader {
        /// Consumer group.
        consumer_group: String = "consumerGroup", required;
        /// Target client id.
        client_id: String = "clientId", optional;
        /// Offset message id of the message.
        msg_id: String = "msgId", optional;
        /// Set by the broker to its own name when forwarding.
        broker_name: String = "brokerName", optional;
        /// Topic (5.x).
        topic: String = "topic", optional;
        /// Set by the broker when forwarding.
        topic_sys_flag: i32 = "topicSysFlag", optional;
        /// Set by the broker when forwarding.
        group_sys_flag: i32 = "groupSysFlag", optional;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 7] = [
        ("consumerGroup", "cg"),
        ("clientId", "10.0.0.9@12345"),
        ("msgId", "7F00000100002A9F0000000000000F3C"),
        ("brokerName", "broker-a"),
        ("topic", "TopicTest"),
        ("topicSysFlag", "0"),
        ("groupSysFlag", "0"),
    ];

    fn expected() -> ConsumeMessageDirectlyResultRequestHeader {
        ConsumeMessageDirectlyResultRequestHeader {
            consumer_group: "cg".into(),
            client_id: Some("10.0.0.9@12345".into()),
            msg_id: Some("7F00000100002A9F0000000000000F3C".into()),
            broker_name: Some("broker-a".into()),
            topic: Some("TopicTest".into()),
            topic_sys_flag: Some(0),
            group_sys_flag: Some(0),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<ConsumeMessageDirectlyResultRequestHeader>(
            &WIRE,
            ConsumeMessageDirectlyResultRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        let header = ConsumeMessageDirectlyResultRequestHeader { consumer_group: "cg".into(), ..Default::default() };
        assert_round_trip(&header);
        assert_round_trip(&expected());
    }
}
