//! Retries and dead letters: CONSUMER_SEND_MSG_BACK asks the broker to store a copy of a
//! consumed message in `%RETRY%<group>` (delivered again after a delay) or, past the retry
//! limit, in `%DLQ%<group>`. If the broker cannot be asked, the copy is sent to the retry topic
//! as an ordinary message, as Java's `sendMessageBack` falls back to.

use std::sync::Arc;

use bolide_protocol::header::ConsumerSendMsgBackRequestHeader;
use bolide_protocol::message::properties as names;
use bolide_protocol::{RemotingCommand, RequestCode};

use super::Core;
use crate::consumer::pull;
use crate::error::ClientError;
use crate::message::{Message, MessageExt};
use crate::producer::{Producer, ProducerOptions};

/// Java's `MixAll.CLIENT_INNER_PRODUCER_GROUP`.
const INNER_PRODUCER_GROUP: &str = "CLIENT_INNER_PRODUCER";
/// The delay level a retry-topic copy gets on top of its reconsume times (Java: `3 + times`).
const FIRST_RETRY_LEVEL: i32 = 3;

/// Sends `message` back for a later retry at `delay_level`; true if it is on its way (by
/// send-back or by the fallback send), false if the consumer must retry it itself.
pub(crate) async fn retry(core: &Arc<Core>, message: &MessageExt, delay_level: i32) -> bool {
    match send_msg_back(core, message, delay_level, core.options.max_reconsume_times).await {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(msg_id = %message.msg_id(), error = %err, "send-back failed; resending to the retry topic");
            match resend_to_retry_topic(core, message).await {
                Ok(()) => true,
                Err(err) => {
                    tracing::warn!(msg_id = %message.msg_id(), error = %err, "retry resend failed; retrying locally");
                    false
                }
            }
        }
    }
}

/// Orderly consumption past the retry limit: the message goes to `%DLQ%<group>` (a negative
/// delay level asks the broker for the dead-letter queue whatever its count).
pub(crate) async fn to_dead_letter_queue(core: &Arc<Core>, message: &MessageExt) -> bool {
    match send_msg_back(core, message, -1, core.options.max_reconsume_times).await {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(msg_id = %message.msg_id(), error = %err, "dead-letter send-back failed");
            false
        }
    }
}

/// CONSUMER_SEND_MSG_BACK to the broker that stored `message`.
async fn send_msg_back(
    core: &Core,
    message: &MessageExt,
    delay_level: i32,
    max_reconsume_times: i32,
) -> Result<(), ClientError> {
    let addr = pull::broker_addr(&core.instance, &message.queue).await?;
    let header = ConsumerSendMsgBackRequestHeader {
        offset: i64::try_from(message.commit_log_offset).unwrap_or(i64::MAX),
        group: core.options.group.clone(),
        delay_level,
        origin_msg_id: Some(message.msg_id().to_owned()),
        origin_topic: Some(message.topic.clone()),
        unit_mode: Some(false),
        max_reconsume_times: Some(max_reconsume_times),
        rpc: pull::rpc(&message.queue),
    };
    let request = RemotingCommand::request(RequestCode::CONSUMER_SEND_MSG_BACK).with_header(&header);
    pull::call(&core.instance, &addr, request).await.map(drop)
}

/// Java's fallback: a new message in `%RETRY%<group>` with the original body, flag and
/// properties, `RETRY_TOPIC` naming the original topic, one more reconsume time and a delay of
/// `3 + reconsume times`.
async fn resend_to_retry_topic(core: &Arc<Core>, message: &MessageExt) -> Result<(), ClientError> {
    let producer = core
        .retry_producer
        .get_or_try_init(|| {
            let options = ProducerOptions { retry_times: 1, ..ProducerOptions::new(INNER_PRODUCER_GROUP) };
            Producer::with_options(core.config.clone(), options)
        })
        .await?;
    let copy = retry_copy(&core.options.group, message, core.options.max_reconsume_times);
    producer.send(&copy).await.map(drop)
}

/// The message the fallback sends to `%RETRY%<group>` in place of `message`.
fn retry_copy(group: &str, message: &MessageExt, max_reconsume_times: i32) -> Message {
    let origin_id = message.property(names::ORIGIN_MESSAGE_ID).unwrap_or(message.msg_id()).to_owned();
    let level = FIRST_RETRY_LEVEL.saturating_add(message.reconsume_times).clamp(1, 18);
    let mut copy = Message::new(format!("%RETRY%{group}"), message.body.clone()).with_flag(message.flag);
    for (name, value) in message.properties.iter() {
        if !names::is_reserved(name) {
            copy = copy.with_property(name, value);
        }
    }
    if let Some(tags) = message.tags() {
        copy = copy.with_tags(tags);
    }
    if let Some(keys) = message.keys() {
        copy = copy.with_keys(keys.split(' '));
    }
    copy.with_system_property(names::RETRY_TOPIC, message.topic.clone())
        .with_system_property(names::ORIGIN_MESSAGE_ID, origin_id)
        .with_system_property(names::RECONSUME_TIME, (message.reconsume_times + 1).to_string())
        .with_system_property(names::MAX_RECONSUME_TIMES, max_reconsume_times.to_string())
        .with_delay_level(u8::try_from(level).unwrap_or(18))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_protocol::body::MessageQueue;
    use bolide_protocol::message::properties::Properties;

    #[test]
    fn the_retry_copy_carries_what_java_puts_in_it() {
        let host = std::net::SocketAddr::from(([127, 0, 0, 1], 10911));
        let mut properties = Properties::new();
        for (name, value) in [("TAGS", "A"), ("KEYS", "k1 k2"), ("UNIQ_KEY", "ID1"), ("color", "blue")] {
            properties.insert(name, value).expect("valid");
        }
        let message = MessageExt {
            topic: "Orders".into(),
            queue: MessageQueue::new("Orders", "b", 1),
            queue_offset: 4,
            commit_log_offset: 900,
            body: bytes::Bytes::from_static(b"body"),
            flag: 7,
            sys_flag: 0,
            properties,
            born_timestamp_ms: 0,
            store_timestamp_ms: 0,
            born_host: host,
            store_host: host,
            reconsume_times: 2,
            offset_msg_id: "OFFSET".into(),
        };
        let copy = retry_copy("g", &message, 16);
        assert_eq!((copy.topic(), copy.flag(), copy.body().as_ref()), ("%RETRY%g", 7, b"body".as_ref()));
        assert_eq!((copy.tags(), copy.keys(), copy.property("color")), (Some("A"), Some("k1 k2"), Some("blue")));
        assert_eq!(copy.property("RETRY_TOPIC"), Some("Orders"));
        assert_eq!(copy.property("ORIGIN_MESSAGE_ID"), Some("ID1"));
        assert_eq!(copy.property("RECONSUME_TIME"), Some("3"));
        assert_eq!(copy.property("MAX_RECONSUME_TIMES"), Some("16"));
        assert_eq!(copy.property("DELAY"), Some("5"), "3 + reconsume times");
        assert!(copy.property("UNIQ_KEY").is_none(), "the copy gets its own id when sent");
        assert!(copy.check().is_ok());
    }
}
