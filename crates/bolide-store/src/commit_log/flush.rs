//! Flushing the commit log: the asynchronous interval flush and the synchronous group commit.
//!
//! Group commit: an append that must be durable records the offset it needs ("requested"),
//! wakes the flush thread if it is idle (a sync in progress is followed by another at once) and
//! waits. The flush thread syncs everything published so far in one call, publishes the new
//! flushed offset and wakes the waiters whose offset it covers, one by one in offset order (each
//! waiter parks on its own thread, so a sync wakes only those it covers, oldest first, instead of
//! every waiter racing for one lock), then runs the callbacks it covers, in offset order too;
//! appends that arrived during that sync are all covered by the next one. A failed sync poisons
//! the store: every waiter and every later append gets [`StoreError::Poisoned`], nothing is
//! acknowledged.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use super::CommitLog;
use crate::error::StoreError;

/// Called once with the outcome when an append becomes durable (or can no longer become so).
pub type DurableCallback = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// Bytes per "page" in `flushCommitLogLeastPages`.
const PAGE_BYTES: u64 = 4096;

#[derive(Default)]
struct FlushState {
    /// Highest offset some waiter needs durable.
    requested: u64,
    /// Highest offset known durable (mirrors the commit log's flushed offset).
    flushed: u64,
    shutdown: bool,
    /// True while the flush thread waits on `wake` for a request: only then does a new request
    /// signal it (a signal costs a system call, and during a sync nobody listens).
    flusher_idle: bool,
    callbacks: Vec<(u64, DurableCallback)>,
    /// Threads parked in [`FlushControl::wait_durable`], with the offset each needs durable.
    waiters: Vec<Waiter>,
}

/// A thread parked until an offset is durable.
type Waiter = (u64, Thread);

/// Shared between appenders, waiters and the flush thread.
pub(crate) struct FlushControl {
    state: Mutex<FlushState>,
    /// `state.flushed`, readable without the lock by parked waiters (stored before they are
    /// unparked).
    flushed_offset: AtomicU64,
    /// `state.shutdown`, readable without the lock (stored before waiters are unparked).
    shut_down: AtomicBool,
    /// Signalled to wake the flush thread.
    wake: Condvar,
    /// Set once by the first failed sync; never cleared.
    poison: OnceLock<String>,
    /// Number of syncs performed (group commit batches).
    flush_count: AtomicU64,
    /// Time spent in those syncs, nanoseconds.
    sync_time_ns: AtomicU64,
}

impl std::fmt::Debug for FlushControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlushControl").field("poison", &self.poison.get()).finish_non_exhaustive()
    }
}

