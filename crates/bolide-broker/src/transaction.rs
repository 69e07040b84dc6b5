//! Transactional messages (`behaviours.md` §7): half messages, their resolution and the
//! check-back service.
//!
//! A half message (property `TRAN_MSG=true`, or sysflag type PREPARED) is stored in
//! [`HALF_TOPIC`] queue 0 with its real topic and queue in `REAL_TOPIC`/`REAL_QID` and the
//! transaction type reset to NOT, so it gets a consume queue entry there and none in its real
//! topic. END_TRANSACTION (`processor::end_transaction`) commits it (a copy with type COMMIT in its
//! real queue) or rolls it back, and in both cases writes an "op" record to [`OP_TOPIC`] whose body
//! names the half queue offset. [`check`] asks producers about half messages nobody resolved.
//!
//! Records are built here; the processors and the service only append them.

mod check;

use bolide_protocol::message::properties::{
    self, Properties, PGROUP, REAL_QID, REAL_TOPIC, TAGS, TRANSACTION_ID, TRAN_MSG, UNIQ_KEY, WAIT,
};
use bolide_protocol::message::{MessageRecord, MessageVersion, StoredMessage, SysFlag, TransactionType};

pub(crate) use check::TransactionCheckService;

/// Where half messages wait (queue 0).
pub const HALF_TOPIC: &str = "RMQ_SYS_TRANS_HALF_TOPIC";
/// Where op records say which half messages are resolved (queue = the half's queue, 0).
pub const OP_TOPIC: &str = "RMQ_SYS_TRANS_OP_HALF_TOPIC";
/// Where half messages go once they have been checked `transactionCheckMax` times.
pub const CHECK_MAX_TIME_TOPIC: &str = "TRANS_CHECK_MAX_TIME_TOPIC";
/// The system group under which the checker keeps its half and op queue offsets in
/// `consumerOffset.json`.
pub const CHECK_GROUP: &str = "CID_RMQ_SYS_TRANS";
/// Tag of every op record ("remove").
pub const OP_TAG: &str = "d";
/// The only queue of the half and op topics.
pub const HALF_QUEUE_ID: i32 = 0;

/// Whether a sent message is a transaction half message.
pub(crate) fn is_half(sys_flag: SysFlag, raw_properties: &[u8]) -> bool {
    sys_flag.transaction_type() == TransactionType::Prepared
        || properties::find_property_bytes(raw_properties, TRAN_MSG) == Some(b"true")
}

/// The properties of a half message: the sent ones plus `REAL_TOPIC`, `REAL_QID` and
/// `__transactionId__` (= `UNIQ_KEY`).
pub(crate) fn half_properties(raw_properties: &[u8], real_topic: &str, real_queue_id: i32) -> Vec<u8> {
    let mut parsed = Properties::parse_bytes(raw_properties);
    parsed.insert(REAL_TOPIC, real_topic).expect("a valid topic is a valid property");
    parsed.insert(REAL_QID, real_queue_id.to_string()).expect("a number is a valid property");
    if let Some(unique) = parsed.get(UNIQ_KEY).map(str::to_owned) {
        parsed.insert(TRANSACTION_ID, unique).ok();
    }
    encode(&parsed)
}

/// The sysflag a half message is stored with: the sent one with the transaction type NOT, so the
/// store indexes it in the half queue (as the Java broker does since 4.3).
pub(crate) fn half_sys_flag(sent: SysFlag) -> SysFlag {
    sent.with_transaction_type(TransactionType::NotType)
}

fn encode(parsed: &Properties) -> Vec<u8> {
    let mut out = Vec::with_capacity(parsed.encoded_len());
    parsed.encode(&mut out);
    out
}

/// Where a half message really goes and what the committed copy carries: the half's properties
/// without `REAL_TOPIC` and `REAL_QID`. As in RocketMQ 5.5.0, `TRAN_MSG` and `WAIT` stay as the
/// producer sent them (Java clears `TRAN_MSG` only after building the stored properties string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RealTarget {
    pub(crate) topic: String,
    pub(crate) queue_id: i32,
    pub(crate) properties: Vec<u8>,
}

/// The real topic and queue of a half message; `None` without a usable `REAL_TOPIC`/`REAL_QID`.
pub(crate) fn real_target(half_properties: &[u8]) -> Option<RealTarget> {
    let mut parsed = Properties::parse_bytes(half_properties);
    let topic = parsed.get(REAL_TOPIC).filter(|topic| !topic.is_empty())?.to_owned();
    let queue_id = parsed.get(REAL_QID)?.trim().parse::<i32>().ok().filter(|id| *id >= 0)?;
    parsed.remove(REAL_TOPIC);
    parsed.remove(REAL_QID);
    Some(RealTarget { topic, queue_id, properties: encode(&parsed) })
}

