//! Committed consumer offsets: `topic@group` → queue id → next queue offset to consume, persisted
//! to `config/consumerOffset.json` (integer inner keys, as fastjson writes them) periodically and
//! at shutdown.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use bolide_protocol::body::ConsumerOffsetSerializeWrapper;

use crate::config::BrokerConfig;
use crate::persist::{self, PersistError};

/// Consumer offsets of this broker.
#[derive(Debug)]
pub struct ConsumerOffsetTable {
    path: PathBuf,
    offsets: BTreeMap<String, BTreeMap<i32, i64>>,
    /// Set by every change, cleared by [`Self::persist`]: the periodic flush skips clean tables.
    dirty: bool,
}

fn key(topic: &str, group: &str) -> String {
    format!("{topic}@{group}")
}

impl ConsumerOffsetTable {
    /// Loads `config/consumerOffset.json`.
    ///
    /// # Errors
    /// [`PersistError`] naming the file when it cannot be read or is corrupt.
    pub fn open(config: &BrokerConfig) -> Result<Self, PersistError> {
        let path = config.config_dir().join("consumerOffset.json");
        let offsets = persist::load_json::<ConsumerOffsetSerializeWrapper>(&path)?
            .map(|stored| stored.offset_table)
            .unwrap_or_default();
        Ok(Self { path, offsets, dirty: false })
    }

    /// Records `offset` as the group's next offset in the queue.
    pub fn commit(&mut self, group: &str, topic: &str, queue_id: i32, offset: i64) {
        self.offsets.entry(key(topic, group)).or_default().insert(queue_id, offset);
        self.dirty = true;
    }

    /// The committed offset, if any.
    pub fn query(&self, group: &str, topic: &str, queue_id: i32) -> Option<i64> {
        self.offsets.get(&key(topic, group)).and_then(|queues| queues.get(&queue_id)).copied()
    }

    /// Copies `src`'s offsets to `dest` for `topic`, or for every topic `src` has offsets in.
    /// Returns the number of topics copied.
    pub fn clone_group(&mut self, src: &str, dest: &str, topic: Option<&str>) -> usize {
        let suffix = format!("@{src}");
        let copies: Vec<(String, BTreeMap<i32, i64>)> = self
            .offsets
            .iter()
            .filter_map(|(key, queues)| key.strip_suffix(&suffix).map(|t| (t.to_owned(), queues.clone())))
            .filter(|(t, _)| topic.is_none_or(|wanted| wanted == t))
            .collect();
        for (t, queues) in &copies {
            self.offsets.insert(key(t, dest), queues.clone());
        }
        self.dirty |= !copies.is_empty();
        copies.len()
    }

    /// Forgets every group's offsets of `topic`.
    pub fn remove_topic(&mut self, topic: &str) {
        let prefix = format!("{topic}@");
        let before = self.offsets.len();
        self.offsets.retain(|key, _| !key.starts_with(&prefix));
        self.dirty |= self.offsets.len() != before;
    }

    /// Forgets every offset of `group`.
    pub fn remove_group(&mut self, group: &str) {
        let suffix = format!("@{group}");
        let before = self.offsets.len();
        self.offsets.retain(|key, _| !key.ends_with(&suffix));
        self.dirty |= self.offsets.len() != before;
    }

    /// Groups with an offset in `topic` (QUERY_TOPIC_CONSUME_BY_WHO).
    pub fn groups_of_topic(&self, topic: &str) -> BTreeSet<String> {
        self.offsets
            .keys()
            .filter_map(|key| key.split_once('@'))
            .filter(|(t, _)| *t == topic)
            .map(|(_, g)| g.to_owned())
            .collect()
    }

    /// Topics in which `group` has an offset (QUERY_TOPICS_BY_CONSUMER).
    pub fn topics_of_group(&self, group: &str) -> BTreeSet<String> {
        self.offsets
            .keys()
            .filter_map(|key| key.split_once('@'))
            .filter(|(_, g)| *g == group)
            .map(|(t, _)| t.to_owned())
            .collect()
    }

    /// Whether there are changes not yet written.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The table in the file's shape (also GET_ALL_CONSUMER_OFFSET's body).
    pub fn to_wrapper(&self) -> ConsumerOffsetSerializeWrapper {
        ConsumerOffsetSerializeWrapper { data_version: None, offset_table: self.offsets.clone() }
    }

    /// Writes the file atomically. Blocking.
    ///
    /// # Errors
    /// [`PersistError`] naming the file; the table stays dirty so the next flush retries.
    pub fn persist(&mut self) -> Result<(), PersistError> {
        persist::store_json(&self.path, &self.to_wrapper())?;
        self.dirty = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_query_persist_reload() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = BrokerConfig { store_path_root_dir: dir.path().to_owned(), ..BrokerConfig::default() };
        let mut table = ConsumerOffsetTable::open(&config).expect("open");
        assert_eq!(table.query("G", "T", 0), None);
        table.commit("G", "T", 0, 42);
        table.commit("G", "T", 3, 7);
        table.commit("H", "T", 0, 1);
        table.commit("G", "U", 0, 9);
        assert!(table.is_dirty());
        table.persist().expect("persist");
        assert!(!table.is_dirty());
        let text = std::fs::read_to_string(config.config_dir().join("consumerOffset.json")).expect("file");
        assert!(text.contains(r#""T@G":{0:42,3:7}"#), "fastjson integer keys: {text}");
        let mut reloaded = ConsumerOffsetTable::open(&config).expect("reopen");
        assert_eq!(reloaded.groups_of_topic("T"), BTreeSet::from(["G".to_owned(), "H".to_owned()]));
        assert_eq!(reloaded.topics_of_group("G"), BTreeSet::from(["T".to_owned(), "U".to_owned()]));
        assert_eq!(reloaded.query("G", "T", 3), Some(7));
        reloaded.remove_topic("T");
        assert_eq!((reloaded.query("G", "T", 0), reloaded.query("G", "U", 0)), (None, Some(9)));
        reloaded.remove_group("G");
        assert_eq!(reloaded.query("G", "U", 0), None);
        std::fs::write(config.config_dir().join("consumerOffset.json"), "{\"offsetTable\":{\"a\":5}}").expect("bad");
        let err = ConsumerOffsetTable::open(&config).expect_err("corrupt").to_string();
        assert!(err.contains("consumerOffset.json"), "{err}");
    }
}
