//! Fire-and-continue sends: [`Producer::send_with_callback`] (Java's `send(msg, SendCallback)`)
//! with the Java producer's back-pressure, a bound on the sends in flight by count and by body
//! bytes (`backPressureForAsyncSendNum` 10 000, `backPressureForAsyncSendSize` 100 MiB).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::Producer;
use crate::error::ClientError;
use crate::message::{Message, SendResult};

/// Default bound on callback sends in flight (Java's `backPressureForAsyncSendNum`).
pub const DEFAULT_MAX_IN_FLIGHT_CALLBACKS: usize = 10_000;
/// Default bound on the body bytes of callback sends in flight (Java's
/// `backPressureForAsyncSendSize`, 100 MiB).
pub const DEFAULT_MAX_IN_FLIGHT_CALLBACK_BYTES: usize = 100 * 1024 * 1024;

/// The two bounds, as semaphores whose permits a send holds until it ends.
pub(crate) struct InFlight {
    count: Arc<Semaphore>,
    bytes: Arc<Semaphore>,
    max_count: usize,
    max_bytes: usize,
}

impl InFlight {
    pub(crate) fn new(max_count: usize, max_bytes: usize) -> Self {
        // A zero bound would block every send forever; `drain` takes all permits at once, which
        // a semaphore counts in `u32`.
        let max_count = max_count.clamp(1, u32::MAX as usize);
        let max_bytes = max_bytes.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            count: Arc::new(Semaphore::new(max_count)),
            bytes: Arc::new(Semaphore::new(max_bytes)),
            max_count,
            max_bytes,
        }
    }

    /// Waits until one more send of `body_bytes` fits, or `deadline` passes.
    async fn acquire(
        &self,
        body_bytes: usize,
        deadline: Instant,
    ) -> Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)> {
        // A body larger than the whole byte budget waits for the budget to be free instead.
        let want = u32::try_from(body_bytes.clamp(1, self.max_bytes)).unwrap_or(u32::MAX);
        let acquire = async {
            let count = self.count.clone().acquire_owned().await.ok()?;
            let bytes = self.bytes.clone().acquire_many_owned(want).await.ok()?;
            Some((count, bytes))
        };
        tokio::time::timeout_at(deadline, acquire).await.ok().flatten()
    }

    /// Waits until no send is in flight (sends started meanwhile wait behind it).
    pub(crate) async fn drain(&self) {
        let all = u32::try_from(self.max_count).expect("max_count is clamped to u32");
        // Only fails if the semaphore is closed, which it never is.
        let _all = self.count.acquire_many(all).await;
    }

    fn in_flight(&self) -> usize {
        self.max_count - self.count.available_permits()
    }
}

impl Producer {
    /// Starts sending `message` and returns once it is on its way; `callback` then receives the
    /// result (exactly once) on a runtime task, as Java's `send(msg, SendCallback)`. The send
    /// retries like [`Producer::send`].
    ///
    /// Use it when the caller must not wait for the broker and handles outcomes elsewhere
    /// (counting, logging, forwarding). When the caller wants the result in line, `send().await`
    /// is simpler; to pipeline many sends from one task, poll several `send()` futures at once
    /// (`futures::stream::FuturesUnordered`).
    ///
    /// Back-pressure: at most [`ProducerOptions::max_in_flight_callbacks`] sends and
    /// [`ProducerOptions::max_in_flight_callback_bytes`] body bytes are in flight; beyond that
    /// this call waits (up to [`ProducerOptions::send_timeout`]) for earlier sends to finish.
    ///
    /// # Errors
    /// [`ClientError::InvalidMessage`] before sending, or [`ClientError::Timeout`] if no room
    /// freed up in time. In both cases `callback` is not called.
    ///
    /// [`ProducerOptions::max_in_flight_callbacks`]: super::ProducerOptions::max_in_flight_callbacks
    /// [`ProducerOptions::max_in_flight_callback_bytes`]: super::ProducerOptions::max_in_flight_callback_bytes
    /// [`ProducerOptions::send_timeout`]: super::ProducerOptions::send_timeout
    pub async fn send_with_callback<F>(&self, message: Message, callback: F) -> Result<(), ClientError>
    where
        F: FnOnce(Result<SendResult, ClientError>) + Send + 'static,
    {
        let encoded = self.encode_single(&message)?;
        let timeout = self.inner.options.send_timeout;
        let deadline = Instant::now() + timeout;
        let permits = self.inner.in_flight.acquire(message.body().len(), deadline).await;
        let Some(permits) = permits else {
            return Err(ClientError::Timeout { timeout });
        };
        let producer = self.clone();
        let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        tokio::spawn(async move {
            let result = producer.send_with_retries(message.topic(), &encoded, left).await;
            // Free the room before the callback runs, so that it can start another send.
            drop(permits);
            callback(result);
        });
        Ok(())
    }

    /// How many [`Producer::send_with_callback`] sends are in flight.
    pub fn in_flight_callbacks(&self) -> usize {
        self.inner.in_flight.in_flight()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_bounds_hold_back_sends_until_earlier_ones_end() {
        let later = || Instant::now() + Duration::from_secs(1);
        let by_count = InFlight::new(2, 1_000);
        let first = by_count.acquire(10, later()).await.expect("room");
        let _second = by_count.acquire(10, later()).await.expect("room");
        assert_eq!(by_count.in_flight(), 2);
        assert!(by_count.acquire(10, later()).await.is_none(), "the count bound holds");
        drop(first);
        assert!(by_count.acquire(10, later()).await.is_some(), "room again");

        let by_bytes = InFlight::new(10, 100);
        let big = by_bytes.acquire(90, later()).await.expect("room");
        assert!(by_bytes.acquire(20, later()).await.is_none(), "the byte bound holds");
        assert!(by_bytes.acquire(10, later()).await.is_some(), "what fits goes");
        drop(big);
        assert!(by_bytes.acquire(1_000, later()).await.is_some(), "an oversized body waits for the whole budget");
        assert!(InFlight::new(0, 0).acquire(5, later()).await.is_some(), "zero bounds are raised to one");
    }

    #[tokio::test(start_paused = true)]
    async fn drain_waits_for_every_send_in_flight() {
        let in_flight = Arc::new(InFlight::new(4, 1_000));
        let later = Instant::now() + Duration::from_secs(1);
        let (first, second) = (in_flight.acquire(1, later).await, in_flight.acquire(1, later).await);
        let draining = tokio::spawn({
            let in_flight = in_flight.clone();
            async move { in_flight.drain().await }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!draining.is_finished(), "two sends are in flight");
        drop(first);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!draining.is_finished(), "one send is in flight");
        drop(second);
        draining.await.expect("drained");
        assert_eq!(in_flight.in_flight(), 0);
    }
}
