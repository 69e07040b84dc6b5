//! Property tests: typed headers survive `extFields` and whole frames (JSON and ROCKETMQ binary
//! header) unchanged, for arbitrary field values.

use std::fmt::Debug;

use bolide_protocol::frame;
use bolide_protocol::header::{
    ConsumerSendMsgBackRequestHeader, EndTransactionRequestHeader, GetRouteInfoRequestHeader, HeartbeatRequestHeader,
    PullMessageRequestHeader, PullMessageResponseHeader, QueryConsumerOffsetRequestHeader, RegisterBrokerRequestHeader,
    RpcFields, SendMessageRequestHeader, SendMessageRequestHeaderV2, SendMessageResponseHeader,
    UpdateConsumerOffsetRequestHeader,
};
use bolide_protocol::{
    CommandHeader, ExtFields, FrameLimits, RemotingCommand, RequestCode, SerializeType, WriteHeader,
};
use bytes::BytesMut;
use proptest::option::of;
use proptest::prelude::*;

/// Any printable text plus the two separators of message properties.
fn text() -> impl Strategy<Value = String> {
    "[\\PC\u{1}\u{2}]{0,24}"
}

fn rpc() -> impl Strategy<Value = RpcFields> {
    (of(text()), of(any::<bool>()), of(text()), of(any::<bool>()), of(any::<bool>())).prop_map(
        |(namespace, namespaced, broker_name, oneway, logical)| RpcFields {
            namespace,
            namespaced,
            broker_name,
            oneway,
            logical,
        },
    )
}

fn send_v1() -> impl Strategy<Value = SendMessageRequestHeader> {
    (
        (text(), text(), text(), any::<i32>(), any::<i32>(), any::<i32>(), any::<i64>(), any::<i32>()),
        (of(text()), of(any::<i32>()), of(any::<bool>()), of(any::<bool>()), of(any::<i32>())),
        rpc(),
    )
        .prop_map(|((pg, topic, default_topic, dtqn, queue_id, sys_flag, born, flag), optional, rpc)| {
            let (properties, reconsume_times, unit_mode, batch, max_reconsume_times) = optional;
            SendMessageRequestHeader {
                producer_group: pg,
                topic,
                default_topic,
                default_topic_queue_nums: dtqn,
                queue_id,
                sys_flag,
                born_timestamp: born,
                flag,
                properties,
                reconsume_times,
                unit_mode,
                batch,
                max_reconsume_times,
                rpc,
            }
        })
}

fn send_v2() -> impl Strategy<Value = SendMessageRequestHeaderV2> {
    (
        (text(), text(), text(), any::<i32>(), any::<i32>(), any::<i32>(), any::<i64>(), any::<i32>()),
        (of(text()), of(any::<i32>()), of(any::<bool>()), of(any::<i32>()), of(any::<bool>()), of(text())),
    )
        .prop_map(|((a, b, c, d, e, f, g, h), (i, j, k, l, m, n))| SendMessageRequestHeaderV2 {
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            h,
            i,
            j,
            k,
            l,
            m,
            n,
        })
}

fn send_response() -> impl Strategy<Value = SendMessageResponseHeader> {
    (text(), any::<i32>(), any::<i64>(), of(text()), of(text()), of(text()), of(text()), of(any::<bool>())).prop_map(
        |(msg_id, queue_id, queue_offset, transaction_id, batch_uniq_id, recall_handle, msg_region, trace_on)| {
            SendMessageResponseHeader {
                msg_id,
                queue_id,
                queue_offset,
                transaction_id,
                batch_uniq_id,
                recall_handle,
                msg_region,
                trace_on,
            }
        },
    )
}

fn pull() -> impl Strategy<Value = PullMessageRequestHeader> {
    (
        (text(), text(), any::<i32>(), any::<i64>(), any::<i32>(), any::<i32>(), any::<i64>(), any::<i64>()),
        (of(text()), any::<i64>(), of(text()), of(any::<i32>()), of(any::<i32>()), of(text())),
        rpc(),
    )
        .prop_map(|(required, optional, rpc)| {
            let (consumer_group, topic, queue_id, queue_offset, max_msg_nums, sys_flag, commit_offset, suspend) =
                required;
            let (subscription, sub_version, expression_type, max_msg_bytes, request_source, proxy) = optional;
            PullMessageRequestHeader {
                consumer_group,
                topic,
                queue_id,
                queue_offset,
                max_msg_nums,
                sys_flag,
                commit_offset,
                suspend_timeout_ms: suspend,
                subscription,
                sub_version,
                expression_type,
                max_msg_bytes,
                request_source,
                proxy_forward_client_id: proxy,
                rpc,
            }
        })
}

