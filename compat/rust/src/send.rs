//! Sending scenarios: s02 (send modes), s03 (message fidelity), s05 (batch).

use std::time::Duration;

use anyhow::{bail, Context, Result};
use bolide_client::{Message, SendResult, SendStatus};
use tokio::task::JoinSet;

use crate::collect::{fingerprint, noise_body, text_body};
use crate::env::{message, Env};

const QUEUES: i32 = 4;

fn check_result(result: &SendResult, topic: &str) -> Result<()> {
    if result.status != SendStatus::SendOk {
        bail!("send status {:?}", result.status);
    }
    if result.msg_id.is_empty() || result.offset_msg_id.is_empty() {
        bail!("send result lacks a message id: {result:?}");
    }
    if result.queue.topic != topic || !(0..QUEUES).contains(&result.queue.queue_id) {
        bail!("send result names queue {:?}, not one of the 4 queues of {topic}", result.queue);
    }
    Ok(())
}

/// s02: sync, async and oneway sends; results carry message id, queue id and offset; all are
/// consumed. bolide-client has no callback API: "async" is five sends started together on
/// separate tasks and awaited together.
pub async fn s02_send_modes(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, QUEUES).await?;
    let producer = env.producer().await?;
    const EACH: usize = 5;
    env.step("sync sends");
    for i in 0..EACH {
        let result = producer.send(&message(&topic, &format!("sync-{i}"), "sync")).await.context("sync send")?;
        check_result(&result, &topic).context("sync send")?;
    }
    env.step("async sends");
    let mut sends = JoinSet::new();
    for i in 0..EACH {
        let (producer, message) = (producer.clone(), message(&topic, &format!("async-{i}"), "async"));
        sends.spawn(async move { producer.send(&message).await });
    }
    let mut offsets = Vec::new();
    while let Some(joined) = sends.join_next().await {
        let result = joined.context("async send task")?.context("async send")?;
        check_result(&result, &topic).context("async send")?;
        offsets.push((result.queue.queue_id, result.queue_offset));
    }
    offsets.sort_unstable();
    offsets.dedup();
    if offsets.len() != EACH {
        bail!("concurrent sends reported the same queue offset twice: {offsets:?}");
    }
    env.step("oneway sends");
    for i in 0..EACH {
        producer.send_oneway(&message(&topic, &format!("oneway-{i}"), "oneway")).await.context("oneway send")?;
    }
    let collector = env.collecting_consumer(&topic).await?;
    collector.wait(env, 3 * EACH, Duration::from_secs(30)).await?;
    Ok(format!(
        "{EACH} sync + {EACH} async (concurrent sends awaited together; no callback API) + {EACH} oneway sent and \
         consumed by a push consumer"
    ))
}

/// One message of s03 and what must come back.
struct Case {
    seq: &'static str,
    tag: &'static str,
    keys: &'static [&'static str],
    properties: &'static [(&'static str, &'static str)],
    body: Vec<u8>,
}

fn fidelity_cases() -> Vec<Case> {
    let case = |seq, tag, keys, properties, body| Case { seq, tag, keys, properties, body };
    vec![
        case("props", "TagP", &["key-one", "key-two"], &[("color", "blue"), ("city", "上海")], b"properties".to_vec()),
        case("size-1", "TagS", &["s1"], &[], text_body(1, 1)),
        case("size-4k", "TagS", &["s4k"], &[], text_body(4096, 2)),
        case("size-1m", "TagS", &["s1m"], &[], text_body(1 << 20, 3)),
        case("size-4m", "TagS", &["s4m"], &[], text_body(4 << 20, 4)),
        case("utf8", "TagU", &["中文键"], &[("note", "消息")], "你好，世界：RocketMQ 兼容性测试 ✓".as_bytes().to_vec()),
    ]
}

