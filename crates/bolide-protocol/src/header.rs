//! Typed request and response headers, one file each, converted to and from `extFields`
//! (`codes.md` §3–9). Each file's doc names its request codes and gives its fields.
//!
//! Conventions shared by every header:
//! - Rust fields are the snake_case of the Java field; the wire key is exactly the Java name.
//! - Required (`@CFNotNull`, **R** in `codes.md`) fields are plain types and a missing one is
//!   [`HeaderError::Missing`]; optional fields are `Option<T>`, so that a decoded header writes back
//!   exactly the keys it was given. Where the Java class has a non-null default, an accessor with
//!   the field's name returns the value with that default applied.
//! - Numbers keep Java's signed widths (`Integer` → `i32`, `Long` → `i64`).
//! - Headers whose Java class extends `RpcRequestHeader` / `TopicRequestHeader` embed
//!   [`RpcFields`] as `rpc`, which carries the common keys of `codes.md` §3.
//! - Unknown keys are ignored on read, as Java does.
//! - Stricter than Java on purpose: Java logs an unparsable value and keeps the field's default,
//!   and its "fast" codecs (send V2) leave a missing required field null; here both are errors
//!   ([`HeaderError::Invalid`], [`HeaderError::Missing`]) that name the field, so a processor can
//!   answer SYSTEM_ERROR with the same remark Java uses for a missing field.

use crate::error::HeaderError;
use crate::ext_fields::ExtFields;

/// Generates a header struct, its [`WriteHeader`] and [`CommandHeader`] impls and its
/// [`WireField`] table.
///
/// ```text
/// define_header! {
///     /// Struct docs.
///     NameOfHeader {
///         /// Field docs.
///         rust_name: Type = "javaName", required;
///         other: Type = "otherName", optional;
///         flag: bool = "flag", optional(default = false);
///     }
///     inherits rpc;               // optional: embeds `pub rpc: RpcFields` (codes.md §3)
///     checked_by path::to_check;  // optional: fn(&Self) -> Result<(), HeaderError>, run after reading
/// }
/// ```
///
/// `required` fields have type `Type`, `optional` ones `Option<Type>`. `optional(default = v)`
/// also generates `fn rust_name(&self) -> Type` returning `v` when the field is absent (only for
/// `Copy` types).
macro_rules! define_header {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(
                $(#[$field_meta:meta])*
                $field:ident : $ty:ty = $key:literal, $kind:ident $( (default = $default:expr) )? ;
            )*
        }
        $( inherits $rpc:ident; )?
        $( checked_by $check:path; )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            $(
                #[doc = concat!("Wire key `", $key, "` (", stringify!($kind), ").")]
                $(#[$field_meta])*
                pub $field: define_header!(@type $kind $ty),
            )*
            $(
                /// The inherited common fields (`ns`, `nsd`, `bname`, `oway`, `lo`; `codes.md` §3).
                pub $rpc: $crate::header::RpcFields,
            )?
        }

        impl $name {
            /// The wire keys of this header's own fields, in declaration order.
            pub const WIRE_FIELDS: &'static [$crate::header::WireField] = &[
                $( $crate::header::WireField { key: $key, required: define_header!(@required $kind) }, )*
            ];

            $( define_header!(@accessor $field, $key, $ty $(, $default)?); )*
        }

        impl $crate::header::WriteHeader for $name {
            fn write_fields(&self, fields: &mut $crate::ext_fields::ExtFields) {
                $( define_header!(@write fields, &self.$field, $key, $kind); )*
                $( $crate::header::WriteHeader::write_fields(&self.$rpc, fields); )?
            }

            fn fields_size_hint(&self) -> (usize, usize) {
                #[allow(unused_mut)]
                let mut hint = (0, 0);
                $(
                    let text = define_header!(@hint &self.$field, $kind);
                    hint.0 += usize::from(text.is_some());
                    hint.1 += text.map_or(0, |len| $key.len() + len);
                )*
                $(
                    let (fields, text) = $crate::header::WriteHeader::fields_size_hint(&self.$rpc);
                    hint = (hint.0 + fields, hint.1 + text);
                )?
                hint
            }
        }

        impl $crate::header::CommandHeader for $name {

            fn read_fields(
                fields: &$crate::ext_fields::ExtFields,
            ) -> Result<Self, $crate::error::HeaderError> {
                // One pass over the fields, each matched against this header's keys, rather
                // than a lookup per key.
                $( let mut $field: Option<&str> = None; )*
                #[allow(unused_variables, clippy::match_single_binding)]
                for (key, value) in fields.iter() {
                    match key {
                        $( $key => $field = Some(value), )*
                        _ => {}
                    }
                }
                let header = Self {
                    $( $field: define_header!(@parse $field, $key, $kind), )*
                    $( $rpc: $crate::header::CommandHeader::read_fields(fields)?, )?
                };
                $( $check(&header)?; )?
                Ok(header)
            }
        }
    };

    (@type required $ty:ty) => { $ty };
    (@type optional $ty:ty) => { Option<$ty> };
    (@required required) => { true };
    (@required optional) => { false };
    (@write $fields:ident, $value:expr, $key:literal, required) => { $fields.put($key, $value) };
    (@write $fields:ident, $value:expr, $key:literal, optional) => { $fields.put_opt($key, ($value).as_ref()) };
    (@hint $value:expr, required) => { Some($crate::ext_fields::FieldValue::text_len_hint($value)) };
    (@hint $value:expr, optional) => { ($value).as_ref().map($crate::ext_fields::FieldValue::text_len_hint) };
    (@parse $text:ident, $key:literal, required) => { $crate::ext_fields::parse_required($text, $key)? };
    (@parse $text:ident, $key:literal, optional) => { $crate::ext_fields::parse_optional($text, $key)? };
    (@accessor $field:ident, $key:literal, $ty:ty) => {};
    (@accessor $field:ident, $key:literal, $ty:ty, $default:expr) => {
        #[doc = concat!("`", $key, "` with the Java class default (`", stringify!($default), "`) applied when absent.")]
        pub fn $field(&self) -> $ty {
            self.$field.unwrap_or($default)
        }
    };
}

