//! Message calls: view by offset message id, query by key or unique key, pull at a queue
//! offset, send one message to a chosen queue. Message bodies come back as the broker's stored
//! records; read them with `bolide_protocol::message::stored::messages`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{SystemTime, UNIX_EPOCH};

use bolide_protocol::header::pull_message::{EXPRESSION_TYPE_TAG, FLAG_SUBSCRIPTION};
use bolide_protocol::header::{
    PullMessageRequestHeader, PullMessageResponseHeader, QueryMessageRequestHeader, SendMessageRequestHeader,
    SendMessageRequestHeaderV2, SendMessageResponseHeader, ViewMessageRequestHeader,
};
use bolide_protocol::message::properties::{self, KEYS, TAGS, UNIQ_KEY, WAIT};
use bolide_protocol::message::UniqueIdGenerator;
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bytes::Bytes;

use super::AdminClient;
use crate::error::ClientError;
use crate::route::{AUTO_CREATE_TOPIC, DEFAULT_TOPIC_QUEUE_NUMS};

/// Producer group of messages sent with [`AdminClient::send_to_queue`] (mqadmin's).
pub const TOOLS_PRODUCER_GROUP: &str = "TOOLS_PRODUCER";
/// Consumer group [`AdminClient::pull`] reads as when none is given (offsets are not committed).
pub const TOOLS_CONSUMER_GROUP: &str = "TOOLS_CONSUMER";

/// What one PULL_MESSAGE returned.
#[derive(Debug, Clone)]
pub struct PulledMessages {
    /// `SUCCESS` (records in `body`), `PULL_NOT_FOUND`, `PULL_OFFSET_MOVED`,
    /// `PULL_RETRY_IMMEDIATELY` or another refusal.
    pub status: ResponseCode,
    /// Where the next pull starts (the offset asked for when the answer has none).
    pub next_begin_offset: i64,
    /// Stored message records (empty unless `status` is `SUCCESS`).
    pub body: Bytes,
}

