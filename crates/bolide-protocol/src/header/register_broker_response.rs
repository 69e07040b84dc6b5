//! `RegisterBrokerResponseHeader`: response to REGISTER_BROKER (103) (`codes.md` §4.2).
//!
//! Wire: `haServerAddr` String O, `masterAddr` String O (filled only for a slave whose master is
//! registered and alive).

define_header! {
    /// Tells a slave where its master is.
    RegisterBrokerResponseHeader {
        /// The master's HA address.
        ha_server_addr: String = "haServerAddr", optional;
        /// The master's client address.
        master_addr: String = "masterAddr", optional;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_round_trip};

    #[test]
    fn golden() {
        let header = RegisterBrokerResponseHeader {
            ha_server_addr: Some("10.0.0.1:10912".into()),
            master_addr: Some("10.0.0.1:10911".into()),
        };
        assert_golden(&[("haServerAddr", "10.0.0.1:10912"), ("masterAddr", "10.0.0.1:10911")], &header);
    }

    #[test]
    fn master_answer_is_empty() {
        assert_golden(&[], &RegisterBrokerResponseHeader::default());
        assert_round_trip(&RegisterBrokerResponseHeader { master_addr: Some("a:1".into()), ..Default::default() });
    }
}
