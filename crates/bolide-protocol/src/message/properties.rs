//! The message properties string (message-format.md §3): `name 0x01 value 0x02 ...`.
//!
//! Two ways in:
//! - [`find_property`] / [`find_property_bytes`] look one name up directly in the raw string,
//!   allocating nothing; this is the hot path (tags, keys, unique key on every append).
//! - [`Properties`] is an owned map in insertion order, for building and editing.
//!
//! Parsing is lenient in the same way as Java's `MessageDecoder.string2messageProperties`, so
//! that every string a Java broker accepts reads the same here:
//! 1. the string is split on `0x02`; a missing final `0x02` is tolerated;
//! 2. within an item the name is everything before the **first** `0x01`, the value everything
//!    after it (a further `0x01` stays in the value);
//! 3. items without `0x01`, with an empty name or with an empty value are skipped silently;
//! 4. when a name repeats, the later value wins.
//!
//! Because `0x01` and `0x02` never occur inside a multi-byte UTF-8 sequence, splitting the raw
//! bytes gives the same items as splitting the decoded text; a value that is not valid UTF-8 is
//! simply not returned by the `&str` lookups.

use std::ops::Range;

use bytes::BufMut;

/// Separates a name from its value.
pub const NAME_VALUE_SEPARATOR: u8 = 0x01;
/// Terminates every name/value item, including the last one.
pub const PROPERTY_SEPARATOR: u8 = 0x02;
/// Largest encoded properties string: its length travels as a signed 16-bit integer.
pub const MAX_PROPERTIES_BYTES: usize = i16::MAX as usize;

