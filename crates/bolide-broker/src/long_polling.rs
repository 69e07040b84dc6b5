//! Long polling (`behaviours.md` §8): pulls that found nothing wait here, keyed by topic and queue,
//! until the store reports a matching arrival, their hold time ends, or the broker stops. Waking
//! is driven by the store's arrival listener, never by polling loops.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::filter::MessageFilter;

/// One held pull.
#[derive(Debug)]
struct Waiter {
    id: u64,
    /// The queue offset the pull wants: an arrival at or past it wakes the pull.
    offset: u64,
    filter: Arc<MessageFilter>,
    wake: oneshot::Sender<()>,
}

/// The held pulls of the broker.
#[derive(Debug, Default)]
pub struct PullHolds {
    /// Number of held pulls, so that arrivals cost one atomic load when nobody waits.
    waiting: AtomicUsize,
    next_id: AtomicU64,
    closed: AtomicBool,
    table: Mutex<HashMap<String, HashMap<i32, Vec<Waiter>>>>,
}

/// A held pull: await [`Hold::receiver`], then [`PullHolds::release`] it.
#[derive(Debug)]
pub struct Hold {
    id: u64,
    /// Completes when a matching message arrived or the broker stops.
    pub receiver: oneshot::Receiver<()>,
}

impl PullHolds {
    /// Holds a pull of `topic`/`queue_id` waiting for `offset`.
    pub fn hold(&self, topic: &str, queue_id: i32, offset: u64, filter: Arc<MessageFilter>) -> Hold {
        let (wake, receiver) = oneshot::channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut table = self.table.lock().expect("pull hold lock");
        if self.closed.load(Ordering::Acquire) {
            drop(wake);
            return Hold { id, receiver };
        }
        table.entry(topic.to_owned()).or_default().entry(queue_id).or_default().push(Waiter {
            id,
            offset,
            filter,
            wake,
        });
        self.waiting.fetch_add(1, Ordering::AcqRel);
        Hold { id, receiver }
    }

    /// Forgets a hold (after its timeout; a woken hold is already gone).
    pub fn release(&self, topic: &str, queue_id: i32, hold: Hold) {
        let mut table = self.table.lock().expect("pull hold lock");
        let Some(queues) = table.get_mut(topic) else { return };
        let Some(waiters) = queues.get_mut(&queue_id) else { return };
        if let Some(at) = waiters.iter().position(|waiter| waiter.id == hold.id) {
            waiters.swap_remove(at);
            self.waiting.fetch_sub(1, Ordering::AcqRel);
        }
        if waiters.is_empty() {
            queues.remove(&queue_id);
            if queues.is_empty() {
                table.remove(topic);
            }
        }
    }

    /// A message was dispatched to `topic`/`queue_id` at `queue_offset`: wakes the pulls it
    /// serves (by tag code, and by its raw properties for SQL92 filters).
    pub fn arrived(&self, topic: &str, queue_id: i32, queue_offset: u64, tags_code: i64, raw_properties: &[u8]) {
        if self.waiting.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut table = self.table.lock().expect("pull hold lock");
        let Some(queues) = table.get_mut(topic) else { return };
        let Some(waiters) = queues.get_mut(&queue_id) else { return };
        let mut at = 0;
        while at < waiters.len() {
            let waiter = &waiters[at];
            if queue_offset >= waiter.offset && waiter.filter.matches_message(tags_code, raw_properties) {
                let waiter = waiters.swap_remove(at);
                self.waiting.fetch_sub(1, Ordering::AcqRel);
                let _ = waiter.wake.send(());
            } else {
                at += 1;
            }
        }
        if waiters.is_empty() {
            queues.remove(&queue_id);
            if queues.is_empty() {
                table.remove(topic);
            }
        }
    }

    /// Wakes every held pull and refuses new holds (shutdown: held pulls answer at once).
    pub fn close(&self) {
        let mut table = self.table.lock().expect("pull hold lock");
        self.closed.store(true, Ordering::Release);
        for (_, queues) in table.drain() {
            for (_, waiters) in queues {
                for waiter in waiters {
                    let _ = waiter.wake.send(());
                }
            }
        }
        self.waiting.store(0, Ordering::Release);
    }

    /// Number of held pulls.
    pub fn len(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// Whether no pull is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_wake_matching_holds_only() {
        let holds = PullHolds::default();
        let all = Arc::new(MessageFilter::All);
        let tag_a = Arc::new(MessageFilter::from_expression("T", "A"));
        let mut first = holds.hold("T", 0, 5, all.clone());
        let mut tagged = holds.hold("T", 0, 5, tag_a);
        let other_queue = holds.hold("T", 1, 0, all);
        assert_eq!(holds.len(), 3);
        holds.arrived("T", 0, 4, 0, b"");
        assert!(first.receiver.try_recv().is_err(), "below the wanted offset");
        holds.arrived("T", 0, 5, 0, b"");
        assert!(first.receiver.try_recv().is_ok());
        assert!(tagged.receiver.try_recv().is_err(), "tag does not match");
        holds.arrived("T", 0, 6, bolide_protocol::message::tag::tags_code(Some("A")), b"");
        assert!(tagged.receiver.try_recv().is_ok());
        assert_eq!(holds.len(), 1);
        holds.release("T", 1, other_queue);
        assert!(holds.is_empty());
        let mut late = holds.hold("T", 2, 0, Arc::new(MessageFilter::All));
        holds.close();
        assert!(late.receiver.try_recv().is_ok(), "close wakes");
        let mut after = holds.hold("T", 2, 0, Arc::new(MessageFilter::All));
        // Its sender is gone: awaiting it returns at once.
        assert!(matches!(after.receiver.try_recv(), Err(oneshot::error::TryRecvError::Closed)));
        assert!(holds.is_empty(), "no holds after close");
    }
}
