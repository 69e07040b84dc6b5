//! Consuming scenarios: s06 (orderly push consumer), s07 (delay level), s10 (two push consumers rebalance), s11 (a restarted push consumer resumes from the
//! persisted offsets), s12 (lite pull consumer: subscribe, then assign + seek).

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bolide_client::{ConsumeConcurrentlyStatus, ConsumeOrderlyStatus, Expression, MessageExt, SelectByHash};
use tokio::time::Instant;

use crate::collect::{Collector, Shared};
use crate::env::{message, Env};

const QUEUES: i32 = 4;
/// A pause after the last expected message, for offsets to be persisted and strays to arrive.
const SETTLE: Duration = Duration::from_secs(1);

pub async fn send_numbered(
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

/// s06: 3 sharding keys × 50 messages through a queue selector (hash of the key); an orderly
/// push consumer consumes each queue in order, so each key's messages arrive in order.
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
    let collector = Shared::default();
    let options = env.push_options(&env.group(""), &topic, Expression::all());
    env.step("starting an orderly consumer");
    env.orderly_push_consumer(options, {
        let collector = collector.clone();
        move |messages, _context| {
            collector.add(&messages);
            async { ConsumeOrderlyStatus::Success }
        }
    })
    .await?;
    collector.wait(env, PER_KEY * keys.len(), Duration::from_secs(60)).await?;
    let received = collector.with(|c| c.received.clone());
    let mut seen: HashMap<&str, Vec<usize>> = HashMap::new();
    for received in &received {
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
        "{} keys x {PER_KEY} messages (queues {queues:?} by hash selector) consumed in per-key order by an orderly push consumer",
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
    let collector = env.collecting_consumer(&topic).await?;
    // A plain message first proves the consumer is pulling before the clock starts.
    producer.send(&message(&topic, "warm-up", "warm-up")).await.context("send warm-up")?;
    collector.wait(env, 1, Duration::from_secs(30)).await.context("warm-up")?;
    env.step("sending the delayed message");
    let sent_at = Instant::now();
    producer.send(&message(&topic, "delayed", "delayed").with_delay_level(2)).await.context("send delayed")?;
    let sent_done = Instant::now();
    collector.wait(env, 2, Duration::from_secs(20)).await?;
    let arrived = collector.with(|c| c.arrived("delayed")).context("the delayed message did not arrive")?;
    let (early, late) = (arrived - sent_at, arrived - sent_done);
    if early < Duration::from_secs(5) {
        bail!("delayed message arrived after {early:?}, before the 5 s delay");
    }
    if late > Duration::from_secs(6) {
        bail!("delayed message arrived after {late:?}, more than 1 s late");
    }
    Ok(format!("delay level 2 arrived after {} ms", early.as_millis()))
}

/// s10: two push consumers of one group split the queues; one leaves; the other takes over
/// every queue and nothing sent afterwards is lost.
pub async fn s10_clustering_rebalance(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, QUEUES).await?;
    let producer = env.producer().await?;
    let group = env.group("");
    let all = Shared::default();
    let mine = [Shared::default(), Shared::default()];
    let mut consumers = Vec::new();
    for collector in &mine {
        let (collector, all) = (collector.clone(), all.clone());
        let listener = move |messages: Vec<MessageExt>, _context| {
            collector.add(&messages);
            all.add(&messages);
            async { ConsumeConcurrentlyStatus::Success }
        };
        consumers.push(env.push_consumer_with(env.push_options(&group, &topic, Expression::all()), listener).await?);
    }
    env.step("letting the two consumers rebalance");
    tokio::time::sleep(Duration::from_secs(5)).await;
    const COUNT: usize = 40;
    send_numbered(env, &producer, &topic, "before", COUNT).await?;
    all.wait(env, COUNT, Duration::from_secs(30)).await?;
    tokio::time::sleep(SETTLE).await;
    let split = (mine[0].distinct(), mine[1].distinct());
    if split.0 == 0 || split.1 == 0 {
        bail!("queues not split: consumers got {} and {} messages", split.0, split.1);
    }
    env.step("stopping the second consumer");
    consumers[1].shutdown().await;
    send_numbered(env, &producer, &topic, "after", COUNT).await?;
    all.wait_until(env, Duration::from_secs(60), "every message after one consumer left", |c| {
        c.count_prefix("after-") >= COUNT
    })
    .await?;
    Ok(format!(
        "split {}/{} before, all {} arrived after one consumer left ({} redeliveries)",
        split.0,
        split.1,
        2 * COUNT,
        all.with(Collector::duplicates)
    ))
}

/// s11: a push consumer restarted in the same group resumes from the offsets it persisted.
pub async fn s11_consumer_restart_resume(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, QUEUES).await?;
    let producer = env.producer().await?;
    let group = env.group("");
    const COUNT: usize = 20;
    send_numbered(env, &producer, &topic, "first", COUNT).await?;
    let before = Shared::default();
    let consumer = env.push_consumer(env.push_options(&group, &topic, Expression::all()), &before).await?;
    before.wait(env, COUNT, Duration::from_secs(30)).await?;
    tokio::time::sleep(SETTLE).await;
    env.step("stopping the first consumer");
    consumer.shutdown().await;
    send_numbered(env, &producer, &topic, "second", COUNT).await?;
    let after = Shared::default();
    env.step("restarting the consumer");
    env.push_consumer(env.push_options(&group, &topic, Expression::all()), &after).await?;
    after
        .wait_until(env, Duration::from_secs(40), "the second batch after restart", |c| {
            c.count_prefix("second-") >= COUNT
        })
        .await?;
    // A little longer, to see any old message come again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let again = after.with(|c| c.count_prefix("first-"));
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
