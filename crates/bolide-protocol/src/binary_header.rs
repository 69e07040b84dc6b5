//! ROCKETMQ binary command header (serialize type 1, `remoting.md` §5).
//!
//! ```text
//! code i16 | language u8 | version i16 | opaque i32 | flag i32
//! | remarkLength i32 | remark | extLength i32 | { keyLength i16 | key | valueLength i32 | value }*
//! ```
//! A zero length means null: an empty remark, an empty value or an empty ext map cannot travel.

use bytes::{BufMut, BytesMut};

use crate::command::{RemotingCommand, SerializeType};
use crate::error::BinaryHeaderError;
use crate::ext_fields::ExtFields;
use crate::language::LanguageCode;

/// Size of the fixed part of the header, before the remark.
pub const FIXED_BYTES: usize = 17;

/// Decodes a binary header; the body is attached by the caller.
///
/// # Errors
/// [`BinaryHeaderError`] for truncation, negative lengths or invalid UTF-8.
pub fn decode(header: &[u8]) -> Result<RemotingCommand, BinaryHeaderError> {
    let mut reader = Reader { bytes: header, offset: 0 };
    let code = reader.i16("code")?;
    let language = LanguageCode::from_value(reader.u8("language")?);
    let version = reader.i16("version")?;
    let opaque = reader.i32("opaque")?;
    let flag = reader.i32("flag")?;
    let remark_length = reader.length_i32("remark")?;
    let remark = reader.string("remark", remark_length)?;
    let ext_length = reader.length_i32("extFields")?;
    let ext_bytes = reader.take("extFields", ext_length)?;
    // An empty map cannot be told from none in this form (every entry may have had a null value).
    let ext_fields = Some(decode_ext(ext_bytes)?).filter(|fields| !fields.is_empty());
    Ok(RemotingCommand {
        code: i32::from(code),
        language,
        version: i32::from(version),
        opaque,
        flag,
        remark,
        ext_fields,
        body: None,
        serialize_type: SerializeType::RocketMq,
    })
}

fn decode_ext(bytes: &[u8]) -> Result<ExtFields, BinaryHeaderError> {
    let mut reader = Reader { bytes, offset: 0 };
    let mut fields = ExtFields::with_capacity(16, bytes.len());
    while reader.offset < bytes.len() {
        let key_length = reader.i16("ext key length")?;
        let key_length = usize::try_from(key_length)
            .map_err(|_| BinaryHeaderError::NegativeLength { field: "ext key", length: i64::from(key_length) })?;
        let key = reader.str("ext key", key_length)?;
        let value_length = reader.length_i32("ext value")?;
        let value = reader.str("ext value", value_length)?;
        // Java keeps the key with a null value, which then reads as absent; dropping it is the same.
        if !key.is_empty() && !value.is_empty() {
            fields.insert(key, value);
        }
    }
    Ok(fields)
}

/// Whether `command` travels unchanged in the binary form: `code` and `version` fit 16 bits, and
/// no empty remark, ext key or ext value would turn into a null. A sender that prefers the binary
/// form uses JSON for the commands that fail this (the POP family, an empty `properties`).
pub fn can_carry(command: &RemotingCommand) -> bool {
    i16::try_from(command.code).is_ok()
        && i16::try_from(command.version).is_ok()
        && command.remark.as_ref().is_none_or(|remark| !remark.is_empty())
        && command.ext_fields.as_ref().is_none_or(|fields| {
            fields.iter().all(|(key, value)| !key.is_empty() && key.len() <= i16::MAX as usize && !value.is_empty())
        })
}

/// The header form to send `command` in when `preferred` is wanted: the binary form only when it
/// carries the command unchanged ([`can_carry`]), JSON otherwise.
pub fn serialize_type_for(preferred: SerializeType, command: &RemotingCommand) -> SerializeType {
    match preferred {
        SerializeType::RocketMq if can_carry(command) => SerializeType::RocketMq,
        _ => SerializeType::Json,
    }
}

/// Appends the binary header of `command` to `out`.
///
/// # Errors
/// [`BinaryHeaderError::OutOfRange`] when `code` or `version` does not fit 16 bits or a key is
/// longer than 32767 bytes (Java would silently truncate; Bolide refuses).
pub fn encode(command: &RemotingCommand, out: &mut BytesMut) -> Result<(), BinaryHeaderError> {
    let code = i16::try_from(command.code)
        .map_err(|_| BinaryHeaderError::OutOfRange { field: "code", value: i64::from(command.code) })?;
    let version = i16::try_from(command.version)
        .map_err(|_| BinaryHeaderError::OutOfRange { field: "version", value: i64::from(command.version) })?;
    out.put_i16(code);
    out.put_u8(command.language.value());
    out.put_i16(version);
    out.put_i32(command.opaque);
    out.put_i32(command.flag);
    let remark = command.remark.as_deref().unwrap_or("");
    put_len_i32(out, "remark", remark.len())?;
    out.put_slice(remark.as_bytes());
    let ext_length_at = out.len();
    out.put_i32(0);
    if let Some(fields) = &command.ext_fields {
        for (key, value) in fields.iter() {
            let key_length = i16::try_from(key.len())
                .map_err(|_| BinaryHeaderError::OutOfRange { field: "ext key length", value: key.len() as i64 })?;
            out.put_i16(key_length);
            out.put_slice(key.as_bytes());
            put_len_i32(out, "ext value length", value.len())?;
            out.put_slice(value.as_bytes());
        }
    }
    let ext_length = out.len() - ext_length_at - 4;
    let ext_length = i32::try_from(ext_length)
        .map_err(|_| BinaryHeaderError::OutOfRange { field: "extFields length", value: ext_length as i64 })?;
    out[ext_length_at..ext_length_at + 4].copy_from_slice(&ext_length.to_be_bytes());
    Ok(())
}

