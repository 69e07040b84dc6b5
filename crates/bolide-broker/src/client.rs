//! Producer and consumer registries built from HEART_BEAT (`codes.md` §6.1), as a sans-I/O core:
//! every call takes the time, and results say which consumer groups changed membership so the
//! shell can send NOTIFY_CONSUMER_IDS_CHANGED. Channels are keyed by connection id; the shell keeps
//! the connection handles.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bolide_protocol::body::{ConsumeFromWhere, ConsumeType, MessageModel};
use bolide_protocol::body::{ConsumerData, SubscriptionData};
use bolide_protocol::LanguageCode;

/// One client connection as a member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientChannel {
    /// `clientIP@instanceName`, exactly as the client sent it.
    pub client_id: String,
    /// The language the client's requests declare.
    pub language: LanguageCode,
    /// The client's version (`MQVersion` ordinal).
    pub version: i32,
    /// `ip:port` of the client's socket.
    pub client_addr: String,
    /// Milliseconds of the last heartbeat on this connection.
    pub last_update_ms: u64,
}

/// A consumer group's live members and what they consume.
#[derive(Debug, Clone, Default)]
pub struct ConsumerGroup {
    /// Members by connection id.
    pub channels: BTreeMap<u64, ClientChannel>,
    /// Topic → subscription, from the latest heartbeat.
    pub subscriptions: BTreeMap<String, SubscriptionData>,
    /// Push or pull.
    pub consume_type: Option<ConsumeType>,
    /// Clustering or broadcasting.
    pub message_model: Option<MessageModel>,
    /// Where a new consumer starts.
    pub consume_from_where: Option<ConsumeFromWhere>,
}

impl ConsumerGroup {
    /// Client ids of the live members, sorted and without duplicates.
    pub fn client_ids(&self) -> Vec<String> {
        let ids: BTreeSet<&str> = self.channels.values().map(|channel| channel.client_id.as_str()).collect();
        ids.into_iter().map(str::to_owned).collect()
    }
}

/// Producer and consumer groups of every connected client.
#[derive(Debug, Default)]
pub struct ClientRegistry {
    producers: HashMap<String, BTreeMap<u64, ClientChannel>>,
    consumers: HashMap<String, ConsumerGroup>,
}

impl ClientRegistry {
    /// A registry with no clients.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or refreshes) `connection` as a consumer of `data.group_name`. Returns whether
    /// the group's members or subscriptions changed. With `keep_subscriptions` (a heartbeat sent
    /// without subscriptions) the previous ones stay.
    pub fn register_consumer(
        &mut self,
        connection: u64,
        channel: ClientChannel,
        data: &ConsumerData,
        keep_subscriptions: bool,
    ) -> bool {
        let group = self.consumers.entry(data.group_name.clone()).or_default();
        let new_member = group.channels.insert(connection, channel).is_none();
        group.consume_type = data.consume_type.or(group.consume_type);
        group.message_model = data.message_model.or(group.message_model);
        group.consume_from_where = data.consume_from_where.or(group.consume_from_where);
        if keep_subscriptions {
            return new_member;
        }
        // As Java's ConsumerGroupInfo: a subscription only moves to a newer version, so the group
        // keeps the newest of its members' versions and no member's pull is refused as "not
        // latest" because another member's older heartbeat came last.
        let mut subscriptions: BTreeMap<String, SubscriptionData> = BTreeMap::new();
        for sub in &data.subscription_data_set {
            let kept = group.subscriptions.get(&sub.topic).filter(|old| old.sub_version >= sub.sub_version);
            subscriptions.insert(sub.topic.clone(), kept.unwrap_or(sub).clone());
        }
        let changed_topics = !group.subscriptions.keys().eq(subscriptions.keys());
        group.subscriptions = subscriptions;
        new_member || changed_topics
    }

    /// Registers (or refreshes) `connection` as a producer of `group`.
    pub fn register_producer(&mut self, connection: u64, channel: ClientChannel, group: &str) {
        self.producers.entry(group.to_owned()).or_default().insert(connection, channel);
    }

