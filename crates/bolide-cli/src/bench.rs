//! `bolide bench producer | consumer`: load generators with the flags of RocketMQ's benchmark
//! tools (`-n -t -w -s -q -y -b -k -l -g`) plus `--duration`, a live line per second and a
//! final summary (p50/p99/p99.9/max latency), optionally as one JSON object (`--json`).

mod report;
mod transaction;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use bolide_client::{
    ClientConfig, ClientError, ConsumeFrom, Message, Producer, ProducerOptions, PullConsumer, PullConsumerOptions,
};
use clap::{Args, Subcommand};
use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::json;

use report::{LiveLine, Stats, Summary};

/// Errors printed in full before the rest are only counted.
const ERRORS_SHOWN: u64 = 5;

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Send messages as fast as the tasks can, like RocketMQ's benchmark Producer.
    Producer(ProducerArgs),
    /// Read a topic with a pull consumer (a new group starts at the first offset), like
    /// RocketMQ's benchmark Consumer.
    Consumer(ConsumerArgs),
}

/// Flags shared by both modes.
#[derive(Args, Debug, Clone)]
struct CommonArgs {
    /// NameServer address(es), `host:port;host:port`.
    #[arg(short = 'n', long = "namesrv", value_name = "ADDR", default_value = "127.0.0.1:9876")]
    namesrv: String,
    /// Topic.
    #[arg(short = 't', long = "topic", default_value = "BenchmarkTest")]
    topic: String,
    /// Stop after this many messages (default: no limit).
    #[arg(short = 'q', long = "count", value_name = "N")]
    count: Option<u64>,
    /// Stop after this many seconds (default: no limit; Ctrl-C also stops).
    #[arg(long = "duration", value_name = "SECONDS")]
    duration_secs: Option<f64>,
    /// Print the final summary as one JSON object on stdout (live lines go to stderr).
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug, Clone)]
struct ProducerArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Concurrent send tasks (the Java tool's threads).
    #[arg(short = 'w', long = "threads", value_name = "N", default_value_t = 64)]
    threads: usize,
    /// Body size in bytes.
    #[arg(short = 's', long = "size", value_name = "BYTES", default_value_t = 128)]
    size: usize,
    /// Pipeline sends: each task keeps up to --in-flight sends outstanding instead of one.
    #[arg(short = 'y', long = "async")]
    pipelined: bool,
    /// Outstanding sends per task with -y.
    #[arg(long = "in-flight", value_name = "N", default_value_t = 16)]
    in_flight: usize,
    /// Messages per send (SEND_BATCH_MESSAGE when above 1).
    #[arg(short = 'b', long = "batch-size", value_name = "N", default_value_t = 1)]
    batch_size: usize,
    /// Give every message a unique key (KEYS).
    #[arg(short = 'k', long = "keys")]
    keys: bool,
    /// Spread messages over this many tags (0: no tag).
    #[arg(short = 'l', long = "tags", value_name = "N", default_value_t = 0)]
    tag_count: usize,
    /// Producer group.
    #[arg(short = 'g', long = "group", default_value = "benchmark_producer")]
    group: String,
    /// Send every message in its own transaction, committed at once (see bench/transaction.rs).
    #[arg(long = "transaction")]
    transaction: bool,
}

#[derive(Args, Debug, Clone)]
struct ConsumerArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Consumer group; a group without committed offsets starts at each queue's first message.
    #[arg(short = 'g', long = "group", default_value = "benchmark_consumer")]
    group: String,
    /// Stop once no message arrived for this many seconds (default: keep waiting).
    #[arg(long = "idle", value_name = "SECONDS")]
    idle_secs: Option<f64>,
}

pub fn main(args: BenchArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("start the async runtime")?;
    runtime.block_on(async {
        match args.command {
            BenchCommand::Producer(args) if args.transaction => transaction::run(args).await,
            BenchCommand::Producer(args) => run_producer(args).await,
            BenchCommand::Consumer(args) => run_consumer(args).await,
        }
    })
}

