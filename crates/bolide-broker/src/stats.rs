//! Message counters of the broker (GET_BROKER_RUNTIME_INFO and the metrics).

use std::sync::atomic::{AtomicU64, Ordering};

/// Totals since start.
#[derive(Debug, Default)]
pub struct Stats {
    put_messages: AtomicU64,
    put_bytes: AtomicU64,
    get_messages: AtomicU64,
    get_bytes: AtomicU64,
}

impl Stats {
    /// Messages stored by sends.
    pub fn record_put(&self, messages: u64, bytes: u64) {
        self.put_messages.fetch_add(messages, Ordering::Relaxed);
        self.put_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Messages returned by pulls.
    pub fn record_get(&self, messages: u64, bytes: u64) {
        self.get_messages.fetch_add(messages, Ordering::Relaxed);
        self.get_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Messages stored since start.
    pub fn put_messages(&self) -> u64 {
        self.put_messages.load(Ordering::Relaxed)
    }

    /// Bytes stored since start.
    pub fn put_bytes(&self) -> u64 {
        self.put_bytes.load(Ordering::Relaxed)
    }

    /// Messages pulled since start.
    pub fn get_messages(&self) -> u64 {
        self.get_messages.load(Ordering::Relaxed)
    }

    /// Bytes pulled since start.
    pub fn get_bytes(&self) -> u64 {
        self.get_bytes.load(Ordering::Relaxed)
    }
}
