//! Index files: lookup of messages by key (`KEYS` tokens and `UNIQ_KEY`) within a time range.
//!
//! Files live in `index/`, named by their creation time as `yyyyMMddHHmmssSSS` (UTC here; Java
//! uses local time, but only the order of names matters). Keys are `topic#key`, hashed with Java's
//! `String.hashCode`. The dispatcher feeds messages in commit log order; a message at or before
//! the last indexed commit log offset is skipped, so re-dispatch after a crash adds nothing twice
//! (except after the commit log was cut below that offset; queries deduplicate).

mod file;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::error::{io_error, StoreError};
use crate::segment::SegmentStorage;
use file::{index_file_size, key_hash, IndexFile};

/// Most results one query returns (`maxMsgsNumBatch`).
pub const MAX_QUERY_RESULTS: usize = 64;

#[derive(Debug)]
struct IndexState {
    files: Vec<IndexFile>,
    /// Commit log offset of the last message indexed, if known.
    last_indexed_offset: Option<u64>,
    /// End timestamp of the newest file known flushed (the checkpoint's indexMsgTimestamp).
    flushed_timestamp_ms: i64,
}

#[derive(Debug)]
pub(crate) struct IndexService {
    storage: Arc<dyn SegmentStorage>,
    dir: PathBuf,
    slots: u32,
    entries: u32,
    state: RwLock<IndexState>,
}

impl IndexService {
    pub(crate) fn load(
        storage: Arc<dyn SegmentStorage>,
        dir: &Path,
        slots: u32,
        entries: u32,
    ) -> Result<Self, StoreError> {
        let size = index_file_size(slots, entries);
        let mut names: Vec<(String, u64)> = storage
            .list(dir)
            .map_err(|e| io_error("list", dir, e))?
            .into_iter()
            .filter(|f| f.name.len() == 17 && f.name.bytes().all(|b| b.is_ascii_digit()))
            .map(|f| (f.name, f.len))
            .collect();
        names.sort();
        if names.last().is_some_and(|(_, len)| *len == 0) {
            // A file whose creation was interrupted (Java creates index files in place).
            let (name, _) = names.pop().expect("checked above");
            storage.remove(dir, &name).map_err(|e| io_error("remove", &dir.join(&name), e))?;
        }
        let mut files = Vec::with_capacity(names.len());
        for (name, len) in names {
            if len != size {
                return Err(StoreError::SegmentSizeMismatch { path: dir.join(&name), expected: size, found: len });
            }
            let segment = storage.open(dir, &name).map_err(|e| io_error("open", &dir.join(&name), e))?;
            files.push(IndexFile::load(name, segment, slots, entries)?);
        }
        let last_indexed_offset =
            files.last().filter(|f| f.header.index_count > 1).map(|f| f.header.end_phy_offset.max(0) as u64);
        let state = IndexState { files, last_indexed_offset, flushed_timestamp_ms: 0 };
        Ok(IndexService { storage, dir: dir.to_path_buf(), slots, entries, state: RwLock::new(state) })
    }

    fn write_state(&self) -> std::sync::RwLockWriteGuard<'_, IndexState> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    fn read_state(&self) -> std::sync::RwLockReadGuard<'_, IndexState> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Recovery: the commit log ends at `commit_log_end`; if the index went beyond it, forget the
    /// last indexed offset so that re-dispatched messages are indexed again.
    pub(crate) fn recovered(&self, commit_log_end: u64) {
        let mut state = self.write_state();
        if state.last_indexed_offset.is_some_and(|last| last >= commit_log_end) {
            state.last_indexed_offset = None;
        }
    }

    /// Whether the next put starts a new file, which syncs the full one first (hundreds of MB
    /// with the default sizes): a step for the dispatch thread, not for an appender.
    pub(crate) fn roll_due(&self) -> bool {
        let state = self.read_state();
        state.files.last().is_none_or(IndexFile::is_full)
    }