pub mod ack_message;
pub mod add_write_perm_of_broker;
pub mod add_write_perm_of_broker_response;
pub mod broker_heartbeat;
pub mod change_invisible_time;
pub mod change_invisible_time_response;
pub mod check_transaction_state;
pub mod clone_group_offset;
pub mod consume_message_directly;
pub mod consumer_send_msg_back;
pub mod create_topic;
pub mod delete_kv_config;
pub mod delete_subscription_group;
pub mod delete_topic_in_broker;
pub mod delete_topic_in_namesrv;
pub mod end_transaction;
pub mod get_all_subscription_group;
pub mod get_all_subscription_group_response;
pub mod get_all_topic_config;
pub mod get_all_topic_config_response;
pub mod get_broker_config_response;
pub mod get_broker_consume_stats;
pub mod get_broker_member_group;
pub mod get_consume_stats;
pub mod get_consumer_connection_list;
pub mod get_consumer_list_by_group;
pub mod get_consumer_running_info;
pub mod get_consumer_status;
pub mod get_earliest_msg_storetime;
pub mod get_earliest_msg_storetime_response;
pub mod get_kv_config;
pub mod get_kv_config_response;
pub mod get_kv_list_by_namespace;
pub mod get_max_offset;
pub mod get_max_offset_response;
pub mod get_min_offset;
pub mod get_min_offset_response;
pub mod get_producer_connection_list;
pub mod get_route_info;
pub mod get_subscription_group_config;
pub mod get_topic_config;
pub mod get_topic_stats_info;
pub mod get_topics_by_cluster;
pub mod heartbeat;
pub mod lock_batch_mq;
pub mod notification;
pub mod notification_response;
pub mod notify_consumer_ids_changed;
pub mod peek_message;
pub mod polling_info;
pub mod polling_info_response;
pub mod pop_message;
pub mod pop_message_response;
pub mod pull_message;
pub mod pull_message_response;
pub mod put_kv_config;
pub mod query_consume_time_span;
pub mod query_consumer_offset;
pub mod query_consumer_offset_response;
pub mod query_correction_offset;
pub mod query_data_version;
pub mod query_data_version_response;
pub mod query_message;
pub mod query_message_response;
pub mod query_subscription_by_consumer;
pub mod query_topic_consume_by_who;
pub mod query_topics_by_consumer;
pub mod register_broker;
pub mod register_broker_response;
pub mod register_topic_in_namesrv;
pub mod reply_message;
pub mod reset_offset;
pub mod resume_check_half_message;
pub mod rpc;
pub mod search_offset;
pub mod search_offset_response;
pub mod send_message;
pub mod send_message_fields;
pub mod send_message_response;
pub mod send_message_v2;
pub mod unlock_batch_mq;
pub mod unregister_broker;
pub mod unregister_client;
pub mod update_consumer_offset;
pub mod view_broker_stats_data;
pub mod view_message;
pub mod wipe_write_perm_of_broker;
pub mod wipe_write_perm_of_broker_response;

