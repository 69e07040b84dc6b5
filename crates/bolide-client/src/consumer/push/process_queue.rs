//! [`ProcessQueue`]: the messages of one queue pulled but not yet consumed (Java's
//! `ProcessQueue`). It decides flow control (count, bytes, offset span) and the consumed offset:
//! the smallest offset still in flight, or past the last pull when nothing is.

use std::collections::BTreeMap;

use crate::message::MessageExt;

/// Pulled, unconsumed messages of one queue, by queue offset.
#[derive(Debug, Default)]
pub(crate) struct ProcessQueue {
    /// Waiting for the listener.
    waiting: BTreeMap<u64, MessageExt>,
    /// Handed to the listener, not yet done (orderly consumption takes messages out of
    /// `waiting` in order; concurrent consumption leaves them in `waiting`).
    consuming: BTreeMap<u64, MessageExt>,
    /// Body bytes of every message held.
    bytes: u64,
    /// The next offset after the last pull: the consumed offset once nothing is in flight.
    pulled_until: Option<u64>,
}

impl ProcessQueue {
    /// Adds the messages of a pull that ended at `next_offset` (messages filtered out by tag
    /// are simply absent: they count as consumed).
    pub(crate) fn put(&mut self, messages: &[MessageExt], next_offset: u64) {
        for message in messages {
            if self.waiting.insert(message.queue_offset, message.clone()).is_none() {
                self.bytes += message.body.len() as u64;
            }
        }
        self.pulled_until = Some(self.pulled_until.map_or(next_offset, |until| until.max(next_offset)));
    }

    /// Messages held (waiting and consuming).
    pub(crate) fn count(&self) -> usize {
        self.waiting.len() + self.consuming.len()
    }

    /// Body bytes held.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Distance between the smallest and largest offset held (`consumeConcurrentlyMaxSpan`).
    pub(crate) fn span(&self) -> u64 {
        let first = self.waiting.keys().next().into_iter().chain(self.consuming.keys().next()).min();
        let last = self.waiting.keys().next_back().into_iter().chain(self.consuming.keys().next_back()).max();
        match (first, last) {
            (Some(first), Some(last)) => last - first,
            _ => 0,
        }
    }

    /// Smallest and largest offsets held.
    pub(crate) fn offset_range(&self) -> Option<(u64, u64)> {
        let first = self.waiting.keys().next().into_iter().chain(self.consuming.keys().next()).min()?;
        let last = self.waiting.keys().next_back().into_iter().chain(self.consuming.keys().next_back()).max()?;
        Some((*first, *last))
    }

    /// The offset to commit: the smallest still held, else the end of the last pull.
    pub(crate) fn consumed_offset(&self) -> Option<u64> {
        let first = self.waiting.keys().next().into_iter().chain(self.consuming.keys().next()).min();
        first.copied().or(self.pulled_until)
    }

    /// Concurrent consumption: the messages at `offsets` are done. Returns the new consumed offset.
    pub(crate) fn remove(&mut self, offsets: impl IntoIterator<Item = u64>) -> Option<u64> {
        for offset in offsets {
            if let Some(message) = self.waiting.remove(&offset) {
                self.bytes -= message.body.len() as u64;
            }
        }
        self.consumed_offset()
    }

    /// Orderly consumption: takes up to `count` waiting messages, lowest offsets first.
    pub(crate) fn take(&mut self, count: usize) -> Vec<MessageExt> {
        let mut taken = Vec::new();
        while taken.len() < count {
            let Some((offset, message)) = self.waiting.pop_first() else { break };
            self.consuming.insert(offset, message.clone());
            taken.push(message);
        }
        taken
    }

    /// Orderly consumption: the taken messages are done. Returns the new consumed offset.
    pub(crate) fn commit(&mut self) -> Option<u64> {
        for message in std::mem::take(&mut self.consuming).into_values() {
            self.bytes -= message.body.len() as u64;
        }
        self.consumed_offset()
    }

    /// Orderly consumption: the taken messages go back to wait, to be taken again first (with
    /// their reconsume times as given, usually one more).
    pub(crate) fn make_available_again(&mut self, messages: Vec<MessageExt>) {
        for message in messages {
            self.consuming.remove(&message.queue_offset);
            self.waiting.insert(message.queue_offset, message);
        }
    }

    /// Drops everything held (offset reset); the next pull starts a new range.
    pub(crate) fn clear(&mut self) {
        self.waiting.clear();
        self.consuming.clear();
        self.bytes = 0;
        self.pulled_until = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_protocol::body::MessageQueue;
    use bolide_protocol::message::properties::Properties;

    fn message(offset: u64) -> MessageExt {
        let host = std::net::SocketAddr::from(([127, 0, 0, 1], 10911));
        MessageExt {
            topic: "T".into(),
            queue: MessageQueue::new("T", "b", 0),
            queue_offset: offset,
            commit_log_offset: offset * 100,
            body: bytes::Bytes::from_static(b"body"),
            flag: 0,
            sys_flag: 0,
            properties: Properties::new(),
            born_timestamp_ms: 0,
            store_timestamp_ms: 0,
            born_host: host,
            store_host: host,
            reconsume_times: 0,
            offset_msg_id: String::new(),
        }
    }

    #[test]
    fn consumed_offset_is_the_smallest_in_flight() {
        let mut queue = ProcessQueue::default();
        queue.put(&[message(10), message(11), message(12)], 13);
        assert_eq!((queue.count(), queue.bytes(), queue.span()), (3, 12, 2));
        assert_eq!(queue.remove([11]), Some(10), "10 is still in flight");
        assert_eq!(queue.remove([10]), Some(12));
        assert_eq!(queue.remove([12]), Some(13), "nothing in flight: past the last pull");
        queue.put(&[], 20);
        assert_eq!(queue.consumed_offset(), Some(20), "filtered-out messages count as consumed");
    }

    #[test]
    fn orderly_take_commit_and_retry() {
        let mut queue = ProcessQueue::default();
        queue.put(&[message(0), message(1), message(2)], 3);
        let first = queue.take(2);
        assert_eq!(first.iter().map(|m| m.queue_offset).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(queue.consumed_offset(), Some(0));
        queue.make_available_again(first);
        assert_eq!(queue.take(1)[0].queue_offset, 0, "a retried message comes first again");
        assert_eq!(queue.commit(), Some(1));
        assert_eq!(queue.take(5).len(), 2);
        assert_eq!(queue.commit(), Some(3));
        assert_eq!((queue.count(), queue.bytes()), (0, 0));
    }
}
