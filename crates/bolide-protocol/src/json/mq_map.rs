//! [`MessageQueueMap`]: a map keyed by `MessageQueue`, written with object keys
//! (`remoting.md` §11.2).

use std::cell::Cell;
use std::collections::btree_map::{self, BTreeMap};
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::body::MessageQueue;

thread_local! {
    /// Set while a `MessageQueue` key is being serialized, so that the fastjson formatter (which
    /// sees only strings) writes it as a raw object instead of a quoted string. Serialization is
    /// synchronous, so the flag cannot leak to another key; other serializers ignore it and
    /// write the key as a string holding the object's JSON, which the decoder also accepts.
    static RAW_KEY: Cell<bool> = const { Cell::new(false) };
}

/// Reads and clears the raw-key flag.
pub(super) fn take_raw_key_flag() -> bool {
    RAW_KEY.with(|flag| flag.replace(false))
}

/// A `{MessageQueue: V}` map. Java writes the keys as JSON objects
/// (`{{"brokerName":"b","queueId":0,"topic":"T"}:5}`), and so does [`super::to_vec`]; Java has
/// no other way to read these maps back. Entries are ordered by broker name, queue id, topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageQueueMap<V> {
    entries: BTreeMap<MessageQueue, V>,
}

impl<V> Default for MessageQueueMap<V> {
    fn default() -> Self {
        MessageQueueMap { entries: BTreeMap::new() }
    }
}

impl<V> MessageQueueMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts or replaces the value of `queue`, returning the old one.
    pub fn insert(&mut self, queue: MessageQueue, value: V) -> Option<V> {
        self.entries.insert(queue, value)
    }

    /// The value of `queue`.
    pub fn get(&self, queue: &MessageQueue) -> Option<&V> {
        self.entries.get(queue)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> btree_map::Iter<'_, MessageQueue, V> {
        self.entries.iter()
    }

    /// The entries as a map.
    pub fn as_map(&self) -> &BTreeMap<MessageQueue, V> {
        &self.entries
    }

    /// The entries as a mutable map.
    pub fn as_map_mut(&mut self) -> &mut BTreeMap<MessageQueue, V> {
        &mut self.entries
    }

    /// The underlying map.
    pub fn into_map(self) -> BTreeMap<MessageQueue, V> {
        self.entries
    }
}

impl<V> From<BTreeMap<MessageQueue, V>> for MessageQueueMap<V> {
    fn from(entries: BTreeMap<MessageQueue, V>) -> Self {
        MessageQueueMap { entries }
    }
}

impl<V> FromIterator<(MessageQueue, V)> for MessageQueueMap<V> {
    fn from_iter<I: IntoIterator<Item = (MessageQueue, V)>>(iter: I) -> Self {
        MessageQueueMap { entries: iter.into_iter().collect() }
    }
}

impl<V> IntoIterator for MessageQueueMap<V> {
    type Item = (MessageQueue, V);
    type IntoIter = btree_map::IntoIter<MessageQueue, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, V> IntoIterator for &'a MessageQueueMap<V> {
    type Item = (&'a MessageQueue, &'a V);
    type IntoIter = btree_map::Iter<'a, MessageQueue, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

/// A key serialized as a string that the fastjson formatter writes raw.
struct RawKey(String);

impl Serialize for RawKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RAW_KEY.with(|flag| flag.set(true));
        let result = serializer.serialize_str(&self.0);
        RAW_KEY.with(|flag| flag.set(false));
        result
    }
}

impl<V: Serialize> Serialize for MessageQueueMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (queue, value) in &self.entries {
            map.serialize_key(&RawKey(queue.to_json()))?;
            map.serialize_value(value)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for MessageQueueMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = MessageQueueMap<V>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map keyed by MessageQueue objects")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut entries = BTreeMap::new();
                while let Some(key) = access.next_key::<String>()? {
                    let queue: MessageQueue = serde_json::from_str(&key).map_err(|err| {
                        de::Error::custom(format_args!("map key {key:?} is not a MessageQueue: {err}"))
                    })?;
                    entries.insert(queue, access.next_value()?);
                }
                Ok(MessageQueueMap { entries })
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(MessageQueueMap::new())
            }
        }

        deserializer.deserialize_any(MapVisitor(PhantomData))
    }
}
