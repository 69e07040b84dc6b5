//! `PollingInfoResponseHeader`: response to POLLING_INFO (200055) (`codes.md` §9.5).
//!
//! Wire: `pollingNum` i32 R.

define_header! {
    /// Number of held pop requests.
    PollingInfoResponseHeader {
        /// Held requests.
        polling_num: i32 = "pollingNum", required;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 1] = [("pollingNum", "4")];

    #[test]
    fn golden() {
        assert_golden(&WIRE, &PollingInfoResponseHeader { polling_num: 4 });
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<PollingInfoResponseHeader>(&WIRE, PollingInfoResponseHeader::WIRE_FIELDS);
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&PollingInfoResponseHeader { polling_num: 0 });
    }
}
