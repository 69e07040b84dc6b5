//! `RegisterBrokerRequestHeader`: REGISTER_BROKER (103), broker → name server (`codes.md` §4.2).
//!
//! Wire: `brokerName` R, `brokerAddr` R, `clusterName` R, `haServerAddr` R, `brokerId` i64 R,
//! `heartbeatTimeoutMillis` i64 O, `enableActingMaster` bool O, `compressed` bool O,
//! `bodyCrc32` i32 O, `__ZONE_NAME` String O. No inherited fields.

define_header! {
    /// A broker announcing itself and its topics (body: `RegisterBrokerBody`).
    RegisterBrokerRequestHeader {
        /// e.g. `broker-a`.
        broker_name: String = "brokerName", required;
        /// `ip:port` clients use.
        broker_addr: String = "brokerAddr", required;
        /// e.g. `DefaultCluster`.
        cluster_name: String = "clusterName", required;
        /// `ip:haPort`.
        ha_server_addr: String = "haServerAddr", required;
        /// 0 = master, ≥ 1 = slave.
        broker_id: i64 = "brokerId", required;
        /// Route expiry for this broker (5.x); the name server applies 120 000 ms when absent.
        heartbeat_timeout_ms: i64 = "heartbeatTimeoutMillis", optional(default = 120_000);
        /// 5.x; absence marks an old broker for the acting-master logic, so no default applies.
        enable_acting_master: bool = "enableActingMaster", optional;
        /// The body is the zlib variant.
        compressed: bool = "compressed", optional(default = false);
        /// CRC32 of the body masked with `0x7FFFFFFF`; 0 = not checked.
        body_crc32: i32 = "bodyCrc32", optional(default = 0);
        /// Not a field of the Java class but read from the same map (5.x zone mode).
        zone_name: String = "__ZONE_NAME", optional;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 9] = [
        ("brokerName", "broker-a"),
        ("brokerAddr", "192.168.0.1:10911"),
        ("clusterName", "DefaultCluster"),
        ("haServerAddr", "192.168.0.1:10912"),
        ("brokerId", "0"),
        ("heartbeatTimeoutMillis", "30000"),
        ("enableActingMaster", "false"),
        ("compressed", "false"),
        ("bodyCrc32", "1234567"),
    ];

    fn expected() -> RegisterBrokerRequestHeader {
        RegisterBrokerRequestHeader {
            broker_name: "broker-a".into(),
            broker_addr: "192.168.0.1:10911".into(),
            cluster_name: "DefaultCluster".into(),
            ha_server_addr: "192.168.0.1:10912".into(),
            broker_id: 0,
            heartbeat_timeout_ms: Some(30_000),
            enable_acting_master: Some(false),
            compressed: Some(false),
            body_crc32: Some(1_234_567),
            zone_name: None,
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<RegisterBrokerRequestHeader>(&WIRE, RegisterBrokerRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn defaults_and_round_trip() {
        let header = RegisterBrokerRequestHeader {
            heartbeat_timeout_ms: None,
            compressed: None,
            body_crc32: None,
            zone_name: Some("zone-1".into()),
            ..expected()
        };
        assert_eq!((header.heartbeat_timeout_ms(), header.compressed(), header.body_crc32()), (120_000, false, 0));
        assert_round_trip(&header);
    }
}
