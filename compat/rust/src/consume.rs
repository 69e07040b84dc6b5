//! Consuming scenarios with the lite pull consumer: s06 (orderly), s07 (delay level), s10
//! (rebalance in subscribe mode), s11 (restart resumes from the committed offset), s12 (subscribe,
//! then assign + seek).

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bolide_client::{PullConsumer, SelectByHash};
use tokio::time::Instant;

use crate::collect::Collector;
use crate::env::{message, Env};

const QUEUES: i32 = 4;

async fn send_numbered(
    env: &Env,
    producer: &bolide_client::Producer,
    topic: &str,
    prefix: &str,
    count: usize,
) -> Result<()> {
    env.step(format!("sending {count} {prefix} messages"));
    for i in 0..count {
        producer.send(&message(topic, &format!("{prefix}-{i}"), prefix.to_owned())).await.context("send")?;
    }
    Ok(())
}

/// s06: 3 sharding keys × 50 messages through a queue selector (hash of the key); the pull
/// consumer reads each queue in order, so each key's messages arrive in order.
pub async fn s06_orderly(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, QUEUES).await?;
    let producer = env.producer().await?;
    let keys = ["order-a", "order-b", "order-c"];
    const PER_KEY: usize = 50;
    env.step("sending ordered messages");
    let mut queue_of_key = HashMap::new();
    for i in 0..PER_KEY {
        for key in keys {
            let message = message(&topic, &format!("{key}-{i}"), i.to_string()).with_property("compat_key", key);
            let result = producer.send_with_selector(&message, &SelectByHash(key)).await.context("send")?;
            if *queue_of_key.entry(key).or_insert(result.queue.queue_id) != result.queue.queue_id {
                bail!("the selector sent key {key} to two queues");
            }
        }
    }
    let mut consumer = env.assigned_consumer(&env.group(""), &topic).await?;
    let mut collector = Collector::default();
    collector.wait(env, &mut consumer, PER_KEY * keys.len(), Duration::from_secs(60)).await?;
    consumer.shutdown().await;
    let mut seen: HashMap<&str, Vec<usize>> = HashMap::new();
    for received in &collector.received {
        let key = received.property("compat_key").unwrap_or_default();
        let index = std::str::from_utf8(&received.body).ok().and_then(|text| text.parse().ok());
        let (Some(key), Some(index)) = (keys.iter().find(|k| **k == key), index) else {
            bail!("unexpected message {:?}", received.property("compat_seq"));
        };
        seen.entry(key).or_default().push(index);
    }
    for key in keys {
        check_order(key, seen.get(key).map(Vec::as_slice).unwrap_or_default(), PER_KEY)?;
    }
    let queues: Vec<i32> = keys.iter().map(|key| queue_of_key[key]).collect();
    Ok(format!(
        "{} keys x {PER_KEY} messages (queues {queues:?} by hash selector) read in per-key order by a pull consumer",
        keys.len()
    ))
}

/// Checks that one key's message indexes, in the order received, are 0, 1, … `count - 1`; a
/// redelivery may repeat an earlier index, a jump forward is disorder.
fn check_order(key: &str, received: &[usize], count: usize) -> Result<()> {
    let mut next = 0;
    for &index in received {
        if index == next {
            next += 1;
        } else if index > next {
            bail!("key {key}: got message {index} before {next}");
        }
    }
    if next != count {
        bail!("key {key}: only {next} of {count} in order");
    }
    Ok(())
}

/// s07: delay level 2 (5 s) arrives no earlier than 5 s and at most 1 s late.
pub async fn s07_delay_level(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, QUEUES).await?;
    let producer = env.producer().await?;
    let mut consumer = env.assigned_consumer(&env.group(""), &topic).await?;
    let mut collector = Collector::default();
    // A plain message first proves the consumer is pulling before the clock starts.
    producer.send(&message(&topic, "warm-up", "warm-up")).await.context("send warm-up")?;
    collector.wait(env, &mut consumer, 1, Duration::from_secs(30)).await.context("warm-up")?;
    env.step("sending the delayed message");
    let sent_at = Instant::now();
    producer.send(&message(&topic, "delayed", "delayed").with_delay_level(2)).await.context("send delayed")?;
    let sent_done = Instant::now();
    collector.wait(env, &mut consumer, 2, Duration::from_secs(20)).await?;
    consumer.shutdown().await;
    let arrived = collector.arrived("delayed").context("the delayed message did not arrive")?;
    let (early, late) = (arrived - sent_at, arrived - sent_done);
    if early < Duration::from_secs(5) {
        bail!("delayed message arrived after {early:?}, before the 5 s delay");
    }
    if late > Duration::from_secs(6) {
        bail!("delayed message arrived after {late:?}, more than 1 s late");
    }
    Ok(format!("delay level 2 arrived after {} ms", early.as_millis()))
}