/// Business keys, separated by single spaces; indexed.
pub const KEYS: &str = "KEYS";
/// The message tag; its Java hash code goes into the consume queue.
pub const TAGS: &str = "TAGS";
/// `"true"`/`"false"`: answer the send only after flush/replication. Absent means true.
pub const WAIT: &str = "WAIT";
/// Delay level (decimal); `0` is none, `-1` is used internally when routing to the DLQ.
pub const DELAY: &str = "DELAY";
/// Original topic of a message living in a `%RETRY%` topic.
pub const RETRY_TOPIC: &str = "RETRY_TOPIC";
/// Original topic while a message is parked in a system topic (delay, transaction, timer).
pub const REAL_TOPIC: &str = "REAL_TOPIC";
/// Original queue id (decimal) while a message is parked in a system topic.
pub const REAL_QID: &str = "REAL_QID";
/// `"true"` on a transactional half message.
pub const TRAN_MSG: &str = "TRAN_MSG";
/// Producer group, for transaction check-back routing.
pub const PGROUP: &str = "PGROUP";
/// Queue min offset, set client-side after a pull.
pub const MIN_OFFSET: &str = "MIN_OFFSET";
/// Queue max offset, set client-side after a pull.
pub const MAX_OFFSET: &str = "MAX_OFFSET";
/// Legacy, unused.
pub const BUYER_ID: &str = "BUYER_ID";
/// Message id of the first delivery, kept across retries.
pub const ORIGIN_MESSAGE_ID: &str = "ORIGIN_MESSAGE_ID";
/// Legacy flag.
pub const TRANSFER_FLAG: &str = "TRANSFER_FLAG";
/// Legacy flag.
pub const CORRECTION_FLAG: &str = "CORRECTION_FLAG";
/// Legacy flag.
pub const MQ2_FLAG: &str = "MQ2_FLAG";
/// Reconsume count carried when a consumer re-sends directly to the retry topic.
pub const RECONSUME_TIME: &str = "RECONSUME_TIME";
/// Region id (default `DefaultRegion`).
pub const MSG_REGION: &str = "MSG_REGION";
/// Trace switch; Java names the constant `TRACE_SWITCH`.
pub const TRACE_ON: &str = "TRACE_ON";
/// Client-generated unique message id (see [`super::message_id::UniqueId`]).
pub const UNIQ_KEY: &str = "UNIQ_KEY";
/// Reserved, no known semantics.
pub const EXTEND_UNIQ_INFO: &str = "EXTEND_UNIQ_INFO";
/// Max reconsume times carried on the consumer's re-send path.
pub const MAX_RECONSUME_TIMES: &str = "MAX_RECONSUME_TIMES";
/// Client-side start of consumption (consume-timeout bookkeeping).
pub const CONSUME_START_TIME: &str = "CONSUME_START_TIME";
/// Number of inner messages of an inner-batch record.
pub const INNER_NUM: &str = "INNER_NUM";
/// Queue offset of the first inner message of an inner-batch record.
pub const INNER_BASE: &str = "INNER_BASE";
/// Duplication-mode bookkeeping, `"<a>_<b>"`.
pub const DUP_INFO: &str = "DUP_INFO";
/// Transaction: no check-back before this many seconds.
pub const CHECK_IMMUNITY_TIME_IN_SECONDS: &str = "CHECK_IMMUNITY_TIME_IN_SECONDS";
/// Transaction: original half-queue offset of a re-appended half message.
pub const TRAN_PREPARED_QUEUE_OFFSET: &str = "TRAN_PREPARED_QUEUE_OFFSET";
/// Transaction id (= unique key) on half messages.
pub const TRANSACTION_ID: &str = "__transactionId__";
/// Number of transaction check-backs so far.
pub const TRANSACTION_CHECK_TIMES: &str = "TRANSACTION_CHECK_TIMES";
/// Namespace / instance id.
pub const INSTANCE_ID: &str = "INSTANCE_ID";
/// Request-reply correlation id.
pub const CORRELATION_ID: &str = "CORRELATION_ID";
/// Request-reply: client id of the requester.
pub const REPLY_TO_CLIENT: &str = "REPLY_TO_CLIENT";
/// Request-reply: request timeout in ms.
pub const TTL: &str = "TTL";
/// Request-reply: when the reply arrived at the requester.
pub const ARRIVE_TIME: &str = "ARRIVE_TIME";
/// Request-reply: when the broker pushed the reply.
pub const PUSH_REPLY_TIME: &str = "PUSH_REPLY_TIME";
/// Broker cluster name, added by the broker to every message it receives.
pub const CLUSTER: &str = "CLUSTER";
/// `"reply"` marks a reply message.
pub const MSG_TYPE: &str = "MSG_TYPE";
/// POP receipt handle.
pub const POP_CK: &str = "POP_CK";
/// Reserved for POP.
pub const POP_CK_OFFSET: &str = "POP_CK_OFFSET";
/// First POP time of the message.
pub const FIRST_POP_TIME: &str = "1ST_POP_TIME";
/// Sharding key of FIFO messages (5.x).
pub const SHARDING_KEY: &str = "__SHARDINGKEY";
/// The key really is spelled `PROPERTY_FORWARD_QUEUE_ID`.
pub const FORWARD_QUEUE_ID: &str = "PROPERTY_FORWARD_QUEUE_ID";
/// Reserved.
pub const REDIRECT: &str = "REDIRECT";
/// Comma-separated extra (light) queues to dispatch to.
pub const INNER_MULTI_DISPATCH: &str = "INNER_MULTI_DISPATCH";
/// Comma-separated offsets assigned in those queues.
pub const INNER_MULTI_QUEUE_OFFSET: &str = "INNER_MULTI_QUEUE_OFFSET";
/// Tracing context (5.x).
pub const TRACE_CONTEXT: &str = "TRACE_CONTEXT";
/// Arbitrary delay in seconds (timer wheel).
pub const TIMER_DELAY_SEC: &str = "TIMER_DELAY_SEC";
/// Arbitrary delay in milliseconds.
pub const TIMER_DELAY_MS: &str = "TIMER_DELAY_MS";
/// Absolute delivery time, epoch ms.
pub const TIMER_DELIVER_MS: &str = "TIMER_DELIVER_MS";
/// Timer bookkeeping.
pub const TIMER_ENQUEUE_MS: &str = "TIMER_ENQUEUE_MS";
/// Timer bookkeeping.
pub const TIMER_DEQUEUE_MS: &str = "TIMER_DEQUEUE_MS";
/// How many times a long delay was rolled through the wheel.
pub const TIMER_ROLL_TIMES: &str = "TIMER_ROLL_TIMES";
/// Computed delivery time while parked in the timer topic.
pub const TIMER_OUT_MS: &str = "TIMER_OUT_MS";
/// Cancels a previously scheduled timer message.
pub const TIMER_DEL_UNIQKEY: &str = "TIMER_DEL_UNIQKEY";
/// Delay level carried through the timer path.
pub const TIMER_DELAY_LEVEL: &str = "TIMER_DELAY_LEVEL";
/// Original client address when a proxy sends on its behalf.
pub const BORN_HOST: &str = "__BORNHOST";
/// Used by the 5.3 recall feature.
pub const BORN_TIMESTAMP: &str = "BORN_TIMESTAMP";
/// Set when the gRPC proxy forwards to the DLQ.
pub const DLQ_ORIGIN_TOPIC: &str = "DLQ_ORIGIN_TOPIC";
/// Set when the gRPC proxy forwards to the DLQ.
pub const DLQ_ORIGIN_MESSAGE_ID: &str = "DLQ_ORIGIN_MESSAGE_ID";
/// Optional whole-record CRC (message-format.md §1.6).
pub const CRC32: &str = "__CRC32#";
/// Prefix of client-side "transient" properties that are meant never to be stored.
pub const TRANSIENT_PREFIX: &str = "__RMQ.TRANSIENT.";
/// Topic sysflag, set client-side after a pull.
pub const TRANSIENT_TOPIC_SYS_FLAG: &str = "__RMQ.TRANSIENT.TOPIC_SYS_FLAG";
/// Group sysflag, set client-side after a pull.
pub const TRANSIENT_GROUP_SYS_FLAG: &str = "__RMQ.TRANSIENT.GROUP_SYS_FLAG";

