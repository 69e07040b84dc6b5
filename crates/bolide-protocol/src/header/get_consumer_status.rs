//! `GetConsumerStatusRequestHeader`: INVOKE_BROKER_TO_GET_CONSUMER_STATUS (223), admin → broker,
//! and GET_CONSUMER_STATUS_FROM_CLIENT (221), broker → client (`codes.md` §7.4).
//!
//! Wire: `topic` R, `group` R, `clientAddr` O, + inherited §3 fields.

define_header! {
    /// Asks for the consumer offsets a group's clients currently hold for a topic.
    GetConsumerStatusRequestHeader {
        /// Topic.
        topic: String = "topic", required;
        /// Consumer group.
        group: String = "group", required;
        /// Restricts the answer to one client address.
        client_addr: String = "clientAddr", optional;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 3] = [("topic", "TopicTest"), ("group", "cg"), ("clientAddr", "10.0.0.9:53211")];

    fn expected() -> GetConsumerStatusRequestHeader {
        GetConsumerStatusRequestHeader {
            topic: "TopicTest".into(),
            group: "cg".into(),
            client_addr: Some("10.0.0.9:53211".into()),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetConsumerStatusRequestHeader>(&WIRE, GetConsumerStatusRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetConsumerStatusRequestHeader { client_addr: None, ..expected() });
    }
}