    /// Indexes one message under each of `keys` (already split) for `topic`.
    pub(crate) fn put<'k>(
        &self,
        topic: &str,
        keys: impl Iterator<Item = &'k str>,
        commit_log_offset: u64,
        store_timestamp_ms: i64,
    ) -> Result<(), StoreError> {
        let mut state = self.write_state();
        if state.last_indexed_offset.is_some_and(|last| commit_log_offset <= last) {
            return Ok(());
        }
        for key in keys.filter(|k| !k.is_empty()) {
            let hash = key_hash(topic, key);
            loop {
                if state.files.is_empty() || state.files.last().is_some_and(IndexFile::is_full) {
                    self.roll(&mut state, store_timestamp_ms)?;
                }
                let last = state.files.last_mut().expect("a file was just created");
                if last.put(hash, commit_log_offset, store_timestamp_ms)? {
                    break;
                }
            }
        }
        state.last_indexed_offset = Some(commit_log_offset);
        Ok(())
    }

    /// Flushes a full last file and starts a new one.
    fn roll(&self, state: &mut IndexState, now_ms: i64) -> Result<(), StoreError> {
        if let Some(full) = state.files.last() {
            full.sync()?;
            state.flushed_timestamp_ms = full.header.end_timestamp_ms;
        }
        let mut name = format_timestamp(now_ms.max(0) as u64);
        if let Some(last) = state.files.last() {
            if name <= last.name {
                // Names must sort after the previous file; bump past it by a millisecond.
                name = format_timestamp(parse_timestamp(&last.name).unwrap_or(0) + 1);
            }
        }
        let size = index_file_size(self.slots, self.entries);
        let segment =
            self.storage.create(&self.dir, &name, size).map_err(|e| io_error("create", &self.dir.join(&name), e))?;
        let previous = state.files.last().map(|f| f.header);
        let file = IndexFile::create(name, segment, self.slots, self.entries, previous.as_ref())?;
        tracing::info!(file = %file.name, "index file created");
        state.files.push(file);
        Ok(())
    }

    /// Commit log offsets of messages of `topic` with `key` stored within `[begin_ms, end_ms]`,
    /// newest first, deduplicated, at most `max` (capped at [`MAX_QUERY_RESULTS`]).
    pub(crate) fn query(
        &self,
        topic: &str,
        key: &str,
        max: usize,
        begin_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<u64>, StoreError> {
        let max = max.min(MAX_QUERY_RESULTS);
        let hash = key_hash(topic, key);
        let state = self.read_state();
        let mut out = Vec::new();
        for file in state.files.iter().rev() {
            if out.len() >= max {
                break;
            }
            let (begin, end) = (file.header.begin_timestamp_ms, file.header.end_timestamp_ms);
            if begin <= end_ms && end >= begin_ms {
                file.query(hash, begin_ms, end_ms, max, &mut out)?;
            }
            if begin < begin_ms {
                break;
            }
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|offset| seen.insert(*offset));
        Ok(out)
    }

    /// Syncs the newest file and returns the index timestamp for the checkpoint.
    pub(crate) fn flush(&self) -> Result<i64, StoreError> {
        let mut state = self.write_state();
        if let Some(last) = state.files.last() {
            last.sync()?;
            let ts = last.header.end_timestamp_ms;
            state.flushed_timestamp_ms = state.flushed_timestamp_ms.max(ts);
        }
        Ok(state.flushed_timestamp_ms)
    }

    /// Removes files (never the newest) whose last entry points below `commit_log_min`.
    pub(crate) fn remove_expired(&self, commit_log_min: u64) -> Result<usize, StoreError> {
        let mut state = self.write_state();
        let mut removed = 0;
        while state.files.len() > 1 && (state.files[0].header.end_phy_offset.max(0) as u64) < commit_log_min {
            let file = state.files.remove(0);
            self.storage
                .remove(&self.dir, &file.name)
                .map_err(|e| io_error("remove", &self.dir.join(&file.name), e))?;
            removed += 1;
        }
        Ok(removed)
    }
}

/// Formats epoch ms as `yyyyMMddHHmmssSSS` (UTC).
pub(crate) fn format_timestamp(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}{month:02}{day:02}{:02}{:02}{:02}{:03}", rem / 3600, rem % 3600 / 60, rem % 60, ms % 1000)
}

/// Inverse of [`format_timestamp`].
pub(crate) fn parse_timestamp(name: &str) -> Option<u64> {
    let num = |r: std::ops::Range<usize>| name.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(num(0..4)?, num(4..6)?, num(6..8)?);
    let secs = days * 86_400 + num(8..10)? * 3600 + num(10..12)? * 60 + num(12..14)?;
    u64::try_from(secs * 1000 + num(14..17)?).ok()
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::MemoryStorage;

    #[test]
    fn timestamp_names() {
        assert_eq!(format_timestamp(0), "19700101000000000");
        assert_eq!(format_timestamp(1_735_723_815_123), "20250101093015123");
        assert_eq!(parse_timestamp("20250101093015123"), Some(1_735_723_815_123));
    }

    #[test]
    fn rolls_files_and_queries_across_them() {
        let storage: Arc<dyn SegmentStorage> = Arc::new(MemoryStorage::new());
        let index = IndexService::load(Arc::clone(&storage), Path::new("index"), 8, 4).expect("load");
        for i in 0..10u64 {
            index.put("T", ["k", "other"].into_iter(), i * 100, 1_000_000 + i as i64).expect("put");
        }
        index.put("T", ["k"].into_iter(), 900, 1_000_009).expect("duplicate is skipped");
        assert_eq!(
            index.query("T", "k", 64, 0, i64::MAX).expect("query"),
            (0..10).rev().map(|i| i * 100).collect::<Vec<_>>()
        );
        assert!(index.query("U", "k", 64, 0, i64::MAX).expect("query").is_empty());
        assert_eq!(index.read_state().files.len(), 7);
        let reloaded = IndexService::load(storage, Path::new("index"), 8, 4).expect("reload");
        assert_eq!(reloaded.query("T", "k", 3, 0, i64::MAX).expect("query"), vec![900, 800, 700]);
        assert_eq!(reloaded.remove_expired(500).expect("remove"), 3);
    }
}
