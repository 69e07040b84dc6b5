//! Received messages, counted per sequence property, and the deterministic bodies every client
//! of the suite builds the same way.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Result};
use bolide_client::{MessageExt, PullConsumer};
use tokio::time::Instant;

use crate::env::{Env, SEQ_PROPERTY};

/// The longest single poll: short, so that deadlines are checked often.
const POLL: Duration = Duration::from_millis(500);

/// Consumed messages by their `compat_seq` property.
#[derive(Clone, Default)]
pub struct Collector {
    by_seq: HashMap<String, MessageExt>,
    deliveries: HashMap<String, usize>,
    arrived: HashMap<String, Instant>,
    /// Every delivery, in the order received.
    pub received: Vec<MessageExt>,
}

impl Collector {
    pub fn add(&mut self, messages: &[MessageExt]) {
        let now = Instant::now();
        for message in messages {
            let seq = message.property(SEQ_PROPERTY).unwrap_or_default().to_owned();
            self.by_seq.entry(seq.clone()).or_insert_with(|| message.clone());
            self.arrived.entry(seq.clone()).or_insert(now);
            *self.deliveries.entry(seq).or_default() += 1;
            self.received.push(message.clone());
        }
    }

    pub fn distinct(&self) -> usize {
        self.by_seq.len()
    }

    /// Deliveries beyond the first of each message.
    pub fn duplicates(&self) -> usize {
        self.deliveries.values().map(|count| count - 1).sum()
    }

    pub fn get(&self, seq: &str) -> Option<&MessageExt> {
        self.by_seq.get(seq)
    }

    pub fn arrived(&self, seq: &str) -> Option<Instant> {
        self.arrived.get(seq).copied()
    }

    /// Deliveries (first and later) of messages whose sequence starts with `prefix`.
    pub fn deliveries_with_prefix(&self, prefix: &str) -> usize {
        self.deliveries.iter().filter(|(seq, _)| seq.starts_with(prefix)).map(|(_, count)| count).sum()
    }

    /// Distinct messages whose sequence starts with `prefix`.
    pub fn count_prefix(&self, prefix: &str) -> usize {
        self.by_seq.keys().filter(|seq| seq.starts_with(prefix)).count()
    }

    /// Polls `consumer` until `done` holds or `timeout` passes.
    pub async fn poll_until(
        &mut self,
        env: &Env,
        consumer: &mut PullConsumer,
        timeout: Duration,
        what: &str,
        done: impl Fn(&Self) -> bool,
    ) -> Result<()> {
        env.step(format!("polling for {what}"));
        let end = Instant::now() + timeout;
        while !done(self) {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!(
                    "{what}: not reached within {} s ({} distinct messages received)",
                    timeout.as_secs(),
                    self.distinct()
                );
            }
            let messages = consumer.poll(left.min(POLL)).await?;
            self.add(&messages);
        }
        Ok(())
    }

    /// Polls `consumer` until `count` distinct messages arrived.
    pub async fn wait(
        &mut self,
        env: &Env,
        consumer: &mut PullConsumer,
        count: usize,
        timeout: Duration,
    ) -> Result<()> {
        self.poll_until(env, consumer, timeout, &format!("{count} messages"), |c| c.distinct() >= count).await
    }
}

/// A collector a push consumer's listener fills while the scenario waits on it.
#[derive(Clone, Default)]
pub struct Shared(Arc<Mutex<Collector>>);

impl Shared {
    pub fn add(&self, messages: &[MessageExt]) {
        if let Ok(mut collector) = self.0.lock() {
            collector.add(messages);
        }
    }

    /// Reads the collector under its lock.
    pub fn with<T>(&self, read: impl FnOnce(&Collector) -> T) -> T {
        let collector = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        read(&collector)
    }

    pub fn distinct(&self) -> usize {
        self.with(Collector::distinct)
    }

    /// A copy of what arrived so far.
    pub fn snapshot(&self) -> Collector {
        self.with(Collector::clone)
    }

    /// The distinct sequence properties received, sorted.
    pub fn seqs(&self) -> BTreeSet<String> {
        self.with(|collector| collector.by_seq.keys().cloned().collect())
    }

    /// Waits until `count` distinct messages arrived.
    pub async fn wait(&self, env: &Env, count: usize, timeout: Duration) -> Result<()> {
        self.wait_until(env, timeout, &format!("{count} messages"), |c| c.distinct() >= count).await
    }

    /// Waits until `done` holds or `timeout` passes.
    pub async fn wait_until(
        &self,
        env: &Env,
        timeout: Duration,
        what: &str,
        done: impl Fn(&Collector) -> bool,
    ) -> Result<()> {
        env.step(format!("waiting for {what}"));
        let end = Instant::now() + timeout;
        while !self.with(&done) {
            if Instant::now() >= end {
                bail!(
                    "{what}: not reached within {} s ({} distinct messages received)",
                    timeout.as_secs(),
                    self.distinct()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }
}

/// Deterministic, compressible content (16 letters driven by an LCG), identical in every client
/// of the suite: bodies over 4 KiB take the compression path and 4 MiB stays under the limit.
pub fn text_body(size: usize, seed: u32) -> Vec<u8> {
    const ALPHABET: &[u8; 16] = b"abcdefghijklmnop";
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..size)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ALPHABET[(x >> 28) as usize]
        })
        .collect()
}

/// Content that does not compress, so compression cannot sneak an over-limit body under it.
pub fn noise_body(size: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A short fingerprint of a body for messages (FNV-1a, hex).
pub fn fingerprint(body: &[u8]) -> String {
    let hash = body
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3));
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_body_follows_the_suite_formula() {
        // text(16, seed 15) from the formula in compat/README.md, computed independently.
        assert_eq!(text_body(16, 15), b"jpmonjlciaaobckg");
        assert_eq!(text_body(8192, 15).len(), 8192);
    }
}
