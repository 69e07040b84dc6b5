//! `BrokerHeartbeatRequestHeader`: BROKER_HEARTBEAT (904, 5.x), broker → name server
//! (`codes.md` §4.9).
//!
//! Wire: `clusterName` R, `brokerAddr` R, `brokerName` R, `brokerId` i64 O, `epoch` i32 O,
//! `maxOffset` i64 O, `confirmOffset` i64 O, `heartbeatTimeoutMills` i64 O (sic),
//! `electionPriority` i32 O. No inherited fields.

define_header! {
    /// Refreshes a broker's liveness (sent only with `enableSlaveActingMaster`).
    BrokerHeartbeatRequestHeader {
        /// Cluster name.
        cluster_name: String = "clusterName", required;
        /// Broker address.
        broker_addr: String = "brokerAddr", required;
        /// Broker name.
        broker_name: String = "brokerName", required;
        /// Broker id.
        broker_id: i64 = "brokerId", optional;
        /// Controller epoch.
        epoch: i32 = "epoch", optional;
        /// Max commit log offset.
        max_offset: i64 = "maxOffset", optional;
        /// Confirmed (replicated) commit log offset.
        confirm_offset: i64 = "confirmOffset", optional;
        /// Route expiry for this broker; the Java key is spelled `heartbeatTimeoutMills`.
        heartbeat_timeout_ms: i64 = "heartbeatTimeoutMills", optional;
        /// Election priority.
        election_priority: i32 = "electionPriority", optional;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 9] = [
        ("clusterName", "DefaultCluster"),
        ("brokerAddr", "10.0.0.1:10911"),
        ("brokerName", "broker-a"),
        ("brokerId", "0"),
        ("epoch", "3"),
        ("maxOffset", "1048576"),
        ("confirmOffset", "1048000"),
        ("heartbeatTimeoutMills", "120000"),
        ("electionPriority", "1"),
    ];

    fn expected() -> BrokerHeartbeatRequestHeader {
        BrokerHeartbeatRequestHeader {
            cluster_name: "DefaultCluster".into(),
            broker_addr: "10.0.0.1:10911".into(),
            broker_name: "broker-a".into(),
            broker_id: Some(0),
            epoch: Some(3),
            max_offset: Some(1_048_576),
            confirm_offset: Some(1_048_000),
            heartbeat_timeout_ms: Some(120_000),
            election_priority: Some(1),
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<BrokerHeartbeatRequestHeader>(&WIRE, BrokerHeartbeatRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        let header = BrokerHeartbeatRequestHeader { broker_id: None, epoch: None, max_offset: None, ..expected() };
        assert_round_trip(&header);
    }
}
