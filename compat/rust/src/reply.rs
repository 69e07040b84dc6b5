//! s17, request-reply: sync and concurrent requests answered by a responder (a push consumer that
//! builds each reply with `Message::reply_to` and sends it with its own producer); bodies and
//! user properties come back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bolide_client::{ConsumeConcurrentlyStatus, Expression, Message, MessageExt};

use crate::env::{message, Env, SEQ_PROPERTY};

const EACH: usize = 3;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn s17_request_reply(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, 4).await?;
    let replier = env.producer().await?;
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let listener = {
        let errors = errors.clone();
        move |requests: Vec<MessageExt>, _context| {
            let (replier, errors) = (replier.clone(), errors.clone());
            async move {
                for request in requests {
                    let body = format!("reply to {}", String::from_utf8_lossy(&request.body));
                    let seq = request.property(SEQ_PROPERTY).unwrap_or_default().to_owned();
                    let reply = Message::reply_to(&request, body).map(|reply| reply.with_property(SEQ_PROPERTY, &seq));
                    let sent = match reply {
                        Ok(reply) => replier.send(&reply).await.map(drop),
                        Err(err) => Err(err),
                    };
                    if let Err(err) = sent {
                        if let Ok(mut errors) = errors.lock() {
                            errors.push(format!("replying to {seq}: {err}"));
                        }
                    }
                }
                ConsumeConcurrentlyStatus::Success
            }
        }
    };
    env.push_consumer_with(env.push_options(&env.group(""), &topic, Expression::all()), listener).await?;
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
    let errors = errors.lock().map(|errors| errors.join("; ")).unwrap_or_default();
    if !errors.is_empty() {
        bail!("responder: {errors}");
    }
    Ok(format!("{EACH} sync and {EACH} concurrent requests answered with body and user property"))
}
