//! `SendMessageResponseHeader`: response to every send code (10, 310, 320, 324, 325)
//! (`codes.md` §5.3).
//!
//! Wire: `msgId` String R, `queueId` i32 R, `queueOffset` i64 R, `transactionId` O,
//! `batchUniqId` O (5.x), `recallHandle` O (5.3.2+), plus the extra keys `MSG_REGION` String and
//! `TRACE_ON` bool that the stock broker always adds.
//!
//! `MSG_REGION` and `TRACE_ON` are not fields of the Java class, but the Java client reads both
//! from every successful send response and fails without them, so they live here as optional
//! fields; [`SendMessageResponseHeader::new`] fills them in.

define_header! {
    /// Where a message was stored.
    SendMessageResponseHeader {
        /// Offset message id (comma-separated list for a batch).
        msg_id: String = "msgId", required;
        /// Queue actually used.
        queue_id: i32 = "queueId", required;
        /// Consume-queue offset of the (first) message.
        queue_offset: i64 = "queueOffset", required;
        /// The stock broker sets it to the message's `UNIQ_KEY`.
        transaction_id: String = "transactionId", optional;
        /// Only for 5.x inner-batch topics.
        batch_uniq_id: String = "batchUniqId", optional;
        /// Only for timer messages.
        recall_handle: String = "recallHandle", optional;
        /// Region id; the stock default is [`DEFAULT_REGION`].
        msg_region: String = "MSG_REGION", optional;
        /// Whether tracing is on for this broker.
        trace_on: bool = "TRACE_ON", optional;
    }
}

/// The stock broker's region id.
pub const DEFAULT_REGION: &str = "DefaultRegion";

impl SendMessageResponseHeader {
    /// A success header with the extra keys every Java client expects (`MSG_REGION` =
    /// [`DEFAULT_REGION`], `TRACE_ON` = true).
    pub fn new(msg_id: impl Into<String>, queue_id: i32, queue_offset: i64) -> Self {
        SendMessageResponseHeader {
            msg_id: msg_id.into(),
            queue_id,
            queue_offset,
            msg_region: Some(DEFAULT_REGION.to_owned()),
            trace_on: Some(true),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 6] = [
        ("msgId", "7F00000100002A9F0000000000000F3C"),
        ("queueId", "3"),
        ("queueOffset", "42"),
        ("transactionId", "7F000001658C18B4AAC2590E6B9B0000"),
        ("MSG_REGION", "DefaultRegion"),
        ("TRACE_ON", "true"),
    ];

    #[test]
    fn golden() {
        let header = SendMessageResponseHeader {
            transaction_id: Some("7F000001658C18B4AAC2590E6B9B0000".into()),
            ..SendMessageResponseHeader::new("7F00000100002A9F0000000000000F3C", 3, 42)
        };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<SendMessageResponseHeader>(&WIRE, SendMessageResponseHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        let header = SendMessageResponseHeader {
            batch_uniq_id: Some("B1".into()),
            recall_handle: Some("handle".into()),
            trace_on: Some(false),
            ..SendMessageResponseHeader::new("a,b", 0, 0)
        };
        assert_round_trip(&header);
    }
}
