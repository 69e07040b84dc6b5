//! `bolide bench producer --transaction`: every message is sent in its own transaction whose
//! local transaction commits at once (half message, then END_TRANSACTION commit), like RocketMQ's
//! `TransactionProducer` benchmark with every check passing. A message counts as sent when the
//! half message is stored and the listener committed; latency covers both steps. The text
//! summary starts with a line saying so; the JSON one has `"transaction": true`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use bolide_client::{
    ClientConfig, ListenerError, Message, MessageExt, ProducerOptions, TransactionListener, TransactionProducer,
    TransactionState,
};
use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::json;

use super::report::{Stats, Summary};
use super::{print_summary, pseudo_random_body, report_error, spawn_live_lines, Budget, ProducerArgs, Stop};

/// Commits every local transaction at once, and every check-back too (a check-back only comes if
/// an END_TRANSACTION was lost).
struct CommitAtOnce;

impl TransactionListener for CommitAtOnce {
    type Arg = ();

    async fn execute(&self, _message: &Message, _id: &str, _arg: ()) -> Result<TransactionState, ListenerError> {
        Ok(TransactionState::Commit)
    }

    async fn check(&self, _message: &MessageExt) -> Result<TransactionState, ListenerError> {
        Ok(TransactionState::Commit)
    }
}

pub(super) async fn run(args: ProducerArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.threads > 0 && args.size > 0, "-w and -s must be positive");
    anyhow::ensure!(args.batch_size == 1, "--transaction sends one message per transaction: -b must be 1");
    let config = ClientConfig::new(&args.common.namesrv);
    let options = ProducerOptions::new(args.group.clone());
    let producer =
        TransactionProducer::with_options(config, options, CommitAtOnce).await.context("start the producer")?;
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
        let load = TransactionTask {
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
        "batch_size": 1,
        "async": args.pipelined,
        "transaction": true,
    });
    if !args.common.json {
        println!("transactional sends (half message + commit per message):");
    }
    print_summary(&summary, "sent", settings, args.common.json);
    Ok(())
}

/// One task: claims messages one at a time and sends each in a transaction, one at a time or,
/// with `-y`, up to `--in-flight` at once.
struct TransactionTask {
    producer: TransactionProducer<CommitAtOnce>,
    args: ProducerArgs,
    body: bytes::Bytes,
    stats: Arc<Stats>,
    budget: Arc<Budget>,
    stop: Arc<Stop>,
    failures: Arc<AtomicU64>,
    task: usize,
}

impl TransactionTask {
    async fn run(self) {
        let in_flight = if self.args.pipelined { self.args.in_flight.max(1) } else { 1 };
        let mut pending = FuturesUnordered::new();
        let mut sequence = 0u64;
        let mut exhausted = false;
        loop {
            while !exhausted && pending.len() < in_flight {
                if self.stop.is_set() || self.budget.claim(1) == 0 {
                    exhausted = true;
                    break;
                }
                sequence += 1;
                pending.push(self.send(self.message(sequence)));
            }
            if pending.next().await.is_none() {
                return;
            }
        }
    }

    async fn send(&self, message: Message) {
        let started = Instant::now();
        match self.producer.send_in_transaction(&message, ()).await {
            Ok(result) if result.local_state == TransactionState::Commit => {
                self.stats.record(1, self.body.len() as u64, started.elapsed());
            }
            Ok(result) => {
                self.stats.fail(1);
                if self.failures.fetch_add(1, Ordering::Relaxed) < super::ERRORS_SHOWN {
                    eprintln!("transaction not committed: {:?} ({:?})", result.local_state, result.send_result.status);
                }
            }
            Err(err) => report_error(&self.stats, &self.failures, 1, &err),
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
