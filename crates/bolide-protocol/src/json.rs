//! JSON with fastjson's quirks: bare integer map keys and object map keys (`remoting.md` §11).
//!
//! Decoding is two steps: [`to_standard`] rewrites fastjson's keys into standard JSON (borrowing
//! the input when there is nothing to rewrite), then serde_json builds the typed body with the
//! forgiving field readers of [`lenient`]. [`from_slice`] does both.
//!
//! Encoding ([`to_vec`]) is compact, with property names and order as declared on the body types
//! (alphabetical, as Java writes them), `None` fields omitted and doubles always with a fraction.
//! The caller picks how integer map keys are written with [`KeyStyle`]; `MessageQueue` keys
//! ([`MessageQueueMap`]) are always written as objects.
//!
//! ```text
//! KeyStyle::Fastjson   {"brokerAddrs":{0:"10.0.0.1:10911"}}     default; ClusterInfo, old clients
//! KeyStyle::Standard   {"brokerAddrs":{"0":"10.0.0.1:10911"}}   route data for version >= 401
//! MessageQueueMap      {"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5}}
//! ```
//!
//! Integer-keyed maps need no wrapper type: declare them as `BTreeMap<i64, V>` (or `i32`). The
//! pre-pass quotes bare keys so serde_json reads them, and the formatter drops the quotes again
//! when the style asks for it. `MessageQueue` keys do need [`MessageQueueMap`], because
//! serde_json accepts only strings and numbers as keys.

pub mod lenient;
mod mq_map;
mod prepass;
mod write;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use mq_map::MessageQueueMap;
pub use prepass::{to_standard, MAX_DEPTH};

/// How integer map keys (broker ids, queue ids) are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyStyle {
    /// fastjson's default: bare numbers, `{0:"addr"}`. What stock servers write everywhere except
    /// in route data for new clients.
    #[default]
    Fastjson,
    /// Quoted, `{"0":"addr"}`, with `/`, DEL and every non-ASCII character escaped and longs
    /// beyond ±2^53 quoted: the "standard" route variant for requests with `version` ≥ 401 or
    /// `acceptStandardJsonOnly=true` (`remoting.md` §11.4).
    Standard,
}

impl KeyStyle {
    /// The style the stock name server uses for a GET_ROUTEINFO_BY_TOPIC response.
    pub fn for_route(request_version: i32, accept_standard_json_only: bool) -> Self {
        if request_version >= 401 || accept_standard_json_only {
            KeyStyle::Standard
        } else {
            KeyStyle::Fastjson
        }
    }
}

/// A JSON body that cannot be decoded.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The bytes are not JSON, not even fastjson's dialect.
    #[error("malformed JSON at byte {offset}: {reason}")]
    Syntax {
        /// Byte offset of the problem in the input.
        offset: usize,
        /// What was expected or found.
        reason: &'static str,
    },
    /// The JSON is well formed but does not fit the body type.
    #[error("invalid body at {path}: {source}")]
    Data {
        /// Where in the document, e.g. `brokerDatas[0].brokerAddrs`; `.` for the root.
        path: String,
        /// What serde_json reported there.
        source: serde_json::Error,
    },
}

impl JsonError {
    /// The same error for a document that starts `base` bytes further into the input.
    pub(crate) fn shifted(self, base: usize) -> Self {
        match self {
            JsonError::Syntax { offset, reason } => JsonError::Syntax { offset: offset + base, reason },
            data => data,
        }
    }
}

/// Decodes a JSON body written by any client or server, fastjson's keys included.
///
/// Unknown properties are ignored, missing ones take the type's defaults and trailing whitespace
/// is fine.
///
/// # Errors
/// [`JsonError::Syntax`] for malformed input, [`JsonError::Data`] naming the path of a value that
/// does not fit `T`.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    let standard = to_standard(bytes)?;
    serde_json::from_slice(&standard).map_err(|source| locate::<T>(&standard, source))
}

