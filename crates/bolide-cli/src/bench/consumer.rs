//! `bolide bench consumer`: one pull consumer on all of a topic's queues.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use bolide_client::{ConsumeFrom, PullConsumer, PullConsumerOptions};
use serde_json::json;

use super::report::{Stats, Summary};
use super::ERRORS_SHOWN;
use super::{error_chain, print_summary, seconds_flag, spawn_live_lines, wait_for_queues, ConsumerArgs, Stop};

pub async fn run(args: ConsumerArgs) -> anyhow::Result<()> {
    let idle_limit = args.idle_secs.map(|seconds| seconds_flag(seconds, "--idle")).transpose()?;
    let config = args.common.client_config();
    let options =
        PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new(&args.group) };
    let mut consumer = PullConsumer::with_options(config, options).await.context("start the consumer")?;
    let queues = wait_for_queues(&consumer, &args.common.topic).await?;
    consumer.assign(queues).await;
    let stats = Arc::new(Stats::new());
    let stop = Stop::start(args.common.duration_secs)?;
    let done = Arc::new(AtomicBool::new(false));
    spawn_live_lines(stats.clone(), done.clone(), "consumed", args.common.json);

    let started = Instant::now();
    let mut last_message = Instant::now();
    let mut last_commit = Instant::now();
    let mut failures = 0u64;
    let mut finished = started;
    while !stop.is_set() && args.common.count.is_none_or(|count| stats.messages() < count) {
        if idle_limit.is_some_and(|limit| last_message.elapsed() >= limit) {
            break;
        }
        match consumer.poll(Duration::from_secs(1)).await {
            Ok(messages) if !messages.is_empty() => {
                let now_ms = epoch_ms();
                for message in &messages {
                    // Born-to-consume latency (meaningful when consuming live, not catching up).
                    let latency_ms = u64::try_from(now_ms - message.born_timestamp_ms).unwrap_or(0);
                    stats.record_latency(Duration::from_millis(latency_ms));
                    stats.count(1, message.body.len() as u64);
                }
                last_message = Instant::now();
                finished = last_message;
            }
            Ok(_) => {}
            Err(err) => {
                failures += 1;
                if failures <= ERRORS_SHOWN {
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
    done.store(true, Ordering::Relaxed);
    consumer.commit().await.context("commit the final offsets")?;
    consumer.shutdown().await;

    // The rate covers the time until the last message arrived, not the idle wait after it.
    let elapsed = finished.saturating_duration_since(started).max(Duration::from_millis(1));
    let mut summary = Summary::of(&stats, elapsed);
    summary.failed = failures;
    let settings = json!({ "mode": "consumer", "topic": args.common.topic, "group": args.group });
    print_summary(&summary, "consumed", settings, args.common.json);
    Ok(())
}

fn epoch_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as i64)
}
