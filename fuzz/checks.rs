//! Properties every fuzz target asserts. Shared with `cargo test`, which replays the seed corpus
//! through the same functions (crates/bolide-protocol/tests/fuzz_corpus.rs), so a corpus entry
//! that once failed keeps being checked without a fuzzer installed.

use bolide_protocol::frame::{self, FrameLimits};
use bolide_protocol::{binary_header, json_header, SerializeType};
use bytes::BytesMut;

/// Frames: never panic; never consume a partial frame; whatever decodes re-encodes to a frame
/// that decodes to the same command.
pub fn frame(data: &[u8]) {
    let limits = FrameLimits { max_frame_bytes: 1 << 20 };
    let mut buf = BytesMut::from(data);
    loop {
        let before = buf.len();
        match frame::decode(&mut buf, limits) {
            Ok(Some(command)) => {
                assert!(buf.len() < before, "a decoded frame consumes bytes");
                let mut again = BytesMut::new();
                if frame::encode(&command, &mut again, limits).is_ok() {
                    let decoded = frame::decode(&mut again, limits).expect("re-encoded frame decodes");
                    assert_eq!(decoded.as_ref(), Some(&command));
                    assert!(again.is_empty());
                }
            }
            Ok(None) => {
                assert_eq!(buf.len(), before, "an incomplete frame consumes nothing");
                break;
            }
            Err(_) => break,
        }
    }
}

/// JSON headers: never panic; whatever decodes re-encodes (always as strings) to the same command.
pub fn json_header(data: &[u8]) {
    if let Ok(command) = json_header::decode(data) {
        let mut out = BytesMut::new();
        json_header::encode(&command, &mut out);
        let again = json_header::decode(&out).expect("our own JSON header decodes");
        assert_eq!(again, command);
    }
}

/// Binary headers: never panic; whatever decodes re-encodes byte-identically modulo entry order
/// and duplicates, so compare decoded commands.
pub fn binary_header(data: &[u8]) {
    if let Ok(command) = binary_header::decode(data) {
        assert_eq!(command.serialize_type, SerializeType::RocketMq);
        let mut out = BytesMut::new();
        binary_header::encode(&command, &mut out).expect("a decoded header fits the binary form");
        let again = binary_header::decode(&out).expect("our own binary header decodes");
        assert_eq!(again, command);
    }
}
