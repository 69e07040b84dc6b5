//! The per-topic and per-(topic, group) statistics items, in a table split into shards so sends
//! and pulls of different topics do not meet on one lock. A request that counts takes one shard's
//! read lock and does a few atomic adds; an entry is allocated only the first time a topic (or a
//! group of it) is counted.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, RwLock};

use super::item::StatsItem;

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

    /// The items of `group`, created at `now_ms` if the group was never counted.
    pub(crate) fn group(&self, group: &str, now_ms: u64) -> Arc<GroupItems> {
        if let Some(items) = self.groups.read().expect("stats group lock").get(group) {
            return Arc::clone(items);
        }
        let mut groups = self.groups.write().expect("stats group lock");
        Arc::clone(groups.entry(group.into()).or_insert_with(|| Arc::new(GroupItems::new(now_ms))))
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
#[derive(Debug)]
pub(crate) struct TopicTable {
    hasher: RandomState,
    shards: [RwLock<HashMap<Box<str>, Arc<TopicItems>>>; SHARDS],
}

impl Default for TopicTable {
    fn default() -> Self {
        TopicTable { hasher: RandomState::new(), shards: std::array::from_fn(|_| RwLock::default()) }
    }
}

impl TopicTable {
    fn shard(&self, topic: &str) -> &RwLock<HashMap<Box<str>, Arc<TopicItems>>> {
        &self.shards[(self.hasher.hash_one(topic) % SHARDS as u64) as usize]
    }

    /// The items of `topic`, created at `now_ms` if the topic was never counted.
    pub(crate) fn topic(&self, topic: &str, now_ms: u64) -> Arc<TopicItems> {
        let shard = self.shard(topic);
        if let Some(items) = shard.read().expect("stats topic lock").get(topic) {
            return Arc::clone(items);
        }
        let mut topics = shard.write().expect("stats topic lock");
        Arc::clone(topics.entry(topic.into()).or_insert_with(|| Arc::new(TopicItems::new(now_ms))))
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
        table.topic("Orders", 0).put_nums.add(3);
        table.topic("Orders", 5).put_nums.add(2);
        let orders = table.existing("Orders").expect("counted");
        assert_eq!(orders.put_nums.value(), 5);
        assert!(orders.existing_group("billing").is_none());
        orders.group("billing", 0).get_nums.add(4);
        assert_eq!(table.topic("Orders", 9).group("billing", 9).get_nums.value(), 4);
        table.sample(10_000);
        table.remove("Orders");
        assert!(table.existing("Orders").is_none());
    }
}
