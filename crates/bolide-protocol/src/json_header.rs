//! JSON command header (serialize type 0, `remoting.md` §4).
//!
//! Decoding is lenient, as fastjson is: numbers may come as numeric strings, `language` as a name
//! or an ordinal, ext values as strings, numbers or booleans, unknown keys are ignored and
//! trailing whitespace is fine. Encoding is what the Java servers write: compact, keys sorted,
//! numbers as numbers, every ext value a string, null fields omitted.
//!
//! Both directions are written by hand for this one shape rather than through serde: the decoder
//! ([`reader`]) borrows keys and puts values straight into the [`ExtFields`] buffer, so a header
//! costs a fixed few allocations instead of two per field (`docs/PERFORMANCE.md`, "Protocol
//! codec").

mod reader;

use bytes::{BufMut, BytesMut};

use crate::code::RequestCode;
use crate::command::RemotingCommand;
use crate::ext_fields::ExtFields;
use crate::language::LanguageCode;
use reader::{Reader, Value};

/// Decodes a JSON header; the body is attached by the caller.
///
/// # Errors
/// A `serde_json` error naming the byte offset for invalid JSON, invalid UTF-8, a repeated key
/// or a field of the wrong shape.
pub fn decode(header: &[u8]) -> Result<RemotingCommand, serde_json::Error> {
    let mut reader = Reader::new(header);
    reader.expect(b'{', "a JSON header must be an object")?;
    let mut command = RemotingCommand::request(RequestCode(0));
    command.version = 0;
    let mut language = None;
    let mut seen = 0u8;
    if !reader.eat(b'}') {
        loop {
            let key = reader.key()?;
            let (bit, result) = match key.as_ref() {
                "code" => (1, lenient_i32(&mut reader).map(|v| command.code = v)),
                "language" => (2, lenient_language(&mut reader).map(|v| language = v)),
                "version" => (4, lenient_i32(&mut reader).map(|v| command.version = v)),
                "opaque" => (8, lenient_i32(&mut reader).map(|v| command.opaque = v)),
                "flag" => (16, lenient_i32(&mut reader).map(|v| command.flag = v)),
                "remark" => (32, remark(&mut reader).map(|v| command.remark = v)),
                "extFields" => (64, ext_fields(&mut reader).map(|v| command.ext_fields = v)),
                _ => (0, reader.skip_value(1)),
            };
            result?;
            if seen & bit != 0 {
                return Err(reader.error(&format!("duplicate field `{key}`")));
            }
            seen |= bit;
            if !reader.next_member(b'}')? {
                break;
            }
        }
    }
    if !reader.at_end() {
        return Err(reader.error("trailing characters"));
    }
    command.language = language.unwrap_or(LanguageCode::Java);
    Ok(command)
}

/// An `i32` given as a number or a numeric string; `null` reads as 0.
fn lenient_i32(reader: &mut Reader<'_>) -> Result<i32, serde_json::Error> {
    let value = match reader.value()? {
        Value::Null => return Ok(0),
        Value::Number(number) => number.as_i64().ok_or_else(|| reader.error("expected an i32, found a float"))?,
        Value::String(text) => {
            return text.trim().parse().map_err(|_| reader.error(&format!("{text:?} is not an i32")));
        }
        _ => return Err(reader.error("expected an i32 or a numeric string")),
    };
    i32::try_from(value).map_err(|_| reader.error(&format!("{value} is out of i32 range")))
}

/// `language` as an enum name or an ordinal; an unknown name reads as `None` (Java: null).
fn lenient_language(reader: &mut Reader<'_>) -> Result<Option<LanguageCode>, serde_json::Error> {
    match reader.value()? {
        Value::Null => Ok(None),
        Value::Number(number) => match number.as_i64() {
            Some(value) => Ok(u8::try_from(value).ok().map(LanguageCode::from_value)),
            None => Err(reader.error("expected a language ordinal, found a float")),
        },
        Value::String(name) => Ok(LanguageCode::from_name(&name)),
        _ => Err(reader.error("expected a language name or ordinal")),
    }
}

fn remark(reader: &mut Reader<'_>) -> Result<Option<String>, serde_json::Error> {
    match reader.value()? {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text.into_owned())),
        _ => Err(reader.error("expected the remark string")),
    }
}

/// `extFields` whose values may be strings, numbers or booleans (ali-ons, C++); nulls are
/// dropped, and so are nested objects or arrays, which have no string form in Java's header map
/// (their text is kept out rather than failing the whole command).
fn ext_fields(reader: &mut Reader<'_>) -> Result<Option<ExtFields>, serde_json::Error> {
    match reader.value()? {
        Value::Null => return Ok(None),
        Value::ObjectStart => {}
        _ => return Err(reader.error("expected the extFields object")),
    }
    let mut fields = ExtFields::with_capacity(16, 256);
    if reader.eat(b'}') {
        return Ok(Some(fields));
    }
    loop {
        let key = reader.key()?;
        fields.try_insert_with(&key, |text| ext_value(reader, text))?;
        if !reader.next_member(b'}')? {
            return Ok(Some(fields));
        }
    }
}

/// Appends one ext value in its Java string form to `text`; `false` when it has none.
fn ext_value(reader: &mut Reader<'_>, text: &mut String) -> Result<bool, serde_json::Error> {
    if reader.eat(b'"') {
        reader.string_into(text)?;
        return Ok(true);
    }
    match reader.value()? {
        Value::Number(number) => number.write_display(text),
        Value::Bool(value) => text.push_str(if value { "true" } else { "false" }),
        Value::String(value) => text.push_str(&value),
        container @ (Value::ObjectStart | Value::ArrayStart) => {
            reader.skip_container(&container, 2)?;
            return Ok(false);
        }
        Value::Null => return Ok(false),
    }
    Ok(true)
}

