//! Properties the `json_header` fuzz target asserts.

use bolide_protocol::json_header;
use bytes::BytesMut;

#[path = "send_views.rs"]
mod send_views;

/// JSON headers: never panic; whatever decodes re-encodes (always as strings) to the same command;
/// the send-header view reads the decoded map as the owned headers do.
pub fn check(data: &[u8]) {
    if let Ok(command) = json_header::decode(data) {
        send_views::check(command.fields());
        let mut out = BytesMut::new();
        json_header::encode(&command, &mut out);
        let again = json_header::decode(&out).expect("our own JSON header decodes");
        assert_eq!(again, command);
    }
}