fn pull_response() -> impl Strategy<Value = PullMessageResponseHeader> {
    (
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
        of(any::<i64>()),
        of(any::<i32>()),
        of(any::<i32>()),
        of(any::<i32>()),
    )
        .prop_map(|(suggest, next, min, max, offset_delta, topic_sys_flag, group_sys_flag, forbidden_type)| {
            PullMessageResponseHeader {
                suggest_which_broker_id: suggest,
                next_begin_offset: next,
                min_offset: min,
                max_offset: max,
                offset_delta,
                topic_sys_flag,
                group_sys_flag,
                forbidden_type,
            }
        })
}

fn register_broker() -> impl Strategy<Value = RegisterBrokerRequestHeader> {
    (
        (text(), text(), text(), text(), any::<i64>()),
        (of(any::<i64>()), of(any::<bool>()), of(any::<bool>()), of(any::<i32>()), of(text())),
    )
        .prop_map(|((broker_name, broker_addr, cluster_name, ha_server_addr, broker_id), optional)| {
            let (heartbeat_timeout_ms, enable_acting_master, compressed, body_crc32, zone_name) = optional;
            RegisterBrokerRequestHeader {
                broker_name,
                broker_addr,
                cluster_name,
                ha_server_addr,
                broker_id,
                heartbeat_timeout_ms,
                enable_acting_master,
                compressed,
                body_crc32,
                zone_name,
            }
        })
}

fn query_consumer_offset() -> impl Strategy<Value = QueryConsumerOffsetRequestHeader> {
    (text(), text(), any::<i32>(), of(any::<bool>()), rpc()).prop_map(
        |(consumer_group, topic, queue_id, set_zero_if_not_found, rpc)| QueryConsumerOffsetRequestHeader {
            consumer_group,
            topic,
            queue_id,
            set_zero_if_not_found,
            rpc,
        },
    )
}

fn update_consumer_offset() -> impl Strategy<Value = UpdateConsumerOffsetRequestHeader> {
    (text(), text(), any::<i32>(), any::<i64>(), rpc()).prop_map(
        |(consumer_group, topic, queue_id, commit_offset, rpc)| UpdateConsumerOffsetRequestHeader {
            consumer_group,
            topic,
            queue_id,
            commit_offset,
            rpc,
        },
    )
}

fn send_back() -> impl Strategy<Value = ConsumerSendMsgBackRequestHeader> {
    (any::<i64>(), text(), any::<i32>(), of(text()), of(text()), of(any::<bool>()), of(any::<i32>()), rpc()).prop_map(
        |(offset, group, delay_level, origin_msg_id, origin_topic, unit_mode, max_reconsume_times, rpc)| {
            ConsumerSendMsgBackRequestHeader {
                offset,
                group,
                delay_level,
                origin_msg_id,
                origin_topic,
                unit_mode,
                max_reconsume_times,
                rpc,
            }
        },
    )
}

fn end_transaction() -> impl Strategy<Value = EndTransactionRequestHeader> {
    (
        of(text()),
        text(),
        any::<i64>(),
        any::<i64>(),
        prop::sample::select(vec![0, 8, 12]),
        of(any::<bool>()),
        text(),
        of(text()),
        rpc(),
    )
        .prop_map(
            |(topic, producer_group, tran, commit_log_offset, commit_or_rollback, from_check, msg_id, tx, rpc)| {
                EndTransactionRequestHeader {
                    topic,
                    producer_group,
                    tran_state_table_offset: tran,
                    commit_log_offset,
                    commit_or_rollback,
                    from_transaction_check: from_check,
                    msg_id,
                    transaction_id: tx,
                    rpc,
                }
            },
        )
}

fn route_info() -> impl Strategy<Value = GetRouteInfoRequestHeader> {
    (text(), of(any::<bool>()), rpc()).prop_map(|(topic, accept_standard_json_only, rpc)| GetRouteInfoRequestHeader {
        topic,
        accept_standard_json_only,
        rpc,
    })
}

fn heartbeat() -> impl Strategy<Value = HeartbeatRequestHeader> {
    rpc().prop_map(|rpc| HeartbeatRequestHeader { rpc })
}

#[path = "../../../fuzz/checks/send_views.rs"]
mod send_views;

