//! Message counters of the broker (GET_BROKER_RUNTIME_INFO and the metrics), and the per-second
//! samples of them that rates are computed from.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Samples kept: one a second for the longest rate window (600 s), plus its start.
const SAMPLES_KEPT: usize = 601;
/// Rate windows in samples (seconds), as the Java broker reports them.
const RATE_WINDOWS: [usize; 3] = [10, 60, 600];

/// The counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sample {
    at_ms: u64,
    put_messages: u64,
    get_messages: u64,
}

/// Totals since start.
#[derive(Debug, Default)]
pub struct Stats {
    put_messages: AtomicU64,
    put_bytes: AtomicU64,
    get_messages: AtomicU64,
    get_bytes: AtomicU64,
    /// Oldest first; appended by the once-a-second sampling task, read by runtime-info requests.
    samples: Mutex<VecDeque<Sample>>,
}

impl Stats {
    /// Messages stored by sends.
    pub fn record_put(&self, messages: u64, bytes: u64) {
        self.put_messages.fetch_add(messages, Ordering::Relaxed);
        self.put_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Messages returned by pulls.
    pub fn record_get(&self, messages: u64, bytes: u64) {
        self.get_messages.fetch_add(messages, Ordering::Relaxed);
        self.get_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Messages stored since start.
    pub fn put_messages(&self) -> u64 {
        self.put_messages.load(Ordering::Relaxed)
    }

    /// Bytes stored since start.
    pub fn put_bytes(&self) -> u64 {
        self.put_bytes.load(Ordering::Relaxed)
    }

    /// Messages pulled since start.
    pub fn get_messages(&self) -> u64 {
        self.get_messages.load(Ordering::Relaxed)
    }

    /// Bytes pulled since start.
    pub fn get_bytes(&self) -> u64 {
        self.get_bytes.load(Ordering::Relaxed)
    }

    /// Records the counters as of `now_ms`; called once a second.
    pub fn sample(&self, now_ms: u64) {
        let sample = Sample { at_ms: now_ms, put_messages: self.put_messages(), get_messages: self.get_messages() };
        let mut samples = self.samples.lock().expect("stats lock");
        samples.push_back(sample);
        while samples.len() > SAMPLES_KEPT {
            samples.pop_front();
        }
    }

    /// Messages stored per second over the last 10, 60 and 600 s, space-separated (`putTps`).
    pub fn put_tps(&self) -> String {
        rates(&self.samples.lock().expect("stats lock"), |sample| sample.put_messages)
    }

    /// Messages pulled per second over the same windows (`getTransferredTps`).
    pub fn get_transferred_tps(&self) -> String {
        rates(&self.samples.lock().expect("stats lock"), |sample| sample.get_messages)
    }
}

/// The rate of each window as Java prints a double; a window the samples do not cover yet is
/// empty, as in Java (`"5.0  "` shortly after start).
fn rates(samples: &VecDeque<Sample>, counter: impl Fn(&Sample) -> u64) -> String {
    let texts: Vec<String> = RATE_WINDOWS
        .iter()
        .map(|window| {
            let (Some(last), Some(first)) =
                (samples.back(), samples.len().checked_sub(window + 1).map(|i| &samples[i]))
            else {
                return String::new();
            };
            let elapsed_ms = last.at_ms.saturating_sub(first.at_ms);
            if elapsed_ms == 0 {
                return String::new();
            }
            let per_second = counter(last).saturating_sub(counter(first)) as f64 * 1000.0 / elapsed_ms as f64;
            java_double(per_second)
        })
        .collect();
    texts.join(" ")
}

/// `Double.toString` for the values rates take: at least one decimal (`0.0`, `12.5`).
fn java_double(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.1}")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_cover_the_windows_the_samples_reach() {
        let stats = Stats::default();
        assert_eq!(stats.put_tps(), "  ", "no samples: three empty rates");
        for second in 0..=60u64 {
            stats.record_put(5, 50);
            if second % 2 == 0 {
                stats.record_get(1, 10);
            }
            stats.sample(1_000 + second * 1_000);
        }
        assert_eq!(stats.put_tps(), "5.0 5.0 ", "600 s are not covered yet");
        assert_eq!(stats.get_transferred_tps(), "0.5 0.5 ");
        for second in 61..700u64 {
            stats.sample(1_000 + second * 1_000);
        }
        assert_eq!(stats.samples.lock().expect("stats lock").len(), SAMPLES_KEPT);
        assert_eq!(stats.put_tps(), "0.0 0.0 0.0", "nothing sent in the last 600 s");
        assert_eq!(java_double(12.25), "12.25");
    }
}
