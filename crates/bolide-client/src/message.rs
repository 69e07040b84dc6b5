//! The messages an application sends and receives: [`Message`], [`SendResult`], [`MessageExt`].

use std::net::SocketAddr;

use bolide_protocol::body::MessageQueue;
use bolide_protocol::message::compression::{self, CompressionType};
use bolide_protocol::message::properties::{self as names, Properties};
use bolide_protocol::message::StoredMessage;
use bytes::Bytes;

use crate::error::ClientError;

/// Largest body a producer sends (the Java client's `maxMessageSize`, 4 MiB).
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// A message to send: topic, body, optional tags, keys and user properties.
///
/// ```
/// use bolide_client::Message;
///
/// let message = Message::new("Orders", "order #42")
///     .with_tags("created")
///     .with_keys(["order-42"])
///     .with_property("region", "eu");
/// assert_eq!(message.tags(), Some("created"));
/// assert_eq!(message.property("region"), Some("eu"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    topic: String,
    body: Bytes,
    flag: i32,
    /// Tags, keys, delay level and user properties, in insertion order; validated when sent
    /// (separators and reserved names are refused then, so building never fails).
    properties: Vec<(String, String)>,
}

impl Message {
    /// A message for `topic` carrying `body`.
    pub fn new(topic: impl Into<String>, body: impl Into<Bytes>) -> Self {
        Self { topic: topic.into(), body: body.into(), flag: 0, properties: Vec::new() }
    }

    /// Sets the tag (`TAGS`), which consumers filter on.
    #[must_use]
    pub fn with_tags(self, tags: impl Into<String>) -> Self {
        self.with_system_property(names::TAGS, tags.into())
    }

    /// Sets the keys (`KEYS`, space-separated), which the broker indexes for queries.
    #[must_use]
    pub fn with_keys<I, K>(self, keys: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: AsRef<str>,
    {
        let keys: Vec<String> = keys.into_iter().map(|key| key.as_ref().to_owned()).collect();
        self.with_system_property(names::KEYS, keys.join(" "))
    }

    /// Sets a delay level (1–18: 1 s … 2 h with the default table).
    #[must_use]
    pub fn with_delay_level(self, level: u8) -> Self {
        self.with_system_property(names::DELAY, level.to_string())
    }

    /// Sets the opaque user flag stored with the message.
    #[must_use]
    pub fn with_flag(mut self, flag: i32) -> Self {
        self.flag = flag;
        self
    }

    /// Sets a user property. Reserved names (`TAGS`, `UNIQ_KEY`, …) and names or values with
    /// the separators `\x01`/`\x02` make the send fail with [`ClientError::InvalidMessage`].
    #[must_use]
    pub fn with_property(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        if names::is_reserved(&name) {
            // Kept under a marker so the send reports it; a builder cannot fail.
            self.properties.push((format!("{RESERVED_MARKER}{name}"), value.into()));
        } else {
            self.set(name, value.into());
        }
        self
    }

    /// Sets a property the client itself manages (`TRAN_MSG`, `CORRELATION_ID`, …), bypassing
    /// the reserved-name check that applies to user properties.
    pub(crate) fn with_system_property(mut self, name: &str, value: String) -> Self {
        self.set(name.to_owned(), value);
        self
    }

    /// Removes a property, if set.
    pub(crate) fn without_property(mut self, name: &str) -> Self {
        self.properties.retain(|(n, _)| n != name);
        self
    }

    fn set(&mut self, name: String, value: String) {
        match self.properties.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => self.properties.push((name, value)),
        }
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The user flag.
    pub fn flag(&self) -> i32 {
        self.flag
    }

    /// The tag, if set.
    pub fn tags(&self) -> Option<&str> {
        self.property(names::TAGS)
    }

    /// The keys, if set (space-separated).
    pub fn keys(&self) -> Option<&str> {
        self.property(names::KEYS)
    }

    /// A property by name.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.iter().find(|(n, _)| n == name).map(|(_, value)| value.as_str())
    }

