//! JSON config files under `storePathRootDir/config`: atomic writes (temporary file, fsync,
//! rename, fsync of the directory) and loads whose errors name the file.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use bolide_protocol::json::{self, KeyStyle};

/// A config file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// Reading or writing failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file exists but is not the expected JSON document.
    #[error("{path} is corrupt ({reason}); fix or remove it (the broker then starts with defaults)")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
}

/// Loads `path` as JSON; `Ok(None)` when the file does not exist or is empty.
///
/// # Errors
/// [`PersistError::Io`] when it cannot be read, [`PersistError::Corrupt`] when it does not parse.
pub fn load_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, PersistError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(PersistError::Io { action: "read", path: path.to_owned(), source }),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    json::from_slice(&bytes)
        .map(Some)
        .map_err(|err| PersistError::Corrupt { path: path.to_owned(), reason: err.to_string() })
}

/// Writes `value` as JSON (fastjson key style, as the Java broker writes its files) to `path`
/// atomically: a reader sees the old file or the new one, never a torn one.
///
/// # Errors
/// [`PersistError::Io`] naming the file.
pub fn store_json<T: Serialize>(path: &Path, value: &T) -> Result<(), PersistError> {
    write_atomic(path, &json::to_vec(value, KeyStyle::Fastjson)).map_err(|source| PersistError::Io {
        action: "write",
        path: path.to_owned(),
        source,
    })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut temp_name = path.file_name().unwrap_or_default().to_owned();
    temp_name.push(".tmp");
    let temp = dir.join(temp_name);
    let mut file = std::fs::File::create(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temp, path)?;
    // Make the rename itself durable.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn round_trip_missing_and_corrupt() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config").join("x.json");
        assert_eq!(load_json::<BTreeMap<String, i64>>(&path).expect("missing is fine"), None);
        let value: BTreeMap<String, i64> = [("a".to_owned(), 1)].into();
        store_json(&path, &value).expect("write");
        assert_eq!(load_json::<BTreeMap<String, i64>>(&path).expect("read"), Some(value));
        std::fs::write(&path, b"{not json").expect("write garbage");
        let err = load_json::<BTreeMap<String, i64>>(&path).expect_err("corrupt").to_string();
        assert!(err.contains("x.json") && err.contains("corrupt"), "{err}");
    }
}