/// Finds where decoding failed by decoding again with path tracking, which would slow down
/// every successful decode if done the first time.
fn locate<T: DeserializeOwned>(standard: &[u8], source: serde_json::Error) -> JsonError {
    let mut deserializer = serde_json::Deserializer::from_slice(standard);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(err) => JsonError::Data { path: err.path().to_string(), source: err.into_inner() },
        Ok(_) => JsonError::Data { path: ".".to_owned(), source },
    }
}

/// Encodes a body the way fastjson does, with integer map keys in `style`.
///
/// # Panics
/// If `value` cannot be represented in JSON at all (a map key that is neither a string, an
/// integer nor a `MessageQueue`). The body types of this crate never do that.
pub fn to_vec<T: Serialize + ?Sized>(value: &T, style: KeyStyle) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, write::FastjsonFormatter::new(style));
    value.serialize(&mut serializer).expect("body types serialize to JSON without error");
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::body::MessageQueue;

    fn text(value: &impl Serialize, style: KeyStyle) -> String {
        String::from_utf8(to_vec(value, style)).expect("UTF-8")
    }

    #[test]
    fn integer_keys_follow_the_style() {
        let map: BTreeMap<i64, String> = [(0, "a".to_owned()), (1, "b".to_owned())].into();
        assert_eq!(text(&map, KeyStyle::Fastjson), r#"{0:"a",1:"b"}"#);
        assert_eq!(text(&map, KeyStyle::Standard), r#"{"0":"a","1":"b"}"#);
        let strings: BTreeMap<String, i32> = [(String::new(), 1), ("x\"y".to_owned(), 2)].into();
        assert_eq!(text(&strings, KeyStyle::Fastjson), r#"{"":1,"x\"y":2}"#);
    }

    #[test]
    fn standard_style_escapes_non_ascii_and_quotes_huge_longs() {
        let value = ("é€😀 a/b\u{7f}", 9_007_199_254_740_992i64, 9_007_199_254_740_991i64);
        assert_eq!(
            text(&value, KeyStyle::Standard),
            r#"["\u00e9\u20ac\ud83d\ude00 a\/b\u007f","9007199254740992",9007199254740991]"#
        );
        assert_eq!(text(&value, KeyStyle::Fastjson), "[\"é€😀 a/b\u{7f}\",9007199254740992,9007199254740991]");
    }

    #[test]
    fn doubles_always_have_a_fraction() {
        assert_eq!(text(&[0.0, 12.0, 0.25, 1e20, -3e-9], KeyStyle::Fastjson), "[0.0,12.0,0.25,1.0e20,-3.0e-9]");
    }

    #[test]
    fn message_queue_keys_are_objects() {
        let mut map = MessageQueueMap::new();
        map.insert(MessageQueue::new("T\"x", "broker-a", 0), 5i64);
        map.insert(MessageQueue::new("T", "broker-a", 1), 6i64);
        let encoded = text(&map, KeyStyle::Fastjson);
        assert_eq!(
            encoded,
            r#"{{"brokerName":"broker-a","queueId":0,"topic":"T\"x"}:5,{"brokerName":"broker-a","queueId":1,"topic":"T"}:6}"#
        );
        assert_eq!(from_slice::<MessageQueueMap<i64>>(encoded.as_bytes()).expect("decodes"), map);
        // Plain serde_json cannot write object keys; it falls back to string keys, still readable.
        let fallback = serde_json::to_vec(&map).expect("serializes");
        assert_eq!(from_slice::<MessageQueueMap<i64>>(&fallback).expect("decodes"), map);
    }

    #[test]
    fn errors_name_the_path() {
        let err = from_slice::<BTreeMap<String, Vec<i32>>>(br#"{"a":[1,"x"]}"#).expect_err("not an int");
        match err {
            JsonError::Data { path, .. } => assert_eq!(path, "a[1]"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn route_style_switch() {
        assert_eq!(KeyStyle::for_route(400, false), KeyStyle::Fastjson);
        assert_eq!(KeyStyle::for_route(401, false), KeyStyle::Standard);
        assert_eq!(KeyStyle::for_route(317, true), KeyStyle::Standard);
    }
}
