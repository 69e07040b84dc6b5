//! Topic changes on their way to the NameServers.
//!
//! Every change to the topic table bumps an epoch and wakes the registration task, which sends
//! the whole table and then marks the epoch it sent as registered. A send that auto-created its
//! topic waits for that mark before answering (as Java's broker registers inside the send), so a
//! client that looks the topic up right after the send finds its route.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{watch, Notify};

/// The epoch of the topic table, and the last epoch registered with the NameServers.
pub(crate) struct RouteChanges {
    epoch: AtomicU64,
    changed: Notify,
    registered: watch::Sender<u64>,
    /// Whether a registration task runs (there are NameServers to register with).
    registering: AtomicBool,
}

impl RouteChanges {
    pub(crate) fn new() -> Self {
        Self {
            epoch: AtomicU64::new(0),
            changed: Notify::new(),
            registered: watch::Sender::new(0),
            registering: AtomicBool::new(false),
        }
    }

    /// Records a change of the topic table and wakes the registration task; returns the epoch
    /// that includes the change.
    pub(crate) fn changed(&self) -> u64 {
        let epoch = self.epoch.fetch_add(1, Ordering::AcqRel) + 1;
        self.changed.notify_one();
        epoch
    }

    /// Resolves at the next change (or at once if one came since the last wait).
    pub(crate) async fn next_change(&self) {
        self.changed.notified().await;
    }

    /// Called by the registration task once, before it registers for the first time.
    pub(crate) fn start_registering(&self) {
        self.registering.store(true, Ordering::Release);
    }

    /// The epoch that a registration about to be built covers.
    pub(crate) fn current(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Marks `epoch` as sent to the NameServers (accepted or not: a waiting send must not wait
    /// for a NameServer that is down).
    pub(crate) fn registered(&self, epoch: u64) {
        self.registered.send_if_modified(|last| {
            let newer = epoch > *last;
            *last = (*last).max(epoch);
            newer
        });
    }

    /// Waits until `epoch` has been registered, at most `limit`; at once when nothing registers.
    pub(crate) async fn wait_registered(&self, epoch: u64, limit: Duration) -> bool {
        if !self.registering.load(Ordering::Acquire) {
            return false;
        }
        let mut registered = self.registered.subscribe();
        tokio::time::timeout(limit, registered.wait_for(|last| *last >= epoch)).await.is_ok_and(|done| done.is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wait_ends_when_its_epoch_or_a_later_one_is_registered() {
        let changes = RouteChanges::new();
        // Nothing registers: no wait at all.
        let first = changes.changed();
        assert!(!changes.wait_registered(first, Duration::from_secs(5)).await);

        changes.start_registering();
        let second = changes.changed();
        assert!(!changes.wait_registered(second, Duration::from_millis(20)).await, "not registered yet");
        changes.registered(second + 1);
        assert!(changes.wait_registered(second, Duration::from_secs(5)).await);
        // Registering an older epoch later does not move the mark back.
        changes.registered(first);
        assert!(changes.wait_registered(second + 1, Duration::from_millis(1)).await);
    }

    #[tokio::test]
    async fn a_change_before_the_wait_is_not_lost() {
        let changes = RouteChanges::new();
        changes.changed();
        tokio::time::timeout(Duration::from_secs(5), changes.next_change()).await.expect("woken");
    }
}
