//! Client-side rebalance for subscribe mode (behaviours.md §9): every consumer of a group sorts
//! the topic's queues and the group's client ids the same way and takes its contiguous share
//! (`AllocateMessageQueueAveragely`).

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
}
