//! Encoded GET_ROUTEINFO_BY_TOPIC bodies, kept until the route table changes.
//!
//! Clients ask for the route of every topic they use every 30 s, and the answer only changes when
//! a broker registers, leaves or a topic changes. Encoding the JSON once per change instead of
//! once per request is most of the NameServer's work per route query.

use std::collections::HashMap;
use std::sync::Mutex;

use bolide_protocol::json::KeyStyle;
use bytes::Bytes;

/// Entries kept before the cache starts over (about 300 bytes each).
const MAX_ENTRIES: usize = 100_000;

/// Which state a cached body was encoded from: the route table's generation and the epoch of the
/// KV config and settings (which add `orderTopicConf`).
pub(crate) type Generation = (u64, u64);

/// Route bodies by (topic, key style), valid for one [`Generation`].
#[derive(Debug, Default)]
pub(crate) struct RouteCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    generation: Generation,
    bodies: HashMap<(String, bool), Bytes>,
}

impl RouteCache {
    /// The cached body for `topic` if it was encoded at `generation`.
    pub(crate) fn get(&self, generation: Generation, topic: &str, style: KeyStyle) -> Option<Bytes> {
        let inner = self.inner.lock().expect("route cache lock");
        if inner.generation != generation {
            return None;
        }
        // A (String, bool) key cannot be looked up by &str without allocating; topics are short
        // and this allocation is far cheaper than encoding the route.
        inner.bodies.get(&(topic.to_owned(), style == KeyStyle::Standard)).cloned()
    }

    /// Stores a body encoded at `generation`, dropping entries of older generations.
    pub(crate) fn put(&self, generation: Generation, topic: &str, style: KeyStyle, body: Bytes) {
        let mut inner = self.inner.lock().expect("route cache lock");
        if inner.generation != generation || inner.bodies.len() >= MAX_ENTRIES {
            inner.bodies.clear();
            inner.generation = generation;
        }
        inner.bodies.insert((topic.to_owned(), style == KeyStyle::Standard), body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_for_one_generation() {
        let cache = RouteCache::default();
        cache.put((1, 0), "T", KeyStyle::Standard, Bytes::from_static(b"a"));
        assert_eq!(cache.get((1, 0), "T", KeyStyle::Standard), Some(Bytes::from_static(b"a")));
        assert_eq!(cache.get((1, 0), "T", KeyStyle::Fastjson), None);
        assert_eq!(cache.get((2, 0), "T", KeyStyle::Standard), None);
        assert_eq!(cache.get((1, 1), "T", KeyStyle::Standard), None);
        cache.put((2, 0), "U", KeyStyle::Fastjson, Bytes::from_static(b"b"));
        assert_eq!(cache.get((1, 0), "T", KeyStyle::Standard), None);
        assert_eq!(cache.get((2, 0), "U", KeyStyle::Fastjson), Some(Bytes::from_static(b"b")));
    }
}
