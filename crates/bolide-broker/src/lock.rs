//! Queue locks of orderly consumers (`behaviours.md` §10), as a sans-I/O core with the time passed
//! in: a lock is granted when the queue is free, already held by the same client, or its holder
//! has not renewed it for longer than the expiry.

use std::collections::{BTreeSet, HashMap};

use bolide_protocol::body::MessageQueue;

/// How long a lock lives without renewal (`rocketmq.broker.rebalance.lockMaxLiveTime`).
pub const LOCK_MAX_LIVE_MS: u64 = 60_000;

#[derive(Debug, Clone)]
struct LockEntry {
    client_id: String,
    last_update_ms: u64,
}

/// Locks per consumer group and queue.
#[derive(Debug)]
pub struct LockTable {
    groups: HashMap<String, HashMap<MessageQueue, LockEntry>>,
    max_live_ms: u64,
}

impl Default for LockTable {
    fn default() -> Self {
        Self::new(LOCK_MAX_LIVE_MS)
    }
}

impl LockTable {
    /// An empty table whose locks expire after `max_live_ms` without renewal.
    pub fn new(max_live_ms: u64) -> Self {
        Self { groups: HashMap::new(), max_live_ms }
    }

    /// Locks (or renews) each queue for `client_id` where allowed; returns the queues it now holds.
    pub fn lock_batch(
        &mut self,
        group: &str,
        queues: &BTreeSet<MessageQueue>,
        client_id: &str,
        now_ms: u64,
    ) -> BTreeSet<MessageQueue> {
        let max_live_ms = self.max_live_ms;
        let locks = self.groups.entry(group.to_owned()).or_default();
        let mut locked = BTreeSet::new();
        for queue in queues {
            let entry = locks
                .entry(queue.clone())
                .or_insert_with(|| LockEntry { client_id: client_id.to_owned(), last_update_ms: now_ms });
            let expired = now_ms.saturating_sub(entry.last_update_ms) > max_live_ms;
            if entry.client_id == client_id || expired {
                entry.client_id = client_id.to_owned();
                entry.last_update_ms = now_ms;
                locked.insert(queue.clone());
            }
        }
        locked
    }

    /// Releases the queues `client_id` holds; others' locks stay.
    pub fn unlock_batch(&mut self, group: &str, queues: &BTreeSet<MessageQueue>, client_id: &str) {
        let Some(locks) = self.groups.get_mut(group) else { return };
        for queue in queues {
            if locks.get(queue).is_some_and(|entry| entry.client_id == client_id) {
                locks.remove(queue);
            }
        }
        if locks.is_empty() {
            self.groups.remove(group);
        }
    }

    /// Whether `group` holds any unexpired lock (the send-back path routes such a group's retries
    /// straight to its dead-letter topic).
    pub fn group_holds_locks(&self, group: &str, now_ms: u64) -> bool {
        self.groups.get(group).is_some_and(|locks| {
            locks.values().any(|entry| now_ms.saturating_sub(entry.last_update_ms) <= self.max_live_ms)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queues(ids: &[i32]) -> BTreeSet<MessageQueue> {
        ids.iter().map(|id| MessageQueue::new("T", "broker-a", *id)).collect()
    }

    #[test]
    fn locks_are_exclusive_until_they_expire() {
        let mut table = LockTable::default();
        assert_eq!(table.lock_batch("G", &queues(&[0, 1]), "a", 0), queues(&[0, 1]));
        assert_eq!(table.lock_batch("G", &queues(&[1, 2]), "b", 1_000), queues(&[2]));
        assert_eq!(table.lock_batch("H", &queues(&[1]), "b", 1_000), queues(&[1]), "groups are separate");
        assert_eq!(table.lock_batch("G", &queues(&[0]), "a", 50_000), queues(&[0]), "renewal");
        // Queue 1 was last renewed at 0: expired after 60 s; queue 0 at 50 s is not.
        assert_eq!(table.lock_batch("G", &queues(&[0, 1]), "b", 60_001), queues(&[1]));
        assert!(table.group_holds_locks("G", 60_001));
        table.unlock_batch("G", &queues(&[0, 1, 2]), "b");
        assert_eq!(table.lock_batch("G", &queues(&[1, 2]), "c", 60_002), queues(&[1, 2]));
        assert_eq!(table.lock_batch("G", &queues(&[0]), "c", 60_002), queues(&[]), "a still holds 0");
        assert!(!table.group_holds_locks("H", 1_000_000));
    }
}
