//! Property tests of the JSON body codec: decode(encode(x)) == x in both key styles, and the
//! fastjson pre-pass never panics and only ever returns valid JSON.

use std::collections::{BTreeMap, BTreeSet};

use bolide_protocol::body::{
    BrokerData, ClusterInfo, ConsumeFromWhere, ConsumeStats, ConsumeType, ConsumerData, HeartbeatData, MessageModel,
    MessageQueue, OffsetWrapper, ProducerData, QueueData, SubscriptionData, TopicRouteData,
};
use bolide_protocol::json::{self, KeyStyle, MessageQueueMap};
use proptest::prelude::*;
use serde::de::IgnoredAny;

/// Names with the characters that stress escaping: quotes, backslashes, controls, non-ASCII.
fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_%@.:\\-\"\\\\ \u{1}é€😀]{0,12}"
}

fn style() -> impl Strategy<Value = KeyStyle> {
    prop_oneof![Just(KeyStyle::Fastjson), Just(KeyStyle::Standard)]
}

fn broker_data() -> impl Strategy<Value = BrokerData> {
    (prop::collection::btree_map(any::<i64>(), name(), 0..4), name(), name(), any::<bool>(), prop::option::of(name()))
        .prop_map(|(broker_addrs, broker_name, cluster, enable_acting_master, zone_name)| BrokerData {
            broker_addrs,
            broker_name,
            cluster,
            enable_acting_master,
            zone_name,
        })
}

fn queue_data() -> impl Strategy<Value = QueueData> {
    (name(), 0..8i32, any::<i32>(), any::<i32>(), any::<i32>()).prop_map(
        |(broker_name, perm, read_queue_nums, topic_sys_flag, write_queue_nums)| QueueData {
            broker_name,
            perm,
            read_queue_nums,
            topic_sys_flag,
            write_queue_nums,
        },
    )
}

fn route() -> impl Strategy<Value = TopicRouteData> {
    (
        prop::collection::vec(broker_data(), 0..3),
        prop::collection::btree_map(name(), prop::collection::vec(name(), 0..3), 0..2),
        prop::option::of(name()),
        prop::collection::vec(queue_data(), 0..3),
    )
        .prop_map(|(broker_datas, filter_server_table, order_topic_conf, queue_datas)| TopicRouteData {
            broker_datas,
            filter_server_table,
            order_topic_conf,
            queue_datas,
            topic_queue_mapping_by_broker: None,
        })
}

fn cluster_info() -> impl Strategy<Value = ClusterInfo> {
    (
        prop::collection::btree_map(name(), broker_data(), 0..3),
        prop::collection::btree_map(name(), prop::collection::btree_set(name(), 0..3), 0..3),
    )
        .prop_map(|(broker_addr_table, cluster_addr_table)| ClusterInfo { broker_addr_table, cluster_addr_table })
}

fn message_queue() -> impl Strategy<Value = MessageQueue> {
    (name(), name(), any::<i32>()).prop_map(|(topic, broker, queue_id)| MessageQueue::new(topic, broker, queue_id))
}

fn consume_stats() -> impl Strategy<Value = ConsumeStats> {
    let offsets = (any::<i64>(), any::<i64>(), any::<i64>(), any::<i64>()).prop_map(
        |(broker_offset, consumer_offset, last_timestamp, pull_offset)| OffsetWrapper {
            broker_offset,
            consumer_offset,
            last_timestamp,
            pull_offset,
        },
    );
    // Quarter steps are exact in binary, so the decimal text round-trips without rounding.
    (any::<i32>(), prop::collection::btree_map(message_queue(), offsets, 0..4)).prop_map(|(quarters, table)| {
        ConsumeStats { consume_tps: f64::from(quarters) / 4.0, offset_table: MessageQueueMap::from(table) }
    })
}

fn subscription() -> impl Strategy<Value = SubscriptionData> {
    (
        any::<bool>(),
        prop::collection::btree_set(any::<i32>(), 0..3),
        prop_oneof![Just("TAG".to_owned()), Just("SQL92".to_owned())],
        name(),
        any::<i64>(),
        prop::collection::btree_set(name(), 0..3),
        name(),
    )
        .prop_map(|(class_filter_mode, code_set, expression_type, sub_string, sub_version, tags_set, topic)| {
            SubscriptionData { class_filter_mode, code_set, expression_type, sub_string, sub_version, tags_set, topic }
        })
}

