//! `CheckTransactionStateRequestHeader`: CHECK_TRANSACTION_STATE (39), broker → producer, oneway
//! (`codes.md` §5.5).
//!
//! Wire: `topic` O (5.x), `tranStateTableOffset` i64 R, `commitLogOffset` i64 R, `msgId` O,
//! `transactionId` O, `offsetMsgId` O, + inherited §3 fields (`bname` from 4.9.5).

define_header! {
    /// Asks a producer for the outcome of a half message (body: the half message).
    CheckTransactionStateRequestHeader {
        /// The real topic (5.x).
        topic: String = "topic", optional;
        /// Queue offset of the half message in the half topic.
        tran_state_table_offset: i64 = "tranStateTableOffset", required;
        /// Commit log offset of the half message.
        commit_log_offset: i64 = "commitLogOffset", required;
        /// `UNIQ_KEY` of the message.
        msg_id: String = "msgId", optional;
        /// Stock: same as `msgId`.
        transaction_id: String = "transactionId", optional;
        /// Offset message id of the half message.
        offset_msg_id: String = "offsetMsgId", optional;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};
    use crate::header::RpcFields;

    const WIRE: [(&str, &str); 7] = [
        ("topic", "TopicTest"),
        ("tranStateTableOffset", "17"),
        ("commitLogOffset", "3900"),
        ("msgId", "7F000001658C18B4AAC2590E6B9B0000"),
        ("transactionId", "7F000001658C18B4AAC2590E6B9B0000"),
        ("offsetMsgId", "7F00000100002A9F0000000000000F3C"),
        ("bname", "broker-a"),
    ];

    fn expected() -> CheckTransactionStateRequestHeader {
        CheckTransactionStateRequestHeader {
            topic: Some("TopicTest".into()),
            tran_state_table_offset: 17,
            commit_log_offset: 3900,
            msg_id: Some("7F000001658C18B4AAC2590E6B9B0000".into()),
            transaction_id: Some("7F000001658C18B4AAC2590E6B9B0000".into()),
            offset_msg_id: Some("7F00000100002A9F0000000000000F3C".into()),
            rpc: RpcFields { broker_name: Some("broker-a".into()), ..Default::default() },
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<CheckTransactionStateRequestHeader>(
            &WIRE,
            CheckTransactionStateRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        let header = CheckTransactionStateRequestHeader { topic: None, offset_msg_id: None, ..expected() };
        assert_round_trip(&header);
    }
}
