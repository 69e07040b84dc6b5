//! JSON bodies (`data-formats.md`), one file per family. Decode with [`crate::json::from_slice`],
//! encode with [`crate::json::to_vec`].
//!
//! Every type reads leniently (missing properties take Java's defaults, unknown ones are ignored,
//! numbers may come as strings, enums as ordinals, `null` as empty) and writes what Java writes:
//! properties in alphabetical order, `None` omitted. Sets are `BTreeSet` where elements are
//! ordered values (duplicates collapse) and `Vec` otherwise.
//!
//! REGISTER_BROKER's result is not a JSON document: it travels as response header fields plus an
//! optional [`KvTable`] body.

mod client;
mod common;
mod connection;
mod enums;
mod lists;
mod lock;
mod offsets;
mod pop;
mod register;
mod route;
mod running_info;
mod stats;
mod subscription_group;

pub use client::{CheckClientRequestBody, ConsumeMessageDirectlyResult, ConsumerData, HeartbeatData, ProducerData};
pub use common::{
    java_string_hash, BrokerData, DataVersion, MessageQueue, QueueData, SubscriptionData, TopicConfig,
    EXPRESSION_TYPE_TAG, PERM_INHERIT, PERM_READ, PERM_WRITE,
};
pub use connection::{Connection, ConsumerConnection, ProducerConnection, ProducerInfo, ProducerTableInfo};
pub use enums::{
    CmResult, ConsumeFromWhere, ConsumeType, GroupRetryPolicyType, MessageModel, MessageRequestMode, TopicFilterType,
};
pub use lists::{GetConsumerListByGroupResponseBody, GroupList, KvTable, TopicList};
pub use lock::{LockBatchRequestBody, LockBatchResponseBody, UnlockBatchRequestBody};
pub use offsets::{
    ConsumerOffsetSerializeWrapper, DelayOffsetSerializeWrapper, GetConsumerStatusBody, MessageQueueForC,
    QueryCorrectionOffsetBody, ResetOffsetBody, ResetOffsetBodyForC,
};
pub use pop::{
    BatchAck, BatchAckMessageRequestBody, MessageQueueAssignment, QueryAssignmentRequestBody,
    QueryAssignmentResponseBody, SetMessageRequestModeRequestBody,
};
pub use register::{
    CompressedBodyError, CreateTopicListRequestBody, RegisterBrokerBody, TopicConfigAndQueueMapping,
    TopicConfigSerializeWrapper, MAX_INFLATED_BYTES, VERSION_V5_0_0,
};
pub use route::{
    BrokerMemberGroup, ClusterInfo, GetBrokerMemberGroupResponseBody, LogicQueueMappingItem, TopicQueueMappingDetail,
    TopicQueueMappingInfo, TopicRouteData, METADATA_SCOPE_GLOBAL,
};
pub use running_info::{ConsumeStatus, ConsumerRunningInfo, PopProcessQueueInfo, ProcessQueueInfo};
pub use stats::{
    BrokerStatsData, BrokerStatsItem, ConsumeStats, ConsumeStatsList, OffsetWrapper, QueryConsumeTimeSpanBody,
    QueueTimeSpan, TopicOffset, TopicStatsTable,
};
pub use subscription_group::{
    CustomizedRetryPolicy, ExponentialRetryPolicy, GroupRetryPolicy, QuerySubscriptionResponseBody,
    SimpleSubscriptionData, SubscriptionGroupConfig, SubscriptionGroupList, SubscriptionGroupWrapper,
};
