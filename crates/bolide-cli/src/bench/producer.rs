//! `bolide bench producer` and the send tasks that `e2e` reuses.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use bolide_client::{ClientConfig, Message, Producer, ProducerOptions};
use bytes::{BufMut, Bytes, BytesMut};
use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::json;

use super::pacing::{Budget, Pacer};
use super::report::{Stats, Summary};
use super::{error_chain, print_summary, spawn_live_lines, ProducerArgs, SendArgs, Stop, ERRORS_SHOWN};

/// Bytes at the start of an `e2e` body: the run's id, then the send time.
pub const STAMP_BYTES: usize = 16;

pub async fn run(args: ProducerArgs) -> anyhow::Result<()> {
    args.send.validate()?;
    let producer = start_producer(args.common.client_config(), &args.group).await?;
    let stats = Arc::new(Stats::new());
    let stop = Stop::start(args.common.duration_secs)?;
    let done = Arc::new(AtomicBool::new(false));
    spawn_live_lines(stats.clone(), done.clone(), "sent", args.common.json);

    let load = Load::new(&args.send, &args.common.topic, args.common.count, None, stats.clone(), stop);
    let started = Instant::now();
    load.run(&producer).await?;
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    producer.shutdown().await;

    let summary = Summary::of(&stats, elapsed);
    let settings = json!({
        "mode": "producer",
        "topic": args.common.topic,
        "threads": args.send.threads,
        "message_size": args.send.size,
        "batch_size": args.send.batch_size,
        "async": args.send.pipelined,
        "rate": args.send.rate,
        "serialize_type": args.common.serialize_type.name(),
    });
    print_summary(&summary, "sent", settings, args.common.json);
    Ok(())
}

pub async fn start_producer(config: ClientConfig, group: &str) -> anyhow::Result<Producer> {
    Producer::with_options(config, ProducerOptions::new(group)).await.context("start the producer")
}

/// Marks `e2e` bodies: `run_id` tells this run's messages from others on the topic, and the
/// send time is counted in microseconds from `origin` (one process, so one monotonic clock).
#[derive(Clone, Copy)]
pub struct Stamp {
    pub run_id: u64,
    pub origin: Instant,
}

impl Stamp {
    /// The microseconds from the stamp in `body` to now, if `body` carries this run's stamp.
    pub fn age_us(&self, body: &[u8]) -> Option<u64> {
        let run_id = u64::from_be_bytes(body.get(0..8)?.try_into().ok()?);
        if run_id != self.run_id {
            return None;
        }
        let sent_us = u64::from_be_bytes(body.get(8..16)?.try_into().ok()?);
        Some((self.origin.elapsed().as_micros() as u64).saturating_sub(sent_us))
    }

    fn write(&self, template: &Bytes) -> Bytes {
        let mut body = BytesMut::with_capacity(template.len());
        body.put_u64(self.run_id);
        body.put_u64(self.origin.elapsed().as_micros() as u64);
        body.put_slice(&template[STAMP_BYTES..]);
        body.freeze()
    }
}

/// How a send task sends the messages it claimed: a plain producer, or one transaction per
/// message (`--transaction`). A failure is the line to print about it.
pub trait Sender: Clone + Send + Sync + 'static {
    fn send(&self, messages: Vec<Message>) -> impl Future<Output = Result<(), String>> + Send;
}

impl Sender for Producer {
    async fn send(&self, messages: Vec<Message>) -> Result<(), String> {
        let result = if messages.len() == 1 {
            Producer::send(self, &messages[0]).await
        } else {
            self.send_batch(&messages).await
        };
        result.map(drop).map_err(|err| format!("send failed: {}", error_chain(&err)))
    }
}

/// Everything the send tasks share.
pub struct Load {
    send: SendArgs,
    topic: String,
    body: Bytes,
    stamp: Option<Stamp>,
    stats: Arc<Stats>,
    budget: Budget,
    pacer: Option<Pacer>,
    stop: Arc<Stop>,
    failures: AtomicU64,
}

impl Load {
    pub fn new(
        send: &SendArgs,
        topic: &str,
        count: Option<u64>,
        stamp: Option<Stamp>,
        stats: Arc<Stats>,
        stop: Arc<Stop>,
    ) -> Arc<Self> {
        Arc::new(Self {
            send: send.clone(),
            topic: topic.to_owned(),
            body: Bytes::from(pseudo_random_body(send.size)),
            stamp,
            stats,
            budget: Budget::new(count),
            pacer: send.rate.map(Pacer::new),
            stop,
            failures: AtomicU64::new(0),
        })
    }

