//! `bolide bench producer | consumer | e2e`: load generators with the flags of RocketMQ's
//! benchmark tools (`-n -t -w -s -q -y -b -k -l -g`) plus `--duration` and `--rate`, a live line
//! per second and a final summary (p50/p99/p99.9/max latency), optionally as one JSON object
//! (`--json`).
//!
//! - `producer`: send tasks ([`producer`]), paced by `--rate` ([`pacing`]);
//! - `consumer`: `-w` pull consumers sharing the topic's queues, from the first offset for a new
//!   group ([`consumer`]);
//! - `e2e`: both in one process on one topic; each body starts with the send time, so the
//!   consumer measures send → consumed latency ([`e2e`]).

mod consumer;
mod e2e;
mod pacing;
mod producer;
mod report;
mod transaction;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bolide_client::{ClientError, MessageQueue, PullConsumer};
use clap::{Args, Subcommand};

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
    /// Send messages as fast as the tasks can (or at --rate), like RocketMQ's benchmark Producer.
    Producer(ProducerArgs),
    /// Read a topic with a pull consumer (a new group starts at the first offset), like
    /// RocketMQ's benchmark Consumer.
    Consumer(ConsumerArgs),
    /// Send and consume in one process on one topic and report send and end-to-end (send start
    /// → consumed) latency; use --rate for latency at a fixed load.
    E2e(E2eArgs),
}

/// Flags shared by every mode.
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
    /// Request header form, JSON or ROCKETMQ (the Java client's `rocketmq.serialize.type`).
    #[arg(long = "serialize-type", value_name = "TYPE", default_value_t = bolide_client::DEFAULT_SERIALIZE_TYPE)]
    serialize_type: bolide_client::SerializeType,
    /// Threads of the bench's async runtime. 1 runs every task on one thread, which costs the
    /// least CPU per message (no wake-ups across threads); 0 means one per core.
    #[arg(long = "runtime-threads", value_name = "N", default_value_t = 1)]
    runtime_threads: usize,
}

impl CommonArgs {
    /// The client configuration these flags describe.
    fn client_config(&self) -> bolide_client::ClientConfig {
        bolide_client::ClientConfig::new(&self.namesrv).with_serialize_type(self.serialize_type)
    }
}

/// How messages are sent: shared by `producer` and `e2e`.
#[derive(Args, Debug, Clone)]
struct SendArgs {
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
    /// Send at most this many messages per second in all (default: as fast as the tasks can).
    #[arg(long = "rate", value_name = "MSG_PER_S")]
    rate: Option<f64>,
}

impl SendArgs {
    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.threads > 0, "-w (threads) must be at least 1");
        anyhow::ensure!(self.size > 0, "-s (size) must be at least 1 byte");
        anyhow::ensure!(self.batch_size > 0, "-b (batch size) must be at least 1");
        if let Some(rate) = self.rate {
            anyhow::ensure!(rate.is_finite() && rate > 0.0, "--rate must be a positive number of messages per second");
        }
        Ok(())
    }
}

#[derive(Args, Debug, Clone)]
struct ProducerArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    send: SendArgs,
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
    /// Readers: the topic's queues are dealt round-robin to this many pull consumers, each
    /// with its own connection and pull in flight.
    #[arg(short = 'w', long = "threads", value_name = "N", default_value_t = 1)]
    readers: usize,
    /// Stop once no message arrived for this many seconds (default: keep waiting).
    #[arg(long = "idle", value_name = "SECONDS")]
    idle_secs: Option<f64>,
}

#[derive(Args, Debug, Clone)]
struct E2eArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    send: SendArgs,
    /// Consumer group (it reads from the queues' ends at the start; the producer group is
    /// `benchmark_producer`).
    #[arg(short = 'g', long = "group", default_value = "benchmark_e2e")]
    group: String,
    /// After the last send, wait at most this many seconds for the rest to be consumed.
    #[arg(long = "drain", value_name = "SECONDS", default_value_t = 10.0)]
    drain_secs: f64,
}

pub fn main(args: BenchArgs) -> anyhow::Result<()> {
    let runtime = runtime(args.command.common().runtime_threads).context("start the async runtime")?;
    runtime.block_on(async {
        match args.command {
            BenchCommand::Producer(args) if args.transaction => transaction::run(args).await,
            BenchCommand::Producer(args) => producer::run(args).await,
            BenchCommand::Consumer(args) => consumer::run(args).await,
            BenchCommand::E2e(args) => e2e::run(args).await,
        }
    })
}

impl BenchCommand {
    fn common(&self) -> &CommonArgs {
        match self {
            BenchCommand::Producer(args) => &args.common,
            BenchCommand::Consumer(args) => &args.common,
            BenchCommand::E2e(args) => &args.common,
        }
    }
}

/// The runtime for `--runtime-threads`: a current-thread runtime for 1, else a multi-thread
/// one (one worker per core for 0).
fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    if threads == 1 {
        return tokio::runtime::Builder::new_current_thread().enable_all().build();
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if threads > 1 {
        builder.worker_threads(threads);
    }
    builder.enable_all().build()
}

/// Set by `--duration`, `-q` or Ctrl-C; every task checks it before its next call.
struct Stop {
    flag: AtomicBool,
}

impl Stop {
    fn start(duration_secs: Option<f64>) -> anyhow::Result<Arc<Self>> {
        let stop = Arc::new(Self { flag: AtomicBool::new(false) });
        if let Some(seconds) = duration_secs {
            let duration = seconds_flag(seconds, "--duration")?;
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

/// A flag given in seconds, checked to be a positive, finite number.
fn seconds_flag(seconds: f64, flag: &str) -> anyhow::Result<Duration> {
    anyhow::ensure!(seconds > 0.0, "{flag} must be a positive number of seconds");
    Duration::try_from_secs_f64(seconds).with_context(|| format!("{flag} must be a positive number of seconds"))
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

/// The topic's queues; waits a little for a topic created moments ago, which its broker
/// registers with the NameServers asynchronously.
async fn wait_for_queues(consumer: &PullConsumer, topic: &str) -> anyhow::Result<Vec<MessageQueue>> {
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
