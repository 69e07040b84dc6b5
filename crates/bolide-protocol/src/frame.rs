//! Frame codec (`remoting.md` §2).
//!
//! ```text
//! +--------------+-------------------------------+-------------+------------+
//! | frame length | header word                   | header      | body       |
//! | i32 (= 4+H+B)| serialize type u8 | length u24| H bytes     | B bytes    |
//! +--------------+-------------------------------+-------------+------------+
//! ```
//! The frame length counts everything after itself. Decoding a buffer that does not yet hold a
//! whole frame consumes nothing and returns `Ok(None)`; lengths are checked as soon as the four
//! length bytes are in, so an oversize frame is refused before its bytes are buffered.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::binary_header;
use crate::command::{RemotingCommand, SerializeType};
use crate::error::FrameError;
use crate::json_header;

/// Largest frame length the Java servers accept (16 MiB, `com.rocketmq.remoting.frameMaxLength`).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// Bytes before the header: the frame length and the header word.
pub const PREFIX_BYTES: usize = 8;

/// Largest header length the 24-bit field of the header word can express.
pub const MAX_HEADER_BYTES: usize = (1 << 24) - 1;

/// Size limits applied while decoding and encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLimits {
    /// Largest accepted frame length (the length prefix's value).
    pub max_frame_bytes: usize,
}

impl Default for FrameLimits {
    fn default() -> Self {
        Self { max_frame_bytes: DEFAULT_MAX_FRAME_BYTES }
    }
}

/// Takes one whole frame off the front of `buf` and decodes it.
///
/// Returns `Ok(None)`, consuming nothing, while the frame is incomplete.
///
/// # Errors
/// [`FrameError`] for an invalid or oversize length, an unknown serialize type or an undecodable
/// header. The caller should close the connection: the stream position is lost.
pub fn decode(buf: &mut BytesMut, limits: FrameLimits) -> Result<Option<RemotingCommand>, FrameError> {
    let Some(frame_length) = peek_frame_length(buf, limits)? else {
        return Ok(None);
    };
    if buf.len() < 4 + frame_length {
        buf.reserve(4 + frame_length - buf.len());
        return Ok(None);
    }
    buf.advance(4);
    let frame = buf.split_to(frame_length).freeze();
    decode_frame_body(frame).map(Some)
}

/// Checks the length prefix, if it has arrived; `Ok(None)` while fewer than 4 bytes are buffered.
///
/// # Errors
/// [`FrameError::InvalidLength`] or [`FrameError::TooLarge`].
pub fn peek_frame_length(buf: &[u8], limits: FrameLimits) -> Result<Option<usize>, FrameError> {
    let Some(prefix) = buf.get(..4) else {
        return Ok(None);
    };
    let length = i32::from_be_bytes(prefix.try_into().expect("4 bytes"));
    if length < 4 {
        return Err(FrameError::InvalidLength { length });
    }
    let length = usize::try_from(length).expect("positive i32 fits usize");
    if length > limits.max_frame_bytes {
        return Err(FrameError::TooLarge { length: length as u64, max_bytes: limits.max_frame_bytes });
    }
    Ok(Some(length))
}

/// Decodes a frame without its length prefix: header word, header, body.
fn decode_frame_body(frame: Bytes) -> Result<RemotingCommand, FrameError> {
    let word = u32::from_be_bytes(frame[..4].try_into().expect("frame length ≥ 4 was checked"));
    let serialize_type =
        SerializeType::from_value((word >> 24) as u8).ok_or(FrameError::UnknownSerializeType((word >> 24) as u8))?;
    let header_length = (word & 0x00FF_FFFF) as usize;
    let available = frame.len() - 4;
    if header_length > available {
        return Err(FrameError::HeaderTooLong { header_length, available });
    }
    let header = &frame[4..4 + header_length];
    let mut command = match serialize_type {
        SerializeType::Json => json_header::decode(header)?,
        SerializeType::RocketMq => binary_header::decode(header)?,
    };
    if frame.len() > 4 + header_length {
        command.body = Some(frame.slice(4 + header_length..));
    }
    Ok(command)
}

/// Appends a whole frame (prefix, header and body) for `command` to `dst`.
///
/// # Errors
/// [`FrameError::TooLarge`] when the frame would exceed the limit (nothing is appended), or a
/// binary-header error when the command does not fit the binary form.
pub fn encode(command: &RemotingCommand, dst: &mut BytesMut, limits: FrameLimits) -> Result<(), FrameError> {
    encode_head(command, dst, limits)?;
    if let Some(body) = &command.body {
        dst.put_slice(body);
    }
    Ok(())
}

