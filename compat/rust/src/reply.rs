//! s17, request-reply: sync and concurrent requests answered by a responder (a pull consumer that
//! builds each reply with `Message::reply_to` and sends it with its own producer); bodies and
//! user properties come back.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use bolide_client::{Message, MessageExt};

use crate::env::{message, Env, SEQ_PROPERTY};

const EACH: usize = 3;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn s17_request_reply(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, 4).await?;
    let replier = env.producer().await?;
    let mut consumer = env.assigned_consumer(&env.group(""), &topic).await?;
    let responder = tokio::spawn(async move {
        let mut errors = Vec::new();
        let mut answered = 0;
        while answered < 2 * EACH {
            let requests = match consumer.poll(Duration::from_millis(500)).await {
                Ok(requests) => requests,
                Err(err) => {
                    errors.push(format!("poll: {err}"));
                    break;
                }
            };
            for request in requests {
                let body = format!("reply to {}", String::from_utf8_lossy(&request.body));
                let seq = request.property(SEQ_PROPERTY).unwrap_or_default().to_owned();
                let reply = Message::reply_to(&request, body).map(|reply| reply.with_property(SEQ_PROPERTY, &seq));
                let sent = match reply {
                    Ok(reply) => replier.send(&reply).await.map(drop),
                    Err(err) => Err(err),
                };
                match sent {
                    Ok(()) => answered += 1,
                    Err(err) => errors.push(format!("replying to {seq}: {err}")),
                }
            }
        }
        consumer.shutdown().await;
        errors
    });
    let requester = env.producer().await?;
    let check = |reply: &MessageExt, seq: &str, kind: &str| -> Result<()> {
        let want = format!("reply to request {seq}");
        if reply.body.as_ref() != want.as_bytes() {
            bail!("{kind} reply body {:?}, want {want:?}", String::from_utf8_lossy(&reply.body));
        }
        if reply.property(SEQ_PROPERTY) != Some(seq) {
            bail!("{kind} reply lost its user property ({:?})", reply.properties);
        }
        Ok(())
    };
    for i in 0..EACH {
        let seq = format!("sync-{i}");
        env.step(format!("sync request {seq}"));
        let request = message(&topic, &seq, format!("request {seq}"));
        let reply = requester.request(&request, REQUEST_TIMEOUT).await.with_context(|| format!("request {seq}"))?;
        check(&reply, &seq, "sync")?;
    }
    env.step("concurrent requests");
    let concurrent = (0..EACH).map(|i| {
        let (requester, topic) = (requester.clone(), topic.clone());
        tokio::spawn(async move {
            let seq = format!("concurrent-{i}");
            let reply = requester.request(&message(&topic, &seq, format!("request {seq}")), REQUEST_TIMEOUT).await;
            (seq, reply)
        })
    });
    for task in concurrent.collect::<Vec<_>>() {
        let (seq, reply) = task.await.context("request task")?;
        check(&reply.with_context(|| format!("request {seq}"))?, &seq, "concurrent")?;
    }
    let errors = responder.await.context("responder task")?;
    if !errors.is_empty() {
        bail!("responder: {}", errors.join("; "));
    }
    Ok(format!("{EACH} sync and {EACH} concurrent requests answered with body and user property"))
}
