//! Store settings, named like RocketMQ's `MessageStoreConfig` keys (camelCase in files).

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::error::StoreError;

/// The 18 delay levels of a stock broker (`messageDelayLevel`).
pub const DEFAULT_MESSAGE_DELAY_LEVEL: &str = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

/// When appends become durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FlushDiskType {
    /// Acknowledge once in the page cache; a background service flushes every
    /// `flushIntervalCommitLog` ms.
    AsyncFlush,
    /// Acknowledge only once durable; appends waiting together share one sync (group commit).
    SyncFlush,
}

/// Store configuration. Defaults are RocketMQ's.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreConfig {
    /// Root directory (`abort`, `checkpoint`, `consumequeue/`, `index/`, ...).
    pub store_path_root_dir: PathBuf,
    /// Commit log directory; `<root>/commitlog` when absent.
    pub store_path_commit_log: Option<PathBuf>,
    /// Commit log segment size in bytes (1 GiB).
    pub mapped_file_size_commit_log: u64,
    /// Consume queue segment size in bytes (300,000 entries of 20 bytes); a multiple of 20.
    pub mapped_file_size_consume_queue: u64,
    /// `ASYNC_FLUSH` (default) or `SYNC_FLUSH`.
    pub flush_disk_type: FlushDiskType,
    /// Async flush period in ms (500).
    pub flush_interval_commit_log: u64,
    /// Async flush only when at least this many 4 KiB pages are dirty (4)...
    pub flush_commit_log_least_pages: u64,
    /// ... except at least once every this many ms (10,000).
    pub flush_commit_log_thorough_interval: u64,
    /// Consume queue and index flush period in ms (1,000); also writes the checkpoint.
    pub flush_interval_consume_queue: u64,
    /// How long a sync-flush append waits for durability before reporting a timeout, ms (5,000).
    pub sync_flush_timeout: u64,
    /// Hours a commit log segment is kept after its last modification (72).
    pub file_reserved_time: u64,
    /// Hours of the day (local time, `;`-separated) at which expired segments are deleted ("04").
    pub delete_when: String,
    /// Disk usage percentage of the commit log partition above which expired segments are deleted
    /// whatever the hour (75).
    pub disk_max_used_space_ratio: u64,
    /// Usage percentage above which even unexpired segments are deleted (85).
    pub disk_space_clean_forcibly_ratio: u64,
    /// Usage percentage above which writes are refused (90).
    pub disk_space_warning_level_ratio: u64,
    /// Retention check period in ms (10,000).
    pub clean_resource_interval: u64,
    /// At most this many segments removed per retention round (10).
    pub delete_file_batch_max: usize,
    /// Largest accepted message body in bytes (4 MiB).
    pub max_message_size: u64,
    /// Verify body CRCs during recovery (true).
    pub check_crc_on_recover: bool,
    /// Build index files (true).
    pub message_index_enable: bool,
    /// Hash slots per index file (5,000,000).
    pub max_hash_slot_num: u32,
    /// Entries per index file (20,000,000).
    pub max_index_num: u32,
    /// The delay levels, space-separated durations with a unit (`s`, `m`, `h`, `d`), level 1
    /// first (the 18 stock levels). The schedule topic's consume queue entries carry
    /// `store time + delay of the level` as their tags code.
    pub message_delay_level: String,
    /// Bolide extension: under `SYNC_FLUSH`, write zeros into the commit log ahead of the writer
    /// and sync them, so that each group commit writes data only (true). Turn it off on
    /// copy-on-write file systems (btrfs, ZFS), which never rewrite a block in place: there it
    /// only adds writes.
    pub prewrite_commit_log: bool,
    /// Bolide extension: at most this many bytes of the commit log behind the flushed offset
    /// stay in the OS page cache; older synced bytes are evicted (reads of them then come from
    /// disk). `None` (the default) leaves the page cache to the operating system. The broker
    /// sets it from `accessMessageInMemoryMaxRatio`.
    pub commit_log_cached_bytes: Option<u64>,
    /// How far behind the end of the commit log, in bytes, a message still counts as in memory
    /// for reads (RocketMQ: `accessMessageInMemoryMaxRatio` percent of the machine's memory).
    /// Reads of older messages use the in-disk limits of [`ReadLimits`](crate::ReadLimits).
    /// `u64::MAX` (the default): every message counts as in memory.
    pub in_memory_window: u64,
    /// Bolide extension, the documented way past a corrupt commit log: when recovery reports
    /// corruption at this exact offset, discard the log from there on instead of failing.
    pub truncate_corrupt_commit_log_at: Option<u64>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        StoreConfig {
            store_path_root_dir: home.join("store"),
            store_path_commit_log: None,
            mapped_file_size_commit_log: 1 << 30,
            mapped_file_size_consume_queue: 300_000 * 20,
            flush_disk_type: FlushDiskType::AsyncFlush,
            flush_interval_commit_log: 500,
            flush_commit_log_least_pages: 4,
            flush_commit_log_thorough_interval: 10_000,
            flush_interval_consume_queue: 1_000,
            sync_flush_timeout: 5_000,
            file_reserved_time: 72,
            delete_when: "04".to_owned(),
            disk_max_used_space_ratio: 75,
            disk_space_clean_forcibly_ratio: 85,
            disk_space_warning_level_ratio: 90,
            clean_resource_interval: 10_000,
            delete_file_batch_max: 10,
            max_message_size: 4 * 1024 * 1024,
            check_crc_on_recover: true,
            message_index_enable: true,
            max_hash_slot_num: 5_000_000,
            max_index_num: 20_000_000,
            message_delay_level: DEFAULT_MESSAGE_DELAY_LEVEL.to_owned(),
            prewrite_commit_log: true,
            commit_log_cached_bytes: None,
            in_memory_window: u64::MAX,
            truncate_corrupt_commit_log_at: None,
        }
    }
}

