//! Admin scenarios with bolide-client's `AdminClient`: s01 (a topic and a subscription group
//! created; route and topic list served), s13 (messages found by key and by both ids; consumer
//! lag), s14 (a running group's offset reset by time).

use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use bolide_client::{Expression, SendResult};
use bolide_protocol::body::SubscriptionGroupConfig;
use bolide_protocol::message::{stored, OffsetMessageId};
use tokio::time::Instant;

use crate::collect::Shared;
use crate::consume::send_numbered;
use crate::env::{message, Env, SEQ_PROPERTY};

const QUEUES: i32 = 4;
/// A listener records a message before it returns, and the client commits the offset only after
/// it returns: one second lets the last listeners return before a consumer stops.
const SETTLE: Duration = Duration::from_secs(1);
/// How long the index and the consume stats get to catch up with what was sent.
const CATCH_UP: Duration = Duration::from_secs(15);

/// s01: a topic with 4 queues and a subscription group created through the admin API; the
/// NameServer serves the route and lists the topic, each master stores the group.
pub async fn s01_admin_create_topic(env: &Env) -> Result<String> {
    let topic = env.topic("");
    let group = env.group("");
    let admin = env.admin()?;
    let masters = env.masters(&admin).await?;
    env.step(format!("creating topic {topic}"));
    for addr in &masters {
        admin
            .create_topic(addr, &topic_config(&topic), None)
            .await
            .with_context(|| format!("create topic on {addr}"))?;
    }
    env.step(format!("waiting for the route of {topic}"));
    let end = Instant::now() + CATCH_UP;
    let route = loop {
        match admin.topic_route(&topic).await {
            Ok(route) if route.queue_datas.iter().map(|q| q.read_queue_nums).sum::<i32>() == QUEUES => break route,
            Ok(_) | Err(_) if Instant::now() < end => tokio::time::sleep(Duration::from_millis(300)).await,
            Ok(route) => bail!("route of {topic} has {:?}, want {QUEUES} read queues", route.queue_datas),
            Err(err) => return Err(err).context(format!("route of {topic}")),
        }
    };
    ensure!(!route.broker_datas.is_empty(), "route of {topic} names no broker");
    env.step("listing topics");
    let topics = admin.topic_list().await.context("topic list")?;
    ensure!(topics.contains(&topic), "topic list ({} topics) lacks {topic}", topics.len());
    for addr in &masters {
        env.step(format!("creating subscription group {group} on {addr}"));
        let config = SubscriptionGroupConfig { retry_max_times: 3, ..SubscriptionGroupConfig::new(&group) };
        admin.create_subscription_group(addr, &config).await.with_context(|| format!("create group on {addr}"))?;
        let stored = admin.subscription_group(addr, &group).await.with_context(|| format!("group on {addr}"))?;
        ensure!(stored.group_name == group, "{addr} returned group {} for {group}", stored.group_name);
        ensure!(stored.retry_max_times == 3, "group retryMaxTimes {}, want 3", stored.retry_max_times);
    }
    admin.shutdown().await;
    Ok("topic with 4 queues and subscription group created; route and topic list served by the NameServer".into())
}

fn topic_config(topic: &str) -> bolide_protocol::body::TopicConfig {
    bolide_protocol::body::TopicConfig {
        read_queue_nums: QUEUES,
        write_queue_nums: QUEUES,
        topic_name: topic.to_owned(),
        ..bolide_protocol::body::TopicConfig::default()
    }
}