/// Appends the JSON header of `command` to `out`: keys in fastjson's (alphabetical) order,
/// compact.
pub fn encode(command: &RemotingCommand, out: &mut BytesMut) {
    out.put_slice(b"{\"code\":");
    put_i32(out, command.code);
    if let Some(fields) = &command.ext_fields {
        out.put_slice(b",\"extFields\":{");
        for (index, (key, value)) in fields.iter().enumerate() {
            if index > 0 {
                out.put_u8(b',');
            }
            put_string(out, key);
            out.put_u8(b':');
            put_string(out, value);
        }
        out.put_u8(b'}');
    }
    out.put_slice(b",\"flag\":");
    put_i32(out, command.flag);
    out.put_slice(b",\"language\":");
    match command.language.name() {
        Some(name) => put_string(out, name),
        None => put_i32(out, i32::from(command.language.value())),
    }
    out.put_slice(b",\"opaque\":");
    put_i32(out, command.opaque);
    if let Some(remark) = &command.remark {
        out.put_slice(b",\"remark\":");
        put_string(out, remark);
    }
    out.put_slice(b",\"serializeTypeCurrentRPC\":\"JSON\",\"version\":");
    put_i32(out, command.version);
    out.put_u8(b'}');
}

/// Writes an integer in decimal.
fn put_i32(out: &mut BytesMut, value: i32) {
    let mut digits = [0u8; 11];
    let mut at = digits.len();
    let mut rest = value.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        at -= 1;
        digits[at] = b'-';
    }
    out.put_slice(&digits[at..]);
}

/// Writes a JSON string exactly as serde_json does: `"` and `\\` escaped, control characters as
/// `\b \t \n \f \r` or `\u00xx`, everything else (non-ASCII included) as is.
fn put_string(out: &mut BytesMut, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.put_u8(b'"');
    let mut clean_from = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let short = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            b'\t' => b't',
            b'\n' => b'n',
            0x0c => b'f',
            b'\r' => b'r',
            0x00..=0x1f => b'u',
            _ => continue,
        };
        out.put_slice(&bytes[clean_from..index]);
        clean_from = index + 1;
        if short == b'u' {
            out.put_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]]);
        } else {
            out.put_slice(&[b'\\', short]);
        }
    }
    out.put_slice(&bytes[clean_from..]);
    out.put_u8(b'"');
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

    #[test]
    fn escapes_whitespace_and_unknown_values() {
        let text = concat!(
            r#" {"co\u0064e" : "12" , "other":{"x":[1,{"y":null},"\""]},"#,
            "\n",
            r#""extFields":{"a\/b":"\u00e9\ud83d\ude00\t","n":-3,"big":18446744073709551616,"#,
            r#""e":1e2,"nested":{"z":[]},"list":[1]},"remark":"r\""}"#,
            "\r\n"
        );
        let command = decode(text.as_bytes()).unwrap();
        assert_eq!(command.code, 12);
        assert_eq!(command.remark.as_deref(), Some("r\""));
        assert_eq!(command.ext("a/b"), Some("\u{e9}\u{1f600}\t"));
        assert_eq!(command.ext("n"), Some("-3"));
        assert_eq!(command.ext("big"), Some("18446744073709552000"));
        assert_eq!(command.ext("e"), Some("100"));
        assert_eq!(command.ext("nested"), None);
        assert_eq!(command.ext("list"), None);
        // The last of repeated ext keys wins; a later null leaves the earlier value.
        let repeated = decode(br#"{"extFields":{"k":"1","k":"2","j":"x","j":null}}"#).unwrap();
        assert_eq!((repeated.ext("k"), repeated.ext("j")), (Some("2"), Some("x")));
    }

    #[test]
    fn rejects_what_serde_json_rejects() {
        for bad in [
            &br#"{"code":1,"code":2}"#[..],
            br#"{"code":1.5}"#,
            br#"{"code":true}"#,
            br#"{"remark":5}"#,
            br#"{"extFields":[]}"#,
            br#"{"extFields":{"a":"\ud800"}}"#,
            br#"{"extFields":{"a":"\udc00x"}}"#,
            br#"{"extFields":{"a":"\q"}}"#,
            b"{\"extFields\":{\"a\":\"tab\there\"}}",
            br#"{"code":01}"#,
            br#"{"code":-}"#,
            br#"{"code":1.}"#,
            br#"{"code":1,}"#,
            br#"{"code":1} x"#,
            br#"{"x":nul}"#,
            br#"{"x":"unterminated}"#,
            br#"{code:1}"#,
            b"",
            b"   ",
        ] {
            assert!(decode(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = format!("{{\"x\":{}{}}}", "[".repeat(200), "]".repeat(200));
        assert!(decode(deep.as_bytes()).is_err(), "nesting is bounded");
        let fine = format!("{{\"x\":{}{}}}", "[".repeat(100), "]".repeat(100));
        assert!(decode(fine.as_bytes()).is_ok());
    }

    #[test]
    fn strings_and_numbers_are_written_as_serde_json_writes_them() {
        let every_byte: String = (0u8..0x80).map(char::from).chain("é€😀".chars()).collect();
        for text in ["", "plain", "a\"b\\c/d", every_byte.as_str()] {
            let mut out = BytesMut::new();
            put_string(&mut out, text);
            assert_eq!(&out[..], serde_json::to_vec(text).unwrap(), "{text:?}");
        }
        for value in [0, 7, -1, 10, 479, i32::MAX, i32::MIN] {
            let mut out = BytesMut::new();
            put_i32(&mut out, value);
            assert_eq!(&out[..], value.to_string().as_bytes());
        }
    }
}
