//! A message (or batch) encoded once for every attempt of a send: properties with `UNIQ_KEY`,
//! the compressed body and the sysflag (message-format.md §3, §5.1, §7).

use bolide_protocol::body::MessageQueue;
use bolide_protocol::header::SendMessageFields;
use bolide_protocol::message::batch::BatchEntry;
use bolide_protocol::message::compression::{self, CompressionType, DEFAULT_LEVEL};
use bolide_protocol::message::properties::{self as names, Properties};
use bolide_protocol::message::{SysFlag, TransactionType, UniqueIdGenerator};
use bolide_protocol::{RemotingCommand, RequestCode};
use bytes::{Bytes, BytesMut};

use crate::error::ClientError;
use crate::message::{Message, MAX_MESSAGE_BYTES};
use crate::route::{AUTO_CREATE_TOPIC, DEFAULT_TOPIC_QUEUE_NUMS};

pub use compression::DEFAULT_COMPRESS_OVER_BYTES;

/// How much of a large body's start is looked at to tell whether compressing it is worth the CPU.
const COMPRESSION_PROBE_BYTES: usize = 1024;

/// Byte entropy (bits per byte) under which a body is compressed without a probe. Random,
/// compressed or encrypted bytes measure about 7.8 over 1 KiB; text, JSON and base64 4-6.
const INCOMPRESSIBLE_BITS_PER_BYTE: f64 = 7.5;

/// Whether zlib has something to gain on the body, judged by its first
/// [`COMPRESSION_PROBE_BYTES`]: a byte entropy under [`INCOMPRESSIBLE_BITS_PER_BYTE`] says yes at
/// once (zlib's Huffman coding alone gains there); otherwise, with bytes spread evenly, only
/// repetition can shrink the body, and an LZ4 pass over the probe (which shrinks nothing else)
/// must shrink it by a tenth. An already compressed or encrypted 16 KiB body costs about a
/// microsecond to turn down instead of a full level-5 pass that would not shrink it (about
/// 150 µs); a body whose start looks random but whose rest would compress is then sent
/// uncompressed, a trade taken on purpose.
fn worth_compressing(body: &[u8]) -> bool {
    let probe = &body[..body.len().min(COMPRESSION_PROBE_BYTES)];
    if byte_entropy(probe) < INCOMPRESSIBLE_BITS_PER_BYTE {
        return true;
    }
    compression::lz4_block_len(probe) * 10 <= probe.len() * 9
}

/// Shannon entropy of the bytes, in bits per byte.
fn byte_entropy(bytes: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &byte in bytes {
        counts[usize::from(byte)] += 1;
    }
    let total = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let share = f64::from(count) / total;
            -share * share.log2()
        })
        .sum()
}

/// `MSG_TYPE` of a reply message (Java's `MixAll.REPLY_MESSAGE_FLAG`).
pub(crate) const REPLY_MESSAGE_TYPE: &str = "reply";

/// The send request's parts, independent of the queue chosen by each attempt.
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    topic: String,
    body: Bytes,
    properties: String,
    sys_flag: i32,
    flag: i32,
    born_timestamp_ms: i64,
    batch: bool,
    /// A reply to a request message (`MSG_TYPE=reply`): sent as SEND_REPLY_MESSAGE_V2.
    reply: bool,
    /// `UNIQ_KEY`, or the comma-joined keys of a batch.
    msg_id: String,
}

impl Encoded {
    /// One message, its body zlib-compressed (level 5) when at least `compress_over_bytes` and
    /// zlib makes it smaller ([`worth_compressing`] first looks at its start).
    pub(crate) fn single(
        message: &Message,
        ids: &UniqueIdGenerator,
        now_ms: i64,
        compress_over_bytes: usize,
    ) -> Result<Self, ClientError> {
        message.check()?;
        let msg_id = ids.next_id(now_ms).to_string();
        let properties = message.wire_properties(&msg_id)?;
        let mut sys_flag = SysFlag::from_bits(0);
        // Java's `sendKernelImpl`: `TRAN_MSG=true` makes a half message.
        if message.property(names::TRAN_MSG).is_some_and(|value| value.eq_ignore_ascii_case("true")) {
            sys_flag = sys_flag.with_transaction_type(TransactionType::Prepared);
        }
        let reply = message.property(names::MSG_TYPE) == Some(REPLY_MESSAGE_TYPE);
        let mut body = message.body().clone();
        if body.len() >= compress_over_bytes && worth_compressing(&body) {
            let compressed =
                compression::compress(&body, CompressionType::Zlib, DEFAULT_LEVEL).map_err(ClientError::Compression)?;
            // Unlike Java's producer, a body zlib does not shrink goes as it is: the broker
            // stores less and consumers inflate nothing.
            if compressed.len() < body.len() {
                body = Bytes::from(compressed);
                sys_flag = sys_flag.with_compression(CompressionType::Zlib);
            }
        }
        Ok(Self {
            topic: message.topic().to_owned(),
            body,
            properties,
            sys_flag: sys_flag.bits(),
            flag: message.flag(),
            born_timestamp_ms: now_ms,
            batch: false,
            reply,
            msg_id,
        })
    }