pub use ack_message::AckMessageRequestHeader;
pub use add_write_perm_of_broker::AddWritePermOfBrokerRequestHeader;
pub use add_write_perm_of_broker_response::AddWritePermOfBrokerResponseHeader;
pub use broker_heartbeat::BrokerHeartbeatRequestHeader;
pub use change_invisible_time::ChangeInvisibleTimeRequestHeader;
pub use change_invisible_time_response::ChangeInvisibleTimeResponseHeader;
pub use check_transaction_state::CheckTransactionStateRequestHeader;
pub use clone_group_offset::CloneGroupOffsetRequestHeader;
pub use consume_message_directly::ConsumeMessageDirectlyResultRequestHeader;
pub use consumer_send_msg_back::ConsumerSendMsgBackRequestHeader;
pub use create_topic::CreateTopicRequestHeader;
pub use delete_kv_config::DeleteKVConfigRequestHeader;
pub use delete_subscription_group::DeleteSubscriptionGroupRequestHeader;
pub use delete_topic_in_broker::DeleteTopicRequestHeader;
pub use delete_topic_in_namesrv::DeleteTopicFromNamesrvRequestHeader;
pub use end_transaction::EndTransactionRequestHeader;
pub use get_all_subscription_group::GetAllSubscriptionGroupRequestHeader;
pub use get_all_subscription_group_response::GetAllSubscriptionGroupResponseHeader;
pub use get_all_topic_config::GetAllTopicConfigRequestHeader;
pub use get_all_topic_config_response::GetAllTopicConfigResponseHeader;
pub use get_broker_config_response::GetBrokerConfigResponseHeader;
pub use get_broker_consume_stats::GetConsumeStatsInBrokerHeader;
pub use get_broker_member_group::GetBrokerMemberGroupRequestHeader;
pub use get_consume_stats::GetConsumeStatsRequestHeader;
pub use get_consumer_connection_list::GetConsumerConnectionListRequestHeader;
pub use get_consumer_list_by_group::GetConsumerListByGroupRequestHeader;
pub use get_consumer_running_info::GetConsumerRunningInfoRequestHeader;
pub use get_consumer_status::GetConsumerStatusRequestHeader;
pub use get_earliest_msg_storetime::GetEarliestMsgStoretimeRequestHeader;
pub use get_earliest_msg_storetime_response::GetEarliestMsgStoretimeResponseHeader;
pub use get_kv_config::GetKVConfigRequestHeader;
pub use get_kv_config_response::GetKVConfigResponseHeader;
pub use get_kv_list_by_namespace::GetKVListByNamespaceRequestHeader;
pub use get_max_offset::GetMaxOffsetRequestHeader;
pub use get_max_offset_response::GetMaxOffsetResponseHeader;
pub use get_min_offset::GetMinOffsetRequestHeader;
pub use get_min_offset_response::GetMinOffsetResponseHeader;
pub use get_producer_connection_list::GetProducerConnectionListRequestHeader;
pub use get_route_info::GetRouteInfoRequestHeader;
pub use get_subscription_group_config::GetSubscriptionGroupConfigRequestHeader;
pub use get_topic_config::GetTopicConfigRequestHeader;
pub use get_topic_stats_info::GetTopicStatsInfoRequestHeader;
pub use get_topics_by_cluster::GetTopicsByClusterRequestHeader;
pub use heartbeat::HeartbeatRequestHeader;
pub use lock_batch_mq::LockBatchMqRequestHeader;
pub use notification::NotificationRequestHeader;
pub use notification_response::NotificationResponseHeader;
pub use notify_consumer_ids_changed::NotifyConsumerIdsChangedRequestHeader;
pub use peek_message::PeekMessageRequestHeader;
pub use polling_info::PollingInfoRequestHeader;
pub use polling_info_response::PollingInfoResponseHeader;
pub use pop_message::PopMessageRequestHeader;
pub use pop_message_response::PopMessageResponseHeader;
pub use pull_message::PullMessageRequestHeader;
pub use pull_message_response::PullMessageResponseHeader;
pub use put_kv_config::PutKVConfigRequestHeader;
pub use query_consume_time_span::QueryConsumeTimeSpanRequestHeader;
pub use query_consumer_offset::QueryConsumerOffsetRequestHeader;
pub use query_consumer_offset_response::QueryConsumerOffsetResponseHeader;
pub use query_correction_offset::QueryCorrectionOffsetHeader;
pub use query_data_version::QueryDataVersionRequestHeader;
pub use query_data_version_response::QueryDataVersionResponseHeader;
pub use query_message::QueryMessageRequestHeader;
pub use query_message_response::QueryMessageResponseHeader;
pub use query_subscription_by_consumer::QuerySubscriptionByConsumerRequestHeader;
pub use query_topic_consume_by_who::QueryTopicConsumeByWhoRequestHeader;
pub use query_topics_by_consumer::QueryTopicsByConsumerRequestHeader;
pub use register_broker::RegisterBrokerRequestHeader;
pub use register_broker_response::RegisterBrokerResponseHeader;
pub use register_topic_in_namesrv::RegisterTopicRequestHeader;
pub use reply_message::ReplyMessageRequestHeader;
pub use reset_offset::ResetOffsetRequestHeader;
pub use resume_check_half_message::ResumeCheckHalfMessageRequestHeader;
pub use rpc::RpcFields;
pub use search_offset::{BoundaryType, SearchOffsetRequestHeader};
pub use search_offset_response::SearchOffsetResponseHeader;
pub use send_message::SendMessageRequestHeader;
pub use send_message_fields::SendMessageFields;
pub use send_message_response::SendMessageResponseHeader;
pub use send_message_v2::SendMessageRequestHeaderV2;
pub use unlock_batch_mq::UnlockBatchMqRequestHeader;
pub use unregister_broker::UnRegisterBrokerRequestHeader;
pub use unregister_client::UnregisterClientRequestHeader;
pub use update_consumer_offset::UpdateConsumerOffsetRequestHeader;
pub use view_broker_stats_data::ViewBrokerStatsDataRequestHeader;
pub use view_message::ViewMessageRequestHeader;
pub use wipe_write_perm_of_broker::WipeWritePermOfBrokerRequestHeader;
pub use wipe_write_perm_of_broker_response::WipeWritePermOfBrokerResponseHeader;