    /// The wire properties string: this message's own plus `unique_key` (replacing a
    /// `UNIQ_KEY` in place) and `WAIT=true` unless set (Java sets it in every `Message`),
    /// written in one allocation.
    pub(crate) fn wire_properties(&self, unique_key: &str) -> Result<String, ClientError> {
        let invalid = |reason: String| ClientError::InvalidMessage { reason };
        let mut len = names::item_len(names::UNIQ_KEY, unique_key) + names::item_len(names::WAIT, "true");
        for (name, value) in &self.properties {
            if let Some(reserved) = name.strip_prefix(RESERVED_MARKER) {
                return Err(invalid(format!("property name {reserved} is reserved")));
            }
            names::check_item(name, value).map_err(|err| invalid(format!("property {name}: {err}")))?;
            len += names::item_len(name, value);
        }
        names::check_item(names::UNIQ_KEY, unique_key).map_err(|err| invalid(format!("unique key: {err}")))?;
        let mut out = String::with_capacity(len);
        let (mut wait, mut uniq) = (false, false);
        for (name, value) in &self.properties {
            let value = if name == names::UNIQ_KEY {
                uniq = true;
                unique_key
            } else {
                wait |= name == names::WAIT;
                value.as_str()
            };
            push_item(&mut out, name, value);
        }
        if !wait {
            push_item(&mut out, names::WAIT, "true");
        }
        if !uniq {
            push_item(&mut out, names::UNIQ_KEY, unique_key);
        }
        Ok(out)
    }

    pub(crate) fn check(&self) -> Result<(), ClientError> {
        let invalid = |reason: String| Err(ClientError::InvalidMessage { reason });
        if self.topic.is_empty() || self.topic.len() > 127 {
            return invalid(format!("topic must have 1 to 127 characters, has {}", self.topic.len()));
        }
        if !self.topic.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'%' | b'|' | b'_' | b'-')) {
            return invalid(format!("topic {:?} has characters outside [%|a-zA-Z0-9_-]", self.topic));
        }
        if self.body.is_empty() {
            return invalid("the body is empty".to_owned());
        }
        if self.body.len() > MAX_MESSAGE_BYTES {
            return invalid(format!("the body has {} bytes, more than {MAX_MESSAGE_BYTES}", self.body.len()));
        }
        Ok(())
    }
}

const RESERVED_MARKER: &str = "\u{0}reserved:";

/// Appends one checked `name 0x01 value 0x02` item.
fn push_item(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push(char::from(names::NAME_VALUE_SEPARATOR));
    out.push_str(value);
    out.push(char::from(names::PROPERTY_SEPARATOR));
}

/// How a send ended when the broker stored the message (Java's `SendStatus`). The last three
/// are successes with a durability caveat: the message is stored but not yet flushed or copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendStatus {
    /// Stored (and flushed / replicated as the broker is configured).
    SendOk,
    /// Stored, but the synchronous flush did not finish in time.
    FlushDiskTimeout,
    /// Stored, but the synchronous copy to the slave did not finish in time.
    FlushSlaveTimeout,
    /// Stored, but no slave is available for a synchronous copy.
    SlaveNotAvailable,
}

/// The broker's answer to a successful send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResult {
    /// Success and durability status.
    pub status: SendStatus,
    /// The client-generated id (`UNIQ_KEY`); comma-joined for a batch.
    pub msg_id: String,
    /// The broker's offset id (store host + commit log offset); comma-joined for a batch.
    pub offset_msg_id: String,
    /// The queue the message went to.
    pub queue: MessageQueue,
    /// Its queue offset (the first one for a batch).
    pub queue_offset: u64,
    /// The region the broker reports (`MSG_REGION`).
    pub region_id: Option<String>,
    /// The broker's `transactionId` (the message's `UNIQ_KEY` for a Java or Bolide broker).
    pub transaction_id: Option<String>,
}

/// A received message with everything the broker stored about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageExt {
    /// Topic.
    pub topic: String,
    /// The queue it was read from.
    pub queue: MessageQueue,
    /// Position in the queue.
    pub queue_offset: u64,
    /// Position in the broker's commit log.
    pub commit_log_offset: u64,
    /// Body, decompressed if the producer compressed it.
    pub body: Bytes,
    /// User flag.
    pub flag: i32,
    /// Stored sysflag, with the compressed bit cleared after decompression.
    pub sys_flag: i32,
    /// Properties as stored.
    pub properties: Properties,
    /// Producer-side timestamp, epoch ms.
    pub born_timestamp_ms: i64,
    /// Broker-side timestamp, epoch ms.
    pub store_timestamp_ms: i64,
    /// The producer's address as the broker saw it.
    pub born_host: SocketAddr,
    /// The broker's address.
    pub store_host: SocketAddr,
    /// How many times it was redelivered.
    pub reconsume_times: i32,
    /// Offset id (store host + commit log offset).
    pub offset_msg_id: String,
}

