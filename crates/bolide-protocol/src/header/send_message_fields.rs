//! `SendMessageFields`: the fields of a SEND_MESSAGE (10), SEND_MESSAGE_V2 (310) or
//! SEND_BATCH_MESSAGE (320) request borrowed from its `extFields`, for the broker's send path.
//!
//! [`SendMessageRequestHeader`](super::SendMessageRequestHeader) and
//! [`SendMessageRequestHeaderV2`](super::SendMessageRequestHeaderV2) own their text: decoding
//! either copies the group, topic, template topic, properties and broker name into five
//! `String`s. This view reads the same keys with the same rules (required keys, the same
//! [`HeaderError`] naming the same key, unknown keys ignored) but points into the map, so a send
//! costs no copy of its header. Written ([`WriteHeader`]), it gives the one-letter keys of
//! SEND_MESSAGE_V2, as producers send them, again without copying its text first. The tests check
//! both directions against the owned headers.

use crate::error::HeaderError;
use crate::ext_fields::{parse_optional, parse_required, ExtFields, FieldValue};
use crate::header::{RpcFields, SendMessageRequestHeader, WriteHeader};

/// A send request's header fields, borrowed from its `extFields` (see the module documentation).
/// Field names follow [`SendMessageRequestHeader`](super::SendMessageRequestHeader).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendMessageFields<'a> {
    /// Producer group.
    pub producer_group: &'a str,
    /// Target topic.
    pub topic: &'a str,
    /// Auto-create template topic, normally `TBW102`.
    pub default_topic: &'a str,
    /// Queue count for auto-created topics.
    pub default_topic_queue_nums: i32,
    /// Target queue; negative lets the broker pick one.
    pub queue_id: i32,
    /// MessageSysFlag bits.
    pub sys_flag: i32,
    /// Client clock when the message was created, ms.
    pub born_timestamp: i64,
    /// User flag copied into the stored message.
    pub flag: i32,
    /// Message properties string.
    pub properties: Option<&'a str>,
    /// Delivery attempts so far, for `%RETRY%` topics.
    pub reconsume_times: Option<i32>,
    /// Unit mode.
    pub unit_mode: Option<bool>,
    /// The client's retry limit, honoured for `%RETRY%` topics.
    pub max_reconsume_times: Option<i32>,
    /// Whether the body is a batch.
    pub batch: Option<bool>,
    /// Broker name (`bname` in the long form, `n` in the one-letter form).
    pub broker_name: Option<&'a str>,
}

/// The keys of each slot of [`Slots`], long form (`SendMessageRequestHeader` and the inherited
/// `bname`).
const LONG_KEYS: [&str; SLOTS] = [
    "producerGroup",
    "topic",
    "defaultTopic",
    "defaultTopicQueueNums",
    "queueId",
    "sysFlag",
    "bornTimestamp",
    "flag",
    "properties",
    "reconsumeTimes",
    "unitMode",
    "maxReconsumeTimes",
    "batch",
    "bname",
];

/// The keys of each slot, one-letter form (`SendMessageRequestHeaderV2`).
const SHORT_KEYS: [&str; SLOTS] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"];

const SLOTS: usize = 14;

/// The text found for each slot.
type Slots<'a> = [Option<&'a str>; SLOTS];

impl<'a> SendMessageFields<'a> {
    /// Reads the long keys of SEND_MESSAGE (and SEND_REPLY_MESSAGE).
    ///
    /// # Errors
    /// [`HeaderError`] naming the missing or malformed key, as
    /// [`SendMessageRequestHeader`](super::SendMessageRequestHeader) would.
    pub fn read_long(fields: &'a ExtFields) -> Result<Self, HeaderError> {
        let mut slots: Slots<'a> = [None; SLOTS];
        for (key, value) in fields {
            // SEND_MESSAGE is the rare form (Java producers send V2): a scan of the key table.
            if let Some(slot) = LONG_KEYS.iter().position(|long| *long == key) {
                slots[slot] = Some(value);
            }
        }
        Self::parse(&slots, &LONG_KEYS)
    }

    /// Reads the one-letter keys of SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE.
    ///
    /// # Errors
    /// [`HeaderError`] naming the missing or malformed key, as
    /// [`SendMessageRequestHeaderV2`](super::SendMessageRequestHeaderV2) would.
    pub fn read_short(fields: &'a ExtFields) -> Result<Self, HeaderError> {
        let mut slots: Slots<'a> = [None; SLOTS];
        for (key, value) in fields {
            if let [letter @ b'a'..=b'n'] = key.as_bytes() {
                slots[usize::from(letter - b'a')] = Some(value);
            }
        }
        Self::parse(&slots, &SHORT_KEYS)
    }

