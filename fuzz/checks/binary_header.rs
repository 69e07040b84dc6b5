//! Properties the `binary_header` fuzz target asserts.

use bolide_protocol::{binary_header, SerializeType};
use bytes::BytesMut;

#[path = "send_views.rs"]
mod send_views;

/// Binary headers: never panic; whatever decodes re-encodes byte-identically modulo entry order
/// and duplicates, so compare decoded commands; the send-header view reads the decoded map as
/// the owned headers do.
pub fn check(data: &[u8]) {
    if let Ok(command) = binary_header::decode(data) {
        send_views::check(command.fields());
        assert_eq!(command.serialize_type, SerializeType::RocketMq);
        let mut out = BytesMut::new();
        binary_header::encode(&command, &mut out).expect("a decoded header fits the binary form");
        let again = binary_header::decode(&out).expect("our own binary header decodes");
        assert_eq!(again, command);
    }
}
