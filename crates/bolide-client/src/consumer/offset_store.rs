//! Where a push consumer keeps its consumer offsets (Java's `OffsetStore`): in memory while it
//! runs, persisted every 5 s and at shutdown either to the brokers (clustering:
//! UPDATE_CONSUMER_OFFSET, read back with QUERY_CONSUMER_OFFSET) or to a local file
//! (broadcasting: Java's `offsets.json`, one per client and group).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bolide_protocol::body::MessageQueue;
use bolide_protocol::json::{self, KeyStyle, MessageQueueMap};
use serde::{Deserialize, Serialize};

use super::pull;
use crate::error::ClientError;
use crate::instance::Instance;

/// Java's `OffsetSerializeWrapper`: `{"offsetTable":{{"brokerName":…,"queueId":…,"topic":…}:7}}`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct OffsetFile {
    #[serde(rename = "offsetTable")]
    offset_table: MessageQueueMap<i64>,
}

/// The persistent side of an [`OffsetStore`].
#[derive(Debug)]
enum Backend {
    /// The group's offsets on the brokers.
    Remote,
    /// A local `offsets.json` at this path.
    LocalFile(PathBuf),
}

/// The consumed offset (next offset to consume) of every queue this consumer has read.
///
/// Short critical sections only; the lock is never held across `.await`.
#[derive(Debug)]
pub(crate) struct OffsetStore {
    group: String,
    backend: Backend,
    offsets: Mutex<HashMap<MessageQueue, u64>>,
}

impl OffsetStore {
    /// A store on the brokers for `group`.
    pub(crate) fn remote(group: &str) -> Self {
        Self { group: group.to_owned(), backend: Backend::Remote, offsets: Mutex::default() }
    }

    /// A store in `path`, loaded now (a missing file is an empty store; Java also falls back
    /// to `offsets.json.bak`).
    pub(crate) fn local_file(group: &str, path: PathBuf) -> Result<Self, ClientError> {
        let mut offsets = HashMap::new();
        let backup = backup_path(&path);
        for candidate in [&path, &backup] {
            match std::fs::read(candidate) {
                Ok(bytes) => {
                    let file: OffsetFile = json::from_slice(&bytes)
                        .map_err(|source| ClientError::OffsetFileCorrupt { path: candidate.clone(), source })?;
                    for (queue, offset) in file.offset_table {
                        if let Ok(offset) = u64::try_from(offset) {
                            offsets.insert(queue, offset);
                        }
                    }
                    break;
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(ClientError::OffsetFile { path: candidate.clone(), source }),
            }
        }
        Ok(Self { group: group.to_owned(), backend: Backend::LocalFile(path), offsets: Mutex::new(offsets) })
    }

    /// Java's file: `<root>/<clientId>/<group>/offsets.json`. The client id is taken without
    /// the `#n` that tells several clients of one process apart, so that a consumer restarted
    /// in the same process (with the same instance name) finds its file again.
    pub(crate) fn default_path(root: &Path, client_id: &str, group: &str) -> PathBuf {
        let stable_id = client_id.split_once('#').map_or(client_id, |(id, _)| id);
        root.join(stable_id).join(group).join("offsets.json")
    }

    /// The offset in memory, if any.
    pub(crate) fn cached(&self, queue: &MessageQueue) -> Option<u64> {
        self.offsets.lock().expect("offsets lock").get(queue).copied()
    }

    /// The offset to start `queue` from: the persisted one (`None` when the group has none,
    /// for the caller's consume-from-where rule). Remote stores ask the broker, as Java's
    /// `READ_FROM_STORE` does, since another consumer may have moved it.
    pub(crate) async fn read_persisted(
        &self,
        instance: &Instance,
        queue: &MessageQueue,
    ) -> Result<Option<u64>, ClientError> {
        match self.backend {
            Backend::Remote => {
                let offset = pull::stored_offset(instance, &self.group, queue).await?;
                if let Some(offset) = offset {
                    self.set(queue, offset);
                }
                Ok(offset)
            }
            Backend::LocalFile(_) => Ok(self.cached(queue)),
        }
    }

    /// Moves `queue`'s offset forwards only (a late, smaller update from an earlier batch is
    /// ignored), as Java's `updateOffset(mq, offset, increaseOnly = true)`.
    pub(crate) fn advance(&self, queue: &MessageQueue, offset: u64) {
        let mut offsets = self.offsets.lock().expect("offsets lock");
        let entry = offsets.entry(queue.clone()).or_insert(offset);
        *entry = (*entry).max(offset);
    }

    /// Sets `queue`'s offset, also backwards (offset resets).
    pub(crate) fn set(&self, queue: &MessageQueue, offset: u64) {
        self.offsets.lock().expect("offsets lock").insert(queue.clone(), offset);
    }

    /// Forgets `queue` (given up in a rebalance), after it was persisted.
    pub(crate) fn forget(&self, queue: &MessageQueue) {
        if matches!(self.backend, Backend::Remote) {
            self.offsets.lock().expect("offsets lock").remove(queue);
        }
    }

    /// Persists the offsets of `queues` (remote) or the whole table (local file).
    ///
    /// # Errors
    /// The first failure; the other queues are still attempted.
    pub(crate) async fn persist(&self, instance: &Instance, queues: &[MessageQueue]) -> Result<(), ClientError> {
        match &self.backend {
            Backend::Remote => {
                let mut first_error = None;
                for queue in queues {
                    let Some(offset) = self.cached(queue) else { continue };
                    if let Err(err) = pull::commit_offset(instance, &self.group, queue, offset).await {
                        tracing::warn!(?queue, offset, error = %err, "offset not persisted");
                        first_error.get_or_insert(err);
                    }
                }
                first_error.map_or(Ok(()), Err)
            }
            Backend::LocalFile(path) => {
                let file = {
                    let offsets = self.offsets.lock().expect("offsets lock");
                    let offset_table = offsets
                        .iter()
                        .map(|(queue, offset)| (queue.clone(), i64::try_from(*offset).unwrap_or(i64::MAX)))
                        .collect();
                    OffsetFile { offset_table }
                };
                let path = path.clone();
                let bytes = json::to_vec(&file, KeyStyle::Fastjson);
                tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
                    .await
                    .map_err(|_| ClientError::Shutdown)?
            }
        }
    }
}

fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".bak");
    PathBuf::from(name)
}

