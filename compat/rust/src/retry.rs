//! s08, retry and dead letters: a push consumer that always fails sees the message again through
//! `%RETRY%<group>` until max reconsume times, then a second group reads it from `%DLQ%<group>`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Result};
use bolide_client::{ConsumeConcurrentlyStatus, Expression};
use tokio::time::Instant;

use crate::collect::Shared;
use crate::env::{message, Env};

const MAX_RECONSUME: i32 = 2;

pub async fn s08_retry_and_dlq(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, 4).await?;
    let producer = env.producer().await?;
    producer.send(&message(&topic, "doomed", "always fails")).await?;
    let group = env.group("");
    let attempts: Arc<Mutex<Vec<i32>>> = Arc::default();
    let mut options = env.push_options(&group, &topic, Expression::all());
    options.max_reconsume_times = MAX_RECONSUME;
    env.step("starting a consumer that always fails");
    env.push_consumer_with(options, {
        let attempts = attempts.clone();
        move |messages, _context| {
            if let Ok(mut attempts) = attempts.lock() {
                attempts.extend(messages.iter().map(|m| m.reconsume_times));
            }
            // Retry after 1 s instead of the broker's 10 s, 30 s, as the other programs do.
            async { ConsumeConcurrentlyStatus::ReconsumeLater { delay_level: 1 } }
        }
    })
    .await?;
    let want = (MAX_RECONSUME + 1) as usize;
    let seen = || attempts.lock().map(|a| a.clone()).unwrap_or_default();
    env.step(format!("waiting for {want} delivery attempts"));
    let end = Instant::now() + Duration::from_secs(60);
    while seen().len() < want && Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let dlq = format!("%DLQ%{group}");
    env.step(format!("waiting for the route of {dlq}"));
    let end = Instant::now() + Duration::from_secs(20);
    while !env.has_route(&dlq).await? {
        if Instant::now() >= end {
            bail!("{dlq} has no route after {} delivery attempts {:?}", seen().len(), seen());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The DLQ is an ordinary readable topic: a second group reads the message back from it.
    let dead = Shared::default();
    env.push_consumer(env.push_options(&env.group("_dlq"), &dlq, Expression::all()), &dead).await?;
    dead.wait(env, 1, Duration::from_secs(30)).await.map_err(|err| err.context(format!("reading {dlq}")))?;
    let intact = dead.with(|c| c.get("doomed").is_some_and(|m| m.body.as_ref() == b"always fails"));
    if !intact {
        bail!("{dlq} does not hold the failed message intact");
    }
    env.step("checking that nothing more is delivered");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let in_dlq = dead.with(|c| c.received.len());
    if in_dlq != 1 {
        bail!("{dlq} delivered {in_dlq} messages, want 1");
    }
    let seen = seen();
    if seen.len() != want || seen.iter().enumerate().any(|(i, times)| *times != i as i32) {
        bail!("{} delivery attempts (reconsume times {seen:?}), want {want} (0..={MAX_RECONSUME})", seen.len());
    }
    Ok(format!("{want} attempts via the retry topic, then read back from {dlq} (push consumer)"))
}