/// s03: tags, keys, properties and bodies (1 B to the 4 MiB limit, UTF-8) survive; a body over
/// the limit is refused.
pub async fn s03_message_fidelity(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, QUEUES).await?;
    let producer = env.producer().await?;
    let cases = fidelity_cases();
    for case in &cases {
        env.step(format!("sending {}", case.seq));
        let mut message = message(&topic, case.seq, case.body.clone()).with_tags(case.tag).with_keys(case.keys);
        for (name, value) in case.properties {
            message = message.with_property(*name, *value);
        }
        producer.send(&message).await.with_context(|| format!("send {} ({} bytes)", case.seq, case.body.len()))?;
    }
    env.step("sending a body over the 4 MiB limit");
    let refused = match producer.send(&message(&topic, "over", noise_body((4 << 20) + 1))).await {
        Ok(result) => bail!("a body of 4 MiB + 1 byte was accepted ({result:?}); it must be refused"),
        Err(err) => err.to_string(),
    };
    let consumer = env.collecting_consumer(&topic).await?;
    consumer.wait(env, cases.len(), Duration::from_secs(45)).await?;
    // A little longer: the over-limit body must not turn up.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let collector = consumer.snapshot();
    for case in &cases {
        let got = collector.get(case.seq).with_context(|| format!("{} never arrived", case.seq))?;
        if got.body.as_ref() != case.body.as_slice() {
            bail!(
                "{}: body differs ({} bytes, fingerprint {}; sent {} bytes, fingerprint {})",
                case.seq,
                got.body.len(),
                fingerprint(&got.body),
                case.body.len(),
                fingerprint(&case.body)
            );
        }
        check_text(case.seq, "tag", got.tags(), case.tag)?;
        check_text(case.seq, "keys", got.keys(), &case.keys.join(" "))?;
        for (name, value) in case.properties {
            check_text(case.seq, name, got.property(name), value)?;
        }
    }
    if collector.distinct() != cases.len() {
        bail!(
            "received {} distinct messages, want {} (the over-limit body must not arrive)",
            collector.distinct(),
            cases.len()
        );
    }
    Ok(format!("{} messages byte-exact up to 4 MiB; over-limit refused: {refused}", cases.len()))
}

pub fn check_text(seq: &str, what: &str, got: Option<&str>, want: &str) -> Result<()> {
    if got != Some(want) {
        bail!("{seq}: {what} is {got:?}, want {want:?}");
    }
    Ok(())
}

/// s05: one batch of 50 messages in one request, all consumed.
pub async fn s05_batch_send(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, QUEUES).await?;
    let producer = env.producer().await?;
    const COUNT: usize = 50;
    let batch: Vec<Message> =
        (0..COUNT).map(|i| message(&topic, &format!("b-{i}"), format!("batch body {i}"))).collect();
    env.step("sending a batch");
    let result = producer.send_batch(&batch).await.context("batch send")?;
    check_result(&result, &topic).context("batch send")?;
    let ids = result.msg_id.split(',').count();
    if ids != COUNT {
        bail!("the batch's send result carries {ids} message ids, want {COUNT}");
    }
    let consumer = env.collecting_consumer(&topic).await?;
    consumer.wait(env, COUNT, Duration::from_secs(30)).await?;
    let collector = consumer.snapshot();
    let mut queues: Vec<i32> = collector.received.iter().map(|m| m.queue.queue_id).collect();
    queues.sort_unstable();
    queues.dedup();
    for i in 0..COUNT {
        let seq = format!("b-{i}");
        let got = collector.get(&seq).with_context(|| format!("batch message {i} missing"))?;
        if got.body.as_ref() != format!("batch body {i}").as_bytes() {
            bail!("batch message {i} has a wrong body");
        }
    }
    if queues.len() != 1 {
        bail!("one batch arrived spread over queues {queues:?}; a batch is stored in one queue");
    }
    Ok(format!("batch of {COUNT} sent in one request (one queue, {ids} ids) and consumed"))
}
