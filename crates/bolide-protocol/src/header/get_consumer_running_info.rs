//! `GetConsumerRunningInfoRequestHeader`: GET_CONSUMER_RUNNING_INFO (307), admin → broker and,
//! with the same `extFields`, broker → client (`codes.md` §7.1).
//!
//! Wire: `consumerGroup` R, `clientId` R, `jstackEnable` bool O, + inherited §3 fields.

define_header! {
    /// Asks one consumer client for its `ConsumerRunningInfo`.
    GetConsumerRunningInfoRequestHeader {
        /// Consumer group.
        consumer_group: String = "consumerGroup", required;
        /// Target client id.
        client_id: String = "clientId", required;
        /// Include a thread dump.
        jstack_enable: bool = "jstackEnable", optional(default = false);
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 3] =
        [("consumerGroup", "cg"), ("clientId", "10.0.0.9@12345"), ("jstackEnable", "false")];

    fn expected() -> GetConsumerRunningInfoRequestHeader {
        GetConsumerRunningInfoRequestHeader {
            consumer_group: "cg".into(),
            client_id: "10.0.0.9@12345".into(),
            jstack_enable: Some(false),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetConsumerRunningInfoRequestHeader>(
            &WIRE,
            GetConsumerRunningInfoRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn defaults_and_round_trip() {
        let header = GetConsumerRunningInfoRequestHeader { jstack_enable: None, ..expected() };
        assert!(!header.jstack_enable());
        assert_round_trip(&header);
    }
}
