//! Properties the `frame` fuzz target asserts.

use bolide_protocol::frame::{self, FrameLimits};
use bytes::BytesMut;

/// that decodes to the same command.
pub fn check(data: &[u8]) {
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