/// Set by `--duration`, `-q` or Ctrl-C; every task checks it before its next call.
struct Stop {
    flag: AtomicBool,
}

impl Stop {
    fn start(duration_secs: Option<f64>) -> anyhow::Result<Arc<Self>> {
        let stop = Arc::new(Self { flag: AtomicBool::new(false) });
        if let Some(seconds) = duration_secs {
            let duration = Duration::try_from_secs_f64(seconds).context("--duration must be a positive number")?;
            let stop = stop.clone();
            tokio::spawn(async move {
                tokio::time::sleep(duration).await;
                stop.set();
            });
        }
        let on_signal = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_signal.set();
            }
        });
        Ok(stop)
    }

    fn set(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    fn is_set(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

/// Hands out the `-q` budget in batch-sized claims.
struct Budget {
    total: Option<u64>,
    claimed: AtomicU64,
}

impl Budget {
    /// Up to `want` messages to send now; 0 when the budget is spent.
    fn claim(&self, want: u64) -> u64 {
        let Some(total) = self.total else { return want };
        let before = self.claimed.fetch_add(want, Ordering::Relaxed);
        total.saturating_sub(before).min(want)
    }
}

/// Prints a live line every second until `done` is set; to stderr when stdout is for JSON.
fn spawn_live_lines(stats: Arc<Stats>, done: Arc<AtomicBool>, verb: &'static str, to_stderr: bool) {
    tokio::spawn(async move {
        let mut live = LiveLine::new(verb);
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        ticker.tick().await;
        loop {
            ticker.tick().await;
            if done.load(Ordering::Relaxed) {
                return;
            }
            let line = live.tick(&stats);
            if to_stderr {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        }
    });
}

fn report_error(stats: &Stats, failures: &AtomicU64, messages: u64, err: &ClientError) {
    stats.fail(messages);
    if failures.fetch_add(1, Ordering::Relaxed) < ERRORS_SHOWN {
        eprintln!("send failed: {}", error_chain(err));
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

async fn run_producer(args: ProducerArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.threads > 0 && args.size > 0 && args.batch_size > 0, "-w, -s and -b must be positive");
    let config = ClientConfig::new(&args.common.namesrv);
    let producer =
        Producer::with_options(config, ProducerOptions::new(args.group.clone())).await.context("start the producer")?;
    let body = bytes::Bytes::from(pseudo_random_body(args.size));
    let stats = Arc::new(Stats::new());
    let budget = Arc::new(Budget { total: args.common.count, claimed: AtomicU64::new(0) });
    let stop = Stop::start(args.common.duration_secs)?;
    let done = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicU64::new(0));
    spawn_live_lines(stats.clone(), done.clone(), "sent", args.common.json);

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..args.threads {
        let load = ProducerTask {
            producer: producer.clone(),
            args: args.clone(),
            body: body.clone(),
            stats: stats.clone(),
            budget: budget.clone(),
            stop: stop.clone(),
            failures: failures.clone(),
            task,
        };
        tasks.spawn(load.run());
    }
    while let Some(joined) = tasks.join_next().await {
        joined.context("a send task panicked")?;
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    producer.shutdown().await;

    let summary = Summary::of(&stats, elapsed);
    let settings = json!({
        "mode": "producer",
        "topic": args.common.topic,
        "threads": args.threads,
        "message_size": args.size,
        "batch_size": args.batch_size,
        "async": args.pipelined,
    });
    print_summary(&summary, "sent", settings, args.common.json);
    Ok(())
}

/// One send task: claims messages from the budget and sends them, one call at a time or, with
/// `-y`, up to `--in-flight` calls at once.
struct ProducerTask {
    producer: Producer,
    args: ProducerArgs,
    body: bytes::Bytes,
    stats: Arc<Stats>,
    budget: Arc<Budget>,
    stop: Arc<Stop>,
    failures: Arc<AtomicU64>,
    task: usize,
}

impl ProducerTask {
    async fn run(self) {
        let in_flight = if self.args.pipelined { self.args.in_flight.max(1) } else { 1 };
        let batch = self.args.batch_size as u64;
        let mut pending = FuturesUnordered::new();
        let mut sequence = 0u64;
        let mut exhausted = false;
        loop {
            while !exhausted && pending.len() < in_flight {
                let count = if self.stop.is_set() { 0 } else { self.budget.claim(batch) };
                if count == 0 {
                    exhausted = true;
                    break;
                }
                let messages: Vec<Message> = (0..count)
                    .map(|_| {
                        sequence += 1;
                        self.message(sequence)
                    })
                    .collect();
                pending.push(self.send(messages));
            }
            if pending.next().await.is_none() {
                return;
            }
        }
    }

    async fn send(&self, messages: Vec<Message>) {
        let count = messages.len() as u64;
        let bytes = count * self.body.len() as u64;
        let started = Instant::now();
        let result = if messages.len() == 1 {
            self.producer.send(&messages[0]).await
        } else {
            self.producer.send_batch(&messages).await
        };
        match result {
            Ok(_) => self.stats.record(count, bytes, started.elapsed()),
            Err(err) => report_error(&self.stats, &self.failures, count, &err),
        }
    }

    fn message(&self, sequence: u64) -> Message {
        let mut message = Message::new(self.args.common.topic.as_str(), self.body.clone());
        if self.args.keys {
            message = message.with_keys([format!("bench-{}-{sequence}", self.task)]);
        }
        if self.args.tag_count > 0 {
            message = message.with_tags(format!("tag{}", sequence % self.args.tag_count as u64));
        }
        message
    }
}

async fn run_consumer(args: ConsumerArgs) -> anyhow::Result<()> {
    let config = ClientConfig::new(&args.common.namesrv);
    let options =
        PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new(&args.group) };
    let mut consumer = PullConsumer::with_options(config, options).await.context("start the consumer")?;
    let queues = wait_for_queues(&consumer, &args.common.topic).await?;
    consumer.assign(queues).await;
    let stats = Arc::new(Stats::new());
    let stop = Stop::start(args.common.duration_secs)?;
    let done = Arc::new(AtomicBool::new(false));
    spawn_live_lines(stats.clone(), done.clone(), "consumed", args.common.json);
    let idle_limit = match args.idle_secs {
        Some(seconds) => Some(Duration::try_from_secs_f64(seconds).context("--idle must be a positive number")?),
        None => None,
    };

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

/// The topic's queues; waits a little for a topic created moments ago, which its broker
/// registers with the NameServers asynchronously.
async fn wait_for_queues(consumer: &PullConsumer, topic: &str) -> anyhow::Result<Vec<bolide_client::MessageQueue>> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match consumer.queues(topic).await {
            Ok(queues) => return Ok(queues),
            Err(ClientError::NoRoute { .. }) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(err) => return Err(err).with_context(|| format!("route of topic {topic}")),
        }
    }
}

fn print_summary(summary: &Summary, count_name: &str, settings: serde_json::Value, as_json: bool) {
    if as_json {
        println!("{}", summary.json(count_name, settings));
    } else {
        println!("{}", summary.text(count_name));
    }
}

fn epoch_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// A body that does not compress much (xorshift bytes), so bodies of 4 KiB and more measure
/// the broker rather than zlib's shrinking.
fn pseudo_random_body(size: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_claims_stop_at_the_total() {
        let budget = Budget { total: Some(10), claimed: AtomicU64::new(0) };
        assert_eq!(budget.claim(4), 4);
        assert_eq!(budget.claim(4), 4);
        assert_eq!(budget.claim(4), 2);
        assert_eq!(budget.claim(4), 0);
        let unlimited = Budget { total: None, claimed: AtomicU64::new(0) };
        assert_eq!(unlimited.claim(3), 3);
    }

    #[test]
    fn bodies_have_the_requested_size_and_vary() {
        let body = pseudo_random_body(1024);
        assert_eq!(body.len(), 1024);
        assert!(body.iter().collect::<std::collections::HashSet<_>>().len() > 100);
    }
}
