//! A property the header fuzz targets (`binary_header`, `json_header`) assert on every map they
//! decode, and the property tests on generated ones: the borrowed send-header view
//! (`SendMessageFields`) reads any `extFields` map exactly as the owned send headers do, the same
//! values or the same error.

use bolide_protocol::header::{RpcFields, SendMessageFields, SendMessageRequestHeader, SendMessageRequestHeaderV2};
use bolide_protocol::{CommandHeader, ExtFields};

pub fn check(fields: &ExtFields) {
    let owned = SendMessageRequestHeaderV2::read_fields(fields).map(SendMessageRequestHeader::from);
    let view = SendMessageFields::read_short(fields).map(SendMessageRequestHeader::from);
    assert_eq!(view, owned, "one-letter keys");

    // The view keeps only the broker name of the inherited fields.
    let owned = SendMessageRequestHeader::read_fields(fields).map(|header| SendMessageRequestHeader {
        rpc: RpcFields { broker_name: header.rpc.broker_name.clone(), ..RpcFields::default() },
        ..header
    });
    let view = SendMessageFields::read_long(fields).map(SendMessageRequestHeader::from);
    assert_eq!(view, owned, "long keys");
}