    /// A batch body: one entry per message, each with its own `UNIQ_KEY` (Java's
    /// `MessageBatch`). The envelope carries only `WAIT`, so brokers that append envelope
    /// properties to every entry (4.8–5.3.3) keep each message's own id.
    pub(crate) fn batch(messages: &[Message], ids: &UniqueIdGenerator, now_ms: i64) -> Result<Self, ClientError> {
        let invalid = |reason: String| ClientError::InvalidMessage { reason };
        let first = messages.first().ok_or_else(|| invalid("the batch is empty".into()))?;
        let mut body = BytesMut::new();
        let mut msg_ids = Vec::with_capacity(messages.len());
        for message in messages {
            message.check()?;
            if message.topic() != first.topic() {
                return Err(invalid(format!("batch mixes topics {} and {}", first.topic(), message.topic())));
            }
            if message.property(names::DELAY).is_some() {
                return Err(invalid("batch messages cannot be delayed".into()));
            }
            if first.topic().starts_with("%RETRY%") {
                return Err(invalid("batches cannot go to retry topics".into()));
            }
            let msg_id = ids.next_id(now_ms).to_string();
            let properties = message.wire_properties(&msg_id)?;
            let entry = BatchEntry { flag: message.flag(), body: message.body(), properties: properties.as_bytes() };
            entry.encode_into(&mut body).map_err(|err| invalid(format!("batch entry: {err}")))?;
            msg_ids.push(msg_id);
        }
        if body.len() > MAX_MESSAGE_BYTES {
            return Err(invalid(format!("the batch has {} bytes, more than {MAX_MESSAGE_BYTES}", body.len())));
        }
        let mut envelope = Properties::new();
        envelope.insert(names::WAIT, "true").expect("a valid literal");
        Ok(Self {
            topic: first.topic().to_owned(),
            body: body.freeze(),
            properties: envelope.to_wire_string(),
            sys_flag: 0,
            flag: 0,
            born_timestamp_ms: now_ms,
            batch: true,
            reply: false,
            msg_id: msg_ids.join(","),
        })
    }

    pub(crate) fn msg_id(&self) -> &str {
        &self.msg_id
    }

