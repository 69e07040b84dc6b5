//! `GetTopicsByClusterRequestHeader`: GET_TOPICS_BY_CLUSTER (224), admin → name server
//! (`codes.md` §4.9).
//!
//! Wire: `cluster` String R. No inherited fields.

define_header! {
    /// Lists the topics served by a cluster.
    GetTopicsByClusterRequestHeader {
        /// Cluster name.
        cluster: String = "cluster", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("cluster", "DefaultCluster")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &GetTopicsByClusterRequestHeader { cluster: "DefaultCluster".into() });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetTopicsByClusterRequestHeader>(&WIRE, GetTopicsByClusterRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetTopicsByClusterRequestHeader { cluster: String::new() });
    }
}
