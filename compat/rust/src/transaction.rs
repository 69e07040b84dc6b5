//! s16, transactions: commit, rollback, and unknown transactions that the broker's check-back
//! commits; a consumer sees exactly the committed ones, each once, and no resolved transaction
//! is checked back.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bolide_client::{
    ListenerError, Message, MessageExt, SendStatus, TransactionListener, TransactionProducer, TransactionState,
};

use crate::collect::Collector;
use crate::env::{message, Env, SEQ_PROPERTY};

/// Transactions of each kind.
const EACH: usize = 2;
/// A stock broker checks back every 30 s, 6 s after the half message at the earliest.
const CHECK_WAIT: Duration = Duration::from_secs(100);

/// What the check-backs saw: the unknown transactions checked, and any resolved one (wrong).
#[derive(Default)]
struct Checks {
    checked: BTreeSet<String>,
    wrong: Vec<String>,
}

/// Commits `commit-*`, rolls back `rollback-*`, leaves `unknown-*` open until checked back.
struct Listener(Arc<Mutex<Checks>>);

fn kind(seq: &str) -> &str {
    seq.split('-').next().unwrap_or_default()
}

impl TransactionListener for Listener {
    type Arg = ();

    async fn execute(&self, message: &Message, _id: &str, _arg: ()) -> Result<TransactionState, ListenerError> {
        Ok(match kind(message.property(SEQ_PROPERTY).unwrap_or_default()) {
            "commit" => TransactionState::Commit,
            "rollback" => TransactionState::Rollback,
            _ => TransactionState::Unknown,
        })
    }

    async fn check(&self, message: &MessageExt) -> Result<TransactionState, ListenerError> {
        let seq = message.property(SEQ_PROPERTY).unwrap_or_default().to_owned();
        let mut checks = self.0.lock().map_err(|_| "poisoned")?;
        Ok(match kind(&seq) {
            "unknown" => {
                checks.checked.insert(seq);
                TransactionState::Commit
            }
            "commit" => {
                checks.wrong.push(seq);
                TransactionState::Commit
            }
            _ => {
                checks.wrong.push(seq);
                TransactionState::Rollback
            }
        })
    }
}

pub async fn s16_transaction(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, 4).await?;
    let checks = Arc::new(Mutex::new(Checks::default()));
    env.step("starting a transaction producer");
    let producer = TransactionProducer::start(env.config(), env.group("_tpg"), Listener(checks.clone()))
        .await
        .context("start transaction producer")?;
    for kind in ["commit", "rollback", "unknown"] {
        for i in 0..EACH {
            let seq = format!("{kind}-{i}");
            env.step(format!("sending transaction {seq}"));
            let result = producer
                .send_in_transaction(&message(&topic, &seq, format!("txn {seq}")), ())
                .await
                .with_context(|| format!("{seq}: send in transaction"))?;
            if result.send_result.status != SendStatus::SendOk {
                bail!("{seq}: send status {:?}", result.send_result.status);
            }
        }
    }
    let consumer = env.collecting_consumer(&topic).await?;
    let committed = |c: &Collector| c.count_prefix("commit-") >= EACH;
    consumer.wait_until(env, Duration::from_secs(30), "the committed", committed).await?;
    let checked = |c: &Collector| c.count_prefix("unknown-") >= EACH;
    consumer.wait_until(env, CHECK_WAIT, "the checked-back", checked).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let collector = consumer.snapshot();
    producer.shutdown().await;
    if collector.count_prefix("rollback-") != 0 {
        bail!("{} rolled-back transactions delivered", collector.count_prefix("rollback-"));
    }
    if collector.distinct() != 2 * EACH || collector.duplicates() != 0 {
        bail!(
            "delivered {} distinct messages ({} duplicates), expected {} once each",
            collector.distinct(),
            collector.duplicates(),
            2 * EACH
        );
    }
    let checks = checks.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    if checks.checked.len() != EACH {
        bail!("checked back {:?}, expected every unknown-*", checks.checked);
    }
    if !checks.wrong.is_empty() {
        bail!("resolved transactions were checked back: {:?}", checks.wrong);
    }
    Ok(format!("{EACH} committed + {EACH} committed on check-back delivered once; {EACH} rolled back never"))
}
