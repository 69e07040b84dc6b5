//! s15, cross-language: `s15_produce` sends the suite's three shared messages to `--topic`,
//! `s15_consume` reads them back (produced by any client) and checks everything.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use bolide_client::Message;

use crate::collect::{fingerprint, text_body};
use crate::env::{message, Env};
use crate::send::check_text;

const COUNT: usize = 3;

/// Message `i` of the three every client produces and checks (compat/README.md, scenario 15).
fn shared_message(topic: &str, i: usize) -> Message {
    message(topic, &format!("s15-{i}"), shared_body(i))
        .with_tags("TagX")
        .with_keys([format!("s15-key-{i}"), "s15-extra".to_owned()])
        .with_property("color", "blue")
        .with_property("city", "上海")
}

fn shared_body(i: usize) -> Vec<u8> {
    if i == 1 {
        return text_body(8192, 15);
    }
    format!("bolide s15 跨语言 message {i}").into_bytes()
}

pub async fn s15_produce(env: &Env) -> Result<String> {
    let topic = env.given_topic()?;
    env.create_topic(topic, 4).await?;
    let producer = env.producer().await?;
    for i in 0..COUNT {
        env.step(format!("sending s15-{i}"));
        producer.send(&shared_message(topic, i)).await.with_context(|| format!("send s15-{i}"))?;
    }
    Ok(format!("{COUNT} messages sent to {topic}"))
}

pub async fn s15_consume(env: &Env) -> Result<String> {
    let topic = env.given_topic()?;
    let consumer = env.collecting_consumer(topic).await?;
    consumer.wait(env, COUNT, Duration::from_secs(40)).await?;
    let collector = consumer.snapshot();
    for i in 0..COUNT {
        let seq = format!("s15-{i}");
        let got = collector.get(&seq).with_context(|| format!("{seq} missing"))?;
        let want = shared_body(i);
        if got.body.as_ref() != want.as_slice() {
            bail!(
                "{seq}: body of {} bytes, fingerprint {}; want {} bytes, fingerprint {}",
                got.body.len(),
                fingerprint(&got.body),
                want.len(),
                fingerprint(&want)
            );
        }
        check_text(&seq, "tag", got.tags(), "TagX")?;
        check_text(&seq, "keys", got.keys(), &format!("s15-key-{i} s15-extra"))?;
        check_text(&seq, "property color", got.property("color"), "blue")?;
        check_text(&seq, "property city", got.property("city"), "上海")?;
    }
    if collector.distinct() != COUNT {
        bail!("received {} distinct messages, want {COUNT}", collector.distinct());
    }
    Ok(format!("{COUNT} messages from the producer intact (tag, keys, properties, body)"))
}
