//! JSON bodies (`data-formats.md`), one file per family. Decode with [`crate::json::from_slice`],
//! encode with [`crate::json::to_vec`].
//!
//! Every type reads leniently (missing properties take Java's defaults, unknown ones are ignored,
//! numbers may come as strings, enums as ordinals, `null` as empty) and writes what Java writes:
//! properties in alphabetical order, `None` omitted.

mod common;
mod enums;
mod route;

pub use common::{
    java_string_hash, BrokerData, DataVersion, MessageQueue, QueueData, SubscriptionData, TopicConfig,
    EXPRESSION_TYPE_TAG, PERM_INHERIT, PERM_READ, PERM_WRITE,
};
pub use enums::{
    CmResult, ConsumeFromWhere, ConsumeType, GroupRetryPolicyType, MessageModel, MessageRequestMode, TopicFilterType,
};
pub use route::{
    BrokerMemberGroup, ClusterInfo, GetBrokerMemberGroupResponseBody, LogicQueueMappingItem, TopicQueueMappingDetail,
    TopicQueueMappingInfo, TopicRouteData, METADATA_SCOPE_GLOBAL,
};
