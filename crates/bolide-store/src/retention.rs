//! Retention: removing expired commit log segments, then the consume queue segments and index
//! files that only point below the new commit log minimum (store-format §12).
//!
//! A round deletes when the local hour is listed in `deleteWhen`, when disk usage is at least
//! `diskMaxUsedSpaceRatio`, or when asked to (manual). It then removes leading segments, oldest
//! first, while they are older than `fileReservedTime` hours (or regardless of age above
//! `diskSpaceCleanForciblyRatio`), at most `deleteFileBatchMax` per round, never the active
//! segment and never one not fully dispatched. Above `diskSpaceWarningLevelRatio` the store also
//! refuses writes until usage drops.

use std::collections::HashMap;

use crate::commit_log::CommitLog;
use crate::config::StoreConfig;
use crate::consume_queue::ConsumeQueues;
use crate::error::{io_error, StoreError};
use crate::index::IndexService;
use crate::segment::SegmentStorage;
use crate::segment_queue::segment_name;

/// What a retention round did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetentionReport {
    /// Disk usage seen, in percent (rounded up), if the storage reports it.
    pub disk_usage_percent: Option<u64>,
    /// Whether usage is above `diskSpaceWarningLevelRatio` (writes refused).
    pub disk_full: bool,
    /// Whether this round was allowed to delete (hour, usage or manual).
    pub deleting: bool,
    /// Commit log segments removed.
    pub commit_log_segments_removed: usize,
    /// Consume queue segments removed.
    pub consume_queue_segments_removed: usize,
    /// Index files removed.
    pub index_files_removed: usize,
}

/// The parts a round touches.
pub(crate) struct Retention<'a> {
    pub(crate) config: &'a StoreConfig,
    pub(crate) storage: &'a dyn SegmentStorage,
    pub(crate) commit_log: &'a CommitLog,
    pub(crate) queues: &'a ConsumeQueues,
    pub(crate) index: Option<&'a IndexService>,
    /// Commit log offset below which everything is dispatched.
    pub(crate) dispatched_offset: u64,
}

impl Retention<'_> {
    /// Runs one round at `now_ms`.
    pub(crate) fn run(&self, now_ms: i64, manual: bool) -> Result<RetentionReport, StoreError> {
        let dir = self.commit_log.segments().dir().to_path_buf();
        let usage = self.storage.usage_ratio(&dir).map_err(|e| io_error("statvfs", &dir, e))?;
        let percent = usage.map(|u| (u * 100.0).ceil().max(0.0) as u64);
        let mut report = RetentionReport { disk_usage_percent: percent, ..RetentionReport::default() };
        let at_least = |limit: u64| percent.is_some_and(|p| p >= limit);
        report.disk_full = percent.is_some_and(|p| p > self.config.disk_space_warning_level_ratio);
        let hour = crate::sys::local_hour(now_ms / 1000);
        let is_time = hour.is_some_and(|h| self.config.delete_hours().contains(&h));
        report.deleting = is_time || manual || at_least(self.config.disk_max_used_space_ratio);
        if !report.deleting {
            return Ok(report);
        }
        let forcibly = percent.is_some_and(|p| p > self.config.disk_space_clean_forcibly_ratio);
        let modified: HashMap<String, u64> = self
            .storage
            .list(&dir)
            .map_err(|e| io_error("list", &dir, e))?
            .into_iter()
            .map(|f| (f.name, f.modified_ms))
            .collect();
        let reserved_ms = self.config.file_reserved_time.saturating_mul(3_600_000);
        let segment_size = self.commit_log.segments().segment_size();
        let removed = self.commit_log.segments().remove_leading(self.config.delete_file_batch_max, |seg| {
            let dispatched = seg.base_offset + segment_size <= self.dispatched_offset;
            let modified_ms = modified.get(&segment_name(seg.base_offset)).copied().unwrap_or(0);
            let expired = now_ms.max(0) as u64 >= modified_ms.saturating_add(reserved_ms);
            dispatched && (forcibly || expired)
        })?;
        report.commit_log_segments_removed = removed.len();
        if !removed.is_empty() {
            tracing::info!(removed = removed.len(), first = removed[0], "expired commit log segments removed");
        }
        let commit_log_min = self.commit_log.min_offset();
        for queue in self.queues.all() {
            report.consume_queue_segments_removed += queue.remove_expired(commit_log_min)?;
        }
        if let Some(index) = self.index {
            report.index_files_removed = index.remove_expired(commit_log_min)?;
        }
        Ok(report)
    }
}
