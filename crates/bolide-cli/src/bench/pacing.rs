//! What the send tasks share to decide when and how much to send: the `-q` budget and the
//! `--rate` schedule.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Hands out the `-q` budget in batch-sized claims.
pub struct Budget {
    total: Option<u64>,
    claimed: AtomicU64,
}

impl Budget {
    pub fn new(total: Option<u64>) -> Self {
        Self { total, claimed: AtomicU64::new(0) }
    }

    /// Up to `want` messages to send now; 0 when the budget is spent.
    pub fn claim(&self, want: u64) -> u64 {
        let Some(total) = self.total else { return want };
        let before = self.claimed.fetch_add(want, Ordering::Relaxed);
        total.saturating_sub(before).min(want)
    }
}

/// A fixed-rate schedule for all tasks together: message number `k` is due `k / rate` seconds
/// after the start. A task takes the next numbers and sleeps until the first is due, so the
/// rate holds over the whole run however the sends are spread over tasks; tasks that fall
/// behind (slow answers) send at once until they are back on schedule.
pub struct Pacer {
    start: Instant,
    interval_ns: f64,
    next: AtomicU64,
}

impl Pacer {
    /// `rate` messages per second, checked positive by the caller.
    pub fn new(rate: f64) -> Self {
        Self { start: Instant::now(), interval_ns: 1e9 / rate, next: AtomicU64::new(0) }
    }

    /// When the next `count` messages may go.
    pub fn reserve(&self, count: u64) -> Instant {
        let first = self.next.fetch_add(count, Ordering::Relaxed);
        self.start + Duration::from_nanos((first as f64 * self.interval_ns) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_claims_stop_at_the_total() {
        let budget = Budget::new(Some(10));
        assert_eq!(budget.claim(4), 4);
        assert_eq!(budget.claim(4), 4);
        assert_eq!(budget.claim(4), 2);
        assert_eq!(budget.claim(4), 0);
        let unlimited = Budget::new(None);
        assert_eq!(unlimited.claim(3), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn pacer_spaces_messages_by_the_rate() {
        let pacer = Pacer::new(1000.0);
        let start = pacer.start;
        assert_eq!(pacer.reserve(1), start);
        assert_eq!(pacer.reserve(10), start + Duration::from_millis(1));
        assert_eq!(pacer.reserve(1), start + Duration::from_millis(11));
    }

    #[tokio::test(start_paused = true)]
    async fn pacer_waits_in_virtual_time() {
        let pacer = Pacer::new(100.0);
        let began = Instant::now();
        for _ in 0..50 {
            tokio::time::sleep_until(pacer.reserve(1)).await;
        }
        // The 50th message is due 49 intervals of 10 ms after the start.
        assert_eq!(began.elapsed(), Duration::from_millis(490));
    }
}
