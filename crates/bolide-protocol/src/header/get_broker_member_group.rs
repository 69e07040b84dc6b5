//! `GetBrokerMemberGroupRequestHeader`: GET_BROKER_MEMBER_GROUP (901, 5.x), broker → name server
//! (`codes.md` §4.9).
//!
//! Wire: `clusterName` String R, `brokerName` String R. No inherited fields.

define_header! {
    /// Asks for the ids and addresses of every broker sharing a broker name.
    GetBrokerMemberGroupRequestHeader {
        /// Cluster name.
        cluster_name: String = "clusterName", required;
        /// Broker name.
        broker_name: String = "brokerName", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 2] = [("clusterName", "DefaultCluster"), ("brokerName", "broker-a")];

    #[test]
    fn golden() {
        let header =
            GetBrokerMemberGroupRequestHeader { cluster_name: "DefaultCluster".into(), broker_name: "broker-a".into() };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetBrokerMemberGroupRequestHeader>(
            &WIRE,
            GetBrokerMemberGroupRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&GetBrokerMemberGroupRequestHeader { cluster_name: "c".into(), broker_name: "b".into() });
    }
}
