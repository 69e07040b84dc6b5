//! `bolide bench consumer`: pull consumers reading all of a topic's queues, the queues dealt
//! round-robin to `-w` readers (one pull consumer each) so that several pulls are in flight.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use bolide_client::{ConsumeFrom, MessageQueue, PullConsumer, PullConsumerOptions};
use serde_json::json;
use tokio::task::JoinSet;

use super::report::{Stats, Summary};
use super::ERRORS_SHOWN;
use super::{error_chain, print_summary, seconds_flag, spawn_live_lines, wait_for_queues, ConsumerArgs, Stop};

/// What the readers share: the figures, when to stop, and when the last message arrived.
struct Shared {
    stats: Arc<Stats>,
    stop: Arc<Stop>,
    count: Option<u64>,
    idle_limit: Option<Duration>,
    started: Instant,
    /// Microseconds from `started` to the last message any reader received.
    last_message_us: AtomicU64,
    failures: AtomicU64,
}

impl Shared {
    fn keep_going(&self) -> bool {
        if self.stop.is_set() || self.count.is_some_and(|count| self.stats.messages() >= count) {
            return false;
        }
        let quiet =
            self.started.elapsed().saturating_sub(Duration::from_micros(self.last_message_us.load(Ordering::Relaxed)));
        self.idle_limit.is_none_or(|limit| quiet < limit)
    }

    fn message_arrived(&self) {
        let now_us = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.last_message_us.fetch_max(now_us, Ordering::Relaxed);
    }
}

pub async fn run(args: ConsumerArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.readers > 0, "-w (readers) must be at least 1");
    let idle_limit = args.idle_secs.map(|seconds| seconds_flag(seconds, "--idle")).transpose()?;
    let mut consumers = Vec::with_capacity(args.readers);
    for _ in 0..args.readers {
        consumers.push(start_consumer(&args).await?);
    }
    let queues = wait_for_queues(&consumers[0], &args.common.topic).await?;
    let readers = args.readers.min(queues.len()).max(1);
    while consumers.len() > readers {
        if let Some(spare) = consumers.pop() {
            spare.shutdown().await;
        }
    }
    for (index, consumer) in consumers.iter_mut().enumerate() {
        let share: Vec<MessageQueue> = queues.iter().skip(index).step_by(readers).cloned().collect();
        consumer.assign(share).await;
    }

    let stats = Arc::new(Stats::new());
    let done = Arc::new(AtomicBool::new(false));
    spawn_live_lines(stats.clone(), done.clone(), "consumed", args.common.json);
    let shared = Arc::new(Shared {
        stats: stats.clone(),
        stop: Stop::start(args.common.duration_secs)?,
        count: args.common.count,
        idle_limit,
        started: Instant::now(),
        last_message_us: AtomicU64::new(0),
        failures: AtomicU64::new(0),
    });
    let mut tasks = JoinSet::new();
    for consumer in consumers {
        tasks.spawn(read(consumer, shared.clone()));
    }
    let mut outcome = Ok(());
    while let Some(joined) = tasks.join_next().await {
        let result = joined.context("a reader task failed").and_then(|result| result);
        if outcome.is_ok() {
            outcome = result;
        }
    }
    done.store(true, Ordering::Relaxed);
    outcome?;

    // The rate covers the time until the last message arrived, not the idle wait after it.
    let elapsed = Duration::from_micros(shared.last_message_us.load(Ordering::Relaxed)).max(Duration::from_millis(1));
    let mut summary = Summary::of(&stats, elapsed);
    summary.failed = shared.failures.load(Ordering::Relaxed);
    let settings = json!({ "mode": "consumer", "topic": args.common.topic, "group": args.group, "readers": readers });
    print_summary(&summary, "consumed", settings, args.common.json);
    Ok(())
}

async fn start_consumer(args: &ConsumerArgs) -> anyhow::Result<PullConsumer> {
    let config = args.common.client_config();
    let options =
        PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new(&args.group) };
    PullConsumer::with_options(config, options).await.context("start the consumer")
}

/// One reader: polls its queues, commits once a second and at the end.
async fn read(mut consumer: PullConsumer, shared: Arc<Shared>) -> anyhow::Result<()> {
    let mut last_commit = Instant::now();
    while shared.keep_going() {
        match consumer.poll(Duration::from_secs(1)).await {
            Ok(messages) if !messages.is_empty() => {
                let now_ms = epoch_ms();
                for message in &messages {
                    // Born-to-consume latency (meaningful when consuming live, not catching up).
                    let latency_ms = u64::try_from(now_ms - message.born_timestamp_ms).unwrap_or(0);
                    shared.stats.record_latency(Duration::from_millis(latency_ms));
                    shared.stats.count(1, message.body.len() as u64);
                }
                shared.message_arrived();
            }
            Ok(_) => {}
            Err(err) => {
                if shared.failures.fetch_add(1, Ordering::Relaxed) < ERRORS_SHOWN {
                    eprintln!("poll failed: {}", error_chain(&err));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        if last_commit.elapsed() >= Duration::from_secs(1) {
            if let Err(err) = consumer.commit().await {
                eprintln!("commit failed: {}", error_chain(&err));
            }
            last_commit = Instant::now();
        }
    }
    consumer.commit().await.context("commit the final offsets")?;
    consumer.shutdown().await;
    Ok(())
}

fn epoch_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as i64)
}