/// s13: 20 keyed messages; the admin API finds one by key, one by offset message id and one by
/// unique message id; after a consumer read all 20 and stopped, 5 more are sent and the consume
/// stats show a lag of 5.
pub async fn s13_admin_query_and_lag(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, QUEUES).await?;
    let producer = env.producer().await?;
    const COUNT: usize = 20;
    env.step("sending keyed messages");
    let mut sent: Vec<SendResult> = Vec::with_capacity(COUNT);
    for i in 0..COUNT {
        let keyed = message(&topic, &format!("q-{i}"), format!("query body {i}")).with_keys([format!("key-{i}")]);
        sent.push(producer.send(&keyed).await.context("send")?);
    }
    let admin = env.admin()?;
    let masters = env.masters(&admin).await?;

    env.step("querying by key");
    let end = Instant::now() + CATCH_UP;
    let mut last = String::from("nothing found");
    loop {
        let mut found = None;
        for addr in &masters {
            match admin.query_messages(addr, &topic, "key-7", false, 0, i64::MAX, 32).await {
                Ok(records) => found = found.or(seq_of(&records, "q-7")?),
                Err(err) => last = err.to_string(),
            }
        }
        match found {
            Some(_) => break,
            None if Instant::now() < end => tokio::time::sleep(Duration::from_millis(500)).await,
            None => bail!("query by key key-7 found nothing within {} s: {last}", CATCH_UP.as_secs()),
        }
    }

    env.step("viewing by offset message id");
    let id = OffsetMessageId::parse(&sent[3].offset_msg_id).context("offset message id of q-3")?;
    let offset = i64::try_from(id.commit_log_offset).context("commit log offset")?;
    let viewed = admin.view_message(&id.store_host.to_string(), offset).await.context("view by offset id")?;
    let by_offset_id = seq_of(&viewed, "q-3")?;
    ensure!(by_offset_id.is_some(), "view by offset id {} did not return q-3", sent[3].offset_msg_id);

    env.step("querying by unique message id");
    let mut by_unique_id = None;
    for addr in &masters {
        if let Ok(records) = admin.query_messages(addr, &topic, &sent[5].msg_id, true, 0, i64::MAX, 32).await {
            by_unique_id = by_unique_id.or(seq_of(&records, "q-5")?);
        }
    }
    ensure!(by_unique_id.is_some(), "query by unique id {} did not return q-5", sent[5].msg_id);

    let group = env.group("");
    let collector = Shared::default();
    let consumer = env.push_consumer(env.push_options(&group, &topic, Expression::all()), &collector).await?;
    collector.wait(env, COUNT, Duration::from_secs(30)).await?;
    tokio::time::sleep(SETTLE).await;
    env.step("stopping the consumer");
    consumer.shutdown().await;
    const EXTRA: usize = 5;
    send_numbered(env, &producer, &topic, "lag", EXTRA).await?;

    env.step("reading consumer progress");
    let end = Instant::now() + CATCH_UP;
    let (mut lag, mut broker_total) = (-1, -1);
    while Instant::now() < end {
        let (mut diff, mut total) = (0, 0);
        for addr in &masters {
            match admin.consume_stats(addr, &group, Some(&topic)).await {
                Ok(stats) => {
                    for (_, offsets) in stats.offset_table.iter().filter(|(queue, _)| queue.topic == topic) {
                        total += offsets.broker_offset;
                        diff += offsets.broker_offset - offsets.consumer_offset;
                    }
                }
                Err(err) => last = err.to_string(),
            }
        }
        (lag, broker_total) = (diff, total);
        if lag == EXTRA as i64 && broker_total == (COUNT + EXTRA) as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    ensure!(
        broker_total == (COUNT + EXTRA) as i64,
        "consume stats: broker offsets add up to {broker_total}, want {} ({last})",
        COUNT + EXTRA
    );
    ensure!(lag == EXTRA as i64, "consume stats: lag {lag}, want {EXTRA}");
    admin.shutdown().await;
    Ok(format!("found by key and by both ids; lag {lag} after {COUNT} consumed and {EXTRA} more sent"))
}

/// The sequence property of the record in `records` whose sequence is `want`, if any.
fn seq_of(records: &[u8], want: &str) -> Result<Option<String>> {
    for record in stored::messages(records) {
        let record = record.context("a returned record does not decode")?;
        if record.property(SEQ_PROPERTY) == Some(want) {
            return Ok(Some(want.to_owned()));
        }
    }
    Ok(None)
}

/// s14: two batches 2 s apart; a consumer reads both; its group's offset is reset to a time
/// between them while it runs, and it consumes the later batch again, the earlier not.
pub async fn s14_reset_offset_by_time(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, QUEUES).await?;
    let producer = env.producer().await?;
    const COUNT: usize = 10;
    send_numbered(env, &producer, &topic, "a", COUNT).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let reset_to = now_ms();
    tokio::time::sleep(Duration::from_millis(500)).await;
    send_numbered(env, &producer, &topic, "b", COUNT).await?;
    let group = env.group("");
    let collector = Shared::default();
    env.push_consumer(env.push_options(&group, &topic, Expression::all()), &collector).await?;
    collector.wait(env, 2 * COUNT, Duration::from_secs(30)).await?;
    // Let the consumed offsets reach the broker.
    tokio::time::sleep(Duration::from_secs(2)).await;

    env.step("resetting the offset by time");
    let admin = env.admin()?;
    let mut reset_queues = 0;
    for addr in env.masters(&admin).await? {
        let reset = admin.reset_offset(&addr, &group, &topic, reset_to, true).await.context("reset offset")?;
        reset_queues += reset.offset_table.len();
    }
    ensure!(reset_queues > 0, "reset by timestamp changed no queue");
    collector
        .wait_until(env, Duration::from_secs(40), "the later batch again", |c| {
            c.deliveries_with_prefix("b-") >= 2 * COUNT
        })
        .await?;
    // A little longer, to see any earlier message come again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let again = collector.with(|c| c.deliveries_with_prefix("b-")) - COUNT;
    let before = collector.with(|c| c.deliveries_with_prefix("a-")) - COUNT;
    ensure!(again >= COUNT, "after the reset only {again} of the {COUNT} later messages were consumed again");
    ensure!(before == 0, "after the reset {before} messages from before the reset time were consumed again");
    admin.shutdown().await;
    Ok(format!(
        "reset to a time between two batches on {reset_queues} queues; the {COUNT} later messages were consumed again, the earlier ones not"
    ))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
