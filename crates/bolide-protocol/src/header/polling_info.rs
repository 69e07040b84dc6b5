//! `PollingInfoRequestHeader`: POLLING_INFO (200055, 5.x), consumer/proxy → broker
//! (`codes.md` §9.5).
//!
//! Wire: `consumerGroup` R, `topic` R, `queueId` i32 R, + inherited §3 fields.

define_header! {
    /// Asks how many pop requests are held for a queue.
    PollingInfoRequestHeader {
        /// Consumer group.
        consumer_group: String = "consumerGroup", required;
        /// Topic.
        topic: String = "topic", required;
        /// Queue id.
        queue_id: i32 = "queueId", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 3] = [("consumerGroup", "cg"), ("topic", "TopicTest"), ("queueId", "2")];

    fn expected() -> PollingInfoRequestHeader {
        PollingInfoRequestHeader {
            consumer_group: "cg".into(),
            topic: "TopicTest".into(),
            queue_id: 2,
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<PollingInfoRequestHeader>(&WIRE, PollingInfoRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&PollingInfoRequestHeader { queue_id: -1, ..expected() });
    }
}
