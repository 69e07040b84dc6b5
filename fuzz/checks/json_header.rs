//! Properties the `json_header` fuzz target asserts.

use bolide_protocol::json_header;
use bytes::BytesMut;

/// JSON headers: never panic; whatever decodes re-encodes (always as strings) to the same command.
pub fn check(data: &[u8]) {
    if let Ok(command) = json_header::decode(data) {
        let mut out = BytesMut::new();
        json_header::encode(&command, &mut out);
        let again = json_header::decode(&out).expect("our own JSON header decodes");
        assert_eq!(again, command);
    }
}
