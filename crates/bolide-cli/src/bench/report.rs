//! Counting for `bolide bench`: counters and latency histograms shared by the load tasks, a
//! live line per second and the final summary (text or one JSON object).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::json;

/// Latencies are recorded in microseconds, up to one minute (3 significant digits).
const LATENCY_MAX_US: u64 = 60_000_000;

/// What the load tasks report into. Counters are atomics; the histograms sit behind one short
/// lock (one record per message or batch, never held across `.await`).
pub struct Stats {
    messages: AtomicU64,
    bytes: AtomicU64,
    failed: AtomicU64,
    latency: Mutex<Latency>,
}

struct Latency {
    /// Since the last live line.
    interval: Histogram<u64>,
    /// Since the start.
    total: Histogram<u64>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, LATENCY_MAX_US, 3).expect("valid histogram bounds")
}

impl Stats {
    pub fn new() -> Self {
        Self {
            messages: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            latency: Mutex::new(Latency { interval: histogram(), total: histogram() }),
        }
    }

    /// `messages` messages of `bytes` bytes in all done, the call took `latency`.
    pub fn record(&self, messages: u64, bytes: u64, latency: Duration) {
        self.messages.fetch_add(messages, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.record_latency(latency);
    }

    /// One latency sample without counting messages (e.g. per message of a pull).
    pub fn record_latency(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX).max(1);
        let mut latency = self.latency.lock().expect("latency lock");
        latency.interval.saturating_record(micros);
        latency.total.saturating_record(micros);
    }

    /// Only counts messages and bytes.
    pub fn count(&self, messages: u64, bytes: u64) {
        self.messages.fetch_add(messages, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub fn fail(&self, messages: u64) {
        self.failed.fetch_add(messages, Ordering::Relaxed);
    }

    pub fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }
}

/// Prints one line per second from the counters' deltas.
pub struct LiveLine {
    started: Instant,
    last: Instant,
    last_messages: u64,
    last_bytes: u64,
    last_failed: u64,
    verb: &'static str,
}

impl LiveLine {
    pub fn new(verb: &'static str) -> Self {
        let now = Instant::now();
        Self { started: now, last: now, last_messages: 0, last_bytes: 0, last_failed: 0, verb }
    }

