//! Fuzz target for JSON bodies and the fastjson pre-pass.
//!
//! Properties:
//! - the pre-pass never panics; what it returns is valid JSON that a second pass leaves alone;
//! - every body type tried here never panics on any input, and whatever decodes re-encodes (in
//!   both key styles where the body may be sent in both) to bytes that decode to the same value;
//! - the compressed REGISTER_BROKER body decoder never panics, and what it decodes survives a
//!   compress/decompress round trip.
//!
//! Needs `serde` and `serde_json` beside `bolide-protocol` and `libfuzzer-sys` in the fuzz crate.

use std::fmt::Debug;

use bolide_protocol::body::{
    ClusterInfo, ConsumeStats, ConsumerRunningInfo, HeartbeatData, RegisterBrokerBody, ResetOffsetBody,
    SubscriptionGroupConfig, TopicRouteData,
};
use bolide_protocol::json::{self, KeyStyle};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Serialize;

const FASTJSON_ONLY: &[KeyStyle] = &[KeyStyle::Fastjson];
const BOTH_STYLES: &[KeyStyle] = &[KeyStyle::Fastjson, KeyStyle::Standard];

pub fn check(data: &[u8]) {
    json_body(data);
}

fn json_body(data: &[u8]) {
    if let Ok(standard) = json::to_standard(data) {
        assert!(serde_json::from_slice::<IgnoredAny>(&standard).is_ok(), "pre-pass output is JSON");
        let again = json::to_standard(&standard).expect("standard JSON passes the pre-pass");
        assert_eq!(&*again, &*standard, "the pre-pass is idempotent");
    }
    round_trip::<TopicRouteData>(data, BOTH_STYLES);
    round_trip::<ClusterInfo>(data, BOTH_STYLES);
    round_trip::<HeartbeatData>(data, BOTH_STYLES);
    round_trip::<ConsumeStats>(data, FASTJSON_ONLY);
    round_trip::<ResetOffsetBody>(data, FASTJSON_ONLY);
    round_trip::<ConsumerRunningInfo>(data, FASTJSON_ONLY);
    round_trip::<SubscriptionGroupConfig>(data, FASTJSON_ONLY);
    round_trip::<RegisterBrokerBody>(data, FASTJSON_ONLY);
    compressed_register(data);
}

fn round_trip<T>(data: &[u8], styles: &[KeyStyle])
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let Ok(value) = json::from_slice::<T>(data) else {
        return;
    };
    for &style in styles {
        let encoded = json::to_vec(&value, style);
        let again: T = json::from_slice(&encoded).expect("our own encoding decodes");
        assert_eq!(again, value, "{style:?}: {}", String::from_utf8_lossy(&encoded));
    }
}

fn compressed_register(data: &[u8]) {
    for version in [395, 413] {
        let Ok(mut body) = RegisterBrokerBody::decode_compressed(data, version) else {
            continue;
        };
        let again = RegisterBrokerBody::decode_compressed(&body.encode_compressed(version), version)
            .expect("our own compressed body decodes");
        if version < 413 {
            // 4.x peers take exactly five text fields, so attributes are not sent to them.
            for config in body.topic_config_serialize_wrapper.topic_config_table.values_mut() {
                config.attributes.clear();
            }
        }
        assert_eq!(again, body);
    }
}
