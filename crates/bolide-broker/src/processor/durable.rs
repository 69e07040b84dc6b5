//! Waiting for the store to say an append is durable, bounded by `syncFlushTimeout`.
//!
//! Under `SYNC_FLUSH` the store calls an append's durability callback from its flush thread once
//! a sync covers it. A sync that never returns (a hung disk) would leave the request waiting
//! until the client gives up; Java answers `FLUSH_DISK_TIMEOUT` after `syncFlushTimeout`
//! instead, and so does this wait. Under `ASYNC_FLUSH` the callback has run before the wait
//! starts, so no timer is armed.

use std::time::Duration;

use bolide_store::StoreError;
use tokio::sync::oneshot;

/// What an append's durability callback reports.
pub(super) type Durable = oneshot::Receiver<Result<(), StoreError>>;

/// The callback's report, [`StoreError::FlushTimeout`] once `timeout_ms` passed without one, or
/// [`StoreError::Closed`] when the store dropped the callback (it is shutting down).
pub(super) async fn within(durable: Durable, timeout_ms: u64) -> Result<(), StoreError> {
    match tokio::time::timeout(Duration::from_millis(timeout_ms), durable).await {
        Ok(report) => report.unwrap_or(Err(StoreError::Closed)),
        Err(_) => Err(StoreError::FlushTimeout { timeout_ms, appended: None }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_report_in_time_is_passed_on() {
        let (sender, receiver) = oneshot::channel();
        sender.send(Ok(())).expect("receiver alive");
        assert!(within(receiver, 50).await.is_ok());
    }

    #[tokio::test]
    async fn a_sync_that_never_ends_is_a_flush_timeout() {
        let (_sender, receiver) = oneshot::channel();
        let started = std::time::Instant::now();
        let err = within(receiver, 50).await.expect_err("no report");
        assert!(matches!(err, StoreError::FlushTimeout { timeout_ms: 50, appended: None }), "{err}");
        assert!(started.elapsed() >= Duration::from_millis(50));
    }

    #[tokio::test]
    async fn a_dropped_callback_means_the_store_closed() {
        let (sender, receiver) = oneshot::channel::<Result<(), StoreError>>();
        drop(sender);
        assert!(matches!(within(receiver, 50).await, Err(StoreError::Closed)));
    }
}