/// The broker's answer to [`AdminClient::send_to_queue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The client's message id (`UNIQ_KEY`).
    pub msg_id: String,
    /// The broker's offset message id.
    pub offset_msg_id: String,
    /// The queue it went to.
    pub queue_id: i32,
    /// Its queue offset.
    pub queue_offset: i64,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl AdminClient {
    /// VIEW_MESSAGE_BY_ID: the record at `commit_log_offset` of the broker at `addr` (the two
    /// halves of an offset message id).
    ///
    /// # Errors
    /// [`ClientError::Remoting`] or a refusal (no message there).
    pub async fn view_message(&self, addr: &str, commit_log_offset: i64) -> Result<Bytes, ClientError> {
        let header = ViewMessageRequestHeader { offset: commit_log_offset, ..Default::default() };
        let request = RemotingCommand::request(RequestCode::VIEW_MESSAGE_BY_ID).with_header(&header);
        Ok(self.broker_ok(addr, request).await?.response.body.unwrap_or_default())
    }

    /// QUERY_MESSAGE: records of `topic` on the broker at `addr` whose key (or, with `unique`,
    /// client message id) is `key`, stored between `begin_ms` and `end_ms`, at most `max`.
    ///
    /// # Errors
    /// [`ClientError::Remoting`] or a refusal (`QUERY_NOT_FOUND` when nothing matches).
    #[allow(clippy::too_many_arguments)]
    pub async fn query_messages(
        &self,
        addr: &str,
        topic: &str,
        key: &str,
        unique: bool,
        begin_ms: i64,
        end_ms: i64,
        max: i32,
    ) -> Result<Bytes, ClientError> {
        let header = QueryMessageRequestHeader {
            topic: topic.to_owned(),
            key: key.to_owned(),
            max_num: max,
            begin_timestamp: begin_ms,
            end_timestamp: end_ms,
            unique_key_query: Some(unique),
            ..Default::default()
        };
        let request = RemotingCommand::request(RequestCode::QUERY_MESSAGE).with_header(&header);
        Ok(self.broker_ok(addr, request).await?.response.body.unwrap_or_default())
    }

    /// PULL_MESSAGE of up to `max` messages of one queue from `offset`, as `group` (which
    /// commits nothing), without holding the request. Every answer is returned, refusals
    /// included, for the caller to follow `PULL_OFFSET_MOVED`.
    ///
    /// # Errors
    /// [`ClientError::Remoting`].
    pub async fn pull(
        &self,
        addr: &str,
        group: &str,
        topic: &str,
        queue_id: i32,
        offset: i64,
        max: i32,
    ) -> Result<PulledMessages, ClientError> {
        let header = PullMessageRequestHeader {
            consumer_group: group.to_owned(),
            topic: topic.to_owned(),
            queue_id,
            queue_offset: offset,
            max_msg_nums: max,
            sys_flag: FLAG_SUBSCRIPTION,
            commit_offset: 0,
            suspend_timeout_ms: 0,
            subscription: Some("*".to_owned()),
            sub_version: 0,
            expression_type: Some(EXPRESSION_TYPE_TAG.to_owned()),
            ..Default::default()
        };
        let request = RemotingCommand::request(RequestCode::PULL_MESSAGE).with_header(&header);
        let response = self.call_broker(addr, request).await?;
        let status = response.response_code();
        let next_begin_offset =
            response.decode_header::<PullMessageResponseHeader>().map_or(offset, |header| header.next_begin_offset);
        let body = if status == ResponseCode::SUCCESS { response.body.unwrap_or_default() } else { Bytes::new() };
        Ok(PulledMessages { status, next_begin_offset, body })
    }

    /// SEND_MESSAGE_V2 of one message to queue `queue_id` of `topic` on the broker at `addr`,
    /// as [`TOOLS_PRODUCER_GROUP`], waiting for it to be stored.
    ///
    /// # Errors
    /// [`ClientError::Remoting`], a refusal or an answer without the send result.
    pub async fn send_to_queue(
        &self,
        addr: &str,
        topic: &str,
        queue_id: i32,
        body: impl Into<Bytes>,
        tags: Option<&str>,
        keys: Option<&str>,
    ) -> Result<SentMessage, ClientError> {
        let now = now_ms();
        // The low 32 bits of the time seed the generator's counter, as the CLI always did.
        let msg_id = UniqueIdGenerator::new(IpAddr::V4(Ipv4Addr::LOCALHOST), std::process::id(), now as i32)
            .next_id(now)
            .to_string();
        let mut props = Vec::new();
        properties::write_item(&mut props, UNIQ_KEY, &msg_id);
        properties::write_item(&mut props, WAIT, "true");
        if let Some(keys) = keys.filter(|k| !k.is_empty()) {
            properties::write_item(&mut props, KEYS, keys);
        }
        if let Some(tags) = tags.filter(|t| !t.is_empty()) {
            properties::write_item(&mut props, TAGS, tags);
        }
        let header = SendMessageRequestHeader {
            producer_group: TOOLS_PRODUCER_GROUP.to_owned(),
            topic: topic.to_owned(),
            default_topic: AUTO_CREATE_TOPIC.to_owned(),
            default_topic_queue_nums: DEFAULT_TOPIC_QUEUE_NUMS,
            queue_id,
            sys_flag: 0,
            born_timestamp: now,
            flag: 0,
            properties: Some(String::from_utf8_lossy(&props).into_owned()),
            reconsume_times: Some(0),
            ..Default::default()
        };
        let request = RemotingCommand::request(RequestCode::SEND_MESSAGE_V2)
            .with_header(&SendMessageRequestHeaderV2::from(header))
            .with_body(body.into());
        let sent: SendMessageResponseHeader = self.broker_ok(addr, request).await?.header()?;
        Ok(SentMessage { msg_id, offset_msg_id: sent.msg_id, queue_id: sent.queue_id, queue_offset: sent.queue_offset })
    }
}
