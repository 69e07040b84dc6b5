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

use super::pacing::Budget;
use super::producer::pseudo_random_body;
use super::report::{Stats, Summary};
use super::{error_chain, print_summary, spawn_live_lines, ProducerArgs, Stop, ERRORS_SHOWN};

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
    args.send.validate()?;
    anyhow::ensure!(args.send.batch_size == 1, "--transaction sends one message per transaction: -b must be 1");
    anyhow::ensure!(args.send.rate.is_none(), "--transaction does not take --rate");
    let config = ClientConfig::new(&args.common.namesrv);
    let options = ProducerOptions::new(args.group.clone());
    let producer =
        TransactionProducer::with_options(config, options, CommitAtOnce).await.context("start the producer")?;
    let body = bytes::Bytes::from(pseudo_random_body(args.send.size));
    let stats = Arc::new(Stats::new());
    let budget = Arc::new(Budget::new(args.common.count));
    let stop = Stop::start(args.common.duration_secs)?;
    let done = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicU64::new(0));
    spawn_live_lines(stats.clone(), done.clone(), "sent", args.common.json);

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..args.send.threads {
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
        "threads": args.send.threads,
        "message_size": args.send.size,
        "batch_size": 1,
        "async": args.send.pipelined,
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
        let in_flight = if self.args.send.pipelined { self.args.send.in_flight.max(1) } else { 1 };
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
                if self.failures.fetch_add(1, Ordering::Relaxed) < ERRORS_SHOWN {
                    eprintln!("transaction not committed: {:?} ({:?})", result.local_state, result.send_result.status);
                }
            }
            Err(err) => {
                self.stats.fail(1);
                if self.failures.fetch_add(1, Ordering::Relaxed) < ERRORS_SHOWN {
                    eprintln!("send failed: {}", error_chain(&err));
                }
            }
        }
    }

    fn message(&self, sequence: u64) -> Message {
        let mut message = Message::new(self.args.common.topic.as_str(), self.body.clone());
        if self.args.send.keys {
            message = message.with_keys([format!("bench-{}-{sequence}", self.task)]);
        }
        if self.args.send.tag_count > 0 {
            message = message.with_tags(format!("tag{}", sequence % self.args.send.tag_count as u64));
        }
        message
    }
}