    /// The line for the time since the previous call; resets the interval histogram.
    pub fn tick(&mut self, stats: &Stats) -> String {
        let now = Instant::now();
        let seconds = now.duration_since(self.last).as_secs_f64().max(1e-9);
        let (messages, bytes, failed) = (
            stats.messages.load(Ordering::Relaxed),
            stats.bytes.load(Ordering::Relaxed),
            stats.failed.load(Ordering::Relaxed),
        );
        let (mean_ms, p99_ms) = {
            let mut latency = stats.latency.lock().expect("latency lock");
            let figures = if latency.interval.is_empty() {
                (0.0, 0.0)
            } else {
                (latency.interval.mean() / 1000.0, latency.interval.value_at_quantile(0.99) as f64 / 1000.0)
            };
            latency.interval.reset();
            figures
        };
        let line = format!(
            "[{:>4.0}s] {} {:>9.0} msg/s {:>8.2} MB/s  avg {:>7.3} ms  p99 {:>7.3} ms  failed {}",
            now.duration_since(self.started).as_secs_f64(),
            self.verb,
            (messages - self.last_messages) as f64 / seconds,
            (bytes - self.last_bytes) as f64 / seconds / 1e6,
            mean_ms,
            p99_ms,
            failed - self.last_failed,
        );
        (self.last, self.last_messages, self.last_bytes, self.last_failed) = (now, messages, bytes, failed);
        line
    }
}

/// The whole run's figures.
pub struct Summary {
    pub messages: u64,
    pub failed: u64,
    pub elapsed: Duration,
    pub tps: f64,
    pub mb_per_s: f64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Summary {
    pub fn of(stats: &Stats, elapsed: Duration) -> Self {
        let seconds = elapsed.as_secs_f64().max(1e-9);
        let messages = stats.messages.load(Ordering::Relaxed);
        let bytes = stats.bytes.load(Ordering::Relaxed);
        let latency = stats.latency.lock().expect("latency lock");
        let total = &latency.total;
        let ms = |micros: u64| micros as f64 / 1000.0;
        let (mean_ms, p50_ms, p99_ms, p999_ms, max_ms) = if total.is_empty() {
            (0.0, 0.0, 0.0, 0.0, 0.0)
        } else {
            (
                total.mean() / 1000.0,
                ms(total.value_at_quantile(0.5)),
                ms(total.value_at_quantile(0.99)),
                ms(total.value_at_quantile(0.999)),
                ms(total.max()),
            )
        };
        Self {
            messages,
            failed: stats.failed.load(Ordering::Relaxed),
            elapsed,
            tps: messages as f64 / seconds,
            mb_per_s: bytes as f64 / seconds / 1e6,
            mean_ms,
            p50_ms,
            p99_ms,
            p999_ms,
            max_ms,
        }
    }

    /// The summary as text; `count_name` is "sent" or "consumed".
    pub fn text(&self, count_name: &str) -> String {
        format!(
            "{count_name} {} messages, failed {}, in {:.2} s: {:.0} msg/s, {:.2} MB/s\nlatency ms: {}",
            self.messages,
            self.failed,
            self.elapsed.as_secs_f64(),
            self.tps,
            self.mb_per_s,
            self.latency_text(),
        )
    }

    /// The latency figures as text: `avg … p50 … p99 … p99.9 … max …` in milliseconds.
    pub fn latency_text(&self) -> String {
        format!(
            "avg {:.3}  p50 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
            self.mean_ms, self.p50_ms, self.p99_ms, self.p999_ms, self.max_ms
        )
    }

    /// The latency figures as a JSON object {avg, p50, p99, p999, max} in milliseconds.
    pub fn latency_json(&self) -> serde_json::Value {
        json!({
            "avg": round(self.mean_ms),
            "p50": round(self.p50_ms),
            "p99": round(self.p99_ms),
            "p999": round(self.p999_ms),
            "max": round(self.max_ms),
        })
    }

    /// The summary as one JSON object; `extra` fields (the run's settings) are merged in.
    pub fn json(&self, count_name: &str, extra: serde_json::Value) -> serde_json::Value {
        let mut object = json!({
            count_name: self.messages,
            "failed": self.failed,
            "elapsed_s": round(self.elapsed.as_secs_f64()),
            "tps": round(self.tps),
            "mb_per_s": round(self.mb_per_s),
            "latency_ms": self.latency_json(),
        });
        if let (Some(object), serde_json::Value::Object(extra)) = (object.as_object_mut(), extra) {
            object.extend(extra);
        }
        object
    }
}

/// Three decimals are enough for milliseconds and rates.
fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reports_counts_rates_and_percentiles() {
        let stats = Stats::new();
        for ms in 1..=100 {
            stats.record(1, 1000, Duration::from_millis(ms));
        }
        stats.fail(2);
        let summary = Summary::of(&stats, Duration::from_secs(2));
        assert_eq!((summary.messages, summary.failed), (100, 2));
        assert!((summary.tps - 50.0).abs() < 1e-9);
        assert!((summary.mb_per_s - 0.05).abs() < 1e-9);
        assert!((summary.p50_ms - 50.0).abs() < 0.1, "{}", summary.p50_ms);
        assert!((summary.p99_ms - 99.0).abs() < 0.1, "{}", summary.p99_ms);
        assert!((summary.max_ms - 100.0).abs() < 0.1, "{}", summary.max_ms);
        let json = summary.json("sent", json!({"threads": 4}));
        assert_eq!(json["sent"], 100);
        assert_eq!(json["threads"], 4);
        assert!(json["latency_ms"]["p999"].as_f64().expect("a number") > 99.0);

        let mut live = LiveLine::new("sent");
        assert!(live.tick(&stats).contains("msg/s"));
    }
}
