//! `UnRegisterBrokerRequestHeader`: UNREGISTER_BROKER (104), broker → name server
//! (`codes.md` §4.3).
//!
//! Wire: `brokerName` R, `brokerAddr` R, `clusterName` R, `brokerId` i64 R. No inherited fields.

define_header! {
    /// A broker leaving the cluster.
    UnRegisterBrokerRequestHeader {
        /// Broker name.
        broker_name: String = "brokerName", required;
        /// Broker address.
        broker_addr: String = "brokerAddr", required;
        /// Cluster name.
        cluster_name: String = "clusterName", required;
        /// Broker id.
        broker_id: i64 = "brokerId", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 4] =
        [("brokerName", "broker-a"), ("brokerAddr", "10.0.0.2:10911"), ("clusterName", "c1"), ("brokerId", "1")];

    fn expected() -> UnRegisterBrokerRequestHeader {
        UnRegisterBrokerRequestHeader {
            broker_name: "broker-a".into(),
            broker_addr: "10.0.0.2:10911".into(),
            cluster_name: "c1".into(),
            broker_id: 1,
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<UnRegisterBrokerRequestHeader>(&WIRE, UnRegisterBrokerRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&UnRegisterBrokerRequestHeader { broker_id: i64::MAX, ..expected() });
    }
}
