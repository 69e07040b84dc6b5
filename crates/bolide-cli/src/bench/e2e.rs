//! `bolide bench e2e`: a producer and a pull consumer in one process on one topic. Every body
//! starts with the run's id and its send time ([`Stamp`]), so the consumer measures the time
//! from the start of the send call to the message being in the consumer's hands.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bolide_client::{ConsumeFrom, Message, PullConsumer, PullConsumerOptions};
use serde_json::json;

use super::producer::{start_producer, Load, Stamp, STAMP_BYTES};
use super::report::{Stats, Summary};
use super::{error_chain, seconds_flag, spawn_live_lines, wait_for_queues, E2eArgs, Stop, ERRORS_SHOWN};

const PRODUCER_GROUP: &str = "benchmark_producer";

pub async fn run(args: E2eArgs) -> anyhow::Result<()> {
    args.send.validate()?;
    anyhow::ensure!(args.send.size >= STAMP_BYTES, "-s must be at least {STAMP_BYTES} bytes in e2e (the send stamp)");
    let drain = seconds_flag(args.drain_secs, "--drain")?;
    let topic = args.common.topic.as_str();
    let producer = start_producer(args.common.client_config(), PRODUCER_GROUP).await?;
    // One unstamped send first: it creates the topic where the broker auto-creates topics, so
    // the consumer finds its queues before the measured sends start.
    producer
        .send(&Message::new(topic, vec![0u8; args.send.size]))
        .await
        .with_context(|| format!("the first send to topic {topic}"))?;
    let mut consumer = start_consumer(&args, topic).await?;

    let stamp = Stamp { run_id: run_id(), origin: Instant::now() };
    let sent = Arc::new(Stats::new());
    let consumed = Arc::new(Stats::new());
    let stop = Stop::start(args.common.duration_secs)?;
    let sending = Arc::new(AtomicBool::new(true));
    let done = Arc::new(AtomicBool::new(false));
    spawn_live_lines(sent.clone(), done.clone(), "sent", args.common.json);
    spawn_live_lines(consumed.clone(), done.clone(), "e2e ", args.common.json);

    let reader = Reader { stamp, consumed: consumed.clone(), sent: sent.clone(), sending: sending.clone(), drain };
    let reading = tokio::spawn(async move {
        let outcome = reader.read(&mut consumer).await;
        consumer.shutdown().await;
        outcome
    });
    let load = Load::new(&args.send, topic, args.common.count, Some(stamp), sent.clone(), stop);
    let started = Instant::now();
    let sending_outcome = load.run(&producer).await;
    let send_elapsed = started.elapsed();
    sending.store(false, Ordering::Relaxed);
    let foreign = reading.await.context("the consumer task panicked")?;
    done.store(true, Ordering::Relaxed);
    producer.shutdown().await;
    sending_outcome?;

    let send_summary = Summary::of(&sent, send_elapsed);
    let e2e_summary = Summary::of(&consumed, send_elapsed);
    if args.common.json {
        let mut object = send_summary.json("sent", json!({}));
        let extra = json!({
            "mode": "e2e",
            "consumed": e2e_summary.messages,
            "poll_failed": e2e_summary.failed,
            "e2e_latency_ms": e2e_summary.latency_json(),
            "foreign_skipped": foreign,
            "topic": topic,
            "threads": args.send.threads,
            "message_size": args.send.size,
            "batch_size": args.send.batch_size,
            "async": args.send.pipelined,
            "rate": args.send.rate,
        });
        if let (Some(object), serde_json::Value::Object(extra)) = (object.as_object_mut(), extra) {
            object.extend(extra);
        }
        println!("{object}");
    } else {
        println!("{}", send_summary.text("sent"));
        println!(
            "consumed {} of {} sent; end-to-end latency ms: {}",
            e2e_summary.messages,
            send_summary.messages,
            e2e_summary.latency_text()
        );
    }
    Ok(())
}

/// A consumer on every queue of `topic`, positioned at the queues' ends.
async fn start_consumer(args: &E2eArgs, topic: &str) -> anyhow::Result<PullConsumer> {
    let config = args.common.client_config();
    let options =
        PullConsumerOptions { consume_from: ConsumeFrom::LastOffset, ..PullConsumerOptions::new(&args.group) };
    let mut consumer = PullConsumer::with_options(config, options).await.context("start the consumer")?;
    let queues = wait_for_queues(&consumer, topic).await?;
    consumer.assign(queues.clone()).await;
    for queue in &queues {
        consumer.seek_to_end(queue).await.with_context(|| format!("the end of {queue:?}"))?;
    }
    Ok(consumer)
}

/// A run id that differs between runs (and is never 0, the first send's).
fn run_id() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    hasher.finish().max(1)
}

/// The consuming side of an `e2e` run.
struct Reader {
    stamp: Stamp,
    consumed: Arc<Stats>,
    sent: Arc<Stats>,
    /// Cleared once every send task has finished.
    sending: Arc<AtomicBool>,
    drain: Duration,
}

impl Reader {
    /// Consumes until the sending is over and every message sent was read (or `drain` passed
    /// since); returns how many messages of other runs were skipped.
    async fn read(&self, consumer: &mut PullConsumer) -> u64 {
        let mut foreign = 0u64;
        let mut failures = 0u64;
        let mut drain_deadline = None;
        loop {
            if !self.sending.load(Ordering::Relaxed) {
                let deadline = *drain_deadline.get_or_insert_with(|| Instant::now() + self.drain);
                if self.consumed.messages() >= self.sent.messages() || Instant::now() >= deadline {
                    break;
                }
            }
            match consumer.poll(Duration::from_millis(200)).await {
                Ok(messages) => {
                    for message in &messages {
                        match self.stamp.age_us(&message.body) {
                            Some(age_us) => {
                                self.consumed.record(1, message.body.len() as u64, Duration::from_micros(age_us))
                            }
                            None => foreign += 1,
                        }
                    }
                }
                Err(err) => {
                    failures += 1;
                    self.consumed.fail(1);
                    if failures <= ERRORS_SHOWN {
                        eprintln!("poll failed: {}", error_chain(&err));
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        foreign
    }
}
