//! `DeleteTopicFromNamesrvRequestHeader`: DELETE_TOPIC_IN_NAMESRV (216), admin → name server
//! (`codes.md` §4.8).
//!
//! Wire: `topic` String R, `clusterName` String O, + inherited §3 fields.

define_header! {
    /// Removes a topic's route (only the queue data of one cluster's brokers when `clusterName` is
    /// given).
    DeleteTopicFromNamesrvRequestHeader {
        /// The topic.
        topic: String = "topic", required;
        /// Restricts the deletion to the brokers of this cluster.
        cluster_name: String = "clusterName", optional;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 2] = [("topic", "TopicTest"), ("clusterName", "DefaultCluster")];

    #[test]
    fn golden() {
        let header = DeleteTopicFromNamesrvRequestHeader {
            topic: "TopicTest".into(),
            cluster_name: Some("DefaultCluster".into()),
            ..Default::default()
        };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<DeleteTopicFromNamesrvRequestHeader>(
            &WIRE,
            DeleteTopicFromNamesrvRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&DeleteTopicFromNamesrvRequestHeader { topic: "t".into(), ..Default::default() });
    }
}
