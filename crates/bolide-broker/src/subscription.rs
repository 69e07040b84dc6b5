//! Subscription groups: the system groups at start, create/update/delete, auto-creation when
//! `autoCreateSubscriptionGroup` is on, persisted to `config/subscriptionGroup.json` in RocketMQ's
//! `SubscriptionGroupWrapper` shape.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bolide_protocol::body::{DataVersion, SubscriptionGroupConfig, SubscriptionGroupWrapper};

use crate::config::BrokerConfig;
use crate::persist::{self, PersistError};

/// Groups the Java broker creates at start.
pub const SYSTEM_GROUPS: &[&str] = &[
    "TOOLS_CONSUMER",
    "FILTERSRV_CONSUMER",
    "SELF_TEST_C_GROUP",
    "CID_ONS-HTTP-PROXY",
    "CID_ONSAPI_PULL",
    "CID_ONSAPI_PERMISSION",
    "CID_ONSAPI_OWNER",
    "CID_RMQ_SYS_TRANS",
];

/// Subscription group configs of this broker.
#[derive(Debug)]
pub struct SubscriptionGroupTable {
    path: PathBuf,
    groups: BTreeMap<String, SubscriptionGroupConfig>,
    data_version: DataVersion,
}

impl SubscriptionGroupTable {
    /// Loads `config/subscriptionGroup.json` over the system groups.
    ///
    /// # Errors
    /// [`PersistError`] naming the file when it cannot be read or is corrupt.
    pub fn open(config: &BrokerConfig) -> Result<Self, PersistError> {
        let path = config.config_dir().join("subscriptionGroup.json");
        let mut groups: BTreeMap<String, SubscriptionGroupConfig> =
            SYSTEM_GROUPS.iter().map(|name| ((*name).to_owned(), SubscriptionGroupConfig::new(*name))).collect();
        let mut data_version = DataVersion::default();
        if let Some(stored) = persist::load_json::<SubscriptionGroupWrapper>(&path)? {
            groups.extend(stored.subscription_group_table);
            data_version = stored.data_version;
        }
        Ok(Self { path, groups, data_version })
    }

    /// The config of `group`.
    pub fn get(&self, group: &str) -> Option<&SubscriptionGroupConfig> {
        self.groups.get(group)
    }

    /// The group's config, created with defaults when missing and `auto_create` is on. The flag
    /// is true when it was created (the caller persists).
    pub fn find_or_create(&mut self, group: &str, auto_create: bool) -> Option<(SubscriptionGroupConfig, bool)> {
        if let Some(existing) = self.groups.get(group) {
            return Some((existing.clone(), false));
        }
        if !auto_create {
            return None;
        }
        let created = SubscriptionGroupConfig::new(group);
        self.upsert(created.clone());
        Some((created, true))
    }

    /// Creates or replaces a group. Returns whether anything changed.
    pub fn upsert(&mut self, config: SubscriptionGroupConfig) -> bool {
        if self.groups.get(&config.group_name) == Some(&config) {
            return false;
        }
        self.groups.insert(config.group_name.clone(), config);
        self.data_version.counter += 1;
        true
    }

    /// Removes a group; returns it if it existed.
    pub fn remove(&mut self, group: &str) -> Option<SubscriptionGroupConfig> {
        let removed = self.groups.remove(group);
        if removed.is_some() {
            self.data_version.counter += 1;
        }
        removed
    }

    /// The table in the shape of the file and of GET_ALL_SUBSCRIPTIONGROUP_CONFIG.
    pub fn to_wrapper(&self) -> SubscriptionGroupWrapper {
        SubscriptionGroupWrapper {
            data_version: self.data_version,
            forbidden_table: Some(BTreeMap::new()),
            subscription_group_table: self.groups.clone(),
        }
    }

    /// Writes the file atomically. Blocking.
    ///
    /// # Errors
    /// [`PersistError`] naming the file.
    pub fn persist(&self) -> Result<(), PersistError> {
        persist::store_json(&self.path, &self.to_wrapper())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_create_persist_reload_and_corrupt_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = BrokerConfig { store_path_root_dir: dir.path().to_owned(), ..BrokerConfig::default() };
        let mut table = SubscriptionGroupTable::open(&config).expect("open");
        assert!(table.get("TOOLS_CONSUMER").is_some());
        assert_eq!(table.find_or_create("G", false), None);
        let (created, fresh) = table.find_or_create("G", true).expect("created");
        assert!(fresh && created.retry_queue_nums == 1 && created.retry_max_times == 16);
        assert_eq!(table.find_or_create("G", false).map(|(_, fresh)| fresh), Some(false));
        let mut orderly = SubscriptionGroupConfig::new("O");
        orderly.consume_message_orderly = true;
        assert!(table.upsert(orderly.clone()));
        assert!(table.remove("G").is_some());
        table.persist().expect("persist");
        let reloaded = SubscriptionGroupTable::open(&config).expect("reopen");
        assert_eq!(reloaded.get("O"), Some(&orderly));
        assert!(reloaded.get("G").is_none());
        std::fs::write(config.config_dir().join("subscriptionGroup.json"), "[1,").expect("corrupt");
        let err = SubscriptionGroupTable::open(&config).expect_err("corrupt").to_string();
        assert!(err.contains("subscriptionGroup.json"), "{err}");
    }
}
