//! `PullMessageRequestHeader`: PULL_MESSAGE (11) and LITE_PULL_MESSAGE (361), consumer → broker
//! (`codes.md` §6.5).
//!
//! Wire: `consumerGroup` R, `topic` R, `queueId` i32 R, `queueOffset` i64 R, `maxMsgNums` i32 R,
//! `sysFlag` i32 R, `commitOffset` i64 R, `suspendTimeoutMillis` i64 R, `subscription` O,
//! `subVersion` i64 R, `expressionType` O, `maxMsgBytes` i32 O (5.x), `requestSource` i32 O (5.x),
//! `proxyFrowardClientId` O (5.x, sic), + inherited §3 fields.

/// `sysFlag` bit 0: also store `commitOffset` as the group's consumer offset.
pub const FLAG_COMMIT_OFFSET: i32 = 0x1;
/// `sysFlag` bit 1: long polling allowed.
pub const FLAG_SUSPEND: i32 = 0x2;
/// `sysFlag` bit 2: `subscription`/`expressionType` in the request are authoritative.
pub const FLAG_SUBSCRIPTION: i32 = 0x4;
/// `sysFlag` bit 3: legacy filter-server mode.
pub const FLAG_CLASS_FILTER: i32 = 0x8;
/// `sysFlag` bit 4: sent by lite-pull consumers.
pub const FLAG_LITE_PULL_MESSAGE: i32 = 0x10;

/// `expressionType` when the request has none.
pub const EXPRESSION_TYPE_TAG: &str = "TAG";

define_header! {
    /// Reads messages of one queue from an offset.
    PullMessageRequestHeader {
        /// Consumer group.
        consumer_group: String = "consumerGroup", required;
        /// Topic.
        topic: String = "topic", required;
        /// Queue id.
        queue_id: i32 = "queueId", required;
        /// Queue offset to start reading at.
        queue_offset: i64 = "queueOffset", required;
        /// Most messages to return.
        max_msg_nums: i32 = "maxMsgNums", required;
        /// PullSysFlag bits ([`FLAG_COMMIT_OFFSET`] …).
        sys_flag: i32 = "sysFlag", required;
        /// Consumer offset to commit when [`FLAG_COMMIT_OFFSET`] is set.
        commit_offset: i64 = "commitOffset", required;
        /// Long-poll hold time, ms.
        suspend_timeout_ms: i64 = "suspendTimeoutMillis", required;
        /// Subscription expression, only with [`FLAG_SUBSCRIPTION`].
        subscription: String = "subscription", optional;
        /// Client's subscription version (ms timestamp).
        sub_version: i64 = "subVersion", required;
        /// `TAG` (when absent) or `SQL92`; see [`PullMessageRequestHeader::expression_type`].
        expression_type: String = "expressionType", optional;
        /// Byte cap for the response (5.x).
        max_msg_bytes: i32 = "maxMsgBytes", optional;
        /// −1 SDK, 0 proxy-for-order, 1 proxy-for-broadcast, 2 proxy-for-stream (5.x).
        request_source: i32 = "requestSource", optional;
        /// Client id forwarded by the 5.x proxy; the Java key is misspelled `proxyFrowardClientId`.
        proxy_forward_client_id: String = "proxyFrowardClientId", optional;
    }
    inherits rpc;
}

impl PullMessageRequestHeader {
    /// `expressionType` with the broker's default ([`EXPRESSION_TYPE_TAG`]) applied when absent.
    pub fn expression_type(&self) -> &str {
        self.expression_type.as_deref().unwrap_or(EXPRESSION_TYPE_TAG)
    }

    /// Whether `sys_flag` has all bits of `flag`.
    pub fn has_flag(&self, flag: i32) -> bool {
        self.sys_flag & flag == flag
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::HeaderError;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip, ext};
    use crate::header::{CommandHeader, RpcFields};

    const WIRE: [(&str, &str); 13] = [
        ("consumerGroup", "please_rename_unique_group_name_4"),
        ("topic", "TopicTest"),
        ("queueId", "1"),
        ("queueOffset", "128"),
        ("maxMsgNums", "32"),
        ("sysFlag", "3"),
        ("commitOffset", "120"),
        ("suspendTimeoutMillis", "15000"),
        ("subscription", "TagA || TagB"),
        ("subVersion", "1700000000000"),
        ("expressionType", "TAG"),
        ("maxMsgBytes", "262144"),
        ("bname", "broker-a"),
    ];

    fn expected() -> PullMessageRequestHeader {
        PullMessageRequestHeader {
            consumer_group: "please_rename_unique_group_name_4".into(),
            topic: "TopicTest".into(),
            queue_id: 1,
            queue_offset: 128,
            max_msg_nums: 32,
            sys_flag: FLAG_COMMIT_OFFSET | FLAG_SUSPEND,
            commit_offset: 120,
            suspend_timeout_ms: 15_000,
            subscription: Some("TagA || TagB".into()),
            sub_version: 1_700_000_000_000,
            expression_type: Some("TAG".into()),
            max_msg_bytes: Some(262_144),
            request_source: None,
            proxy_forward_client_id: None,
            rpc: RpcFields { broker_name: Some("broker-a".into()), ..Default::default() },
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<PullMessageRequestHeader>(&WIRE, PullMessageRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn unparsable_number_is_invalid_and_named() {
        let mut fields = ext(&WIRE);
        fields.insert("queueOffset", "12x");
        let err = PullMessageRequestHeader::read_fields(&fields).unwrap_err();
        assert!(matches!(err, HeaderError::Invalid { field: "queueOffset", .. }), "{err:?}");
    }

    #[test]
    fn flags_defaults_and_round_trip() {
        let header = PullMessageRequestHeader {
            expression_type: None,
            request_source: Some(-1),
            proxy_forward_client_id: Some("proxy-client".into()),
            sys_flag: FLAG_SUBSCRIPTION | FLAG_LITE_PULL_MESSAGE,
            ..expected()
        };
        assert_eq!(header.expression_type(), "TAG");
        assert!(header.has_flag(FLAG_SUBSCRIPTION) && !header.has_flag(FLAG_SUSPEND));
        assert_round_trip(&header);
    }
}