/// The committed copy of `half` (type COMMIT, `PREPARED TRANSACTION OFFSET` = the half's commit
/// log offset) in its real queue.
pub(crate) fn commit_record<'a>(half: &StoredMessage<'a>, target: &'a RealTarget) -> MessageRecord<'a> {
    MessageRecord {
        version: MessageVersion::for_topic(&target.topic),
        queue_id: target.queue_id,
        queue_offset: 0,
        commit_log_offset: 0,
        store_timestamp_ms: 0,
        sys_flag: half.sys_flag().with_transaction_type(TransactionType::Commit),
        prepared_transaction_offset: half.commit_log_offset(),
        topic: &target.topic,
        properties: &target.properties,
        ..half.to_record()
    }
}

/// The producer group a half message belongs to.
pub(crate) fn producer_group<'a>(half: &StoredMessage<'a>) -> Option<&'a str> {
    half.property(PGROUP)
}

/// Body and properties of the op record resolving the half message at `half_queue_offset`:
/// the offset in decimal followed by `,` (the 5.x format; readers split on `,`), tag `d`.
pub(crate) fn op_record_parts(half_queue_offset: u64, unique_key: &str) -> (Vec<u8>, Vec<u8>) {
    let body = format!("{half_queue_offset},").into_bytes();
    let mut props = Vec::with_capacity(48);
    properties::write_item(&mut props, TAGS, OP_TAG);
    properties::write_item(&mut props, WAIT, "false");
    properties::write_item(&mut props, UNIQ_KEY, unique_key);
    (body, props)
}

/// The half queue offsets an op record body names (4.x: one number; 5.x: numbers each followed
/// by `,`). Anything that is not a number is ignored.
pub(crate) fn op_offsets(body: &[u8]) -> Vec<u64> {
    std::str::from_utf8(body).unwrap_or("").split(',').filter_map(|item| item.trim().parse::<u64>().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_protocol::message::properties::{find_property, write_item};

    fn raw(items: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, value) in items {
            write_item(&mut out, name, value);
        }
        out
    }

    #[test]
    fn half_properties_keep_the_real_queue_and_commit_removes_it() {
        let sent = raw(&[(TRAN_MSG, "true"), (PGROUP, "G"), (UNIQ_KEY, "U1"), (TAGS, "A"), (WAIT, "true")]);
        assert!(is_half(SysFlag::from_bits(0), &sent));
        assert!(is_half(SysFlag::from_bits(0x4), b""));
        assert!(!is_half(SysFlag::from_bits(0), &raw(&[(TRAN_MSG, "false")])));
        let half = half_properties(&sent, "T", 3);
        let text = String::from_utf8(half.clone()).expect("utf-8");
        assert_eq!(find_property(&text, REAL_TOPIC), Some("T"));
        assert_eq!(find_property(&text, REAL_QID), Some("3"));
        assert_eq!(find_property(&text, TRANSACTION_ID), Some("U1"));
        assert_eq!(half_sys_flag(SysFlag::from_bits(0x4 | 0x1)).bits(), 0x1);
        let target = real_target(&half).expect("has a real queue");
        assert_eq!((target.topic.as_str(), target.queue_id), ("T", 3));
        let text = String::from_utf8(target.properties).expect("utf-8");
        assert_eq!(find_property(&text, REAL_TOPIC), None);
        assert_eq!(find_property(&text, REAL_QID), None);
        assert_eq!(find_property(&text, TRAN_MSG), Some("true"), "kept, as RocketMQ 5.5.0 keeps it");
        assert_eq!(find_property(&text, WAIT), Some("true"));
        assert_eq!(find_property(&text, PGROUP), Some("G"));
        assert_eq!(find_property(&text, TAGS), Some("A"));
        assert_eq!(real_target(&raw(&[(REAL_TOPIC, "T")])), None);
    }

    #[test]
    fn op_bodies_of_both_generations_parse() {
        let (body, props) = op_record_parts(17, "U");
        assert_eq!(body, b"17,");
        assert_eq!(find_property(std::str::from_utf8(&props).expect("utf-8"), TAGS), Some(OP_TAG));
        assert_eq!(op_offsets(b"17,"), [17]);
        assert_eq!(op_offsets(b"17"), [17]);
        assert_eq!(op_offsets(b"1,2,,x,3,"), [1, 2, 3]);
        assert!(op_offsets(b"").is_empty());
    }
}