    fn parse(slots: &Slots<'a>, keys: &[&'static str; SLOTS]) -> Result<Self, HeaderError> {
        let text = |slot: usize| slots[slot].ok_or(HeaderError::Missing { field: keys[slot] });
        Ok(SendMessageFields {
            producer_group: text(0)?,
            topic: text(1)?,
            default_topic: text(2)?,
            default_topic_queue_nums: parse_required(slots[3], keys[3])?,
            queue_id: parse_required(slots[4], keys[4])?,
            sys_flag: parse_required(slots[5], keys[5])?,
            born_timestamp: parse_required(slots[6], keys[6])?,
            flag: parse_required(slots[7], keys[7])?,
            properties: slots[8],
            reconsume_times: parse_optional(slots[9], keys[9])?,
            unit_mode: parse_optional(slots[10], keys[10])?,
            max_reconsume_times: parse_optional(slots[11], keys[11])?,
            batch: parse_optional(slots[12], keys[12])?,
            broker_name: slots[13],
        })
    }

    /// `batch` with the Java default (false) applied when absent.
    pub fn batch(&self) -> bool {
        self.batch.unwrap_or(false)
    }
}

impl From<SendMessageFields<'_>> for SendMessageRequestHeader {
    /// The owned long-form header with the same values (of the inherited fields, only the broker
    /// name).
    fn from(view: SendMessageFields<'_>) -> Self {
        SendMessageRequestHeader {
            producer_group: view.producer_group.to_owned(),
            topic: view.topic.to_owned(),
            default_topic: view.default_topic.to_owned(),
            default_topic_queue_nums: view.default_topic_queue_nums,
            queue_id: view.queue_id,
            sys_flag: view.sys_flag,
            born_timestamp: view.born_timestamp,
            flag: view.flag,
            properties: view.properties.map(str::to_owned),
            reconsume_times: view.reconsume_times,
            unit_mode: view.unit_mode,
            batch: view.batch,
            max_reconsume_times: view.max_reconsume_times,
            rpc: RpcFields { broker_name: view.broker_name.map(str::to_owned), ..RpcFields::default() },
        }
    }
}