    /// The SEND_MESSAGE_V2 (or SEND_BATCH_MESSAGE) request for `queue`.
    pub(crate) fn request(&self, group: &str, queue: &MessageQueue) -> RemotingCommand {
        // SEND_MESSAGE_V2's one-letter keys, written straight from the borrowed text.
        let header = SendMessageFields {
            producer_group: group,
            topic: &self.topic,
            default_topic: AUTO_CREATE_TOPIC,
            default_topic_queue_nums: DEFAULT_TOPIC_QUEUE_NUMS,
            queue_id: queue.queue_id,
            sys_flag: self.sys_flag,
            born_timestamp: self.born_timestamp_ms,
            flag: self.flag,
            properties: Some(&self.properties),
            reconsume_times: Some(0),
            unit_mode: Some(false),
            max_reconsume_times: None,
            batch: Some(self.batch),
            broker_name: Some(&queue.broker_name),
        };
        // Java's `MQClientAPIImpl.sendMessage`: replies go as SEND_REPLY_MESSAGE_V2.
        let code = if self.batch {
            RequestCode::SEND_BATCH_MESSAGE
        } else if self.reply {
            RequestCode::SEND_REPLY_MESSAGE_V2
        } else {
            RequestCode::SEND_MESSAGE_V2
        };
        RemotingCommand::request(code).with_header(&header).with_body(self.body.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use bolide_protocol::message::batch;

    use super::*;

    fn ids() -> UniqueIdGenerator {
        UniqueIdGenerator::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 7, 42)
    }

    #[test]
    fn large_bodies_are_zlib_compressed_with_the_sysflag_bits() {
        let body = vec![b'x'; 5000];
        let encoded = Encoded::single(&Message::new("T", body.clone()), &ids(), 1, 4096).expect("encodes");
        let flag = SysFlag::from_bits(encoded.sys_flag);
        assert!(flag.is_compressed());
        assert_eq!(flag.compression(), Ok(Some(CompressionType::Zlib)));
        let inflated = compression::decompress(&encoded.body, CompressionType::Zlib, 10_000).expect("zlib");
        assert_eq!(inflated, body);

        let small = Encoded::single(&Message::new("T", vec![b'x'; 4095]), &ids(), 1, 4096).expect("encodes");
        assert_eq!(small.sys_flag, 0);
        assert_eq!(small.body.len(), 4095);
    }

    /// Bytes that look random to zlib.
    fn xorshift_bytes(len: usize) -> Vec<u8> {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 56) as u8
            })
            .collect()
    }

    #[test]
    fn a_body_zlib_cannot_shrink_is_sent_as_it_is() {
        let noise = xorshift_bytes(8192);
        let encoded = Encoded::single(&Message::new("T", noise.clone()), &ids(), 1, 4096).expect("encodes");
        assert_eq!(encoded.sys_flag, 0, "not marked compressed");
        assert_eq!(encoded.body.as_ref(), noise.as_slice());
    }

    #[test]
    fn evenly_spread_but_repeating_bytes_are_compressed() {
        let periodic: Vec<u8> = (0..65_536u32).map(|i| (i % 251) as u8 ^ (i / 4096) as u8).collect();
        assert!(byte_entropy(&periodic[..COMPRESSION_PROBE_BYTES]) > INCOMPRESSIBLE_BITS_PER_BYTE);
        let encoded = Encoded::single(&Message::new("T", periodic.clone()), &ids(), 1, 4096).expect("encodes");
        assert!(SysFlag::from_bits(encoded.sys_flag).is_compressed());
        assert!(encoded.body.len() < periodic.len() / 4);
    }

    #[test]
    fn the_probe_looks_at_the_start_of_the_body() {
        let text: Vec<u8> = (0..8192).map(|i| b"order 12345 shipped to warehouse 7; "[i % 36]).collect();
        assert!(worth_compressing(&text));
        let mut noisy_start = xorshift_bytes(COMPRESSION_PROBE_BYTES);
        assert!(!worth_compressing(&noisy_start));
        noisy_start.extend_from_slice(&text);
        let encoded = Encoded::single(&Message::new("T", noisy_start.clone()), &ids(), 1, 4096).expect("encodes");
        assert_eq!(encoded.sys_flag, 0, "judged by its start: sent uncompressed");
        assert_eq!(encoded.body.as_ref(), noisy_start.as_slice());
    }

    #[test]
    fn request_header_is_what_the_java_producer_sends() {
        let message = Message::new("T", "hello").with_tags("A");
        let encoded = Encoded::single(&message, &ids(), 1_700_000_000_000, 4096).expect("encodes");
        let request = encoded.request("g", &MessageQueue::new("T", "broker-a", 3));
        assert_eq!(request.code, RequestCode::SEND_MESSAGE_V2.0);
        let header: bolide_protocol::header::SendMessageRequestHeaderV2 = request.decode_header().expect("header");
        assert_eq!((header.a.as_str(), header.b.as_str(), header.c.as_str()), ("g", "T", "TBW102"));
        assert_eq!((header.d, header.e, header.g), (4, 3, 1_700_000_000_000));
        assert_eq!(header.n.as_deref(), Some("broker-a"));
        let properties = Properties::parse(header.i.as_deref().expect("properties"));
        assert_eq!(properties.get("UNIQ_KEY"), Some(encoded.msg_id()));
        assert_eq!(properties.get("TAGS"), Some("A"));
        assert_eq!(request.body.as_deref(), Some(&b"hello"[..]));
    }

    #[test]
    fn half_messages_are_prepared_and_replies_use_their_own_code() {
        let half = Message::new("T", "x").with_system_property(names::TRAN_MSG, "true".into());
        let encoded = Encoded::single(&half, &ids(), 1, 4096).expect("encodes");
        assert_eq!(SysFlag::from_bits(encoded.sys_flag).transaction_type(), TransactionType::Prepared);
        assert_eq!(encoded.request("g", &MessageQueue::new("T", "b", 0)).code, RequestCode::SEND_MESSAGE_V2.0);

        let reply = Message::new("C_REPLY_TOPIC", "y").with_system_property(names::MSG_TYPE, "reply".into());
        let encoded = Encoded::single(&reply, &ids(), 1, 4096).expect("encodes");
        assert_eq!(encoded.sys_flag, 0);
        let request = encoded.request("g", &MessageQueue::new("C_REPLY_TOPIC", "b", 0));
        assert_eq!(request.code, RequestCode::SEND_REPLY_MESSAGE_V2.0);
    }

    #[test]
    fn batch_entries_carry_their_own_ids_and_properties() {
        let messages: Vec<_> =
            (0..3).map(|i| Message::new("T", format!("m{i}")).with_keys([format!("k{i}")])).collect();
        let encoded = Encoded::batch(&messages, &ids(), 1).expect("encodes");
        let request = encoded.request("g", &MessageQueue::new("T", "b", 0));
        assert_eq!(request.code, RequestCode::SEND_BATCH_MESSAGE.0);
        let entries: Vec<_> = batch::entries(&encoded.body).collect::<Result<_, _>>().expect("entries decode");
        assert_eq!(entries.len(), 3);
        let msg_ids: Vec<_> = encoded.msg_id().split(',').collect();
        for (i, entry) in entries.iter().enumerate() {
            assert_eq!(entry.body, format!("m{i}").as_bytes());
            assert_eq!(entry.property("KEYS"), Some(format!("k{i}").as_str()));
            assert_eq!(entry.property("UNIQ_KEY"), Some(msg_ids[i]));
        }
        let mixed = [Message::new("A", "x"), Message::new("B", "y")];
        assert!(Encoded::batch(&mixed, &ids(), 1).is_err());
        assert!(Encoded::batch(&[], &ids(), 1).is_err());
    }
}