/// A typed header carried as `extFields`.
///
/// # Correctness
/// `read_fields(write_fields(h)) == h` for every value, and `read_fields` names the field in
/// every error it returns. Unknown keys are ignored on read (clients add `bname`, `ns`, ACL keys).
pub trait CommandHeader: WriteHeader + Sized {
    /// Reads the header.
    ///
    /// # Errors
    /// [`HeaderError`] naming the missing or malformed field.
    fn read_fields(fields: &ExtFields) -> Result<Self, HeaderError>;
}

/// A header that can be written into `extFields`: every [`CommandHeader`], and views that
/// borrow their text (see [`SendMessageFields`]).
pub trait WriteHeader {
    /// Writes every non-null field in Java's string form.
    fn write_fields(&self, fields: &mut ExtFields);

    /// How many fields [`WriteHeader::write_fields`] writes and about how many bytes of keys
    /// and values, so that the map is allocated once; the default suits a small header.
    fn fields_size_hint(&self) -> (usize, usize) {
        (8, 128)
    }
}

/// One wire key of a generated header: its Java name and whether Java marks it `@CFNotNull`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireField {
    /// The `extFields` key (the Java field name).
    pub key: &'static str,
    /// Whether a missing key fails decoding.
    pub required: bool,
}

/// A command with no header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EmptyHeader;

impl WriteHeader for EmptyHeader {
    fn write_fields(&self, _fields: &mut ExtFields) {}

