//! Message counters of the broker: the totals and rates of GET_BROKER_RUNTIME_INFO (with the
//! per-second samples rates are computed from and the counts at the last two midnights), and the
//! per-topic and per-group items of VIEW_BROKER_STATS_DATA, named as the Java broker's
//! `BrokerStatsManager` names them.
//!
//! Sends and pulls only do atomic adds here (after a read lock on one shard of the topic table);
//! the once-a-second sampling task does the rest.

mod item;
mod topics;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use bolide_protocol::body::BrokerStatsData;

use crate::server::now_ms;
use item::StatsItem;
use topics::TopicTable;

/// Samples kept: one a second for the longest rate window (600 s), plus its start.
const SAMPLES_KEPT: usize = 601;
/// Rate windows in samples (seconds), as the Java broker reports them.
const RATE_WINDOWS: [usize; 3] = [10, 60, 600];
const DAY_MS: u64 = 86_400_000;

/// Statistics names of VIEW_BROKER_STATS_DATA (`statsName`), with the key each expects.
pub mod names {
    /// Messages stored in a topic; key `topic`.
    pub const TOPIC_PUT_NUMS: &str = "TOPIC_PUT_NUMS";
    /// Bytes stored in a topic; key `topic`.
    pub const TOPIC_PUT_SIZE: &str = "TOPIC_PUT_SIZE";
    /// Messages a group pulled from a topic; key `topic@group`.
    pub const GROUP_GET_NUMS: &str = "GROUP_GET_NUMS";
    /// Bytes a group pulled from a topic; key `topic@group`.
    pub const GROUP_GET_SIZE: &str = "GROUP_GET_SIZE";
    /// Messages a group sent back for redelivery; key `topic@group`.
    pub const SNDBCK_PUT_NUMS: &str = "SNDBCK_PUT_NUMS";
    /// Messages stored by the broker; key the cluster name.
    pub const BROKER_PUT_NUMS: &str = "BROKER_PUT_NUMS";
    /// Messages pulled from the broker; key the cluster name.
    pub const BROKER_GET_NUMS: &str = "BROKER_GET_NUMS";
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sample {
    at_ms: u64,
    put_messages: u64,
    get_messages: u64,
}

/// The totals at the start of today and of yesterday (UTC days), for the `msg…TotalTodayMorning`
/// and `msg…TotalYesterdayMorning` figures. Zero until the broker has seen a midnight, as in Java.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Mornings {
    pub put_today: u64,
    pub put_yesterday: u64,
    pub get_today: u64,
    pub get_yesterday: u64,
    /// Day number (ms since the epoch / one day) of the last sample.
    day: u64,
}

/// Totals since start, and the statistics items.
#[derive(Debug)]
pub struct Stats {
    put_bytes: AtomicU64,
    get_bytes: AtomicU64,
    /// BROKER_PUT_NUMS and BROKER_GET_NUMS.
    broker_put: StatsItem,
    broker_get: StatsItem,
    topics: TopicTable,
    /// Oldest first; appended by the once-a-second sampling task, read by runtime-info requests.
    samples: Mutex<VecDeque<Sample>>,
    mornings: Mutex<Mornings>,
}

impl Default for Stats {
    fn default() -> Self {
        let now = now_ms();
        Stats {
            put_bytes: AtomicU64::new(0),
            get_bytes: AtomicU64::new(0),
            broker_put: StatsItem::new(now),
            broker_get: StatsItem::new(now),
            topics: TopicTable::default(),
            samples: Mutex::default(),
            mornings: Mutex::new(Mornings { day: now / DAY_MS, ..Mornings::default() }),
        }
    }
}

impl Stats {
    /// Messages stored in `topic` by one request.
    pub fn record_put(&self, topic: &str, messages: u64, bytes: u64) {
        self.broker_put.add(messages);
        self.put_bytes.fetch_add(bytes, Ordering::Relaxed);
        self.topics.with_topic(topic, |items| {
            items.put_nums.add(messages);
            items.put_size.add(bytes);
        });
    }

    /// Messages of `topic` returned to `group` by one pull.
    pub fn record_get(&self, topic: &str, group: &str, messages: u64, bytes: u64) {
        self.broker_get.add(messages);
        self.get_bytes.fetch_add(bytes, Ordering::Relaxed);
        self.topics.with_topic(topic, |items| {
            items.with_group(group, |items| {
                items.get_nums.add(messages);
                items.get_size.add(bytes);
            });
        });
    }

    /// A message of `topic` that `group` sent back for redelivery.
    pub fn record_send_back(&self, topic: &str, group: &str) {
        self.topics.with_topic(topic, |items| items.with_group(group, |items| items.send_back_nums.add(1)));
    }

    /// Forgets the figures of a deleted topic.
    pub fn forget_topic(&self, topic: &str) {
        self.topics.remove(topic);
    }

    /// Messages stored since start.
    pub fn put_messages(&self) -> u64 {
        self.broker_put.value()
    }

    /// Bytes stored since start.
    pub fn put_bytes(&self) -> u64 {
        self.put_bytes.load(Ordering::Relaxed)
    }

    /// Messages pulled since start.
    pub fn get_messages(&self) -> u64 {
        self.broker_get.value()
    }

    /// Bytes pulled since start.
    pub fn get_bytes(&self) -> u64 {
        self.get_bytes.load(Ordering::Relaxed)
    }

    /// Messages per second `group` pulled from `topic` over the last minute (`consumeTps`).
    pub fn consume_tps(&self, topic: &str, group: &str) -> f64 {
        self.topics
            .existing(topic)
            .and_then(|items| items.existing_group(group))
            .map_or(0.0, |items| items.get_nums.data(now_ms()).stats_minute.tps)
    }