/// Names the Java client refuses to let users set through `putUserProperty`.
pub const RESERVED: &[&str] = &[
    KEYS,
    TAGS,
    WAIT,
    DELAY,
    RETRY_TOPIC,
    REAL_TOPIC,
    REAL_QID,
    TRAN_MSG,
    PGROUP,
    MIN_OFFSET,
    MAX_OFFSET,
    BUYER_ID,
    ORIGIN_MESSAGE_ID,
    TRANSFER_FLAG,
    CORRECTION_FLAG,
    MQ2_FLAG,
    RECONSUME_TIME,
    MSG_REGION,
    TRACE_ON,
    UNIQ_KEY,
    EXTEND_UNIQ_INFO,
    MAX_RECONSUME_TIMES,
    CONSUME_START_TIME,
    DUP_INFO,
    TRAN_PREPARED_QUEUE_OFFSET,
    INSTANCE_ID,
    CORRELATION_ID,
    REPLY_TO_CLIENT,
    TTL,
    ARRIVE_TIME,
    PUSH_REPLY_TIME,
    CLUSTER,
    MSG_TYPE,
    POP_CK,
    POP_CK_OFFSET,
    FIRST_POP_TIME,
    INNER_MULTI_QUEUE_OFFSET,
    TIMER_DELAY_SEC,
    TIMER_DELAY_MS,
    TIMER_DELIVER_MS,
    TIMER_ENQUEUE_MS,
    TIMER_DEQUEUE_MS,
    TIMER_ROLL_TIMES,
    TIMER_OUT_MS,
    TIMER_DEL_UNIQKEY,
    TIMER_DELAY_LEVEL,
    BORN_HOST,
    BORN_TIMESTAMP,
    DLQ_ORIGIN_TOPIC,
    DLQ_ORIGIN_MESSAGE_ID,
    CRC32,
];

/// Whether users may not set `name` as a user property (the "Reserved" column of §3.2).
#[must_use]
pub fn is_reserved(name: &str) -> bool {
    RESERVED.contains(&name)
}

/// A name or value that cannot be put into a properties string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PropertyError {
    /// Empty names and values are dropped by every reader, so they cannot be stored.
    #[error("property {what} is empty (name {name:?})")]
    Empty {
        /// `name` or `value`.
        what: &'static str,
        /// The property name.
        name: String,
    },
    /// The name or value contains 0x01 or 0x02, which would change the item boundaries.
    #[error("property {what} of {name:?} contains a 0x01 or 0x02 separator")]
    Separator {
        /// `name` or `value`.
        what: &'static str,
        /// The property name.
        name: String,
    },
}

/// Iterates the items of a raw properties string in wire order, skipping malformed items the
/// way Java does. Duplicates are all returned; readers that want Java's map keep the last.
#[must_use]
pub fn iter(raw: &str) -> Iter<'_> {
    Iter { raw, at: 0 }
}