/// Polls two consumers in turn until `done` holds for `all`.
async fn poll_both(
    env: &Env,
    consumers: [&mut PullConsumer; 2],
    collectors: &mut [Collector; 2],
    all: &mut Collector,
    count: usize,
    timeout: Duration,
) -> Result<()> {
    env.step(format!("polling two consumers for {count} messages"));
    let end = Instant::now() + timeout;
    let [first, second] = consumers;
    while all.distinct() < count {
        if Instant::now() >= end {
            bail!("received {} of {count} messages within {} s", all.distinct(), timeout.as_secs());
        }
        for (consumer, collector) in [&mut *first, &mut *second].into_iter().zip(collectors.iter_mut()) {
            let messages = consumer.poll(Duration::from_millis(300)).await?;
            collector.add(&messages);
            all.add(&messages);
        }
    }
    Ok(())
}

/// s10: two consumers of one group in subscribe mode split the queues; one leaves (committing
/// first); the other takes over every queue and nothing sent afterwards is lost.
pub async fn s10_clustering_rebalance(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, QUEUES).await?;
    let producer = env.producer().await?;
    let group = env.group("");
    let mut first = env.consumer(&group).await?;
    let mut leaver = env.consumer(&group).await?;
    first.subscribe(&topic).await.context("subscribe")?;
    leaver.subscribe(&topic).await.context("subscribe")?;
    env.step("rebalancing the two consumers");
    // Both are registered with the broker now: each computes its share of the queues.
    first.rebalance().await.context("rebalance")?;
    leaver.rebalance().await.context("rebalance")?;
    let shares = (first.assignment().len(), leaver.assignment().len());
    if shares != (2, 2) {
        bail!("4 queues split {}/{} between two consumers, want 2/2", shares.0, shares.1);
    }
    const COUNT: usize = 40;
    send_numbered(env, &producer, &topic, "before", COUNT).await?;
    let mut collectors = [Collector::default(), Collector::default()];
    let mut all = Collector::default();
    poll_both(env, [&mut first, &mut leaver], &mut collectors, &mut all, COUNT, Duration::from_secs(30)).await?;
    let split = (collectors[0].distinct(), collectors[1].distinct());
    if split.0 == 0 || split.1 == 0 {
        bail!("queues not split: consumers got {} and {} messages", split.0, split.1);
    }
    env.step("stopping the second consumer");
    first.commit().await.context("commit")?;
    leaver.commit().await.context("commit")?;
    leaver.shutdown().await;
    first.rebalance().await.context("rebalance after one consumer left")?;
    if first.assignment().len() != QUEUES as usize {
        bail!("the remaining consumer has {} queues after the other left, want 4", first.assignment().len());
    }
    send_numbered(env, &producer, &topic, "after", COUNT).await?;
    all.poll_until(env, &mut first, Duration::from_secs(60), "every message after one consumer left", |c| {
        c.count_prefix("after-") >= COUNT
    })
    .await?;
    first.shutdown().await;
    if all.distinct() != 2 * COUNT {
        bail!("received {} distinct messages, want {}", all.distinct(), 2 * COUNT);
    }
    Ok(format!(
        "split {}/{} before, all {} arrived after one consumer left ({} redeliveries)",
        split.0,
        split.1,
        2 * COUNT,
        all.duplicates()
    ))
}

