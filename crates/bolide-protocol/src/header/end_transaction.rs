//! `EndTransactionRequestHeader`: END_TRANSACTION (37), producer → broker, oneway
//! (`codes.md` §5.4).
//!
//! Wire: `topic` O (5.x), `producerGroup` R, `tranStateTableOffset` i64 R, `commitLogOffset` i64 R,
//! `commitOrRollback` i32 R ∈ {0, 8, 12}, `fromTransactionCheck` bool O, `msgId` R,
//! `transactionId` O, + inherited §3 fields.

use crate::error::HeaderError;

/// `commitOrRollback`: the producer does not know yet; the broker will check later.
pub const TRANSACTION_NOT_TYPE: i32 = 0;
/// `commitOrRollback`: deliver the half message.
pub const TRANSACTION_COMMIT_TYPE: i32 = 8;
/// `commitOrRollback`: discard the half message.
pub const TRANSACTION_ROLLBACK_TYPE: i32 = 12;

define_header! {
    /// Commits or rolls back a transaction's half message.
    EndTransactionRequestHeader {
        /// The real topic (5.x).
        topic: String = "topic", optional;
        /// Must equal the half message's `PGROUP` property.
        producer_group: String = "producerGroup", required;
        /// Queue offset of the half message.
        tran_state_table_offset: i64 = "tranStateTableOffset", required;
        /// Commit log offset of the half message.
        commit_log_offset: i64 = "commitLogOffset", required;
        /// One of [`TRANSACTION_NOT_TYPE`], [`TRANSACTION_COMMIT_TYPE`], [`TRANSACTION_ROLLBACK_TYPE`].
        commit_or_rollback: i32 = "commitOrRollback", required;
        /// `true` when answering CHECK_TRANSACTION_STATE.
        from_transaction_check: bool = "fromTransactionCheck", optional(default = false);
        /// The message's `UNIQ_KEY`.
        msg_id: String = "msgId", required;
        /// Transaction id.
        transaction_id: String = "transactionId", optional;
    }
    inherits rpc;
    checked_by check_commit_or_rollback;
}

/// Java's `checkFields`: `commitOrRollback` must be 0, 8 or 12.
fn check_commit_or_rollback(header: &EndTransactionRequestHeader) -> Result<(), HeaderError> {
    match header.commit_or_rollback {
        TRANSACTION_NOT_TYPE | TRANSACTION_COMMIT_TYPE | TRANSACTION_ROLLBACK_TYPE => Ok(()),
        other => Err(HeaderError::Rule {
            field: "commitOrRollback",
            reason: format!("commitOrRollback field wrong: {other} is not 0, 8 or 12"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip, ext};
    use crate::header::{CommandHeader, RpcFields};

    const WIRE: [(&str, &str); 9] = [
        ("topic", "TopicTest"),
        ("producerGroup", "tx_group"),
        ("tranStateTableOffset", "17"),
        ("commitLogOffset", "3900"),
        ("commitOrRollback", "8"),
        ("fromTransactionCheck", "true"),
        ("msgId", "7F000001658C18B4AAC2590E6B9B0000"),
        ("transactionId", "7F000001658C18B4AAC2590E6B9B0000"),
        ("bname", "broker-a"),
    ];

    fn expected() -> EndTransactionRequestHeader {
        EndTransactionRequestHeader {
            topic: Some("TopicTest".into()),
            producer_group: "tx_group".into(),
            tran_state_table_offset: 17,
            commit_log_offset: 3900,
            commit_or_rollback: TRANSACTION_COMMIT_TYPE,
            from_transaction_check: Some(true),
            msg_id: "7F000001658C18B4AAC2590E6B9B0000".into(),
            transaction_id: Some("7F000001658C18B4AAC2590E6B9B0000".into()),
            rpc: RpcFields { broker_name: Some("broker-a".into()), ..Default::default() },
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<EndTransactionRequestHeader>(&WIRE, EndTransactionRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn commit_or_rollback_outside_the_three_types_is_a_rule_error() {
        let mut fields = ext(&WIRE);
        for ok in ["0", "8", "12"] {
            fields.insert("commitOrRollback", ok);
            assert!(EndTransactionRequestHeader::read_fields(&fields).is_ok(), "{ok}");
        }
        fields.insert("commitOrRollback", "4");
        let err = EndTransactionRequestHeader::read_fields(&fields).unwrap_err();
        assert!(matches!(err, HeaderError::Rule { field: "commitOrRollback", .. }), "{err:?}");
    }

    #[test]
    fn defaults_and_round_trip() {
        let header = EndTransactionRequestHeader {
            topic: None,
            from_transaction_check: None,
            transaction_id: None,
            commit_or_rollback: TRANSACTION_ROLLBACK_TYPE,
            ..expected()
        };
        assert!(!header.from_transaction_check());
        assert_round_trip(&header);
    }
}
