//! The POP receipt handle ("extraInfo", property `POP_CK`; data-formats.md §10): built by the
//! client from a POP response, sent back unchanged in ACK_MESSAGE and
//! CHANGE_MESSAGE_INVISIBLETIME, parsed by the broker by position.
//!
//! ```text
//! ckQueueOffset popTime invisibleTime reviveQid retry brokerName queueId [queueOffset]
//! ```
//! Fields are separated by single spaces, as Java's `split(" ")` reads them; the last field is
//! only written by newer clients.

use std::fmt;

/// Which topic a popped message came from (the `retry` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PopRetry {
    /// The normal topic (`0`).
    Normal,
    /// A v1 POP retry topic, `%RETRY%<group>_<topic>` (`1`).
    RetryV1,
    /// A v2 POP retry topic, `%RETRY%<group>+<topic>` (`2`).
    RetryV2,
}

impl PopRetry {
    /// The wire digit.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "0",
            Self::RetryV1 => "1",
            Self::RetryV2 => "2",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "0" => Some(Self::Normal),
            "1" => Some(Self::RetryV1),
            "2" => Some(Self::RetryV2),
            _ => None,
        }
    }
}

/// A receipt handle that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PopReceiptError {
    /// Fewer than the 7 required fields.
    #[error("receipt handle has {count} fields; at least 7 are required")]
    TooFewFields {
        /// Fields found.
        count: usize,
    },
    /// A field does not parse as its type.
    #[error("receipt handle field {field} has invalid value {value:?}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// The text found.
        value: String,
    },
}

/// A parsed POP receipt handle; the broker name borrows from the handle string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PopReceipt<'a> {
    /// Queue offset of the first message popped from that queue in the batch.
    pub ck_queue_offset: i64,
    /// Broker time of the pop, epoch ms.
    pub pop_time_ms: i64,
    /// How long the messages stay invisible, ms.
    pub invisible_time_ms: i64,
    /// Revive queue id (999 for orderly pop).
    pub revive_queue_id: i32,
    /// Which topic the message came from.
    pub retry: PopRetry,
    /// The broker that served the pop.
    pub broker_name: &'a str,
    /// Queue id.
    pub queue_id: i32,
    /// The message's own queue offset (newer clients only).
    pub queue_offset: Option<i64>,
}

impl<'a> PopReceipt<'a> {
    /// Parses a handle. Trailing spaces and fields past the eighth are ignored, as with Java's
    /// `split(" ")`.
    ///
    /// # Errors
    /// [`PopReceiptError`] for too few fields or a field that does not parse.
    pub fn parse(text: &'a str) -> Result<Self, PopReceiptError> {
        let mut fields = text.trim_end_matches(' ').split(' ');
        let mut parts = [""; 7];
        for (count, part) in parts.iter_mut().enumerate() {
            *part = fields.next().ok_or(PopReceiptError::TooFewFields { count })?;
        }
        let queue_offset = fields.next().map(|value| number("queueOffset", value)).transpose()?;
        let [ck_queue_offset, pop_time, invisible_time, revive_qid, retry, broker_name, queue_id] = parts;
        Ok(Self {
            ck_queue_offset: number("ckQueueOffset", ck_queue_offset)?,
            pop_time_ms: number("popTime", pop_time)?,
            invisible_time_ms: number("invisibleTime", invisible_time)?,
            revive_queue_id: number("reviveQid", revive_qid)?,
            retry: PopRetry::parse(retry).ok_or_else(|| invalid("retry", retry))?,
            broker_name,
            queue_id: number("queueId", queue_id)?,
            queue_offset,
        })
    }
}

impl fmt::Display for PopReceipt<'_> {
    /// The handle as the Java client writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} {}",
            self.ck_queue_offset,
            self.pop_time_ms,
            self.invisible_time_ms,
            self.revive_queue_id,
            self.retry.as_str(),
            self.broker_name,
            self.queue_id
        )?;
        if let Some(queue_offset) = self.queue_offset {
            write!(f, " {queue_offset}")?;
        }
        Ok(())
    }
}

fn invalid(field: &'static str, value: &str) -> PopReceiptError {
    PopReceiptError::Invalid { field, value: value.to_owned() }
}

fn number<T: std::str::FromStr>(field: &'static str, value: &str) -> Result<T, PopReceiptError> {
    value.parse().map_err(|_| invalid(field, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_both_forms() {
        let text = "100 1700000000000 60000 3 0 broker-a 2 105";
        let receipt = PopReceipt::parse(text).expect("parses");
        assert_eq!(
            receipt,
            PopReceipt {
                ck_queue_offset: 100,
                pop_time_ms: 1_700_000_000_000,
                invisible_time_ms: 60_000,
                revive_queue_id: 3,
                retry: PopRetry::Normal,
                broker_name: "broker-a",
                queue_id: 2,
                queue_offset: Some(105),
            }
        );
        assert_eq!(receipt.to_string(), text);
        let old = "7 1 2 999 2 b 0";
        let receipt = PopReceipt::parse(old).expect("parses");
        assert_eq!((receipt.retry, receipt.queue_offset, receipt.revive_queue_id), (PopRetry::RetryV2, None, 999));
        assert_eq!(receipt.to_string(), old);
    }

    #[test]
    fn rejects_malformed_handles() {
        assert_eq!(PopReceipt::parse(""), Err(PopReceiptError::TooFewFields { count: 1 }));
        assert_eq!(PopReceipt::parse("1 2 3 4 0 b"), Err(PopReceiptError::TooFewFields { count: 6 }));
        assert_eq!(
            PopReceipt::parse("1 2 3 4 5 b 0"),
            Err(PopReceiptError::Invalid { field: "retry", value: "5".to_owned() })
        );
        assert_eq!(
            PopReceipt::parse("1 2 x 4 0 b 0"),
            Err(PopReceiptError::Invalid { field: "invisibleTime", value: "x".to_owned() })
        );
        assert_eq!(
            PopReceipt::parse("1 2 3 4 0 b 0 y"),
            Err(PopReceiptError::Invalid { field: "queueOffset", value: "y".to_owned() })
        );
        // Two spaces make an empty field, as with Java's split(" "); trailing ones are dropped.
        assert!(PopReceipt::parse("1  2 3 4 0 b 0").is_err());
        assert_eq!(PopReceipt::parse("1 2 3 4 0 b 0  ").map(|r| r.queue_offset), Ok(None));
    }
}
