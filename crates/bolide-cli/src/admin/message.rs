//! Message commands: sendMessage, consumeMessage.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Result};
use bolide_client::admin::TOOLS_CONSUMER_GROUP;
use bolide_protocol::message::properties::KEYS;
use bolide_protocol::message::stored;
use bolide_protocol::ResponseCode;
use clap::Args;
use serde_json::json;

use super::client::{Admin, OrFail};
use super::output::{Output, Table};

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
    #[arg(short = 'g', long = "consumerGroup", default_value = TOOLS_CONSUMER_GROUP)]
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
    let sent = admin
        .api()
        .send_to_queue(&addr, &args.topic, queue_id, args.body.into_bytes(), args.tags.as_deref(), args.keys.as_deref())
        .await
        .or_fail("sendMessage")?;
    let mut table = Table::new(&["#Broker Name", "#QID", "#Send Result", "#MsgId", "#OffsetMsgId", "#QueueOffset"]);
    table.row(vec![
        broker_name,
        sent.queue_id.to_string(),
        "SEND_OK".to_owned(),
        sent.msg_id,
        sent.offset_msg_id,
        sent.queue_offset.to_string(),
    ]);
    Ok(Output::Table(table))
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
                let pulled = admin
                    .api()
                    .pull(addr, &args.group, &args.topic, queue_id, offset, 32)
                    .await
                    .or_fail("consumeMessage")?;
                if pulled.status == ResponseCode::PULL_OFFSET_MOVED && pulled.next_begin_offset != offset {
                    offset = pulled.next_begin_offset;
                    continue;
                }
                if pulled.status != ResponseCode::SUCCESS {
                    break;
                }
                let next = pulled.next_begin_offset;
                for message in stored::messages(&pulled.body) {
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