/// Iterator returned by [`iter`].
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    raw: &'a str,
    at: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        // The separators are ASCII, so the ranges fall on character boundaries.
        next_item(self.raw.as_bytes(), &mut self.at).map(|(name, value)| (&self.raw[name], &self.raw[value]))
    }
}

/// Iterates the items of raw properties bytes (e.g. straight from a stored record); same rules
/// as [`iter`], no UTF-8 check.
#[must_use]
pub fn iter_bytes(raw: &[u8]) -> IterBytes<'_> {
    IterBytes { raw, at: 0 }
}

/// Iterator returned by [`iter_bytes`].
#[derive(Debug, Clone)]
pub struct IterBytes<'a> {
    raw: &'a [u8],
    at: usize,
}

impl<'a> Iterator for IterBytes<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        next_item(self.raw, &mut self.at).map(|(name, value)| (&self.raw[name], &self.raw[value]))
    }
}

/// Finds the next well-formed item at or after `*at`, and moves `*at` past it. Returns the name
/// and value ranges. An item's name ends at its first `0x01`; an item without one, or with an
/// empty name or value, is skipped.
fn next_item(raw: &[u8], at: &mut usize) -> Option<(Range<usize>, Range<usize>)> {
    while *at < raw.len() {
        let start = *at;
        let Some(found) = memchr::memchr2(NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR, &raw[start..]) else {
            *at = raw.len() + 1;
            return None;
        };
        let split = start + found;
        if raw[split] == PROPERTY_SEPARATOR {
            *at = split + 1;
            continue;
        }
        let end = memchr::memchr(PROPERTY_SEPARATOR, &raw[split + 1..]).map_or(raw.len(), |i| split + 1 + i);
        *at = end + 1;
        if split > start && split + 1 < end {
            return Some((start..split, split + 1..end));
        }
    }
    None
}

/// The value range of the last item named `name`.
fn find_range(raw: &[u8], name: &[u8]) -> Option<Range<usize>> {
    let mut at = 0;
    let mut found = None;
    while let Some((item_name, value)) = next_item(raw, &mut at) {
        if &raw[item_name] == name {
            found = Some(value);
        }
    }
    found
}

/// Looks `name` up in a raw properties string without allocating. When the name repeats, the
/// last value wins, as in Java.
#[must_use]
pub fn find_property<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    find_range(raw.as_bytes(), name.as_bytes()).map(|value| &raw[value])
}

/// [`find_property`] over raw bytes; the value is returned as bytes, unchecked.
#[must_use]
pub fn find_property_bytes<'a>(raw: &'a [u8], name: &str) -> Option<&'a [u8]> {
    find_range(raw, name.as_bytes()).map(|value| &raw[value])
}

/// Appends one `name 0x01 value 0x02` item. The caller is responsible for the name and value
/// being non-empty and free of separators (see [`check_item`]) and for a preceding `0x02`
/// (see [`needs_separator`]).
pub fn write_item(out: &mut impl BufMut, name: &str, value: &str) {
    out.put_slice(name.as_bytes());
    out.put_u8(NAME_VALUE_SEPARATOR);
    out.put_slice(value.as_bytes());
    out.put_u8(PROPERTY_SEPARATOR);
}

/// Bytes [`write_item`] writes.
#[must_use]
pub fn item_len(name: &str, value: &str) -> usize {
    name.len() + value.len() + 2
}

/// Whether a `0x02` must be written before appending items to `raw`: it is non-empty and does
/// not end with one (Java tolerates a missing final separator when reading).
#[must_use]
pub fn needs_separator(raw: &[u8]) -> bool {
    raw.last().is_some_and(|&b| b != PROPERTY_SEPARATOR)
}

/// Checks that a name/value pair survives a write and re-read unchanged.
///
/// # Errors
/// [`PropertyError`] for an empty name or value, or one containing a separator.
pub fn check_item(name: &str, value: &str) -> Result<(), PropertyError> {
    for (what, text) in [("name", name), ("value", value)] {
        if text.is_empty() {
            return Err(PropertyError::Empty { what, name: name.to_owned() });
        }
        if text.bytes().any(|b| b == NAME_VALUE_SEPARATOR || b == PROPERTY_SEPARATOR) {
            return Err(PropertyError::Separator { what, name: name.to_owned() });
        }
    }
    Ok(())
}