    fn fields_size_hint(&self) -> (usize, usize) {
        (0, 0)
    }
}

impl CommandHeader for EmptyHeader {
    fn read_fields(_fields: &ExtFields) -> Result<Self, HeaderError> {
        Ok(EmptyHeader)
    }
}

/// Helpers for the tests at the bottom of each header file.
#[cfg(test)]
pub(crate) mod testing {
    use std::fmt::Debug;

    use super::{CommandHeader, WireField};
    use crate::error::HeaderError;
    use crate::ext_fields::ExtFields;

    /// An `extFields` map from literal pairs.
    pub(crate) fn ext(pairs: &[(&str, &str)]) -> ExtFields {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    /// `wire` decodes to `expected`, and `expected` encodes to exactly `wire`, whose size its
    /// size hint gives: the number of fields, and enough room for their text.
    pub(crate) fn assert_golden<H: CommandHeader + PartialEq + Debug>(wire: &[(&str, &str)], expected: &H) {
        let fields = ext(wire);
        assert_eq!(&H::read_fields(&fields).expect("golden map decodes"), expected);
        let mut written = ExtFields::new();
        expected.write_fields(&mut written);
        assert_eq!(written, fields);
        let (count, text_bytes) = expected.fields_size_hint();
        assert_eq!(count, written.len(), "size hint's field count");
        let text: usize = written.iter().map(|(key, value)| key.len() + value.len()).sum();
        assert!(text <= text_bytes, "size hint of {text_bytes} bytes for {text} bytes of text");
    }

    /// Removing each required key from a complete map fails with `Missing` naming that key.
    pub(crate) fn assert_required_named<H: CommandHeader + Debug>(wire: &[(&str, &str)], table: &[WireField]) {
        let required: Vec<_> = table.iter().filter(|f| f.required).collect();
        for field in required {
            let mut fields = ext(wire);
            assert!(fields.remove(field.key).is_some(), "golden map lacks {}", field.key);
            assert_eq!(H::read_fields(&fields).unwrap_err(), HeaderError::Missing { field: field.key });
        }
    }

    /// `read_fields(write_fields(h)) == h`.
    pub(crate) fn assert_round_trip<H: CommandHeader + PartialEq + Debug>(header: &H) {
        let mut fields = ExtFields::new();
        header.write_fields(&mut fields);
        assert_eq!(&H::read_fields(&fields).expect("own encoding decodes"), header);
    }
}

#[cfg(test)]
mod tests {
    use super::testing::ext;
    use super::*;

    fn no_negative_count(header: &Sample) -> Result<(), HeaderError> {
        match header.count {
            Some(count) if count < 0 => Err(HeaderError::Rule { field: "count", reason: "negative".into() }),
            _ => Ok(()),
        }
    }

    define_header! {
        /// A header using every feature of the macro.
        Sample {
            /// Required text.
            name: String = "name", required;
            /// Optional number.
            count: i32 = "count", optional;
            /// Optional with a default.
            enabled: bool = "enabled", optional(default = true);
        }
        inherits rpc;
        checked_by no_negative_count;
    }

    #[test]
    fn macro_generates_table_accessors_and_checks() {
        let table: Vec<_> = Sample::WIRE_FIELDS.iter().map(|f| (f.key, f.required)).collect();
        assert_eq!(table, [("name", true), ("count", false), ("enabled", false)]);

        let header = Sample::read_fields(&ext(&[("name", "n"), ("bname", "b"), ("AccessKey", "ignored")]))
            .expect("unknown keys are ignored");
        assert_eq!(header.rpc.broker_name.as_deref(), Some("b"));
        assert!(header.enabled() && header.enabled.is_none());

        let err = Sample::read_fields(&ext(&[("name", "n"), ("count", "-1")])).unwrap_err();
        assert_eq!(err, HeaderError::Rule { field: "count", reason: "negative".into() });
        let err = Sample::read_fields(&ext(&[("count", "1")])).unwrap_err();
        assert_eq!(err.to_string(), "the custom field name is null");
    }

    #[test]
    fn empty_header_reads_anything() {
        assert_eq!(EmptyHeader::read_fields(&ext(&[("x", "y")])), Ok(EmptyHeader));
    }
}