impl WriteHeader for SendMessageFields<'_> {
    /// The one-letter keys (SEND_MESSAGE_V2), as [`SendMessageRequestHeaderV2`] writes them.
    ///
    /// [`SendMessageRequestHeaderV2`]: super::SendMessageRequestHeaderV2
    fn write_fields(&self, fields: &mut ExtFields) {
        fields.insert("a", self.producer_group);
        fields.insert("b", self.topic);
        fields.insert("c", self.default_topic);
        fields.put("d", &self.default_topic_queue_nums);
        fields.put("e", &self.queue_id);
        fields.put("f", &self.sys_flag);
        fields.put("g", &self.born_timestamp);
        fields.put("h", &self.flag);
        if let Some(properties) = self.properties {
            fields.insert("i", properties);
        }
        fields.put_opt("j", self.reconsume_times.as_ref());
        fields.put_opt("k", self.unit_mode.as_ref());
        fields.put_opt("l", self.max_reconsume_times.as_ref());
        fields.put_opt("m", self.batch.as_ref());
        if let Some(broker_name) = self.broker_name {
            fields.insert("n", broker_name);
        }
    }

    fn fields_size_hint(&self) -> (usize, usize) {
        let texts =
            [Some(self.producer_group), Some(self.topic), Some(self.default_topic), self.properties, self.broker_name];
        let numbers = [
            Some(self.default_topic_queue_nums.text_len_hint()),
            Some(self.queue_id.text_len_hint()),
            Some(self.sys_flag.text_len_hint()),
            Some(self.born_timestamp.text_len_hint()),
            Some(self.flag.text_len_hint()),
            self.reconsume_times.map(|n| n.text_len_hint()),
            self.unit_mode.map(|b| b.text_len_hint()),
            self.max_reconsume_times.map(|n| n.text_len_hint()),
            self.batch.map(|b| b.text_len_hint()),
        ];
        let lens = texts.iter().map(|text| text.map(str::len)).chain(numbers);
        // Every key is one letter.
        lens.flatten().fold((0, 0), |(count, bytes), len| (count + 1, bytes + 1 + len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::ext;
    use crate::header::{CommandHeader, SendMessageRequestHeaderV2};

    /// The owned headers' golden maps, each with a key that neither form reads.
    fn long() -> Vec<(&'static str, &'static str)> {
        [&crate::header::send_message::tests::WIRE[..], &[("ns", "ignored")]].concat()
    }

    fn short() -> Vec<(&'static str, &'static str)> {
        [&crate::header::send_message_v2::tests::WIRE[..], &[("z", "ignored")]].concat()
    }

    /// The view of an owned long-form header: what the borrowed reader must give.
    fn from_owned(header: &SendMessageRequestHeader) -> SendMessageFields<'_> {
        SendMessageFields {
            producer_group: &header.producer_group,
            topic: &header.topic,
            default_topic: &header.default_topic,
            default_topic_queue_nums: header.default_topic_queue_nums,
            queue_id: header.queue_id,
            sys_flag: header.sys_flag,
            born_timestamp: header.born_timestamp,
            flag: header.flag,
            properties: header.properties.as_deref(),
            reconsume_times: header.reconsume_times,
            unit_mode: header.unit_mode,
            max_reconsume_times: header.max_reconsume_times,
            batch: header.batch,
            broker_name: header.rpc.broker_name.as_deref(),
        }
    }

    /// Both forms, complete and with each key removed in turn: the borrowed reader gives what the
    /// owned header gives, or the same error.
    #[test]
    fn reads_what_the_owned_headers_read() {
        for (wire, short) in [(long(), false), (short(), true)] {
            for removed in std::iter::once(None).chain(wire.iter().map(|(key, _)| Some(*key))) {
                let fields = ext(&wire.iter().copied().filter(|(key, _)| Some(*key) != removed).collect::<Vec<_>>());
                let owned = if short {
                    SendMessageRequestHeaderV2::read_fields(&fields).map(SendMessageRequestHeader::from)
                } else {
                    SendMessageRequestHeader::read_fields(&fields)
                };
                let borrowed =
                    if short { SendMessageFields::read_short(&fields) } else { SendMessageFields::read_long(&fields) };
                match (&owned, borrowed) {
                    (Ok(owned), Ok(borrowed)) => assert_eq!(borrowed, from_owned(owned), "without {removed:?}"),
                    (Err(owned), Err(borrowed)) => assert_eq!(&borrowed, owned, "without {removed:?}"),
                    (owned, borrowed) => panic!("without {removed:?}: owned {owned:?}, borrowed {borrowed:?}"),
                }
            }
        }
    }

    #[test]
    fn malformed_values_are_named_as_the_owned_headers_name_them() {
        for (key, value) in [("queueId", "x"), ("bornTimestamp", "1.5"), ("batch", "yes"), ("reconsumeTimes", "")] {
            let mut fields = ext(&long());
            fields.insert(key, value);
            let borrowed = SendMessageFields::read_long(&fields);
            assert_eq!(
                borrowed.map(|_| ()),
                SendMessageRequestHeader::read_fields(&fields).map(|_| ()),
                "{key}={value}"
            );
        }
        let mut fields = ext(&short());
        fields.insert("e", "x");
        assert_eq!(
            SendMessageFields::read_short(&fields).unwrap_err(),
            SendMessageRequestHeaderV2::read_fields(&fields).unwrap_err()
        );
    }

    #[test]
    fn keys_are_those_of_the_owned_headers() {
        let mut long: Vec<&str> = SendMessageRequestHeader::WIRE_FIELDS.iter().map(|f| f.key).collect();
        long.push("bname");
        let mut ours = LONG_KEYS.to_vec();
        long.sort_unstable();
        ours.sort_unstable();
        assert_eq!(ours, long);
        let short: Vec<&str> = SendMessageRequestHeaderV2::WIRE_FIELDS.iter().map(|f| f.key).collect();
        assert_eq!(SHORT_KEYS.to_vec(), short);
    }

    /// Written, a view gives what the owned one-letter header writes, within its size hint.
    #[test]
    fn writes_what_the_owned_short_header_writes() {
        let wire = short();
        for wire in [&wire[..14], &wire[..8]] {
            let fields = ext(wire);
            let view = SendMessageFields::read_short(&fields).expect("reads");
            let mut written = ExtFields::new();
            view.write_fields(&mut written);
            let mut owned = ExtFields::new();
            SendMessageRequestHeaderV2::read_fields(&fields).expect("reads").write_fields(&mut owned);
            assert_eq!(written, owned);
            assert_eq!(written, fields);
            let (count, bytes) = view.fields_size_hint();
            assert_eq!(count, written.len());
            assert!(written.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() <= bytes);
        }
    }

    #[test]
    fn batch_defaults_to_false() {
        let fields = ext(&long()[..8]);
        let header = SendMessageFields::read_long(&fields).expect("required keys only");
        assert!(!header.batch());
        assert_eq!((header.properties, header.broker_name), (None, None));
    }
}
