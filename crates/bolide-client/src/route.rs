//! Turning a topic's route (TopicRouteData from GET_ROUTEINFO_BY_TOPIC) into the queues a
//! producer writes to and a consumer reads from, as the Java client's `topicRouteData2…`
//! functions do. Pure: [`crate::instance`] does the fetching and caching.

use std::collections::HashMap;

use bolide_protocol::body::{MessageQueue, TopicRouteData, PERM_READ, PERM_WRITE};

/// The producer's `defaultTopicQueueNums`: queues per broker of an auto-created topic.
pub const DEFAULT_TOPIC_QUEUE_NUMS: i32 = 4;
/// The auto-create template topic (`createTopicKey`).
pub const AUTO_CREATE_TOPIC: &str = "TBW102";

/// One topic's usable queues and the master address of each broker serving it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TopicRoute {
    /// Writable queues, by broker name then queue id (Java's publish info order).
    pub(crate) write_queues: Vec<MessageQueue>,
    /// Readable queues, by broker name then queue id (Java's subscribe info).
    pub(crate) read_queues: Vec<MessageQueue>,
    /// Broker name → master address (broker id 0).
    pub(crate) masters: HashMap<String, String>,
    /// Whether this is TBW102's route standing in for a topic that does not exist yet.
    pub(crate) auto_create: bool,
}

impl TopicRoute {
    /// The queues of `topic` in `data`. With `auto_create`, `data` is TBW102's route and every
    /// broker gets `min(DEFAULT_TOPIC_QUEUE_NUMS, readQueueNums)` queues (behaviours.md §3.3).
    pub(crate) fn new(topic: &str, data: &TopicRouteData, auto_create: bool) -> Self {
        let masters: HashMap<String, String> = data
            .broker_datas
            .iter()
            .filter_map(|broker| broker.master_addr().map(|addr| (broker.broker_name.clone(), addr.to_owned())))
            .collect();
        let mut queue_datas: Vec<_> = data.queue_datas.iter().collect();
        queue_datas.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
        let mut write_queues = Vec::new();
        let mut read_queues = Vec::new();
        for queue_data in queue_datas {
            let (writes, reads) = if auto_create {
                let count = DEFAULT_TOPIC_QUEUE_NUMS.min(queue_data.read_queue_nums);
                (count, count)
            } else {
                (queue_data.write_queue_nums, queue_data.read_queue_nums)
            };
            let name = &queue_data.broker_name;
            if queue_data.perm & PERM_WRITE != 0 && masters.contains_key(name) {
                write_queues.extend((0..writes).map(|id| MessageQueue::new(topic, name.as_str(), id)));
            }
            if queue_data.perm & PERM_READ != 0 {
                read_queues.extend((0..reads).map(|id| MessageQueue::new(topic, name.as_str(), id)));
            }
        }
        Self { write_queues, read_queues, masters, auto_create }
    }

    /// A write queue for attempt number `counter`, skipping `avoid_broker` (the broker that just
    /// failed) when another broker has a queue: Java's `selectOneMessageQueue(lastBrokerName)`.
    pub(crate) fn select_write_queue(&self, counter: usize, avoid_broker: Option<&str>) -> Option<&MessageQueue> {
        let queues = &self.write_queues;
        if queues.is_empty() {
            return None;
        }
        if let Some(avoid) = avoid_broker {
            let other = (0..queues.len())
                .map(|step| &queues[counter.wrapping_add(step) % queues.len()])
                .find(|queue| queue.broker_name != avoid);
            if other.is_some() {
                return other;
            }
        }
        Some(&queues[counter % queues.len()])
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use bolide_protocol::body::{BrokerData, QueueData, PERM_INHERIT};

    use super::*;

    fn route(brokers: &[(&str, i32, i32)]) -> TopicRouteData {
        TopicRouteData {
            broker_datas: brokers
                .iter()
                .map(|(name, _, _)| BrokerData {
                    broker_addrs: BTreeMap::from([(0, format!("{name}:10911"))]),
                    broker_name: (*name).to_owned(),
                    cluster: "DefaultCluster".into(),
                    ..BrokerData::default()
                })
                .collect(),
            queue_datas: brokers
                .iter()
                .map(|(name, queues, perm)| QueueData {
                    broker_name: (*name).to_owned(),
                    perm: *perm,
                    read_queue_nums: *queues,
                    write_queue_nums: *queues,
                    topic_sys_flag: 0,
                })
                .collect(),
            ..TopicRouteData::default()
        }
    }

    #[test]
    fn writable_queues_are_sorted_by_broker_and_skip_read_only_brokers() {
        let data = route(&[("b", 2, PERM_READ | PERM_WRITE), ("a", 1, PERM_READ | PERM_WRITE), ("c", 3, PERM_READ)]);
        let route = TopicRoute::new("T", &data, false);
        let names: Vec<_> = route.write_queues.iter().map(|q| (q.broker_name.as_str(), q.queue_id)).collect();
        assert_eq!(names, [("a", 0), ("b", 0), ("b", 1)]);
        assert_eq!(route.read_queues.len(), 6);
        assert_eq!(route.masters["c"], "c:10911");
    }

    #[test]
    fn auto_create_uses_tbw102_with_at_most_four_queues_per_broker() {
        let data = route(&[("a", 8, PERM_READ | PERM_WRITE | PERM_INHERIT)]);
        let route = TopicRoute::new("New", &data, true);
        assert_eq!(route.write_queues.len(), 4);
        assert!(route.write_queues.iter().all(|q| q.topic == "New"));
        assert!(route.auto_create);
    }

    #[test]
    fn selection_round_robins_and_avoids_the_failed_broker() {
        let data = route(&[("a", 2, PERM_READ | PERM_WRITE), ("b", 2, PERM_READ | PERM_WRITE)]);
        let route = TopicRoute::new("T", &data, false);
        let picked: Vec<_> = (0..4).map(|i| route.select_write_queue(i, None).expect("queues").queue_id).collect();
        assert_eq!(picked, [0, 1, 0, 1]);
        for counter in 0..4 {
            let queue = route.select_write_queue(counter, Some("a")).expect("queues");
            assert_eq!(queue.broker_name, "b");
        }
        let single = TopicRoute::new("T", &route_one(), false);
        assert_eq!(single.select_write_queue(7, Some("a")).expect("falls back").broker_name, "a");
    }

    fn route_one() -> TopicRouteData {
        route(&[("a", 1, PERM_READ | PERM_WRITE)])
    }
}