/// s11: a consumer restarted in the same group resumes from the committed offset.
pub async fn s11_consumer_restart_resume(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, QUEUES).await?;
    let producer = env.producer().await?;
    let group = env.group("");
    const COUNT: usize = 20;
    send_numbered(env, &producer, &topic, "first", COUNT).await?;
    let mut consumer = env.assigned_consumer(&group, &topic).await?;
    let mut before = Collector::default();
    before.wait(env, &mut consumer, COUNT, Duration::from_secs(30)).await?;
    env.step("committing and stopping the first consumer");
    consumer.commit().await.context("commit")?;
    consumer.shutdown().await;
    send_numbered(env, &producer, &topic, "second", COUNT).await?;
    let mut restarted = env.assigned_consumer(&group, &topic).await?;
    let mut after = Collector::default();
    after
        .poll_until(env, &mut restarted, Duration::from_secs(40), "the second batch after restart", |c| {
            c.count_prefix("second-") >= COUNT
        })
        .await?;
    // A little longer, to see any old message come again.
    let _ = after.poll_until(env, &mut restarted, Duration::from_secs(2), "redeliveries", |_| false).await;
    restarted.shutdown().await;
    let again = after.count_prefix("first-");
    if again > COUNT / 4 {
        bail!("restart re-delivered {again} of {COUNT} already consumed messages: offset not resumed");
    }
    Ok(format!("resumed after restart: {COUNT} new messages, {again} re-delivered"))
}

/// s12: the lite pull consumer in subscribe mode (poll, commit), then assign + seek to re-read
/// one queue from offset 0.
pub async fn s12_lite_pull(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, QUEUES).await?;
    let producer = env.producer().await?;
    const COUNT: usize = 20;
    env.step("sending");
    let mut per_queue: HashMap<i32, u64> = HashMap::new();
    for i in 0..COUNT {
        let result = producer.send(&message(&topic, &format!("p-{i}"), "pull")).await.context("send")?;
        *per_queue.entry(result.queue.queue_id).or_default() += 1;
    }
    let group = env.group("");
    let mut subscriber = env.consumer(&group).await?;
    subscriber.subscribe(&topic).await.context("subscribe")?;
    let mut collector = Collector::default();
    collector.wait(env, &mut subscriber, COUNT, Duration::from_secs(30)).await.context("subscribe mode")?;
    subscriber.commit().await.context("commit")?;
    let queues = subscriber.queues(&topic).await?;
    let mut committed = 0;
    for queue in &queues {
        let want = per_queue.get(&queue.queue_id).copied().unwrap_or_default();
        let got = subscriber.committed(queue).await?.unwrap_or_default();
        if got != want {
            bail!("queue {}: committed offset {got} after reading {want} messages", queue.queue_id);
        }
        committed += got;
    }
    subscriber.shutdown().await;
    // Assign + seek: one queue read again from offset 0 by a consumer of another group.
    let queue_id = per_queue.keys().copied().min().context("no message was sent")?;
    let queue = queues.iter().find(|q| q.queue_id == queue_id).cloned().context("queue missing from the route")?;
    let mut reader = env.consumer(&env.group("_seek")).await?;
    reader.assign(vec![queue.clone()]).await;
    reader.seek(&queue, 0).context("seek")?;
    let want = per_queue[&queue_id] as usize;
    let mut reread = Collector::default();
    reread.wait(env, &mut reader, want, Duration::from_secs(20)).await.context("assign + seek")?;
    let _ = reread.poll_until(env, &mut reader, Duration::from_secs(1), "stray messages", |_| false).await;
    reader.shutdown().await;
    if reread.received.iter().any(|m| m.queue != queue) || reread.distinct() != want {
        bail!(
            "seek to offset 0 of queue {queue_id} returned {} messages, want exactly the {want} of that queue",
            reread.distinct()
        );
    }
    Ok(format!(
        "polled {COUNT} messages in subscribe mode, committed {committed}; queue {queue_id} re-read from offset 0 \
         after assign + seek ({want} messages)"
    ))
}

#[cfg(test)]
mod tests {
    use super::check_order;

    #[test]
    fn order_check_accepts_redeliveries_and_refuses_gaps_and_jumps() {
        assert!(check_order("k", &[0, 1, 2], 3).is_ok());
        assert!(check_order("k", &[0, 1, 1, 0, 2], 3).is_ok(), "a redelivery repeats an earlier index");
        assert!(check_order("k", &[0, 2, 1], 3).is_err(), "2 before 1");
        assert!(check_order("k", &[0, 1], 3).is_err(), "one missing");
        assert!(check_order("k", &[], 1).is_err(), "none");
    }
}
