//! `SendMessageRequestHeaderV2`: SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320) and
//! SEND_REPLY_MESSAGE_V2 (325), producer → broker, one-letter keys (`codes.md` §5.2).
//!
//! Wire: `a` producerGroup R, `b` topic R, `c` defaultTopic R, `d` defaultTopicQueueNums i32 R,
//! `e` queueId i32 R, `f` sysFlag i32 R, `g` bornTimestamp i64 R, `h` flag i32 R,
//! `i` properties O, `j` reconsumeTimes i32 O, `k` unitMode bool O, `l` maxReconsumeTimes i32 O,
//! `m` batch bool O, `n` brokerName O (4.9.5+).
//!
//! The Java class extends `TopicQueueRequestHeader`, but its fast codec (used by the stock broker
//! to decode it, and by the binary header to encode it) reads and writes only `a`–`n`; the broker
//! name travels as `n`. This header therefore carries no [`RpcFields`]: converting to
//! [`SendMessageRequestHeader`] puts `n` into `rpc.broker_name`, and back.
//!
//! Unlike the Java fast codec, which logs and leaves a missing required key null (the send then
//! fails later with SYSTEM_ERROR), a missing required key is a [`crate::HeaderError::Missing`]
//! here.

use crate::header::{RpcFields, SendMessageRequestHeader};

define_header! {
    /// [`SendMessageRequestHeader`] with one-letter keys.
    SendMessageRequestHeaderV2 {
        /// producerGroup.
        a: String = "a", required;
        /// topic.
        b: String = "b", required;
        /// defaultTopic.
        c: String = "c", required;
        /// defaultTopicQueueNums.
        d: i32 = "d", required;
        /// queueId.
        e: i32 = "e", required;
        /// sysFlag.
        f: i32 = "f", required;
        /// bornTimestamp.
        g: i64 = "g", required;
        /// flag.
        h: i32 = "h", required;
        /// properties.
        i: String = "i", optional;
        /// reconsumeTimes.
        j: i32 = "j", optional;
        /// unitMode.
        k: bool = "k", optional;
        /// maxReconsumeTimes (Java comment: "consumeRetryTimes").
        l: i32 = "l", optional;
        /// batch.
        m: bool = "m", optional;
        /// brokerName (the V1 `bname`).
        n: String = "n", optional;
    }
}

impl From<SendMessageRequestHeaderV2> for SendMessageRequestHeader {
    /// Java's `createSendMessageRequestHeaderV1`: field by field.
    fn from(v2: SendMessageRequestHeaderV2) -> Self {
        SendMessageRequestHeader {
            producer_group: v2.a,
            topic: v2.b,
            default_topic: v2.c,
            default_topic_queue_nums: v2.d,
            queue_id: v2.e,
            sys_flag: v2.f,
            born_timestamp: v2.g,
            flag: v2.h,
            properties: v2.i,
            reconsume_times: v2.j,
            unit_mode: v2.k,
            max_reconsume_times: v2.l,
            batch: v2.m,
            rpc: RpcFields { broker_name: v2.n, ..RpcFields::default() },
        }
    }
}

impl From<SendMessageRequestHeader> for SendMessageRequestHeaderV2 {
    /// Java's `createSendMessageRequestHeaderV2`: every inherited field except `bname` is dropped.
    fn from(v1: SendMessageRequestHeader) -> Self {
        SendMessageRequestHeaderV2 {
            a: v1.producer_group,
            b: v1.topic,
            c: v1.default_topic,
            d: v1.default_topic_queue_nums,
            e: v1.queue_id,
            f: v1.sys_flag,
            g: v1.born_timestamp,
            h: v1.flag,
            i: v1.properties,
            j: v1.reconsume_times,
            k: v1.unit_mode,
            l: v1.max_reconsume_times,
            m: v1.batch,
            n: v1.rpc.broker_name,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    pub(crate) const WIRE: [(&str, &str); 14] = [
        ("a", "please_rename_unique_group_name"),
        ("b", "TopicTest"),
        ("c", "TBW102"),
        ("d", "4"),
        ("e", "2"),
        ("f", "0"),
        ("g", "1700000000123"),
        ("h", "0"),
        ("i", "UNIQ_KEY\u{1}7F000001\u{2}WAIT\u{1}true\u{2}TAGS\u{1}TagA\u{2}"),
        ("j", "0"),
        ("k", "false"),
        ("l", "16"),
        ("m", "false"),
        ("n", "broker-a"),
    ];

    fn expected() -> SendMessageRequestHeaderV2 {
        SendMessageRequestHeaderV2 {
            a: "please_rename_unique_group_name".into(),
            b: "TopicTest".into(),
            c: "TBW102".into(),
            d: 4,
            e: 2,
            f: 0,
            g: 1_700_000_000_123,
            h: 0,
            i: Some("UNIQ_KEY\u{1}7F000001\u{2}WAIT\u{1}true\u{2}TAGS\u{1}TagA\u{2}".into()),
            j: Some(0),
            k: Some(false),
            l: Some(16),
            m: Some(false),
            n: Some("broker-a".into()),
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<SendMessageRequestHeaderV2>(&WIRE, SendMessageRequestHeaderV2::WIRE_FIELDS);
    }

    #[test]
    fn converts_to_the_same_v1_header_as_the_long_names() {
        let v1 = SendMessageRequestHeader::from(expected());
        assert_eq!(v1, crate::header::send_message::tests::expected());
        assert_eq!(SendMessageRequestHeaderV2::from(v1), expected());
    }

    #[test]
    fn batch_round_trip() {
        let header =
            SendMessageRequestHeaderV2 { i: None, j: None, k: None, l: None, m: Some(true), n: None, ..expected() };
        assert_round_trip(&header);
        assert!(SendMessageRequestHeader::from(header).batch());
    }
}