fn put_len_i32(out: &mut BytesMut, field: &'static str, length: usize) -> Result<(), BinaryHeaderError> {
    let length = i32::try_from(length).map_err(|_| BinaryHeaderError::OutOfRange { field, value: length as i64 })?;
    out.put_i32(length);
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, field: &'static str, need: usize) -> Result<&'a [u8], BinaryHeaderError> {
        let have = self.bytes.len() - self.offset;
        if need > have {
            return Err(BinaryHeaderError::Truncated { field, offset: self.offset, need, have });
        }
        let slice = &self.bytes[self.offset..self.offset + need];
        self.offset += need;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], BinaryHeaderError> {
        Ok(self.take(field, N)?.try_into().expect("take returned N bytes"))
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, BinaryHeaderError> {
        Ok(self.array::<1>(field)?[0])
    }

    fn i16(&mut self, field: &'static str) -> Result<i16, BinaryHeaderError> {
        Ok(i16::from_be_bytes(self.array(field)?))
    }

    fn i32(&mut self, field: &'static str) -> Result<i32, BinaryHeaderError> {
        Ok(i32::from_be_bytes(self.array(field)?))
    }

    fn length_i32(&mut self, field: &'static str) -> Result<usize, BinaryHeaderError> {
        let length = self.i32(field)?;
        usize::try_from(length).map_err(|_| BinaryHeaderError::NegativeLength { field, length: i64::from(length) })
    }

    /// A string, empty for null (length 0).
    fn str(&mut self, field: &'static str, length: usize) -> Result<&'a str, BinaryHeaderError> {
        let bytes = self.take(field, length)?;
        std::str::from_utf8(bytes).map_err(|_| BinaryHeaderError::InvalidUtf8 { field })
    }

    fn string(&mut self, field: &'static str, length: usize) -> Result<Option<String>, BinaryHeaderError> {
        let text = self.str(field, length)?;
        Ok((!text.is_empty()).then(|| text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::RequestCode;

    /// Written by hand from `remoting.md` §5: code 105, JAVA, version 401, opaque 7, flag 0,
    /// remark "hi", ext {"topic": "T"}.
    const GOLDEN: &[u8] = &[
        0x00, 0x69, // code 105
        0x00, // JAVA
        0x01, 0x91, // version 401
        0x00, 0x00, 0x00, 0x07, // opaque
        0x00, 0x00, 0x00, 0x00, // flag
        0x00, 0x00, 0x00, 0x02, b'h', b'i', // remark
        0x00, 0x00, 0x00, 0x0c, // ext length 12
        0x00, 0x05, b't', b'o', b'p', b'i', b'c', // key
        0x00, 0x00, 0x00, 0x01, b'T', // value
    ];

    #[test]
    fn golden_bytes_decode_and_encode() {
        let command = decode(GOLDEN).unwrap();
        assert_eq!(command.request_code(), RequestCode::GET_ROUTEINFO_BY_TOPIC);
        assert_eq!(command.version, 401);
        assert_eq!(command.opaque, 7);
        assert_eq!(command.remark.as_deref(), Some("hi"));
        assert_eq!(command.ext("topic"), Some("T"));
        let mut out = BytesMut::new();
        encode(&command, &mut out).unwrap();
        assert_eq!(&out[..], GOLDEN);
    }

    #[test]
    fn zero_lengths_are_null() {
        let mut bytes = GOLDEN[..13].to_vec();
        bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
        let command = decode(&bytes).unwrap();
        assert_eq!(command.remark, None);
        assert_eq!(command.ext_fields, None);
    }

    #[test]
    fn truncation_and_negative_lengths_are_errors() {
        for cut in 0..GOLDEN.len() {
            assert!(decode(&GOLDEN[..cut]).is_err(), "cut at {cut}");
        }
        let mut negative = GOLDEN.to_vec();
        negative[13..17].copy_from_slice(&(-1i32).to_be_bytes());
        assert!(matches!(decode(&negative), Err(BinaryHeaderError::NegativeLength { .. })));
    }

    #[test]
    fn pop_codes_do_not_fit() {
        let command = RemotingCommand::request(RequestCode::POP_MESSAGE);
        assert!(!can_carry(&command));
        assert!(encode(&command, &mut BytesMut::new()).is_err());
    }

    #[test]
    fn empty_text_cannot_be_carried() {
        let command = RemotingCommand::request(RequestCode::SEND_MESSAGE_V2).with_ext("b", "T");
        assert!(can_carry(&command));
        assert!(!can_carry(&command.clone().with_ext("i", "")));
        assert!(!can_carry(&command.clone().with_remark("")));
        assert!(can_carry(&command.with_remark("r")));
    }
}
