//! JSON command header (serialize type 0, `remoting.md` §4).
//!
//! Decoding is lenient, as fastjson is: numbers may come as numeric strings, `language` as a name
//! or an ordinal, ext values as strings, numbers or booleans, unknown keys are ignored and
//! trailing whitespace is fine. Encoding is what the Java servers write: compact, keys sorted,
//! numbers as numbers, every ext value a string, null fields omitted.

use std::fmt;
use std::io::Write;

use bytes::{BufMut, BytesMut};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::command::{RemotingCommand, SerializeType};
use crate::ext_fields::ExtFields;
use crate::language::LanguageCode;

/// Decodes a JSON header; the body is attached by the caller.
///
/// # Errors
/// The `serde_json` error for invalid JSON, invalid UTF-8 or a field of the wrong shape.
pub fn decode(header: &[u8]) -> Result<RemotingCommand, serde_json::Error> {
    // serde would also build the struct from an array; a header is always an object.
    if header.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(de::Error::custom("a JSON header must be an object"));
    }
    let raw: RawHeader = serde_json::from_slice(header)?;
    Ok(RemotingCommand {
        code: raw.code.0,
        language: raw.language.0.unwrap_or(LanguageCode::Java),
        version: raw.version.0,
        opaque: raw.opaque.0,
        flag: raw.flag.0,
        remark: raw.remark,
        ext_fields: raw.ext_fields.map(|fields| fields.0),
        body: None,
        serialize_type: SerializeType::Json,
    })
}

/// Appends the JSON header of `command` to `out`.
pub fn encode(command: &RemotingCommand, out: &mut BytesMut) {
    let mut out = out.writer();
    write_header(command, &mut out).expect("writing to a BytesMut cannot fail");
}

/// Keys in fastjson's (alphabetical) order, compact.
fn write_header(command: &RemotingCommand, out: &mut impl Write) -> std::io::Result<()> {
    write!(out, "{{\"code\":{}", command.code)?;
    if let Some(fields) = &command.ext_fields {
        out.write_all(b",\"extFields\":{")?;
        for (index, (key, value)) in fields.iter().enumerate() {
            if index > 0 {
                out.write_all(b",")?;
            }
            write_string(out, key)?;
            out.write_all(b":")?;
            write_string(out, value)?;
        }
        out.write_all(b"}")?;
    }
    write!(out, ",\"flag\":{},\"language\":", command.flag)?;
    match command.language.name() {
        Some(name) => write_string(out, name)?,
        None => write!(out, "{}", command.language.value())?,
    }
    write!(out, ",\"opaque\":{}", command.opaque)?;
    if let Some(remark) = &command.remark {
        out.write_all(b",\"remark\":")?;
        write_string(out, remark)?;
    }
    write!(out, ",\"serializeTypeCurrentRPC\":\"JSON\",\"version\":{}}}", command.version)
}

fn write_string(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    serde_json::to_writer(out, text).map_err(std::io::Error::other)
}

#[derive(Deserialize)]
struct RawHeader {
    #[serde(default)]
    code: LenientI32,
    #[serde(default)]
    language: LenientLanguage,
    #[serde(default)]
    version: LenientI32,
    #[serde(default)]
    opaque: LenientI32,
    #[serde(default)]
    flag: LenientI32,
    #[serde(default)]
    remark: Option<String>,
    #[serde(default, rename = "extFields")]
    ext_fields: Option<LenientExtFields>,
}

/// An `i32` given as a number or a numeric string; `null` reads as 0.
#[derive(Default)]
struct LenientI32(i32);