impl FlushControl {
    pub(crate) fn new(flushed: u64) -> Self {
        FlushControl {
            state: Mutex::new(FlushState { requested: flushed, flushed, ..FlushState::default() }),
            flushed_offset: AtomicU64::new(flushed),
            shut_down: AtomicBool::new(false),
            wake: Condvar::new(),
            poison: OnceLock::new(),
            flush_count: AtomicU64::new(0),
            sync_time_ns: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, FlushState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Err(Poisoned)` once a sync has failed.
    pub(crate) fn check_healthy(&self) -> Result<(), StoreError> {
        match self.poison.get() {
            Some(cause) => Err(StoreError::Poisoned { cause: cause.clone() }),
            None => Ok(()),
        }
    }

    pub(crate) fn is_poisoned(&self) -> bool {
        self.poison.get().is_some()
    }

    /// Marks the store poisoned (first cause wins) and fails every waiter.
    pub(crate) fn poison(&self, cause: &StoreError) {
        if self.poison.set(cause.to_string()).is_ok() {
            tracing::error!(error = %cause, "flush failed: store poisoned, refusing writes until restart");
        }
        let (callbacks, waiters) = {
            let mut state = self.lock();
            (std::mem::take(&mut state.callbacks), std::mem::take(&mut state.waiters))
        };
        for (_, waiter) in waiters {
            waiter.unpark();
        }
        for (_, callback) in callbacks {
            callback(self.check_healthy());
        }
    }

    pub(crate) fn flush_count(&self) -> u64 {
        self.flush_count.load(Ordering::Relaxed)
    }

    /// Total time the flush thread spent in sync calls.
    pub(crate) fn sync_time(&self) -> Duration {
        Duration::from_nanos(self.sync_time_ns.load(Ordering::Relaxed))
    }

    /// Blocks until `offset` is durable, the store is poisoned or closed, or `timeout` passes.
    pub(crate) fn wait_durable(&self, offset: u64, timeout: Duration) -> Result<(), StoreError> {
        let deadline = Instant::now() + timeout;
        {
            let mut state = self.lock();
            self.check_healthy()?;
            if state.flushed >= offset {
                return Ok(());
            }
            if state.shutdown {
                return Err(StoreError::Closed);
            }
            state.waiters.push((offset, thread::current()));
            self.request_sync(&mut state, offset);
        }
        loop {
            // Parking may return spuriously or early (a stale unpark): every exit re-checks.
            if self.flushed_offset.load(Ordering::Acquire) >= offset {
                return Ok(());
            }
            if let Err(err) = self.check_healthy() {
                self.forget_waiter(offset);
                return Err(err);
            }
            if self.shut_down.load(Ordering::Acquire) {
                self.forget_waiter(offset);
                return Err(StoreError::Closed);
            }
            let now = Instant::now();
            if now >= deadline {
                self.forget_waiter(offset);
                return Err(StoreError::FlushTimeout { timeout_ms: timeout.as_millis() as u64, appended: None });
            }
            thread::park_timeout(deadline - now);
        }
    }

    /// Records that `offset` must become durable, signalling the flush thread if it is idle.
    fn request_sync(&self, state: &mut FlushState, offset: u64) {
        if state.requested < offset {
            state.requested = offset;
            if state.flusher_idle {
                self.wake.notify_one();
            }
        }
    }

    /// Removes the calling thread's entry for `offset`, if the flush thread has not taken it.
    fn forget_waiter(&self, offset: u64) {
        let me = thread::current().id();
        self.lock().waiters.retain(|(at, waiter)| *at != offset || waiter.id() != me);
    }

    /// Calls `callback` (on the flush thread, or right here if already settled) once `offset` is
    /// durable or can no longer become so.
    pub(crate) fn on_durable(&self, offset: u64, callback: DurableCallback) {
        let mut state = self.lock();
        let settled = if let Err(err) = self.check_healthy() {
            Some(Err(err))
        } else if state.flushed >= offset {
            Some(Ok(()))
        } else if state.shutdown {
            Some(Err(StoreError::Closed))
        } else {
            None
        };
        if let Some(outcome) = settled {
            drop(state);
            callback(outcome);
            return;
        }
        state.callbacks.push((offset, callback));
        self.request_sync(&mut state, offset);
    }

    /// Asks the flush thread to stop after its current sync; wakes every waiter.
    pub(crate) fn shutdown(&self) {
        let waiters = {
            let mut state = self.lock();
            state.shutdown = true;
            self.shut_down.store(true, Ordering::Release);
            std::mem::take(&mut state.waiters)
        };
        self.wake.notify_all();
        for (_, waiter) in waiters {
            waiter.unpark();
        }
    }

    /// Records a successful flush up to `flushed`, wakes the waiters it covers in offset order and
    /// completes the callbacks it covers.
    pub(crate) fn flushed(&self, flushed: u64) {
        let (covered, ready): (Vec<Waiter>, Vec<(u64, DurableCallback)>) = {
            let mut state = self.lock();
            state.flushed = state.flushed.max(flushed);
            self.flushed_offset.store(state.flushed, Ordering::Release);
            state.waiters.sort_unstable_by_key(|(at, _)| *at);
            let n = state.waiters.partition_point(|(at, _)| *at <= flushed);
            let covered = state.waiters.drain(..n).collect();
            // Registered in the order appenders got to the lock, which may differ from offset
            // order; a stable sort of an almost sorted run is cheap.
            state.callbacks.sort_by_key(|(at, _)| *at);
            let n = state.callbacks.partition_point(|(at, _)| *at <= flushed);
            let ready = state.callbacks.drain(..n).collect();
            (covered, ready)
        };
        for (_, waiter) in covered {
            waiter.unpark();
        }
        for (_, callback) in ready {
            callback(Ok(()));
        }
    }

    /// Flushes the log, updating the control; poisons on failure.
    fn flush_once(&self, log: &CommitLog) -> bool {
        let started = Instant::now();
        let outcome = log.flush();
        self.sync_time_ns.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        match outcome {
            Ok(flushed) => {
                self.flush_count.fetch_add(1, Ordering::Relaxed);
                self.flushed(flushed);
                true
            }
            Err(err) => {
                self.poison(&err);
                false
            }
        }
    }

    /// The group commit loop (`SYNC_FLUSH`): sync whenever a waiter needs more than is durable.
    pub(crate) fn run_group_commit(&self, log: &CommitLog) {
        loop {
            {
                let mut state = self.lock();
                while state.requested <= state.flushed && !state.shutdown {
                    state.flusher_idle = true;
                    state =
                        self.wake.wait_timeout(state, Duration::from_millis(10)).unwrap_or_else(|p| p.into_inner()).0;
                    state.flusher_idle = false;
                    // Appends that did not ask to wait are flushed within 10 ms too.
                    if log.max_offset() > state.flushed {
                        break;
                    }
                }
                if state.shutdown {
                    return;
                }
            }
            if !self.flush_once(log) {
                return;
            }
        }
    }

    /// The interval loop (`ASYNC_FLUSH`): every `interval`, flush if at least `least_pages`
    /// pages are dirty, or in any case once per `thorough_interval`.
    pub(crate) fn run_interval(
        &self,
        log: &CommitLog,
        interval: Duration,
        least_pages: u64,
        thorough_interval: Duration,
    ) {
        let mut last_thorough = Instant::now();
        loop {
            {
                let state = self.lock();
                if state.shutdown {
                    return;
                }
                let state = self.wake.wait_timeout(state, interval).unwrap_or_else(|p| p.into_inner()).0;
                if state.shutdown {
                    return;
                }
            }
            let dirty = log.max_offset().saturating_sub(log.flushed_offset());
            let thorough = last_thorough.elapsed() >= thorough_interval;
            if dirty == 0 || (dirty < least_pages * PAGE_BYTES && !thorough) {
                continue;
            }
            if thorough {
                last_thorough = Instant::now();
            }
            if !self.flush_once(log) {
                return;
            }
        }
    }
}