    /// The connection of the producer whose client id is `client_id` (request-reply pushes
    /// replies there); the most recently refreshed one when the id has several.
    pub fn producer_connection(&self, client_id: &str) -> Option<u64> {
        self.producers
            .values()
            .flat_map(|members| members.iter())
            .filter(|(_, channel)| channel.client_id == client_id)
            .max_by_key(|(_, channel)| channel.last_update_ms)
            .map(|(connection, _)| *connection)
    }

    /// Removes `connection` from a consumer group; true when it was a member.
    pub fn unregister_consumer(&mut self, group: &str, connection: u64) -> bool {
        let Some(members) = self.consumers.get_mut(group) else { return false };
        let removed = members.channels.remove(&connection).is_some();
        if members.channels.is_empty() {
            self.consumers.remove(group);
        }
        removed
    }

    /// Removes `connection` from a producer group.
    pub fn unregister_producer(&mut self, group: &str, connection: u64) {
        if let Some(members) = self.producers.get_mut(group) {
            members.remove(&connection);
            if members.is_empty() {
                self.producers.remove(group);
            }
        }
    }

    /// Removes `connection` everywhere (its socket closed). Returns the consumer groups it left.
    pub fn connection_closed(&mut self, connection: u64) -> Vec<String> {
        self.producers.retain(|_, members| {
            members.remove(&connection);
            !members.is_empty()
        });
        let groups: Vec<String> = self
            .consumers
            .iter()
            .filter(|(_, group)| group.channels.contains_key(&connection))
            .map(|(name, _)| name.clone())
            .collect();
        for group in &groups {
            self.unregister_consumer(group, connection);
        }
        groups
    }

    /// Removes every channel silent for more than `timeout_ms` at `now_ms`. Returns the expired
    /// connections (the shell closes them) and the consumer groups that lost members.
    pub fn expire(&mut self, now_ms: u64, timeout_ms: u64) -> (Vec<u64>, Vec<String>) {
        let silent = |channel: &ClientChannel| now_ms.saturating_sub(channel.last_update_ms) > timeout_ms;
        let mut expired = BTreeSet::new();
        for members in self.producers.values() {
            expired.extend(members.iter().filter(|(_, channel)| silent(channel)).map(|(id, _)| *id));
        }
        for group in self.consumers.values() {
            expired.extend(group.channels.iter().filter(|(_, channel)| silent(channel)).map(|(id, _)| *id));
        }
        let mut changed = BTreeSet::new();
        for connection in &expired {
            changed.extend(self.connection_closed(*connection));
        }
        (expired.into_iter().collect(), changed.into_iter().collect())
    }

    /// A consumer group, if it has live members.
    pub fn consumer_group(&self, group: &str) -> Option<&ConsumerGroup> {
        self.consumers.get(group)
    }

    /// A producer group's live members.
    pub fn producer_group(&self, group: &str) -> Option<&BTreeMap<u64, ClientChannel>> {
        self.producers.get(group)
    }

