//! Client-side rebalance (behaviours.md §9): every consumer of a group sorts the topic's queues
//! and the group's client ids the same way and takes its share by one [`AllocateStrategy`]
//! (the pull consumer's subscribe mode always uses `AllocateMessageQueueAveragely`).

mod md5;

use std::collections::BTreeMap;

use bolide_protocol::body::{GetConsumerListByGroupResponseBody, MessageQueue};
use bolide_protocol::header::{GetConsumerListByGroupRequestHeader, RpcFields};
use bolide_protocol::json;
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::error::ClientError;
use crate::instance::{refusal, Instance};

/// The queues of `all` (sorted) that the client at `index` of `clients` sorted ids gets:
/// Java's `AllocateMessageQueueAveragely`.
pub(crate) fn allocate_averagely(all: &[MessageQueue], clients: usize, index: usize) -> Vec<MessageQueue> {
    if clients == 0 || index >= clients || all.is_empty() {
        return Vec::new();
    }
    let queues = all.len();
    let remainder = queues % clients;
    let share = if queues <= clients {
        1
    } else if remainder > 0 && index < remainder {
        queues / clients + 1
    } else {
        queues / clients
    };
    let start = if remainder > 0 && index < remainder { index * share } else { index * share + remainder };
    let count = share.min(queues.saturating_sub(start));
    all.iter().skip(start).take(count).cloned().collect()
}

/// How a consumer group divides a topic's queues among its consumers: Java's
/// `AllocateMessageQueueStrategy` implementations. Every consumer of a group must use the same
/// strategy, or queues end up read twice or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AllocateStrategy {
    /// Contiguous blocks, the first `queues % consumers` consumers one queue more
    /// (`AllocateMessageQueueAveragely`, the default).
    #[default]
    Averagely,
    /// Round robin: consumer `i` gets queues `i`, `i + n`, `i + 2n`, …
    /// (`AllocateMessageQueueAveragelyByCircle`).
    AveragelyByCircle,
    /// A hash ring of clients with `virtual_nodes` points each (Java uses 10): adding or removing
    /// one consumer moves only the queues next to it (`AllocateMessageQueueConsistentHash`).
    ConsistentHash {
        /// Ring points per client.
        virtual_nodes: u32,
    },
    /// Exactly these queues, whoever else is in the group (`AllocateMessageQueueByConfig`).
    ByConfig(Vec<MessageQueue>),
}

impl AllocateStrategy {
    /// Java's consistent hash with its default of 10 virtual nodes per client.
    pub const CONSISTENT_HASH: AllocateStrategy = AllocateStrategy::ConsistentHash { virtual_nodes: 10 };

    /// Java's name of the strategy (`AllocateMessageQueueStrategy.getName()`), shown in
    /// consumer running info.
    pub fn name(&self) -> &'static str {
        match self {
            AllocateStrategy::Averagely => "AVG",
            AllocateStrategy::AveragelyByCircle => "AVG_BY_CIRCLE",
            AllocateStrategy::ConsistentHash { .. } => "CONSISTENT_HASH",
            AllocateStrategy::ByConfig(_) => "CONFIG",
        }
    }

    /// The queues of `all` that `client` gets among `clients`. Both lists must be sorted the
    /// same way by every consumer (queues by topic, broker, id; ids by [`sort_client_ids`]).
    pub(crate) fn allocate(&self, all: &[MessageQueue], clients: &[String], client: &str) -> Vec<MessageQueue> {
        let index = clients.iter().position(|id| id == client);
        match (self, index) {
            (AllocateStrategy::ByConfig(queues), _) => {
                queues.iter().filter(|queue| all.contains(queue)).cloned().collect()
            }
            (_, None) => Vec::new(),
            (AllocateStrategy::Averagely, Some(index)) => allocate_averagely(all, clients.len(), index),
            (AllocateStrategy::AveragelyByCircle, Some(index)) => allocate_by_circle(all, clients.len(), index),
            (AllocateStrategy::ConsistentHash { virtual_nodes }, Some(_)) => {
                allocate_by_consistent_hash(all, clients, client, *virtual_nodes)
            }
        }
    }
}

/// `AllocateMessageQueueAveragelyByCircle`.
pub(crate) fn allocate_by_circle(all: &[MessageQueue], clients: usize, index: usize) -> Vec<MessageQueue> {
    if clients == 0 || index >= clients {
        return Vec::new();
    }
    all.iter().skip(index).step_by(clients).cloned().collect()
}

/// `AllocateMessageQueueConsistentHash` with Java's ring: each client id `c` is placed at
/// `md5("c-0")`, …, `md5("c-<n-1>")` (first four digest bytes, big-endian), a queue at the md5 of
/// its Java `toString()`, and the queue goes to the first client point at or after it.
pub(crate) fn allocate_by_consistent_hash(
    all: &[MessageQueue],
    clients: &[String],
    client: &str,
    virtual_nodes: u32,
) -> Vec<MessageQueue> {
    let mut ring: BTreeMap<u32, &str> = BTreeMap::new();
    for id in clients {
        for replica in 0..virtual_nodes.max(1) {
            ring.insert(ring_hash(&format!("{id}-{replica}")), id.as_str());
        }
    }
    all.iter()
        .filter(|queue| {
            let key = format!(
                "MessageQueue [topic={}, brokerName={}, queueId={}]",
                queue.topic, queue.broker_name, queue.queue_id
            );
            let point = ring_hash(&key);
            let owner = ring.range(point..).next().or_else(|| ring.iter().next()).map(|(_, id)| *id);
            owner == Some(client)
        })
        .cloned()
        .collect()
}

