//! The per-topic and per-(topic, group) statistics items, in a table split into shards so sends
//! and pulls of different topics do not meet on one lock. A request that counts takes one shard's
//! read lock and does a few atomic adds under it; an entry is allocated (and the clock read) only
//! the first time a topic, or a group of it, is counted.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::item::StatsItem;
use crate::server::now_ms;

/// Shards of the topic table: enough that a handful of busy topics rarely share one.
const SHARDS: usize = 16;

/// The items of one topic.
#[derive(Debug)]
pub(crate) struct TopicItems {
    /// TOPIC_PUT_NUMS: messages stored, one increment per send request.
    pub(crate) put_nums: StatsItem,
    /// TOPIC_PUT_SIZE: bytes stored.
    pub(crate) put_size: StatsItem,
    groups: RwLock<HashMap<Box<str>, Arc<GroupItems>>>,
}

/// The items of one consumer group on one topic (key `topic@group`).
#[derive(Debug)]
pub(crate) struct GroupItems {
    /// GROUP_GET_NUMS: messages returned by pulls.
    pub(crate) get_nums: StatsItem,
    /// GROUP_GET_SIZE: bytes returned by pulls.
    pub(crate) get_size: StatsItem,
    /// SNDBCK_PUT_NUMS: messages the group sent back for redelivery.
    pub(crate) send_back_nums: StatsItem,
}

impl GroupItems {
    fn new(now_ms: u64) -> Self {
        GroupItems {
            get_nums: StatsItem::new(now_ms),
            get_size: StatsItem::new(now_ms),
            send_back_nums: StatsItem::new(now_ms),
        }
    }

    fn sample(&self, now_ms: u64) {
        for item in [&self.get_nums, &self.get_size, &self.send_back_nums] {
            item.sample(now_ms);
        }
    }
}

impl TopicItems {
    fn new(now_ms: u64) -> Self {
        TopicItems { put_nums: StatsItem::new(now_ms), put_size: StatsItem::new(now_ms), groups: RwLock::default() }
    }

    /// Runs `count` on the items of `group`, created now if the group was never counted.
    pub(crate) fn with_group<R>(&self, group: &str, count: impl FnOnce(&GroupItems) -> R) -> R {
        if let Some(items) = self.groups.read().expect("stats group lock").get(group) {
            return count(items);
        }
        let mut groups = self.groups.write().expect("stats group lock");
        count(groups.entry(group.into()).or_insert_with(|| Arc::new(GroupItems::new(now_ms()))))
    }

    /// The items of `group` if it was ever counted.
    pub(crate) fn existing_group(&self, group: &str) -> Option<Arc<GroupItems>> {
        self.groups.read().expect("stats group lock").get(group).cloned()
    }

    fn sample(&self, now_ms: u64) {
        self.put_nums.sample(now_ms);
        self.put_size.sample(now_ms);
        let groups: Vec<Arc<GroupItems>> = self.groups.read().expect("stats group lock").values().cloned().collect();
        for group in groups {
            group.sample(now_ms);
        }
    }
}

/// Topic name → its items.
#[derive(Debug, Default)]
pub(crate) struct TopicTable {
    shards: [RwLock<HashMap<Box<str>, Arc<TopicItems>>>; SHARDS],
}

/// FNV-1a: picks a shard cheaply. The maps inside keep std's keyed hashing, so names chosen to
/// collide can only crowd one shard, not slow its lookups down.
fn shard_index(topic: &str) -> usize {
    let hash = topic
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3));
    (hash % SHARDS as u64) as usize
}

impl TopicTable {
    fn shard(&self, topic: &str) -> &RwLock<HashMap<Box<str>, Arc<TopicItems>>> {
        &self.shards[shard_index(topic)]
    }

    /// Runs `count` on the items of `topic`, created now if the topic was never counted.
    pub(crate) fn with_topic<R>(&self, topic: &str, count: impl FnOnce(&TopicItems) -> R) -> R {
        let shard = self.shard(topic);
        if let Some(items) = shard.read().expect("stats topic lock").get(topic) {
            return count(items);
        }
        let mut topics = shard.write().expect("stats topic lock");
        count(topics.entry(topic.into()).or_insert_with(|| Arc::new(TopicItems::new(now_ms()))))
    }

    /// The items of `topic` if it was ever counted.
    pub(crate) fn existing(&self, topic: &str) -> Option<Arc<TopicItems>> {
        self.shard(topic).read().expect("stats topic lock").get(topic).cloned()
    }

    /// Forgets a deleted topic's figures.
    pub(crate) fn remove(&self, topic: &str) {
        self.shard(topic).write().expect("stats topic lock").remove(topic);
    }

    /// Takes the snapshots due at `now_ms` of every item. Each shard's lock is held only to copy
    /// its entries out.
    pub(crate) fn sample(&self, now_ms: u64) {
        for shard in &self.shards {
            let topics: Vec<Arc<TopicItems>> = shard.read().expect("stats topic lock").values().cloned().collect();
            for topic in topics {
                topic.sample(now_ms);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_created_once_and_found_again() {
        let table = TopicTable::default();
        assert!(table.existing("Orders").is_none());
        table.with_topic("Orders", |items| items.put_nums.add(3));
        table.with_topic("Orders", |items| items.put_nums.add(2));
        let orders = table.existing("Orders").expect("counted");
        assert_eq!(orders.put_nums.value(), 5);
        assert!(orders.existing_group("billing").is_none());
        orders.with_group("billing", |items| items.get_nums.add(4));
        let pulled = table.with_topic("Orders", |items| items.with_group("billing", |items| items.get_nums.value()));
        assert_eq!(pulled, 4);
        assert!(shard_index("Orders") < SHARDS);
        table.sample(10_000);
        table.remove("Orders");
        assert!(table.existing("Orders").is_none());
    }
}