    /// Consumer groups with a live member subscribed to `topic`.
    pub fn groups_consuming(&self, topic: &str) -> BTreeSet<String> {
        self.consumers
            .iter()
            .filter(|(_, group)| group.subscriptions.contains_key(topic))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Connection ids of a consumer group's members (whom to notify of a change).
    pub fn consumer_connections(&self, group: &str) -> Vec<u64> {
        self.consumers.get(group).map(|group| group.channels.keys().copied().collect()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(id: &str, now_ms: u64) -> ClientChannel {
        ClientChannel {
            client_id: id.to_owned(),
            language: LanguageCode::Java,
            version: 479,
            client_addr: "127.0.0.1:5000".to_owned(),
            last_update_ms: now_ms,
        }
    }

    fn consumer(group: &str, topics: &[&str]) -> ConsumerData {
        ConsumerData {
            group_name: group.to_owned(),
            subscription_data_set: topics.iter().map(|topic| SubscriptionData::tag(*topic, "*", 1)).collect(),
            ..ConsumerData::default()
        }
    }

    #[test]
    fn subscription_versions_only_move_forward() {
        let mut registry = ClientRegistry::new();
        let versioned = |version: i64, expression: &str| ConsumerData {
            group_name: "G".to_owned(),
            subscription_data_set: vec![SubscriptionData::tag("T", expression, version)],
            ..ConsumerData::default()
        };
        registry.register_consumer(1, channel("a", 0), &versioned(20, "A"), false);
        // Another member's older heartbeat does not take the version back.
        registry.register_consumer(2, channel("b", 0), &versioned(10, "B"), false);
        let sub = |registry: &ClientRegistry| registry.consumer_group("G").expect("group").subscriptions["T"].clone();
        assert_eq!((sub(&registry).sub_version, sub(&registry).sub_string.as_str()), (20, "A"));
        registry.register_consumer(2, channel("b", 1), &versioned(30, "B"), false);
        assert_eq!((sub(&registry).sub_version, sub(&registry).sub_string.as_str()), (30, "B"));
    }

    #[test]
    fn membership_changes_are_reported() {
        let mut registry = ClientRegistry::new();
        assert!(registry.register_consumer(1, channel("a", 0), &consumer("G", &["T"]), false));
        assert!(!registry.register_consumer(1, channel("a", 10), &consumer("G", &["T"]), false), "refresh");
        assert!(registry.register_consumer(1, channel("a", 20), &consumer("G", &["T", "U"]), false), "new topic");
        assert!(!registry.register_consumer(1, channel("a", 30), &consumer("G", &[]), true), "kept subscriptions");
        assert_eq!(registry.consumer_group("G").map(|g| g.subscriptions.len()), Some(2));
        assert_eq!(registry.groups_consuming("U"), BTreeSet::from(["G".to_owned()]));
        assert!(registry.register_consumer(2, channel("b", 30), &consumer("G", &["T", "U"]), false));
        assert_eq!(registry.consumer_group("G").map(ConsumerGroup::client_ids), Some(vec!["a".into(), "b".into()]));
        registry.register_producer(2, channel("b", 30), "P");
        assert_eq!(registry.connection_closed(2), vec!["G".to_owned()]);
        assert!(registry.producer_group("P").is_none());
        assert_eq!(registry.consumer_connections("G"), vec![1]);
        assert!(registry.unregister_consumer("G", 1));
        assert!(registry.consumer_group("G").is_none());
    }

    #[test]
    fn silent_channels_expire_after_the_timeout() {
        let mut registry = ClientRegistry::new();
        registry.register_consumer(1, channel("a", 0), &consumer("G", &["T"]), false);
        registry.register_consumer(2, channel("b", 0), &consumer("G", &["T"]), false);
        registry.register_producer(3, channel("p", 0), "P");
        registry.register_consumer(2, channel("b", 100_000), &consumer("G", &["T"]), false);
        assert_eq!(registry.expire(120_000, 120_000), (vec![], vec![]), "exactly the timeout is not expired");
        let (expired, changed) = registry.expire(120_001, 120_000);
        assert_eq!((expired, changed), (vec![1, 3], vec!["G".to_owned()]));
        assert_eq!(registry.consumer_connections("G"), vec![2]);
        assert!(registry.producer_group("P").is_none());
        let (expired, changed) = registry.expire(220_001, 120_000);
        assert_eq!((expired, changed), (vec![2], vec!["G".to_owned()]));
        assert!(registry.consumer_group("G").is_none());
    }

    #[test]
    fn a_producer_is_found_by_client_id() {
        let mut registry = ClientRegistry::new();
        registry.register_producer(7, channel("10.0.0.1@a", 100), "pg1");
        registry.register_producer(8, channel("10.0.0.1@b", 100), "pg2");
        assert_eq!(registry.producer_connection("10.0.0.1@b"), Some(8));
        assert_eq!(registry.producer_connection("10.0.0.1@c"), None);
        registry.connection_closed(8);
        assert_eq!(registry.producer_connection("10.0.0.1@b"), None);
    }
}