/// Writes `bytes` to `path` so that a crash leaves either the old or the new file: write a
/// temporary file, flush it to disk, keep the previous version as `.bak`, rename into place.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    use std::io::Write;
    let io = |source| ClientError::OffsetFile { path: path.to_owned(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut temp = path.as_os_str().to_owned();
    temp.push(".tmp");
    let temp = PathBuf::from(temp);
    let mut file = std::fs::File::create(&temp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    if path.exists() {
        std::fs::copy(path, backup_path(path)).map_err(io)?;
    }
    std::fs::rename(&temp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_file_round_trips_in_javas_layout() {
        let dir = std::env::temp_dir().join(format!("bolide-offsets-{}", std::process::id()));
        let path = OffsetStore::default_path(&dir, "10.0.0.1@7#3", "g");
        assert!(path.ends_with("10.0.0.1@7/g/offsets.json"), "{}", path.display());
        let store = OffsetStore::local_file("g", path.clone()).expect("no file yet is empty");
        let queue = MessageQueue::new("T", "broker-a", 3);
        store.advance(&queue, 7);
        store.advance(&queue, 5);
        assert_eq!(store.cached(&queue), Some(7), "advance never goes back");
        let bytes = json::to_vec(&OffsetFile::default(), KeyStyle::Fastjson);
        assert_eq!(bytes, br#"{"offsetTable":{}}"#);
        let file = OffsetFile { offset_table: [(queue.clone(), 7)].into_iter().collect() };
        let text = String::from_utf8(json::to_vec(&file, KeyStyle::Fastjson)).expect("utf-8");
        assert_eq!(text, r#"{"offsetTable":{{"brokerName":"broker-a","queueId":3,"topic":"T"}:7}}"#);
        write_atomically(&path, text.as_bytes()).expect("written");
        let reloaded = OffsetStore::local_file("g", path.clone()).expect("loads");
        assert_eq!(reloaded.cached(&queue), Some(7));
        std::fs::write(&path, b"{not json").expect("corrupt");
        assert!(matches!(OffsetStore::local_file("g", path), Err(ClientError::OffsetFileCorrupt { .. })));
        let _ = std::fs::remove_dir_all(dir);
    }
}