/// An owned property map that keeps insertion order (the wire order carries no meaning, but a
/// stable order makes encoding deterministic).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    entries: Vec<(String, String)>,
}

impl Properties {
    /// An empty map.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a raw properties string with Java's lenient rules (module docs). Never fails.
    #[must_use]
    pub fn parse(raw: &str) -> Self {
        let mut properties = Self::new();
        for (name, value) in iter(raw) {
            properties.set(name, value);
        }
        properties
    }

    /// Parses raw bytes, replacing invalid UTF-8 with U+FFFD as Java's `new String(bytes, UTF_8)`
    /// does. Never fails.
    #[must_use]
    pub fn parse_bytes(raw: &[u8]) -> Self {
        let mut properties = Self::new();
        for (name, value) in iter_bytes(raw) {
            properties.set(&String::from_utf8_lossy(name), &String::from_utf8_lossy(value));
        }
        properties
    }

    fn set(&mut self, name: &str, value: &str) {
        match self.entries.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => value.clone_into(&mut entry.1),
            None => self.entries.push((name.to_owned(), value.to_owned())),
        }
    }

    /// The value of `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, value)| value.as_str())
    }

    /// Sets `name` to `value`, keeping the position of an existing entry; returns the old value.
    ///
    /// # Errors
    /// [`PropertyError`] if the pair would not read back unchanged (empty, or with separators).
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Option<String>, PropertyError> {
        let (name, value) = (name.into(), value.into());
        check_item(&name, &value)?;
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => Ok(Some(std::mem::replace(&mut entry.1, value))),
            None => {
                self.entries.push((name, value));
                Ok(None)
            }
        }
    }

    /// Removes `name`; returns its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        let index = self.entries.iter().position(|(n, _)| n == name)?;
        Some(self.entries.remove(index).1)
    }

    /// Entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Length of the encoded string. May exceed [`MAX_PROPERTIES_BYTES`]; record encoders check.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        self.entries.iter().map(|(name, value)| item_len(name, value)).sum()
    }

    /// Writes the encoded string, every item terminated by `0x02`.
    pub fn encode(&self, out: &mut impl BufMut) {
        for (name, value) in &self.entries {
            write_item(out, name, value);
        }
    }

    /// The encoded string, e.g. for a header's `properties` field.
    #[must_use]
    pub fn to_wire_string(&self) -> String {
        let mut out = String::with_capacity(self.encoded_len());
        for (name, value) in &self.entries {
            out.push_str(name);
            out.push(char::from(NAME_VALUE_SEPARATOR));
            out.push_str(value);
            out.push(char::from(PROPERTY_SEPARATOR));
        }
        out
    }
}