impl StoreConfig {
    /// A configuration rooted at `root` with every other value at its default.
    pub fn with_root(root: impl Into<PathBuf>) -> Self {
        StoreConfig { store_path_root_dir: root.into(), ..StoreConfig::default() }
    }

    /// The commit log directory.
    pub fn commit_log_dir(&self) -> PathBuf {
        self.store_path_commit_log.clone().unwrap_or_else(|| self.store_path_root_dir.join("commitlog"))
    }

    /// Checks cross-field constraints.
    ///
    /// # Errors
    /// [`StoreError::Config`] naming the offending key.
    pub fn validate(&self) -> Result<(), StoreError> {
        let fail = |msg: &str| Err(StoreError::Config(msg.to_owned()));
        // A record must fit in a segment with the 8-byte end-of-file marker after it.
        let largest_record = self.max_message_size + 64 * 1024 + 8;
        if self.mapped_file_size_commit_log < 4096 || self.mapped_file_size_commit_log > i32::MAX as u64 + 1 {
            return fail("mappedFileSizeCommitLog must be between 4096 and 2^31");
        }
        if self.mapped_file_size_commit_log < largest_record.min(1 << 30) && self.max_message_size > 0 {
            // Small test segments are fine as long as messages stay smaller than a segment.
            if self.max_message_size + 200 >= self.mapped_file_size_commit_log {
                return fail("maxMessageSize must be well below mappedFileSizeCommitLog");
            }
        }
        if self.mapped_file_size_consume_queue == 0 || self.mapped_file_size_consume_queue % 20 != 0 {
            return fail("mappedFileSizeConsumeQueue must be a positive multiple of 20");
        }
        if self.max_hash_slot_num == 0 || self.max_index_num < 2 {
            return fail("maxHashSlotNum must be > 0 and maxIndexNum > 1");
        }
        if self.flush_interval_commit_log == 0 || self.flush_interval_consume_queue == 0 {
            return fail("flush intervals must be > 0");
        }
        if let Err(level) = self.delay_levels() {
            return fail(&format!("messageDelayLevel: {level:?} is not a duration such as 10s, 5m, 2h or 1d"));
        }
        Ok(())
    }

    /// The delay levels (`messageDelayLevel`), level 1 first.
    ///
    /// # Errors
    /// The first entry that is not a duration.
    pub fn delay_levels(&self) -> Result<Vec<Duration>, String> {
        parse_delay_levels(&self.message_delay_level)
    }

    /// Hours listed in `deleteWhen`.
    pub(crate) fn delete_hours(&self) -> Vec<u32> {
        self.delete_when.split(';').filter_map(|h| h.trim().parse().ok()).collect()
    }
}

/// Parses a `messageDelayLevel` string: space-separated counts with a unit (`s`, `m`, `h`, `d`).
///
/// # Errors
/// The first entry that is not such a duration.
pub fn parse_delay_levels(text: &str) -> Result<Vec<Duration>, String> {
    text.split_whitespace().map(|level| parse_duration(level).ok_or_else(|| level.to_owned())).collect()
}

fn parse_duration(text: &str) -> Option<Duration> {
    let seconds_per_unit = match text.chars().last()? {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    let count: u64 = text[..text.len() - 1].parse().ok()?;
    Some(Duration::from_secs(count.checked_mul(seconds_per_unit)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_levels_parse_and_are_validated() {
        let config = StoreConfig::default();
        let levels = config.delay_levels().expect("stock levels");
        assert_eq!(levels.len(), 18);
        assert_eq!((levels[0], levels[17]), (Duration::from_secs(1), Duration::from_secs(7_200)));
        assert_eq!(
            parse_delay_levels("1s 2m 1d"),
            Ok(vec![Duration::from_secs(1), Duration::from_secs(120), Duration::from_secs(86_400)])
        );
        let bad = StoreConfig { message_delay_level: "1s 5x".to_owned(), ..StoreConfig::default() };
        let err = bad.validate().expect_err("invalid").to_string();
        assert!(err.contains("messageDelayLevel") && err.contains("5x"), "{err}");
    }
}
