//! Background threads and shutdown.
//!
//! Four named threads per store, each stopped and joined by `close` (or `Drop`):
//! - `bolide-dispatch`: follows the commit log and builds consume queues and index for what the
//!   appenders did not dispatch themselves (normally nothing; failures are retried here);
//! - `bolide-flush`: group commit (`SYNC_FLUSH`) or interval flush (`ASYNC_FLUSH`);
//! - `bolide-ahead`: creates the next commit log segment and prefaults pages (under
//!   `SYNC_FLUSH`: pre-writes bytes) ahead of the writer (see `commit_log::ahead`);
//! - `bolide-maintenance`: every `flushIntervalConsumeQueue` ms flushes consume queues and index
//!   and writes the checkpoint; every `cleanResourceInterval` ms runs retention.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::open::CLOSE_DISPATCH_TIMEOUT;
use super::{Inner, MessageStore, ABORT_FILE};
use crate::checkpoint::CheckpointData;
use crate::commit_log::ahead::{AheadState, AHEAD_POLL_INTERVAL};
use crate::config::FlushDiskType;
use crate::error::{io_error, StoreError};

fn spawn(name: &str, body: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>, StoreError> {
    thread::Builder::new().name(name.to_owned()).spawn(body).map_err(|e| io_error("spawn", name.as_ref(), e))
}

/// Starts the background threads.
pub(super) fn start(inner: &Arc<Inner>) -> Result<Vec<JoinHandle<()>>, StoreError> {
    let mut threads = Vec::with_capacity(4);
    let dispatch = Arc::clone(inner);
    let handle = spawn("bolide-dispatch", move || dispatch.dispatcher.run())?;
    // Set before any append can happen: `open` has not returned yet.
    let _ = inner.dispatch_thread.set(handle.thread().clone());
    threads.push(handle);

    let flush = Arc::clone(inner);
    threads.push(spawn("bolide-flush", move || {
        let config = &flush.config;
        match config.flush_disk_type {
            FlushDiskType::SyncFlush => flush.flush.run_group_commit(&flush.commit_log),
            FlushDiskType::AsyncFlush => flush.flush.run_interval(
                &flush.commit_log,
                Duration::from_millis(config.flush_interval_commit_log),
                config.flush_commit_log_least_pages,
                Duration::from_millis(config.flush_commit_log_thorough_interval),
            ),
        }
    })?);

    let ahead = Arc::clone(inner);
    threads.push(spawn("bolide-ahead", move || ahead.run_ahead())?);

    let maintenance = Arc::clone(inner);
    threads.push(spawn("bolide-maintenance", move || maintenance.run_maintenance())?);
    Ok(threads)
}

impl Inner {
    /// Flushes consume queues and index, then records in the checkpoint how far everything is
    /// durable. The dispatched offset is read before the queue flush so it never runs ahead of
    /// flushed queue data.
    pub(super) fn write_checkpoint(&self) -> Result<(), StoreError> {
        let dispatched = self.dispatcher.dispatched_offset();
        let logics_ts = self.dispatcher.dispatched_timestamp_ms();
        self.queues.flush_all()?;
        let index_ts = match &self.index {
            Some(index) => index.flush()?,
            None => 0,
        };
        let mut data = self.checkpoint_data.lock().unwrap_or_else(|p| p.into_inner());
        let new = CheckpointData {
            physic_msg_timestamp_ms: self.commit_log.flushed_store_timestamp_ms().max(data.physic_msg_timestamp_ms),
            logics_msg_timestamp_ms: logics_ts.max(data.logics_msg_timestamp_ms),
            index_msg_timestamp_ms: index_ts.max(data.index_msg_timestamp_ms),
            commit_log_flushed_offset: self.commit_log.flushed_offset(),
            dispatched_flushed_offset: dispatched,
            extension_valid: true,
            ..*data
        };
        self.checkpoint.store(&new)?;
        *data = new;
        Ok(())
    }

    /// The work-ahead loop; stops with the maintenance thread.
    fn run_ahead(&self) {
        let mut state = AheadState::new(self.config.commit_log_cached_bytes);
        loop {
            {
                let (lock, condvar) = &self.maintenance_stop;
                let stop = lock.lock().unwrap_or_else(|p| p.into_inner());
                if *stop {
                    return;
                }
                let stop = condvar.wait_timeout(stop, AHEAD_POLL_INTERVAL).unwrap_or_else(|p| p.into_inner()).0;
                if *stop {
                    return;
                }
            }
            if self.flush.is_poisoned() {
                return;
            }
            self.commit_log.work_ahead(&mut state);
        }
    }

    fn run_maintenance(&self) {
        let checkpoint_every = Duration::from_millis(self.config.flush_interval_consume_queue);
        let retention_every = Duration::from_millis(self.config.clean_resource_interval);
        let mut last_retention = Instant::now();
        loop {
            {
                let (lock, condvar) = &self.maintenance_stop;
                let stop = lock.lock().unwrap_or_else(|p| p.into_inner());
                if *stop {
                    return;
                }
                let stop = condvar.wait_timeout(stop, checkpoint_every).unwrap_or_else(|p| p.into_inner()).0;
                if *stop {
                    return;
                }
            }
            if !self.flush.is_poisoned() {
                if let Err(err) = self.write_checkpoint() {
                    self.flush.poison(&err);
                }
            }
            if last_retention.elapsed() >= retention_every {
                last_retention = Instant::now();
                if let Err(err) = self.run_retention(false) {
                    tracing::error!(error = %err, "retention round failed");
                }
            }
        }
    }
}

impl MessageStore {
    /// Clean shutdown: refuses new appends, dispatches and flushes everything, writes the
    /// checkpoint and removes the abort file (so the next open is a normal recovery).
    ///
    /// # Errors
    /// The first flush or I/O error; the abort file then stays, and the next open recovers as
    /// after a crash.
    pub fn close(self) -> Result<(), StoreError> {
        self.shutdown(true)
    }

    /// [`MessageStore::close`] for a store shared behind an `Arc`: the same clean shutdown; later
    /// calls (and the drop) do nothing, and appends are refused from the first call on.
    ///
    /// # Errors
    /// As [`MessageStore::close`].
    pub fn close_shared(&self) -> Result<(), StoreError> {
        self.shutdown(true)
    }

    /// Stops the background threads without flushing, checkpointing or removing the abort file:
    /// what a crash leaves behind (the page cache survives; use `MemoryStorage::crash` to also
    /// lose unsynced bytes). For tests.
    #[doc(hidden)]
    pub fn crash_for_test(self) {
        if let Err(err) = self.shutdown(false) {
            tracing::debug!(error = %err, "crash simulation");
        }
    }

    fn stop_threads(&self) {
        let inner = &self.inner;
        inner.dispatcher.stop();
        if let Some(thread) = inner.dispatch_thread.get() {
            thread.unpark();
        }
        inner.flush.shutdown();
        {
            let (lock, condvar) = &inner.maintenance_stop;
            *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
            condvar.notify_all();
        }
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for thread in threads {
            if thread.join().is_err() {
                tracing::error!("a store thread panicked");
            }
        }
    }

    fn shutdown(&self, clean: bool) -> Result<(), StoreError> {
        let inner = &self.inner;
        if inner.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        if !clean {
            self.stop_threads();
            return Ok(());
        }
        // Flush before stopping the flush thread so that waiting appends complete normally.
        let result = (|| {
            inner.flush.check_healthy()?;
            let flushed = inner.commit_log.flush()?;
            inner.flush.flushed(flushed);
            Ok::<(), StoreError>(())
        })();
        if let Err(err) = &result {
            inner.flush.poison(err);
        }
        self.stop_threads();
        result?;
        let target = inner.commit_log.max_offset();
        let deadline = Instant::now() + CLOSE_DISPATCH_TIMEOUT;
        while inner.dispatcher.dispatched_offset() < target && Instant::now() < deadline {
            inner.dispatcher.try_dispatch()?;
        }
        inner.write_checkpoint()?;
        if inner.dispatcher.dispatched_offset() >= target {
            inner
                .storage
                .remove(&inner.root, ABORT_FILE)
                .map_err(|e| io_error("remove", &inner.root.join(ABORT_FILE), e))?;
        }
        tracing::info!(root = %inner.root.display(), "store closed");
        Ok(())
    }
}

impl Drop for MessageStore {
    fn drop(&mut self) {
        if let Err(err) = self.shutdown(true) {
            tracing::error!(error = %err, "store shutdown failed; the next open recovers as after a crash");
        }
    }
}