/// Java's `MD5Hash.hash`: the first four digest bytes as an unsigned big-endian number.
fn ring_hash(key: &str) -> u32 {
    let digest = md5::digest(key.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Sorts client ids as Java sorts strings (UTF-16 code units).
pub(crate) fn sort_client_ids(ids: &mut [String]) {
    ids.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
}

/// GET_CONSUMER_LIST_BY_GROUP from the broker at `addr`.
pub(crate) async fn consumer_ids(instance: &Instance, addr: &str, group: &str) -> Result<Vec<String>, ClientError> {
    let header = GetConsumerListByGroupRequestHeader { consumer_group: group.to_owned(), rpc: RpcFields::default() };
    let request = RemotingCommand::request(RequestCode::GET_CONSUMER_LIST_BY_GROUP).with_header(&header);
    let response = instance.invoke(addr, request, instance.config().request_timeout()).await?;
    if response.response_code() != ResponseCode::SUCCESS {
        return Err(refusal(response.response_code(), response.remark, addr));
    }
    let body = response.body.unwrap_or_default();
    let list: GetConsumerListByGroupResponseBody =
        json::from_slice(&body).map_err(|source| ClientError::Json { addr: addr.to_owned(), source })?;
    Ok(list.consumer_id_list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn queues(count: i32) -> Vec<MessageQueue> {
        (0..count).map(|id| MessageQueue::new("T", "b", id)).collect()
    }

    fn ids(allocated: &[MessageQueue]) -> Vec<i32> {
        allocated.iter().map(|queue| queue.queue_id).collect()
    }

    #[test]
    fn averagely_gives_contiguous_blocks_larger_first() {
        let all = queues(8);
        assert_eq!(ids(&allocate_averagely(&all, 3, 0)), [0, 1, 2]);
        assert_eq!(ids(&allocate_averagely(&all, 3, 1)), [3, 4, 5]);
        assert_eq!(ids(&allocate_averagely(&all, 3, 2)), [6, 7]);
        assert_eq!(ids(&allocate_averagely(&queues(2), 3, 2)), Vec::<i32>::new());
        assert_eq!(ids(&allocate_averagely(&queues(2), 3, 1)), [1]);
        assert!(allocate_averagely(&all, 3, 3).is_empty(), "an unknown client gets nothing");
    }

    #[test]
    fn client_ids_sort_by_utf16_units() {
        let mut list = vec!["b@1".to_owned(), "a@2".to_owned(), "\u{1F600}".to_owned(), "\u{FF5E}".to_owned()];
        sort_client_ids(&mut list);
        // U+1F600 is a surrogate pair starting 0xD83D, which sorts before U+FF5E in UTF-16.
        assert_eq!(list, ["a@2", "b@1", "\u{1F600}", "\u{FF5E}"]);
    }

    #[test]
    fn by_circle_deals_queues_round_robin() {
        let all = queues(8);
        assert_eq!(ids(&allocate_by_circle(&all, 3, 0)), [0, 3, 6]);
        assert_eq!(ids(&allocate_by_circle(&all, 3, 1)), [1, 4, 7]);
        assert_eq!(ids(&allocate_by_circle(&all, 3, 2)), [2, 5]);
    }

    #[test]
    fn by_config_takes_the_configured_queues_that_exist() {
        let all = queues(4);
        let strategy = AllocateStrategy::ByConfig(vec![MessageQueue::new("T", "b", 1), MessageQueue::new("T", "b", 9)]);
        assert_eq!(ids(&strategy.allocate(&all, &[], "anyone")), [1]);
    }

    #[test]
    fn consistent_hash_ring_points_are_javas_md5_prefix() {
        // md5("abc") = 900150983cd24fb0...: the ring point is 0x90015098.
        assert_eq!(ring_hash("abc"), 0x9001_5098);
        // One client owns everything; a client not in the list owns nothing.
        let all = queues(5);
        let one = ["c1".to_owned()];
        assert_eq!(AllocateStrategy::CONSISTENT_HASH.allocate(&all, &one, "c1").len(), 5);
        assert!(AllocateStrategy::CONSISTENT_HASH.allocate(&all, &one, "c2").is_empty());
    }

    fn strategies() -> impl Strategy<Value = AllocateStrategy> {
        prop_oneof![
            Just(AllocateStrategy::Averagely),
            Just(AllocateStrategy::AveragelyByCircle),
            (1u32..20).prop_map(|virtual_nodes| AllocateStrategy::ConsistentHash { virtual_nodes }),
        ]
    }

    proptest! {
        /// Whatever the numbers, each queue goes to exactly one consumer of the group.
        #[test]
        fn every_queue_is_assigned_exactly_once(
            strategy in strategies(),
            queue_count in 0i32..64,
            brokers in 1usize..4,
            client_count in 1usize..12,
        ) {
            let mut all: Vec<MessageQueue> = (0..brokers)
                .flat_map(|broker| (0..queue_count).map(move |id| MessageQueue::new("T", format!("broker-{broker}"), id)))
                .collect();
            all.sort_by(|a, b| (&a.topic, &a.broker_name, a.queue_id).cmp(&(&b.topic, &b.broker_name, b.queue_id)));
            let mut clients: Vec<String> = (0..client_count).map(|i| format!("10.0.0.{i}@{}", 100 + i)).collect();
            sort_client_ids(&mut clients);
            let mut owners: BTreeMap<MessageQueue, usize> = BTreeMap::new();
            for client in &clients {
                for queue in strategy.allocate(&all, &clients, client) {
                    *owners.entry(queue).or_default() += 1;
                }
            }
            prop_assert_eq!(owners.len(), all.len(), "every queue has an owner");
            prop_assert!(owners.values().all(|count| *count == 1), "no queue has two owners");
        }
    }
}