    /// The totals at the last two midnights.
    pub fn mornings(&self) -> Mornings {
        *self.mornings.lock().expect("stats lock")
    }

    /// The figures of one item, as VIEW_BROKER_STATS_DATA answers; `None` when no such item was
    /// ever counted (an unknown name, or a key nothing was counted under). `cluster` is the key of
    /// the broker-wide items.
    pub fn item_data(&self, name: &str, key: &str, cluster: &str, now_ms: u64) -> Option<BrokerStatsData> {
        let group_item = |pick: fn(&topics::GroupItems) -> &StatsItem| {
            let (topic, group) = key.split_once('@')?;
            let items = self.topics.existing(topic)?.existing_group(group)?;
            let item = pick(&items);
            item.is_used().then(|| item.data(now_ms))
        };
        let topic_item = |pick: fn(&topics::TopicItems) -> &StatsItem| {
            let items = self.topics.existing(key)?;
            let item = pick(&items);
            item.is_used().then(|| item.data(now_ms))
        };
        let broker_item = |item: &StatsItem| (key == cluster && item.is_used()).then(|| item.data(now_ms));
        match name {
            names::TOPIC_PUT_NUMS => topic_item(|items| &items.put_nums),
            names::TOPIC_PUT_SIZE => topic_item(|items| &items.put_size),
            names::GROUP_GET_NUMS => group_item(|items| &items.get_nums),
            names::GROUP_GET_SIZE => group_item(|items| &items.get_size),
            names::SNDBCK_PUT_NUMS => group_item(|items| &items.send_back_nums),
            names::BROKER_PUT_NUMS => broker_item(&self.broker_put),
            names::BROKER_GET_NUMS => broker_item(&self.broker_get),
            _ => None,
        }
    }

    /// Records the counters as of `now_ms` and takes the statistics snapshots that are due;
    /// called once a second.
    pub fn sample(&self, now_ms: u64) {
        let sample = Sample { at_ms: now_ms, put_messages: self.put_messages(), get_messages: self.get_messages() };
        {
            let mut samples = self.samples.lock().expect("stats lock");
            samples.push_back(sample);
            while samples.len() > SAMPLES_KEPT {
                samples.pop_front();
            }
        }
        self.roll_day(sample);
        self.broker_put.sample(now_ms);
        self.broker_get.sample(now_ms);
        self.topics.sample(now_ms);
    }

    /// At the first sample of a new day, today's morning becomes yesterday's.
    fn roll_day(&self, sample: Sample) {
        let mut mornings = self.mornings.lock().expect("stats lock");
        let day = sample.at_ms / DAY_MS;
        if day > mornings.day {
            mornings.put_yesterday = mornings.put_today;
            mornings.get_yesterday = mornings.get_today;
            mornings.put_today = sample.put_messages;
            mornings.get_today = sample.get_messages;
            mornings.day = day;
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
            stats.record_put("Orders", 5, 50);
            if second % 2 == 0 {
                stats.record_get("Orders", "billing", 1, 10);
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

    #[test]
    fn items_answer_under_java_names_and_keys() {
        let stats = Stats::default();
        let now = now_ms();
        assert_eq!(stats.item_data(names::TOPIC_PUT_NUMS, "Orders", "DefaultCluster", now), None);
        stats.record_put("Orders", 3, 300);
        stats.record_put("Orders", 1, 100);
        stats.record_get("Orders", "billing", 2, 200);
        stats.record_send_back("Orders", "billing");
        let item = |name, key| stats.item_data(name, key, "DefaultCluster", now_ms()).map(|data| data.stats_day.sum);
        assert_eq!(item(names::TOPIC_PUT_NUMS, "Orders"), Some(4));
        assert_eq!(item(names::TOPIC_PUT_SIZE, "Orders"), Some(400));
        assert_eq!(item(names::GROUP_GET_NUMS, "Orders@billing"), Some(2));
        assert_eq!(item(names::GROUP_GET_SIZE, "Orders@billing"), Some(200));
        assert_eq!(item(names::SNDBCK_PUT_NUMS, "Orders@billing"), Some(1));
        assert_eq!(item(names::BROKER_PUT_NUMS, "DefaultCluster"), Some(4));
        assert_eq!(item(names::BROKER_GET_NUMS, "DefaultCluster"), Some(2));
        let avg = stats.item_data(names::TOPIC_PUT_NUMS, "Orders", "DefaultCluster", now_ms()).expect("item");
        assert_eq!(avg.stats_minute.avgpt, 2.0, "4 messages in 2 sends");
        assert_eq!(item(names::GROUP_GET_NUMS, "Orders"), None, "a group key needs topic@group");
        assert_eq!(item(names::GROUP_GET_NUMS, "Orders@nobody"), None);
        assert_eq!(item(names::BROKER_PUT_NUMS, "OtherCluster"), None);
        assert_eq!(item("NO_SUCH_STATS", "Orders"), None);
        stats.forget_topic("Orders");
        assert_eq!(item(names::TOPIC_PUT_NUMS, "Orders"), None);
    }

    #[test]
    fn mornings_roll_at_midnight() {
        let stats = Stats::default();
        stats.record_put("Orders", 7, 70);
        let today = now_ms() / DAY_MS;
        stats.sample(today * DAY_MS + 1);
        assert_eq!(stats.mornings().put_today, 0, "no midnight seen yet");
        stats.sample((today + 1) * DAY_MS + 1);
        stats.record_put("Orders", 2, 20);
        stats.record_get("Orders", "billing", 1, 10);
        stats.sample((today + 2) * DAY_MS + 1);
        let mornings = stats.mornings();
        assert_eq!((mornings.put_yesterday, mornings.put_today), (7, 9));
        assert_eq!((mornings.get_yesterday, mornings.get_today), (0, 1));
    }
}
