//! Namespaced key/value settings (PUT/GET/DELETE_KV_CONFIG, GET_KVLIST_BY_NAMESPACE), persisted
//! as RocketMQ's `kvConfig.json`: `{"configTable":{"<namespace>":{"<key>":"<value>"}}}`.
//!
//! Every change is written to a temporary file, synced and renamed over the old one, so a crash
//! leaves either the old or the new file. A file that exists but cannot be parsed stops start-up
//! with an error naming it: silently starting empty would lose an operator's settings.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The namespace whose entries describe ordered topics (`brokerName:queueNum;…`).
pub const ORDER_TOPIC_CONFIG: &str = "ORDER_TOPIC_CONFIG";

/// A KV config file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KvConfigError {
    /// Reading, writing or syncing failed.
    #[error("KV config file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a KV config document.
    #[error(
        "KV config file {path} is corrupt ({source}); fix or move it aside (the NameServer then starts with no KV config)"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct KvFile {
    #[serde(rename = "configTable", default)]
    config_table: BTreeMap<String, BTreeMap<String, String>>,
}

/// The KV table and the file it persists to.
#[derive(Debug)]
pub struct KvConfig {
    path: PathBuf,
    table: BTreeMap<String, BTreeMap<String, String>>,
}

impl KvConfig {
    /// Loads `path`; a missing file is an empty table.
    ///
    /// # Errors
    /// [`KvConfigError`] when the file exists but cannot be read or parsed.
    pub fn open(path: &Path) -> Result<Self, KvConfigError> {
        let table = match std::fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice::<KvFile>(&bytes)
                    .map_err(|source| KvConfigError::Corrupt { path: path.to_owned(), source })?
                    .config_table
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => return Err(KvConfigError::Io { path: path.to_owned(), source }),
        };
        Ok(Self { path: path.to_owned(), table })
    }

    /// The value of one key.
    pub fn get(&self, namespace: &str, key: &str) -> Option<&str> {
        self.table.get(namespace)?.get(key).map(String::as_str)
    }

    /// Every key of a namespace; `None` when it has none.
    pub fn namespace(&self, namespace: &str) -> Option<&BTreeMap<String, String>> {
        self.table.get(namespace).filter(|entries| !entries.is_empty())
    }

    /// Sets a key and persists.
    ///
    /// # Errors
    /// [`KvConfigError::Io`]; the in-memory table keeps the change (it is retried on the next
    /// write) and the caller reports the failure.
    pub fn put(&mut self, namespace: &str, key: &str, value: &str) -> Result<(), KvConfigError> {
        self.table.entry(namespace.to_owned()).or_default().insert(key.to_owned(), value.to_owned());
        self.persist()
    }

    /// Deletes a key (a missing key is fine) and persists.
    ///
    /// # Errors
    /// As [`KvConfig::put`].
    pub fn delete(&mut self, namespace: &str, key: &str) -> Result<(), KvConfigError> {
        let Some(entries) = self.table.get_mut(namespace) else {
            return Ok(());
        };
        if entries.remove(key).is_none() {
            return Ok(());
        }
        if entries.is_empty() {
            self.table.remove(namespace);
        }
        self.persist()
    }

    fn persist(&self) -> Result<(), KvConfigError> {
        let io = |source| KvConfigError::Io { path: self.path.clone(), source };
        if let Some(dir) = self.path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = KvFile { config_table: self.table.clone() };
        let bytes = serde_json::to_vec_pretty(&file).expect("string maps always serialize");
        let temp = self.path.with_extension("json.tmp");
        let mut out = std::fs::File::create(&temp).map_err(io)?;
        out.write_all(&bytes).map_err(io)?;
        out.sync_all().map_err(io)?;
        std::fs::rename(&temp, &self.path).map_err(io)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("bolide-kv-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("kvConfig.json")
    }

    #[test]
    fn survives_reopen_and_deletes() {
        let path = temp_path("reopen");
        let mut kv = KvConfig::open(&path).unwrap();
        kv.put(ORDER_TOPIC_CONFIG, "TopicOrder", "broker-a:8").unwrap();
        kv.put("other", "k", "v").unwrap();
        let mut kv = KvConfig::open(&path).unwrap();
        assert_eq!(kv.get(ORDER_TOPIC_CONFIG, "TopicOrder"), Some("broker-a:8"));
        kv.delete("other", "k").unwrap();
        kv.delete("other", "absent").unwrap();
        let kv = KvConfig::open(&path).unwrap();
        assert_eq!(kv.namespace("other"), None);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("configTable"), "{text}");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn corrupt_file_is_an_error_naming_it() {
        let path = temp_path("corrupt");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{not json").unwrap();
        let err = KvConfig::open(&path).unwrap_err().to_string();
        assert!(err.contains("kvConfig.json") && err.contains("corrupt"), "{err}");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
