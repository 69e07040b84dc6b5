//! Topic and consume statistics: GET_TOPIC_STATS_INFO (202), GET_CONSUME_STATS (208)
//! (`codes.md` §8, `data-formats.md` §11.2, §11.3).

use std::collections::BTreeSet;

use bolide_protocol::body::{ConsumeStats, MessageQueue, OffsetWrapper, TopicOffset, TopicStatsTable};
use bolide_protocol::header::{GetConsumeStatsRequestHeader, GetTopicStatsInfoRequestHeader};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, ResponseCode};
use bolide_remoting::{ProcessError, RequestContext};
use tracing::debug;

use super::query::{last_store_time, signed};
use super::{fail, header, success};
use crate::server::State;

pub(super) fn get_topic_stats_info(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetTopicStatsInfoRequestHeader = header(request)?;
    let topic = &header.topic;
    let Some(config) = state.topics.lock().expect("topic lock").get(topic).cloned() else {
        return Ok(fail(request, ResponseCode::TOPIC_NOT_EXIST, format!("topic[{topic}] not exist")));
    };
    let broker_name = state.config().broker_name;
    let mut table = TopicStatsTable::default();
    for queue_id in 0..config.write_queue_nums.max(config.read_queue_nums) {
        let offsets = TopicOffset {
            min_offset: signed(state.store.min_queue_offset(topic, queue_id)),
            max_offset: signed(state.store.max_queue_offset(topic, queue_id)),
            last_update_timestamp: last_store_time(&state.store, topic, queue_id),
        };
        table.offset_table.insert(MessageQueue::new(topic.as_str(), broker_name.as_str(), queue_id), offsets);
    }
    Ok(success(request).with_body(json::to_vec(&table, KeyStyle::Fastjson)))
}

pub(super) fn get_consume_stats(
    state: &State,
    _ctx: &RequestContext,
    request: &RemotingCommand,
) -> Result<RemotingCommand, ProcessError> {
    let header: GetConsumeStatsRequestHeader = header(request)?;
    let group = &header.consumer_group;
    let topics = requested_topics(&header).unwrap_or_else(|| {
        // No topic named: every topic the group has committed offsets in, as Java does.
        state.offsets.lock().expect("offset lock").topics_of_group(group)
    });
    let broker_name = state.config().broker_name;
    let mut stats = ConsumeStats::default();
    for topic in &topics {
        let Some(config) = state.topics.lock().expect("topic lock").get(topic).cloned() else {
            debug!(group = %group, topic = %topic, "consume stats: topic not on this broker");
            continue;
        };
        // An online group that does not subscribe to the topic is not reported for it.
        let skipped = state
            .clients
            .lock()
            .expect("client lock")
            .consumer_group(group)
            .is_some_and(|members| !members.subscriptions.is_empty() && !members.subscriptions.contains_key(topic));
        if skipped {
            continue;
        }
        // Messages per second the group pulled over the last minute, summed over its topics.
        stats.consume_tps += state.stats.consume_tps(topic, group);
        for queue_id in 0..config.read_queue_nums {
            let offsets = queue_offsets(state, group, topic, queue_id);
            stats.offset_table.insert(MessageQueue::new(topic.as_str(), broker_name.as_str(), queue_id), offsets);
        }
    }
    Ok(success(request).with_body(json::to_vec(&stats, KeyStyle::Fastjson)))
}

/// `topicList` (5.x, `;`-separated) wins over `topic`; `None` when neither names a topic.
fn requested_topics(header: &GetConsumeStatsRequestHeader) -> Option<BTreeSet<String>> {
    let named = |text: &Option<String>| -> Option<BTreeSet<String>> {
        let topics: BTreeSet<String> =
            text.as_deref()?.split(';').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect();
        (!topics.is_empty()).then_some(topics)
    };
    named(&header.topic_list).or_else(|| named(&header.topic))
}

fn queue_offsets(state: &State, group: &str, topic: &str, queue_id: i32) -> OffsetWrapper {
    let broker_offset = signed(state.store.max_queue_offset(topic, queue_id));
    let consumer_offset = state.offsets.lock().expect("offset lock").query(group, topic, queue_id).unwrap_or(0).max(0);
    // The store time of the last consumed message.
    let last_timestamp = u64::try_from(consumer_offset - 1)
        .ok()
        .and_then(|last| state.store.store_time_at(topic, queue_id, last).ok())
        .filter(|timestamp| *timestamp > 0)
        .unwrap_or(0);
    OffsetWrapper { broker_offset, consumer_offset, last_timestamp, pull_offset: consumer_offset }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_list_wins_over_topic() {
        let mut header = GetConsumeStatsRequestHeader { consumer_group: "G".into(), ..Default::default() };
        assert_eq!(requested_topics(&header), None);
        header.topic = Some(String::new());
        assert_eq!(requested_topics(&header), None, "a blank topic means every topic");
        header.topic = Some("T".into());
        assert_eq!(requested_topics(&header), Some(BTreeSet::from(["T".to_owned()])));
        header.topic_list = Some("A; B;;".into());
        assert_eq!(requested_topics(&header), Some(BTreeSet::from(["A".to_owned(), "B".to_owned()])));
    }
}