/// Appends the frame prefix and header for `command` but not its body, so a transport can write
/// the body from its own buffer without copying it. The length prefix counts the body.
///
/// # Errors
/// As [`encode`]; on error `dst` is left as it was.
pub fn encode_head(command: &RemotingCommand, dst: &mut BytesMut, limits: FrameLimits) -> Result<(), FrameError> {
    let start = dst.len();
    dst.put_u64(0); // frame length and header word, patched below
    let encoded = match command.serialize_type {
        SerializeType::Json => {
            json_header::encode(command, dst);
            Ok(())
        }
        SerializeType::RocketMq => binary_header::encode(command, dst).map_err(FrameError::from),
    };
    if let Err(err) = encoded {
        dst.truncate(start);
        return Err(err);
    }
    let header_length = dst.len() - start - PREFIX_BYTES;
    let frame_length = 4 + header_length as u64 + command.body_len() as u64;
    if header_length > MAX_HEADER_BYTES || frame_length > limits.max_frame_bytes as u64 {
        dst.truncate(start);
        return Err(FrameError::TooLarge { length: frame_length, max_bytes: limits.max_frame_bytes });
    }
    let word = (u32::from(command.serialize_type.value()) << 24) | header_length as u32;
    dst[start..start + 4].copy_from_slice(&(frame_length as u32).to_be_bytes());
    dst[start + 4..start + 8].copy_from_slice(&word.to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::{RequestCode, ResponseCode};

    fn sample() -> RemotingCommand {
        let mut command = RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC)
            .with_ext("topic", "TopicTest")
            .with_body(&b"hello!"[..]);
        command.opaque = 9;
        command
    }

    #[test]
    fn golden_json_frame() {
        let mut command = RemotingCommand::response(ResponseCode::SUCCESS, 42).with_body(&b"hello!"[..]);
        command.version = 479;
        let mut dst = BytesMut::new();
        encode(&command, &mut dst, FrameLimits::default()).unwrap();
        let header =
            br#"{"code":0,"flag":1,"language":"JAVA","opaque":42,"serializeTypeCurrentRPC":"JSON","version":479}"#;
        let mut expected = Vec::new();
        expected.extend_from_slice(&(4 + header.len() as u32 + 6).to_be_bytes());
        expected.extend_from_slice(&(header.len() as u32).to_be_bytes());
        expected.extend_from_slice(header);
        expected.extend_from_slice(b"hello!");
        assert_eq!(&dst[..], &expected[..]);
    }

    #[test]
    fn round_trip_both_serializations() {
        for serialize_type in [SerializeType::Json, SerializeType::RocketMq] {
            let mut command = sample();
            command.serialize_type = serialize_type;
            let mut dst = BytesMut::new();
            encode(&command, &mut dst, FrameLimits::default()).unwrap();
            let decoded = decode(&mut dst, FrameLimits::default()).unwrap().unwrap();
            assert_eq!(decoded, command);
            assert!(dst.is_empty());
        }
    }

    #[test]
    fn incomplete_consumes_nothing() {
        let mut whole = BytesMut::new();
        encode(&sample(), &mut whole, FrameLimits::default()).unwrap();
        for cut in 0..whole.len() {
            let mut partial = BytesMut::from(&whole[..cut]);
            assert!(decode(&mut partial, FrameLimits::default()).unwrap().is_none());
            assert_eq!(partial.len(), cut);
        }
    }

    #[test]
    fn bad_lengths_are_errors() {
        let limits = FrameLimits { max_frame_bytes: 1024 };
        let mut negative = BytesMut::from(&(-5i32).to_be_bytes()[..]);
        assert!(matches!(decode(&mut negative, limits), Err(FrameError::InvalidLength { length: -5 })));
        let mut big = BytesMut::from(&2000i32.to_be_bytes()[..]);
        assert!(matches!(decode(&mut big, limits), Err(FrameError::TooLarge { .. })));
        let mut long_header = BytesMut::new();
        long_header.put_i32(8);
        long_header.put_u32(100);
        long_header.put_u32(0);
        assert!(matches!(decode(&mut long_header, limits), Err(FrameError::HeaderTooLong { .. })));
        let mut bad_type = BytesMut::new();
        bad_type.put_i32(4);
        bad_type.put_u32(0x0200_0000);
        assert!(matches!(decode(&mut bad_type, limits), Err(FrameError::UnknownSerializeType(2))));
    }

    #[test]
    fn oversize_encode_appends_nothing() {
        let command = sample().with_body(vec![0u8; 2048]);
        let mut dst = BytesMut::from(&b"xy"[..]);
        assert!(encode(&command, &mut dst, FrameLimits { max_frame_bytes: 1024 }).is_err());
        assert_eq!(&dst[..], b"xy");
    }
}
