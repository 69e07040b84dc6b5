//! Message commands: sendMessage, consumeMessage.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Result};
use bolide_protocol::header::pull_message::{EXPRESSION_TYPE_TAG, FLAG_SUBSCRIPTION};
use bolide_protocol::header::{
    PullMessageRequestHeader, PullMessageResponseHeader, SendMessageRequestHeader, SendMessageRequestHeaderV2,
    SendMessageResponseHeader,
};
use bolide_protocol::message::properties::{self, KEYS, TAGS, UNIQ_KEY, WAIT};
use bolide_protocol::message::{stored, UniqueIdGenerator};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use clap::Args;
use serde_json::json;

use super::client::{ok, Admin};
use super::output::{Output, Table};

/// Producer group of messages sent by `sendMessage`.
const ADMIN_PRODUCER_GROUP: &str = "TOOLS_PRODUCER";
/// Consumer group `consumeMessage` reads as (offsets are not committed).
const ADMIN_CONSUMER_GROUP: &str = "TOOLS_CONSUMER";

#[derive(Args)]
pub struct SendMessage {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Message body (UTF-8 text).
    #[arg(short = 'p', long = "body")]
    body: String,
    /// Keys, space-separated.
    #[arg(short = 'k', long = "key")]
    keys: Option<String>,
    /// Tag.
    #[arg(short = 'c', long = "tags")]
    tags: Option<String>,
    /// Broker name to send to.
    #[arg(short = 'b', long = "broker")]
    broker_name: Option<String>,
    /// Queue id (with -b).
    #[arg(short = 'i', long = "qid")]
    queue_id: Option<i32>,
}

