//! `bolide bench producer --transaction`: every message is sent in its own transaction whose
//! local transaction commits at once (half message, then END_TRANSACTION commit), like RocketMQ's
//! `TransactionProducer` benchmark with every check passing. A message counts as sent when the
//! half message is stored and the listener committed; latency covers both steps. The text
//! summary starts with a line saying so; the JSON one has `"transaction": true`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use bolide_client::{
    ListenerError, Message, MessageExt, ProducerOptions, TransactionListener, TransactionProducer, TransactionState,
};
use serde_json::json;

use super::producer::{Load, Sender};
use super::report::{Stats, Summary};
use super::{error_chain, print_summary, spawn_live_lines, ProducerArgs, Stop};

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

/// Sends each claimed message (one per claim: `-b` is 1) in its own transaction.
#[derive(Clone)]
struct InTransaction(TransactionProducer<CommitAtOnce>);

impl Sender for InTransaction {
    async fn send(&self, messages: Vec<Message>) -> Result<(), String> {
        let Some(message) = messages.first() else { return Ok(()) };
        match self.0.send_in_transaction(message, ()).await {
            Ok(result) if result.local_state == TransactionState::Commit => Ok(()),
            Ok(result) => {
                Err(format!("transaction not committed: {:?} ({:?})", result.local_state, result.send_result.status))
            }
            Err(err) => Err(format!("send failed: {}", error_chain(&err))),
        }
    }
}

pub(super) async fn run(args: ProducerArgs) -> anyhow::Result<()> {
    args.send.validate()?;
    anyhow::ensure!(args.send.batch_size == 1, "--transaction sends one message per transaction: -b must be 1");
    anyhow::ensure!(args.send.rate.is_none(), "--transaction does not take --rate");
    let config = args.common.client_config();
    let options = ProducerOptions::new(args.group.clone());
    let producer =
        TransactionProducer::with_options(config, options, CommitAtOnce).await.context("start the producer")?;
    let stats = Arc::new(Stats::new());
    let stop = Stop::start(args.common.duration_secs)?;
    let done = Arc::new(AtomicBool::new(false));
    spawn_live_lines(stats.clone(), done.clone(), "sent", args.common.json);

    let load = Load::new(&args.send, &args.common.topic, args.common.count, None, stats.clone(), stop);
    let started = Instant::now();
    load.run(&InTransaction(producer.clone())).await?;
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