fn heartbeat() -> impl Strategy<Value = HeartbeatData> {
    let consumer = (
        prop::option::of(prop::sample::select(vec![ConsumeFromWhere::LastOffset, ConsumeFromWhere::Timestamp])),
        prop::option::of(prop::sample::select(vec![ConsumeType::Actively, ConsumeType::Passively, ConsumeType::Pop])),
        name(),
        prop::option::of(prop::sample::select(vec![MessageModel::Broadcasting, MessageModel::Clustering])),
        prop::collection::vec(subscription(), 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(consume_from_where, consume_type, group_name, message_model, subscription_data_set, unit_mode)| {
                ConsumerData {
                    consume_from_where,
                    consume_type,
                    group_name,
                    message_model,
                    subscription_data_set,
                    unit_mode,
                }
            },
        );
    (
        name(),
        prop::collection::vec(consumer, 0..3),
        any::<i32>(),
        prop::collection::vec(name().prop_map(|group_name| ProducerData { group_name }), 0..3),
        any::<bool>(),
    )
        .prop_map(|(client_id, consumer_data_set, heartbeat_fingerprint, producer_data_set, without_sub)| {
            HeartbeatData { client_id, consumer_data_set, heartbeat_fingerprint, producer_data_set, without_sub }
        })
}

/// A JSON tree in fastjson's dialect: objects with string, bare integer or object keys.
fn fastjson_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|value| value.to_string()),
        any::<i64>().prop_map(|value| value.to_string()),
        name().prop_map(|text| serde_json::to_string(&text).expect("string")),
    ];
    leaf.prop_recursive(4, 48, 4, |inner| {
        let key = prop_oneof![
            name().prop_map(|text| serde_json::to_string(&text).expect("string")),
            any::<i32>().prop_map(|value| value.to_string()),
            message_queue().prop_map(|queue| queue.to_json()),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((key, inner, " ?", " ?"), 0..4).prop_map(|entries| {
                let body: Vec<String> = entries
                    .into_iter()
                    .map(|(key, value, left, right)| format!("{key}{left}:{right}{value}"))
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

proptest! {
    #[test]
    fn route_data_round_trips(route in route(), style in style()) {
        let encoded = json::to_vec(&route, style);
        prop_assert_eq!(json::from_slice::<TopicRouteData>(&encoded).expect("decodes"), route);
        if style == KeyStyle::Standard {
            prop_assert!(encoded.is_ascii(), "standard route output escapes non-ASCII");
            prop_assert!(serde_json::from_slice::<IgnoredAny>(&encoded).is_ok(), "standard route output is plain JSON");
        }
    }

    #[test]
    fn cluster_info_round_trips(info in cluster_info(), style in style()) {
        let encoded = json::to_vec(&info, style);
        prop_assert_eq!(json::from_slice::<ClusterInfo>(&encoded).expect("decodes"), info);
    }

    #[test]
    fn consume_stats_with_object_keys_round_trip(stats in consume_stats()) {
        let encoded = json::to_vec(&stats, KeyStyle::Fastjson);
        let standard = json::to_standard(&encoded).expect("pre-pass accepts our own output");
        prop_assert!(serde_json::from_slice::<IgnoredAny>(&standard).is_ok());
        prop_assert_eq!(json::from_slice::<ConsumeStats>(&encoded).expect("decodes"), stats);
    }

    #[test]
    fn heartbeat_round_trips(data in heartbeat(), style in style()) {
        let encoded = json::to_vec(&data, style);
        prop_assert_eq!(json::from_slice::<HeartbeatData>(&encoded).expect("decodes"), data);
    }

    #[test]
    fn prepass_never_panics_and_output_is_json(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(standard) = json::to_standard(&bytes) {
            prop_assert!(serde_json::from_slice::<IgnoredAny>(&standard).is_ok());
        }
    }

    #[test]
    fn prepass_of_json_alphabet_soup_is_json_or_error(text in "[{}\\[\\]:,\"0-9eE.+\\-tfnrul\\\\ \u{1}é]{0,48}") {
        if let Ok(standard) = json::to_standard(text.as_bytes()) {
            prop_assert!(serde_json::from_slice::<IgnoredAny>(&standard).is_ok(), "{:?}", text);
        }
    }

    #[test]
    fn prepass_accepts_fastjson_dialect(text in fastjson_text()) {
        let standard = json::to_standard(text.as_bytes()).expect("fastjson dialect is accepted");
        prop_assert!(serde_json::from_slice::<IgnoredAny>(&standard).is_ok());
        // Already-standard output passes through unchanged.
        let again = json::to_standard(&standard).expect("standard JSON is accepted");
        prop_assert_eq!(&*again, &*standard);
    }

    #[test]
    fn prepass_of_mutated_dialect_is_json_or_error(text in fastjson_text(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = text.into_bytes();
        let index = at.index(bytes.len() + 1);
        bytes.insert(index, byte);
        if let Ok(standard) = json::to_standard(&bytes) {
            prop_assert!(serde_json::from_slice::<IgnoredAny>(&standard).is_ok());
        }
    }
}

#[test]
fn integer_keyed_sets_and_maps_survive_both_styles() {
    let info = ClusterInfo {
        broker_addr_table: BTreeMap::from([(
            "b".to_owned(),
            BrokerData {
                broker_addrs: BTreeMap::from([(-1, "x".to_owned()), (7, "y".to_owned())]),
                ..BrokerData::default()
            },
        )]),
        cluster_addr_table: BTreeMap::from([("c".to_owned(), BTreeSet::from(["b".to_owned()]))]),
    };
    let fastjson = String::from_utf8(json::to_vec(&info, KeyStyle::Fastjson)).expect("UTF-8");
    assert!(fastjson.contains(r#"{-1:"x",7:"y"}"#), "{fastjson}");
    let standard = String::from_utf8(json::to_vec(&info, KeyStyle::Standard)).expect("UTF-8");
    assert!(standard.contains(r#"{"-1":"x","7":"y"}"#), "{standard}");
}

/// The fuzz seeds are meant to reach deep into the decoders; check that each still decodes as
/// the body it was written for.
#[test]
fn fuzz_seeds_decode_as_intended() {
    use bolide_protocol::body::{ConsumerRunningInfo, RegisterBrokerBody, ResetOffsetBody};

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/json_body");
    let seed = |name: &str| std::fs::read(dir.join(name)).expect("seed exists");
    let route: TopicRouteData = json::from_slice(&seed("route_fastjson")).expect("route_fastjson");
    assert_eq!(route.broker_datas[0].broker_addrs.len(), 2);
    let route: TopicRouteData = json::from_slice(&seed("route_standard_static")).expect("route_standard_static");
    assert_eq!(route.broker_datas[0].broker_name, "bé");
    assert_eq!(route.topic_queue_mapping_by_broker.expect("mapping")["b"].curr_id_map[&0], 1);
    json::from_slice::<ClusterInfo>(&seed("cluster_info_newline")).expect("cluster_info_newline");
    json::from_slice::<ConsumeStats>(&seed("consume_stats")).expect("consume_stats");
    let heartbeat: HeartbeatData = json::from_slice(&seed("heartbeat_cpp")).expect("heartbeat_cpp");
    assert_eq!(heartbeat.consumer_data_set[0].subscription_data_set[0].sub_version, 1_717_000_000_123);
    let reset: ResetOffsetBody = json::from_slice(&seed("reset_offset_spaced")).expect("reset_offset_spaced");
    assert_eq!(reset.offset_table.get(&MessageQueue::new("TopicTest", "broker-a", 1)), Some(&118));
    json::from_slice::<ConsumerRunningInfo>(&seed("running_info_go")).expect("running_info_go");
    json::from_slice::<RegisterBrokerBody>(&seed("register_body")).expect("register_body");
    let compressed = RegisterBrokerBody::decode_compressed(&seed("register_compressed"), 413).expect("compressed");
    assert_eq!(compressed.topic_config_serialize_wrapper.topic_config_table.len(), 2);
    assert!(json::to_standard(&seed("truncated_object_key")).is_err());
}

/// The fuzz target's properties, replayed over its seeds (and every prefix of them) so `cargo
/// test` keeps checking them without a fuzzer installed.
#[test]
fn fuzz_properties_hold_on_seeds_and_their_prefixes() {
    use bolide_protocol::body::{ConsumerRunningInfo, RegisterBrokerBody, ResetOffsetBody, SubscriptionGroupConfig};

    fn round_trip<T>(data: &[u8], styles: &[KeyStyle])
    where
        T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
    {
        if let Ok(value) = json::from_slice::<T>(data) {
            for &style in styles {
                let again: T = json::from_slice(&json::to_vec(&value, style)).expect("own encoding decodes");
                assert_eq!(again, value);
            }
        }
    }

    let both = &[KeyStyle::Fastjson, KeyStyle::Standard];
    let fastjson = &[KeyStyle::Fastjson];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/json_body");
    for entry in std::fs::read_dir(dir).expect("corpus exists") {
        let seed = std::fs::read(entry.expect("entry").path()).expect("readable seed");
        for data in (0..=seed.len()).map(|end| &seed[..end]) {
            if let Ok(standard) = json::to_standard(data) {
                assert!(serde_json::from_slice::<IgnoredAny>(&standard).is_ok());
            }
            round_trip::<TopicRouteData>(data, both);
            round_trip::<ClusterInfo>(data, both);
            round_trip::<HeartbeatData>(data, both);
            round_trip::<ConsumeStats>(data, fastjson);
            round_trip::<ResetOffsetBody>(data, fastjson);
            round_trip::<ConsumerRunningInfo>(data, fastjson);
            round_trip::<SubscriptionGroupConfig>(data, fastjson);
            round_trip::<RegisterBrokerBody>(data, fastjson);
            if let Ok(body) = RegisterBrokerBody::decode_compressed(data, 413) {
                let again = RegisterBrokerBody::decode_compressed(&body.encode_compressed(413), 413);
                assert_eq!(again.expect("own compressed body decodes"), body);
            }
        }
    }
}