    /// Runs `-w` send tasks until the budget, the duration or Ctrl-C ends them.
    pub async fn run(self: &Arc<Self>, sender: &impl Sender) -> anyhow::Result<()> {
        let mut tasks = tokio::task::JoinSet::new();
        for task in 0..self.send.threads {
            let (load, sender) = (self.clone(), sender.clone());
            tasks.spawn(async move { load.task(sender, task).await });
        }
        while let Some(joined) = tasks.join_next().await {
            joined.context("a send task panicked")?;
        }
        Ok(())
    }

    /// One send task: claims messages from the budget and sends them, one call at a time or,
    /// with `-y`, up to `--in-flight` calls at once.
    async fn task(&self, sender: impl Sender, task: usize) {
        let in_flight = if self.send.pipelined { self.send.in_flight.max(1) } else { 1 };
        if in_flight == 1 {
            return self.task_one_at_a_time(sender, task).await;
        }
        let mut pending = FuturesUnordered::new();
        let mut sequence = 0u64;
        let mut exhausted = false;
        loop {
            while !exhausted && pending.len() < in_flight {
                let count = self.claim();
                if count == 0 {
                    exhausted = true;
                    break;
                }
                if let Some(pacer) = &self.pacer {
                    // Sends already under way keep being driven (and timed) while this one waits.
                    let due = tokio::time::sleep_until(pacer.reserve(count));
                    tokio::pin!(due);
                    loop {
                        tokio::select! {
                            () = &mut due => break,
                            Some(()) = pending.next(), if !pending.is_empty() => {}
                        }
                    }
                }
                let messages: Vec<Message> = (0..count)
                    .map(|_| {
                        sequence += 1;
                        self.message(task, sequence)
                    })
                    .collect();
                pending.push(self.send_messages(&sender, messages));
            }
            if pending.next().await.is_none() {
                return;
            }
        }
    }

    /// A send task waiting for each call before the next: the call is awaited in place, so no
    /// per-call future is allocated (a `FuturesUnordered` would box each one).
    async fn task_one_at_a_time(&self, sender: impl Sender, task: usize) {
        let mut sequence = 0u64;
        loop {
            let count = self.claim();
            if count == 0 {
                return;
            }
            if let Some(pacer) = &self.pacer {
                tokio::time::sleep_until(pacer.reserve(count)).await;
            }
            let messages: Vec<Message> = (0..count)
                .map(|_| {
                    sequence += 1;
                    self.message(task, sequence)
                })
                .collect();
            self.send_messages(&sender, messages).await;
        }
    }

    /// Messages for the next call, 0 once stopped or the budget is spent.
    fn claim(&self) -> u64 {
        if self.stop.is_set() {
            0
        } else {
            self.budget.claim(self.send.batch_size as u64)
        }
    }

    async fn send_messages(&self, sender: &impl Sender, messages: Vec<Message>) {
        let count = messages.len() as u64;
        let bytes = count * self.body.len() as u64;
        let started = Instant::now();
        match sender.send(messages).await {
            Ok(()) => self.stats.record(count, bytes, started.elapsed()),
            Err(line) => {
                self.stats.fail(count);
                if self.failures.fetch_add(1, Ordering::Relaxed) < ERRORS_SHOWN {
                    eprintln!("{line}");
                }
            }
        }
    }

    fn message(&self, task: usize, sequence: u64) -> Message {
        let body = match &self.stamp {
            Some(stamp) => stamp.write(&self.body),
            None => self.body.clone(),
        };
        let mut message = Message::new(self.topic.as_str(), body);
        if self.send.keys {
            message = message.with_keys([format!("bench-{task}-{sequence}")]);
        }
        if self.send.tag_count > 0 {
            message = message.with_tags(format!("tag{}", sequence % self.send.tag_count as u64));
        }
        message
    }
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
    fn bodies_have_the_requested_size_and_vary() {
        let body = pseudo_random_body(1024);
        assert_eq!(body.len(), 1024);
        assert!(body.iter().collect::<std::collections::HashSet<_>>().len() > 100);
    }

    #[test]
    fn stamps_are_read_back_only_for_their_own_run() {
        let stamp = Stamp { run_id: 42, origin: Instant::now() };
        let template = Bytes::from(pseudo_random_body(64));
        let body = stamp.write(&template);
        assert_eq!(body.len(), 64);
        assert_eq!(&body[STAMP_BYTES..], &template[STAMP_BYTES..]);
        assert!(stamp.age_us(&body).is_some_and(|age| age < 60_000_000));
        let other = Stamp { run_id: 7, ..stamp };
        assert_eq!(other.age_us(&body), None);
        assert_eq!(stamp.age_us(&body[..10]), None);
    }
}
