//! One statistics item, as the Java broker's `StatsItem`: a running total (`value`) and the number
//! of increments (`times`), with snapshots taken every 10 s (kept for a minute), every 10 min (an
//! hour) and every hour (a day). A window's figures are the change between its oldest snapshot and
//! now: `sum`, `tps` (sum per second) and `avgpt` (sum per increment).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use bolide_protocol::body::{BrokerStatsData, BrokerStatsItem};

/// How often a window takes a snapshot, and how many it keeps (`kept − 1` intervals span the
/// window, as in Java: 7 × 10 s, 7 × 10 min, 25 × 1 h).
#[derive(Debug, Clone, Copy)]
struct Window {
    every_ms: u64,
    kept: usize,
}

const MINUTE: Window = Window { every_ms: 10_000, kept: 7 };
const HOUR: Window = Window { every_ms: 600_000, kept: 7 };
const DAY: Window = Window { every_ms: 3_600_000, kept: 25 };
const WINDOWS: [Window; 3] = [MINUTE, HOUR, DAY];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Snapshot {
    at_ms: u64,
    value: u64,
    times: u64,
}

/// Counters of one key (a topic, a topic and group, the broker).
#[derive(Debug)]
pub(crate) struct StatsItem {
    value: AtomicU64,
    times: AtomicU64,
    /// Per window (minute, hour, day), oldest first. Written by the once-a-second sampling task
    /// and read by VIEW_BROKER_STATS_DATA; never touched by sends or pulls.
    snapshots: Mutex<[VecDeque<Snapshot>; 3]>,
}

impl StatsItem {
    /// An item created at `now_ms`: every window starts with a zero snapshot there, so what is
    /// counted before the first sampling already shows.
    pub(crate) fn new(now_ms: u64) -> Self {
        let zero = Snapshot { at_ms: now_ms, value: 0, times: 0 };
        StatsItem {
            value: AtomicU64::new(0),
            times: AtomicU64::new(0),
            snapshots: Mutex::new(std::array::from_fn(|_| VecDeque::from([zero]))),
        }
    }

    /// Adds `value` in one increment.
    pub(crate) fn add(&self, value: u64) {
        self.value.fetch_add(value, Ordering::Relaxed);
        self.times.fetch_add(1, Ordering::Relaxed);
    }

    /// Total since the item was created.
    pub(crate) fn value(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }

    /// Whether anything was ever counted (an item nobody counted into does not exist for
    /// VIEW_BROKER_STATS_DATA, as in Java where items are created by the first increment).
    pub(crate) fn is_used(&self) -> bool {
        self.times.load(Ordering::Relaxed) > 0
    }

    fn now(&self, now_ms: u64) -> Snapshot {
        Snapshot { at_ms: now_ms, value: self.value(), times: self.times.load(Ordering::Relaxed) }
    }

    /// Takes the snapshots that are due at `now_ms`.
    pub(crate) fn sample(&self, now_ms: u64) {
        let current = self.now(now_ms);
        let mut snapshots = self.snapshots.lock().expect("stats item lock");
        for (window, list) in WINDOWS.iter().zip(snapshots.iter_mut()) {
            let due = list.back().is_none_or(|last| now_ms.saturating_sub(last.at_ms) >= window.every_ms);
            if due {
                list.push_back(current);
                while list.len() > window.kept {
                    list.pop_front();
                }
            }
        }
    }

    /// The three windows as of `now_ms`.
    pub(crate) fn data(&self, now_ms: u64) -> BrokerStatsData {
        let current = self.now(now_ms);
        let snapshots = self.snapshots.lock().expect("stats item lock");
        let [minute, hour, day] = [0, 1, 2].map(|at| window_figures(WINDOWS[at], snapshots[at].front(), current));
        BrokerStatsData { stats_minute: minute, stats_hour: hour, stats_day: day }
    }
}

/// The change from `first` to `last`. The rate is over the whole window even when the oldest
/// snapshot is younger (the item was created less than a window ago, and nothing was counted
/// before): one message a second after creation is 1/60 per second over the minute, not 1.
fn window_figures(window: Window, first: Option<&Snapshot>, last: Snapshot) -> BrokerStatsItem {
    let Some(first) = first else { return BrokerStatsItem::default() };
    let sum = last.value.saturating_sub(first.value);
    let span_ms = window.every_ms * (window.kept as u64 - 1);
    let elapsed_ms = last.at_ms.saturating_sub(first.at_ms).max(span_ms);
    let times = last.times.saturating_sub(first.times);
    BrokerStatsItem {
        sum: i64::try_from(sum).unwrap_or(i64::MAX),
        tps: if elapsed_ms == 0 { 0.0 } else { sum as f64 * 1000.0 / elapsed_ms as f64 },
        avgpt: if times == 0 { 0.0 } else { sum as f64 / times as f64 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_since_their_oldest_snapshot() {
        let item = StatsItem::new(0);
        assert!(!item.is_used());
        item.add(4);
        item.add(6);
        let data = item.data(2_000);
        assert_eq!(data.stats_minute.sum, 10, "counted before the first sampling");
        assert_eq!(data.stats_minute.tps, 10.0 / 60.0, "over the whole minute");
        assert_eq!(data.stats_minute.avgpt, 5.0);
        assert_eq!(data.stats_day.sum, 10);

        // Sample every second for two minutes with nothing new: the minute window forgets the
        // early increments, the hour and day windows keep them.
        for second in 1..=120 {
            item.sample(second * 1_000);
        }
        let data = item.data(120_500);
        assert_eq!(data.stats_minute.sum, 0);
        assert_eq!(data.stats_minute.tps, 0.0);
        assert_eq!(data.stats_hour.sum, 10);
        assert_eq!(data.stats_day.sum, 10);
        assert_eq!(item.snapshots.lock().expect("lock")[0].len(), MINUTE.kept);

        item.add(30);
        let data = item.data(121_000);
        assert_eq!(data.stats_minute.sum, 30);
        assert_eq!(data.stats_minute.avgpt, 30.0);
        assert_eq!(data.stats_minute.tps, 30.0 / 61.0, "the oldest snapshot, of 60 s, is 61 s old");
        assert_eq!(data.stats_hour.sum, 40);
        assert!(item.is_used());
    }

    #[test]
    fn a_day_of_hourly_snapshots_drops_the_oldest() {
        let item = StatsItem::new(0);
        item.add(1);
        for hour in 1..=30u64 {
            item.sample(hour * 3_600_000);
            item.add(1);
        }
        // 25 hourly snapshots: hours 6..=30; increments after hour 6 remain.
        assert_eq!(item.data(30 * 3_600_000).stats_day.sum, 25);
    }
}