impl MessageExt {
    /// The message id applications see: `UNIQ_KEY` if present, else the offset id.
    pub fn msg_id(&self) -> &str {
        self.properties.get(names::UNIQ_KEY).unwrap_or(&self.offset_msg_id)
    }

    /// The tag, if any.
    pub fn tags(&self) -> Option<&str> {
        self.properties.get(names::TAGS)
    }

    /// The keys, if any.
    pub fn keys(&self) -> Option<&str> {
        self.properties.get(names::KEYS)
    }

    /// A property by name.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name)
    }

    /// Copies a record of a pull body, decompressing the body as the Java client does
    /// (message-format.md §6). `None` if the compressed body is unreadable.
    pub(crate) fn from_stored(stored: &StoredMessage<'_>, broker_name: &str) -> Option<Self> {
        let mut sys_flag = stored.sys_flag();
        let body = if sys_flag.is_compressed() {
            let compression = sys_flag.compression().ok().flatten().unwrap_or(CompressionType::Zlib);
            let body = compression::decompress(stored.body(), compression, MAX_DECOMPRESSED_BYTES).ok()?;
            sys_flag = sys_flag.decompressed();
            Bytes::from(body)
        } else {
            Bytes::copy_from_slice(stored.body())
        };
        Some(Self {
            topic: stored.topic().to_owned(),
            queue: MessageQueue::new(stored.topic(), broker_name, stored.queue_id()),
            queue_offset: stored.queue_offset(),
            commit_log_offset: stored.commit_log_offset(),
            body,
            flag: stored.flag(),
            sys_flag: sys_flag.bits(),
            properties: Properties::parse_bytes(stored.properties()),
            born_timestamp_ms: stored.born_timestamp_ms(),
            store_timestamp_ms: stored.store_timestamp_ms(),
            born_host: stored.born_host(),
            store_host: stored.store_host(),
            reconsume_times: stored.reconsume_times(),
            offset_msg_id: stored.offset_message_id().to_string(),
        })
    }
}

/// A decompression bomb guard: a body may not inflate past 4 × the largest message.
const MAX_DECOMPRESSED_BYTES: usize = 4 * MAX_MESSAGE_BYTES;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_properties_add_wait_and_unique_key() {
        let message = Message::new("T", "b").with_tags("A").with_keys(["k1", "k2"]).with_property("p", "v");
        let properties = Properties::parse(&message.wire_properties("ID").expect("valid"));
        assert_eq!(properties.get("TAGS"), Some("A"));
        assert_eq!(properties.get("KEYS"), Some("k1 k2"));
        assert_eq!(properties.get("p"), Some("v"));
        assert_eq!(properties.get("WAIT"), Some("true"));
        assert_eq!(properties.get("UNIQ_KEY"), Some("ID"));
        let order: Vec<_> = properties.iter().map(|(name, _)| name).collect();
        assert_eq!(order, ["TAGS", "KEYS", "p", "WAIT", "UNIQ_KEY"]);

        let own = Message::new("T", "b")
            .with_system_property(names::UNIQ_KEY, "old".into())
            .with_system_property(names::WAIT, "false".into());
        let wire = own.wire_properties("ID").expect("valid");
        assert_eq!(wire, "UNIQ_KEY\u{1}ID\u{2}WAIT\u{1}false\u{2}", "in place, not repeated");
    }

    #[test]
    fn reserved_and_malformed_properties_fail_the_send() {
        let reserved = Message::new("T", "b").with_property("UNIQ_KEY", "x");
        assert!(matches!(reserved.wire_properties("ID"), Err(ClientError::InvalidMessage { .. })));
        let separator = Message::new("T", "b").with_property("a\u{1}", "x");
        assert!(matches!(separator.wire_properties("ID"), Err(ClientError::InvalidMessage { .. })));
    }

    #[test]
    fn check_refuses_bad_topics_and_bodies() {
        assert!(Message::new("Good_topic-1", "b").check().is_ok());
        assert!(Message::new("bad topic", "b").check().is_err());
        assert!(Message::new("T", Bytes::new()).check().is_err());
        assert!(Message::new("T", vec![0u8; MAX_MESSAGE_BYTES + 1]).check().is_err());
    }
}
