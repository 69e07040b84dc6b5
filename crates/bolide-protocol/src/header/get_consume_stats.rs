//! `GetConsumeStatsRequestHeader`: GET_CONSUME_STATS (208), admin → broker (`codes.md` §8).
//!
//! Wire: `consumerGroup` R, `topic` O, `topicList` O (5.x, `;`-separated, overrides `topic`),
//! + inherited §3 fields.

/// Separator of `topicList`.
pub const TOPIC_NAME_SEPARATOR: char = ';';

define_header! {
    /// Asks for a group's consume progress (all topics it consumes when no topic is given).
    GetConsumeStatsRequestHeader {
        /// Consumer group.
        consumer_group: String = "consumerGroup", required;
        /// One topic.
        topic: String = "topic", optional;
        /// Several topics, `;`-separated (5.x).
        topic_list: String = "topicList", optional;
    }
    inherits rpc;
}

impl GetConsumeStatsRequestHeader {
    /// The topics asked for: `topicList` when present and non-blank, else `topic`; empty means
    /// every topic the group consumes.
    pub fn topics(&self) -> Vec<&str> {
        match self.topic_list.as_deref().filter(|list| !list.trim().is_empty()) {
            Some(list) => list.split(TOPIC_NAME_SEPARATOR).map(str::trim).filter(|t| !t.is_empty()).collect(),
            None => self.topic.as_deref().filter(|t| !t.is_empty()).into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 3] = [("consumerGroup", "cg"), ("topic", "TopicA"), ("topicList", "TopicB;TopicC")];

    fn expected() -> GetConsumeStatsRequestHeader {
        GetConsumeStatsRequestHeader {
            consumer_group: "cg".into(),
            topic: Some("TopicA".into()),
            topic_list: Some("TopicB;TopicC".into()),
            ..Default::default()
        }
    }

    #[test]
    fn golden() {
        assert_golden(&WIRE, &expected());
        assert_eq!(expected().topics(), ["TopicB", "TopicC"]);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<GetConsumeStatsRequestHeader>(&WIRE, GetConsumeStatsRequestHeader::WIRE_FIELDS);
    }

    #[test]
    fn topics_fall_back_and_round_trip() {
        let single = GetConsumeStatsRequestHeader { topic_list: None, ..expected() };
        assert_eq!(single.topics(), ["TopicA"]);
        let all = GetConsumeStatsRequestHeader { consumer_group: "cg".into(), ..Default::default() };
        assert!(all.topics().is_empty());
        assert_round_trip(&single);
        assert_round_trip(&all);
    }
}