#[derive(Args)]
pub struct ConsumeMessage {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Only this broker name.
    #[arg(short = 'b', long = "brokerName")]
    broker_name: Option<String>,
    /// Only this queue id.
    #[arg(short = 'i', long = "queueId")]
    queue_id: Option<i32>,
    /// Queue offset to start at (default: each queue's first message).
    #[arg(short = 'o', long = "offset")]
    offset: Option<i64>,
    /// Most messages to print.
    #[arg(short = 'c', long = "MessageNumber", default_value_t = 128)]
    count: usize,
    /// Consumer group to read as.
    #[arg(short = 'g', long = "consumerGroup", default_value = ADMIN_CONSUMER_GROUP)]
    group: String,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

pub async fn send_message(admin: &Admin, args: SendMessage) -> Result<Output> {
    let route = admin.route(&args.topic).await?;
    let mut candidates: Vec<(String, String, i32)> = Vec::new();
    for queue in &route.queue_datas {
        if queue.perm & 2 == 0 || args.broker_name.as_ref().is_some_and(|name| name != &queue.broker_name) {
            continue;
        }
        let Some(addr) =
            route.broker_datas.iter().find(|d| d.broker_name == queue.broker_name).and_then(|d| d.broker_addrs.get(&0))
        else {
            continue;
        };
        for id in 0..queue.write_queue_nums {
            if args.queue_id.is_none_or(|wanted| wanted == id) {
                candidates.push((queue.broker_name.clone(), addr.clone(), id));
            }
        }
    }
    if candidates.is_empty() {
        bail!("topic {} has no writable queue matching -b/-i", args.topic);
    }
    let (broker_name, addr, queue_id) = candidates[(now_ms() as usize) % candidates.len()].clone();
    let (request, unique) =
        build_send(&args.topic, queue_id, args.body.clone().into_bytes(), args.tags.as_deref(), args.keys.as_deref());
    let response = ok(admin.broker(&addr, request).await?, "sendMessage")?;
    let sent: SendMessageResponseHeader = response.decode_header()?;
    let mut table = Table::new(&["#Broker Name", "#QID", "#Send Result", "#MsgId", "#OffsetMsgId", "#QueueOffset"]);
    table.row(vec![
        broker_name,
        sent.queue_id.to_string(),
        "SEND_OK".to_owned(),
        unique,
        sent.msg_id,
        sent.queue_offset.to_string(),
    ]);
    Ok(Output::Table(table))
}

/// SEND_MESSAGE_V2 of one message to `topic`/`queue_id`, as a tool producer.
pub fn send_request(
    topic: &str,
    queue_id: i32,
    body: Vec<u8>,
    tags: Option<&str>,
    keys: Option<&str>,
) -> RemotingCommand {
    build_send(topic, queue_id, body, tags, keys).0
}

/// The request and the message's unique id.
fn build_send(
    topic: &str,
    queue_id: i32,
    body: Vec<u8>,
    tags: Option<&str>,
    keys: Option<&str>,
) -> (RemotingCommand, String) {
    let unique = UniqueIdGenerator::new(IpAddr::V4(Ipv4Addr::LOCALHOST), std::process::id(), now_ms() as i32)
        .next_id(now_ms())
        .to_string();
    let mut props = Vec::new();
    properties::write_item(&mut props, UNIQ_KEY, &unique);
    properties::write_item(&mut props, WAIT, "true");
    if let Some(keys) = keys.filter(|k| !k.is_empty()) {
        properties::write_item(&mut props, KEYS, keys);
    }
    if let Some(tags) = tags.filter(|t| !t.is_empty()) {
        properties::write_item(&mut props, TAGS, tags);
    }
    let header = SendMessageRequestHeader {
        producer_group: ADMIN_PRODUCER_GROUP.to_owned(),
        topic: topic.to_owned(),
        default_topic: "TBW102".to_owned(),
        default_topic_queue_nums: 4,
        queue_id,
        sys_flag: 0,
        born_timestamp: now_ms(),
        flag: 0,
        properties: Some(String::from_utf8_lossy(&props).into_owned()),
        reconsume_times: Some(0),
        ..Default::default()
    };
    let request = RemotingCommand::request(RequestCode::SEND_MESSAGE_V2)
        .with_header(&SendMessageRequestHeaderV2::from(header))
        .with_body(body);
    (request, unique)
}

pub async fn consume_message(admin: &Admin, args: ConsumeMessage) -> Result<Output> {
    let route = admin.route(&args.topic).await?;
    let mut printed = Vec::new();
    let mut text = String::new();
    'queues: for queue in &route.queue_datas {
        if args.broker_name.as_ref().is_some_and(|name| name != &queue.broker_name) {
            continue;
        }
        let Some(addr) =
            route.broker_datas.iter().find(|d| d.broker_name == queue.broker_name).and_then(|d| d.broker_addrs.get(&0))
        else {
            continue;
        };
        for queue_id in 0..queue.read_queue_nums {
            if args.queue_id.is_some_and(|wanted| wanted != queue_id) {
                continue;
            }
            let mut offset = args.offset.unwrap_or(0);
            loop {
                if printed.len() >= args.count {
                    break 'queues;
                }
                let header = PullMessageRequestHeader {
                    consumer_group: args.group.clone(),
                    topic: args.topic.clone(),
                    queue_id,
                    queue_offset: offset,
                    max_msg_nums: 32,
                    sys_flag: FLAG_SUBSCRIPTION,
                    commit_offset: 0,
                    suspend_timeout_ms: 0,
                    subscription: Some("*".to_owned()),
                    sub_version: 0,
                    expression_type: Some(EXPRESSION_TYPE_TAG.to_owned()),
                    ..Default::default()
                };
                let response = admin
                    .broker(addr, RemotingCommand::request(RequestCode::PULL_MESSAGE).with_header(&header))
                    .await?;
                let code = ResponseCode(response.code);
                if code == ResponseCode::PULL_OFFSET_MOVED {
                    offset = response.decode_header::<PullMessageResponseHeader>()?.next_begin_offset;
                    continue;
                }
                if code != ResponseCode::SUCCESS {
                    break;
                }
                let next = response.decode_header::<PullMessageResponseHeader>()?.next_begin_offset;
                for message in stored::messages(response.body.as_deref().unwrap_or_default()) {
                    let message = message?;
                    if printed.len() >= args.count {
                        break;
                    }
                    let id = message.unique_key().unwrap_or("").to_owned();
                    let body = String::from_utf8_lossy(message.body()).into_owned();
                    text.push_str(&format!(
                        "MSGID: {id} BROKER: {} QID: {queue_id} OFFSET: {} TAGS: {} KEYS: {} BODY: {body}\n",
                        queue.broker_name,
                        message.queue_offset(),
                        message.tags().unwrap_or(""),
                        message.property(KEYS).unwrap_or(""),
                    ));
                    printed.push(json!({
                        "msgId": id, "brokerName": queue.broker_name, "queueId": queue_id,
                        "queueOffset": message.queue_offset(), "tags": message.tags(), "keys": message.property(KEYS),
                        "body": body,
                    }));
                }
                offset = next;
            }
        }
    }
    text.push_str(&format!("{} messages", printed.len()));
    Ok(Output::Text(text, json!(printed)))
}
