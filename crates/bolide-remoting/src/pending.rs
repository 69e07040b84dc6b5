//! Requests this end sent on a connection and still waits for, keyed by `opaque`.
//!
//! Both ends allocate `opaque` independently (`remoting.md` §7); this table holds only our own
//! requests, so a peer's request reusing a number is never confused with a response.

use std::collections::HashMap;
use std::sync::Mutex;

use bolide_protocol::RemotingCommand;
use tokio::sync::oneshot;

/// The table. Once closed it stays empty: every waiter fails with "connection closed".
#[derive(Debug, Default)]
pub(crate) struct Pending {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    waiters: HashMap<i32, oneshot::Sender<RemotingCommand>>,
    closed: bool,
}

/// Returned by [`Pending::insert`] when the connection is already closed.
#[derive(Debug)]
pub(crate) struct Closed;

impl Pending {
    /// Registers a waiter for `opaque`.
    pub(crate) fn insert(&self, opaque: i32) -> Result<oneshot::Receiver<RemotingCommand>, Closed> {
        let (sender, receiver) = oneshot::channel();
        let mut state = self.lock();
        if state.closed {
            return Err(Closed);
        }
        // A live entry with the same opaque exists only after 2^32 calls on one connection with
        // one of them still waiting; the newer call wins and the older one sees a closed channel.
        state.waiters.insert(opaque, sender);
        Ok(receiver)
    }

    /// Forgets a waiter (timed out or cancelled).
    pub(crate) fn remove(&self, opaque: i32) {
        self.lock().waiters.remove(&opaque);
    }

    /// Hands a response to its waiter. Returns the response back if nobody waits for it.
    pub(crate) fn complete(&self, response: RemotingCommand) -> Result<(), RemotingCommand> {
        let waiter = self.lock().waiters.remove(&response.opaque);
        match waiter {
            Some(sender) => sender.send(response),
            None => Err(response),
        }
    }

    /// Fails every waiter and refuses new ones.
    pub(crate) fn close(&self) {
        let waiters = {
            let mut state = self.lock();
            state.closed = true;
            std::mem::take(&mut state.waiters)
        };
        drop(waiters);
    }

    /// Waiters currently registered.
    pub(crate) fn len(&self) -> usize {
        self.lock().waiters.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock can only come from HashMap itself; the table is still
        // consistent, so recover it rather than poisoning every later call.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_protocol::ResponseCode;

    #[test]
    fn complete_reaches_the_waiter_once() {
        let pending = Pending::default();
        let mut receiver = pending.insert(5).expect("open");
        assert!(pending.complete(RemotingCommand::response(ResponseCode::SUCCESS, 5)).is_ok());
        assert_eq!(receiver.try_recv().expect("delivered").opaque, 5);
        assert!(pending.complete(RemotingCommand::response(ResponseCode::SUCCESS, 5)).is_err());
        assert_eq!(pending.len(), 0);
    }

    #[test]
    fn close_fails_waiters_and_refuses_new_ones() {
        let pending = Pending::default();
        let mut receiver = pending.insert(1).expect("open");
        pending.close();
        assert!(matches!(receiver.try_recv(), Err(oneshot::error::TryRecvError::Closed)));
        assert!(pending.insert(2).is_err());
    }
}