impl<'de> Deserialize<'de> for LenientI32 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = LenientI32;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a 32-bit integer or a numeric string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LenientI32, E> {
                i32::try_from(v).map(LenientI32).map_err(|_| E::custom(format!("{v} is out of i32 range")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LenientI32, E> {
                i32::try_from(v).map(LenientI32).map_err(|_| E::custom(format!("{v} is out of i32 range")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LenientI32, E> {
                v.trim().parse().map(LenientI32).map_err(|_| E::custom(format!("{v:?} is not an i32")))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LenientI32, E> {
                Ok(LenientI32(0))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// `language` as an enum name or an ordinal; an unknown name reads as `None` (Java: null).
#[derive(Default)]
struct LenientLanguage(Option<LanguageCode>);

impl<'de> Deserialize<'de> for LenientLanguage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = LenientLanguage;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a language name or ordinal")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LenientLanguage, E> {
                Ok(LenientLanguage(u8::try_from(v).ok().map(LanguageCode::from_value)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LenientLanguage, E> {
                Ok(LenientLanguage(u8::try_from(v).ok().map(LanguageCode::from_value)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LenientLanguage, E> {
                Ok(LenientLanguage(LanguageCode::from_name(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LenientLanguage, E> {
                Ok(LenientLanguage(None))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// `extFields` whose values may be strings, numbers or booleans (ali-ons, C++); nulls are dropped.
struct LenientExtFields(ExtFields);

impl<'de> Deserialize<'de> for LenientExtFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LenientExtFields;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of header fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LenientExtFields, A::Error> {
                let mut fields = ExtFields::new();
                while let Some(key) = map.next_key::<String>()? {
                    if let ExtValue(Some(value)) = map.next_value::<ExtValue>()? {
                        fields.insert(key, value);
                    }
                }
                Ok(LenientExtFields(fields))
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// One ext value in its Java string form; `None` for null.
struct ExtValue(Option<String>);

impl<'de> Deserialize<'de> for ExtValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ExtValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ExtValue, E> {
                Ok(ExtValue(Some(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<ExtValue, E> {
                Ok(ExtValue(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ExtValue, E> {
                Ok(ExtValue(Some(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ExtValue, E> {
                Ok(ExtValue(Some(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ExtValue, E> {
                Ok(ExtValue(Some(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ExtValue, E> {
                Ok(ExtValue(Some(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ExtValue, E> {
                Ok(ExtValue(None))
            }
            // Nested objects or arrays have no string form in Java's header map; keep their text
            // out rather than failing the whole command.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExtValue, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(ExtValue(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<ExtValue, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ExtValue(None))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::{RequestCode, ResponseCode};

    #[test]
    fn java_success_response_golden() {
        let response = RemotingCommand::response(ResponseCode::SUCCESS, 42);
        let mut out = BytesMut::new();
        encode(&response, &mut out);
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"code":0,"flag":1,"language":"JAVA","opaque":42,"serializeTypeCurrentRPC":"JSON","version":479}"#
        );
    }

    #[test]
    fn java_send_request_golden_decodes() {
        let text = r#"{"code":310,"extFields":{"a":"ProducerGroupA","b":"TopicTest","c":"TBW102","d":"4","e":"1","f":"0","g":"1717000000000","h":"0","i":"UNIQ_KEY\u0001AC11000128F418B4AAC28A1E6B3C0000\u0002WAIT\u0001true\u0002","j":"0","k":"false","m":"false","n":"broker-a"},"flag":0,"language":"JAVA","opaque":42,"serializeTypeCurrentRPC":"JSON","version":479}"#;
        let command = decode(text.as_bytes()).unwrap();
        assert_eq!(command.request_code(), RequestCode::SEND_MESSAGE_V2);
        assert_eq!(command.opaque, 42);
        assert_eq!(command.version, 479);
        assert_eq!(command.ext("b"), Some("TopicTest"));
        assert_eq!(command.ext("i"), Some("UNIQ_KEY\u{1}AC11000128F418B4AAC28A1E6B3C0000\u{2}WAIT\u{1}true\u{2}"));
        // And encodes back to the same bytes, since fastjson's form is ours.
        let mut out = BytesMut::new();
        encode(&command, &mut out);
        assert_eq!(std::str::from_utf8(&out).unwrap(), text);
    }

    #[test]
    fn lenient_input_from_every_client_family() {
        // ali-ons: raw numbers and booleans; C++: trailing newline, numbers; ordinal language.
        let text = "{\"code\":\"34\",\"language\":1,\"version\":333,\"opaque\":5,\"flag\":0,\"remark\":null,\
                    \"extFields\":{\"e\":0,\"k\":false,\"r\":1.5,\"n\":null,\"AccessKey\":\"\"},\"unknown\":[1,2]}\n";
        let command = decode(text.as_bytes()).unwrap();
        assert_eq!(command.code, 34);
        assert_eq!(command.language, LanguageCode::Cpp);
        assert_eq!(command.ext("e"), Some("0"));
        assert_eq!(command.ext("k"), Some("false"));
        assert_eq!(command.ext("r"), Some("1.5"));
        assert_eq!(command.ext("n"), None);
        assert_eq!(command.ext("AccessKey"), Some(""));
        assert_eq!(command.remark, None);
        // Go: empty remark and empty extFields survive as such.
        let go = decode(br#"{"code":0,"language":"GO","version":317,"opaque":1,"flag":1,"remark":"","extFields":{}}"#)
            .unwrap();
        assert_eq!(go.remark.as_deref(), Some(""));
        assert_eq!(go.ext_fields, Some(ExtFields::new()));
        // An unknown language name is not fatal.
        let odd = decode(br#"{"code":1,"language":"COBOL"}"#).unwrap();
        assert_eq!(odd.language, LanguageCode::Java);
    }

    #[test]
    fn rejects_garbage() {
        assert!(decode(b"{\"code\":").is_err());
        assert!(decode(b"[]").is_err());
        assert!(decode(b"{\"code\":99999999999}").is_err());
        assert!(decode(&[b'{', 0xff, b'}']).is_err());
    }
}