impl<'a> FromIterator<(&'a str, &'a str)> for Properties {
    /// Collects pairs with the parser's rules: invalid pairs are skipped, later duplicates win.
    fn from_iter<I: IntoIterator<Item = (&'a str, &'a str)>>(pairs: I) -> Self {
        let mut properties = Self::new();
        for (name, value) in pairs {
            if check_item(name, value).is_ok() {
                properties.set(name, value);
            }
        }
        properties
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a lookup must find, written the plain way: split on `0x02`, each item at its first
    /// `0x01`, items with an empty name or value skipped, the last match winning.
    fn model<'a>(raw: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
        raw.split(|&b| b == PROPERTY_SEPARATOR)
            .rev()
            .filter_map(|item| {
                let split = item.iter().position(|&b| b == NAME_VALUE_SEPARATOR)?;
                let (item_name, value) = (&item[..split], &item[split + 1..]);
                (!item_name.is_empty() && !value.is_empty()).then_some((item_name, value))
            })
            .filter(|(item_name, _)| *item_name == name)
            .map(|(_, value)| value)
            .next()
    }

    proptest! {
        #[test]
        fn lookups_agree_with_the_plain_model(
            raw in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(1u8), Just(2u8)], 0..40),
            name in prop_oneof![Just(&b"a"[..]), Just(&b"b"[..]), Just(&b"ab"[..]), Just(&b"ba"[..])],
        ) {
            let name_text = std::str::from_utf8(name).expect("ASCII");
            prop_assert_eq!(find_property_bytes(&raw, name_text), model(&raw, name));
        }
    }

    #[test]
    fn parses_the_spec_example() {
        let raw = "KEYS\u{1}order-1\u{2}TAGS\u{1}TagA\u{2}UNIQ_KEY\u{1}C0A8011E00002A9F0000000000000001\u{2}WAIT\u{1}true\u{2}";
        let properties = Properties::parse(raw);
        assert_eq!(properties.len(), 4);
        assert_eq!(properties.get(KEYS), Some("order-1"));
        assert_eq!(find_property(raw, TAGS), Some("TagA"));
        assert_eq!(find_property(raw, WAIT), Some("true"));
        assert_eq!(find_property(raw, "TAG"), None);
        assert_eq!(find_property_bytes(raw.as_bytes(), UNIQ_KEY), Some(&b"C0A8011E00002A9F0000000000000001"[..]));
        assert_eq!(properties.to_wire_string(), raw);
    }

    #[test]
    fn is_lenient_like_java() {
        // Missing final separator, empty items, no 0x01, empty name, empty value, extra 0x01.
        let raw = "\u{2}\u{2}A\u{2}\u{1}x\u{2}B\u{1}\u{2}C\u{1}1\u{1}2\u{2}D\u{1}d";
        let items: Vec<_> = iter(raw).collect();
        assert_eq!(items, [("C", "1\u{1}2"), ("D", "d")]);
        let bytes: Vec<_> = iter_bytes(raw.as_bytes()).collect();
        assert_eq!(bytes, [(&b"C"[..], &b"1\x012"[..]), (&b"D"[..], &b"d"[..])]);
        assert_eq!(Properties::parse("").len(), 0);
    }

    #[test]
    fn later_duplicates_win() {
        let raw = "UNIQ_KEY\u{1}inner\u{2}WAIT\u{1}true\u{2}UNIQ_KEY\u{1}envelope\u{2}";
        assert_eq!(find_property(raw, UNIQ_KEY), Some("envelope"));
        let properties = Properties::parse(raw);
        assert_eq!(properties.iter().collect::<Vec<_>>(), [(UNIQ_KEY, "envelope"), (WAIT, "true")]);
    }

    #[test]
    fn insert_rejects_what_would_not_read_back() {
        let mut properties = Properties::new();
        assert!(matches!(properties.insert("", "v"), Err(PropertyError::Empty { what: "name", .. })));
        assert!(matches!(properties.insert("k", ""), Err(PropertyError::Empty { what: "value", .. })));
        assert!(matches!(properties.insert("k\u{2}", "v"), Err(PropertyError::Separator { what: "name", .. })));
        assert!(matches!(properties.insert("k", "a\u{1}b"), Err(PropertyError::Separator { what: "value", .. })));
        assert_eq!(properties.insert(TAGS, "A"), Ok(None));
        assert_eq!(properties.insert(KEYS, "k1 k2"), Ok(None));
        assert_eq!(properties.insert(TAGS, "B"), Ok(Some("A".to_owned())));
        assert_eq!(properties.to_wire_string(), "TAGS\u{1}B\u{2}KEYS\u{1}k1 k2\u{2}");
        assert_eq!(properties.remove(TAGS), Some("B".to_owned()));
        assert_eq!(properties.encoded_len(), "KEYS\u{1}k1 k2\u{2}".len());
    }

    #[test]
    fn bytes_parse_replaces_invalid_utf8() {
        let properties = Properties::parse_bytes(b"K\x01\xFF\x02");
        assert_eq!(properties.get("K"), Some("\u{FFFD}"));
    }

    #[test]
    fn append_helpers() {
        assert!(!needs_separator(b""));
        assert!(!needs_separator(b"A\x01b\x02"));
        assert!(needs_separator(b"A\x01b"));
        let mut out = Vec::new();
        write_item(&mut out, CLUSTER, "DefaultCluster");
        assert_eq!(out.len(), item_len(CLUSTER, "DefaultCluster"));
        assert_eq!(out, b"CLUSTER\x01DefaultCluster\x02");
        assert!(is_reserved(UNIQ_KEY));
        assert!(!is_reserved(SHARDING_KEY));
    }
}