/// Keys of both send forms, two inherited ones and an unknown one.
fn send_keys() -> Vec<&'static str> {
    let forms = SendMessageRequestHeader::WIRE_FIELDS.iter().chain(SendMessageRequestHeaderV2::WIRE_FIELDS);
    forms.map(|field| field.key).chain(["bname", "oway", "ns", "zz"]).collect()
}

/// A send header's map (either form) with some keys removed and some set to numbers, booleans
/// or any text.
fn send_like_fields() -> impl Strategy<Value = ExtFields> {
    let value =
        prop_oneof![any::<i64>().prop_map(|n| n.to_string()), any::<bool>().prop_map(|b| b.to_string()), text()];
    let header = prop_oneof![send_v1().prop_map(|h| h.to_fields()), send_v2().prop_map(|h| h.to_fields()),];
    (
        header,
        prop::collection::vec(prop::sample::select(send_keys()), 0..3),
        prop::collection::vec((prop::sample::select(send_keys()), value), 0..4),
    )
        .prop_map(|(mut fields, removed, set)| {
            for key in removed {
                fields.remove(key);
            }
            for (key, value) in set {
                fields.insert(key, value);
            }
            fields
        })
}

trait ToFields {
    fn to_fields(&self) -> ExtFields;
}

impl<H: WriteHeader> ToFields for H {
    fn to_fields(&self) -> ExtFields {
        let mut fields = ExtFields::new();
        self.write_fields(&mut fields);
        fields
    }
}

/// `extFields` round trip, then a whole frame with each header serialization.
fn check<H: CommandHeader + PartialEq + Debug>(header: &H) -> Result<(), TestCaseError> {
    let mut fields = ExtFields::new();
    header.write_fields(&mut fields);
    prop_assert_eq!(&H::read_fields(&fields).expect("own fields decode"), header);

    // The binary header cannot carry an empty value (zero length means null, as in Java), so an
    // empty string only travels in JSON.
    let has_empty_value = fields.iter().any(|(_, value)| value.is_empty());
    for serialize_type in [SerializeType::Json, SerializeType::RocketMq] {
        if serialize_type == SerializeType::RocketMq && has_empty_value {
            continue;
        }
        let mut command = RemotingCommand::request(RequestCode::SEND_MESSAGE).with_header(header);
        command.serialize_type = serialize_type;
        let mut buf = BytesMut::new();
        frame::encode(&command, &mut buf, FrameLimits::default()).expect("encodes");
        let decoded = frame::decode(&mut buf, FrameLimits::default()).expect("decodes").expect("whole frame");
        prop_assert_eq!(&decoded.decode_header::<H>().expect("header decodes"), header);
    }
    Ok(())
}

proptest! {
    #[test]
    fn send_v1_round_trips(header in send_v1()) {
        check(&header)?;
    }

    #[test]
    fn send_v2_round_trips_and_converts(header in send_v2()) {
        check(&header)?;
        let v1 = SendMessageRequestHeader::from(header.clone());
        prop_assert_eq!(SendMessageRequestHeaderV2::from(v1), header);
    }

    #[test]
    fn send_views_read_what_the_owned_headers_read(fields in send_like_fields()) {
        send_views::check(&fields);
    }

    #[test]
    fn send_response_round_trips(header in send_response()) {
        check(&header)?;
    }

    #[test]
    fn pull_round_trips(header in pull()) {
        check(&header)?;
    }

    #[test]
    fn pull_response_round_trips(header in pull_response()) {
        check(&header)?;
    }

    #[test]
    fn register_broker_round_trips(header in register_broker()) {
        check(&header)?;
    }

    #[test]
    fn heartbeat_round_trips(header in heartbeat()) {
        check(&header)?;
    }

    #[test]
    fn query_consumer_offset_round_trips(header in query_consumer_offset()) {
        check(&header)?;
    }

    #[test]
    fn update_consumer_offset_round_trips(header in update_consumer_offset()) {
        check(&header)?;
    }

    #[test]
    fn consumer_send_msg_back_round_trips(header in send_back()) {
        check(&header)?;
    }

    #[test]
    fn end_transaction_round_trips(header in end_transaction()) {
        check(&header)?;
    }

    #[test]
    fn get_route_info_round_trips(header in route_info()) {
        check(&header)?;
    }

    #[test]
    fn end_transaction_rejects_other_types(header in end_transaction(), bad in any::<i32>()) {
        prop_assume!(![0, 8, 12].contains(&bad));
        let mut fields = ExtFields::new();
        header.write_fields(&mut fields);
        fields.insert("commitOrRollback", bad.to_string());
        prop_assert!(EndTransactionRequestHeader::read_fields(&fields).is_err());
    }
}
