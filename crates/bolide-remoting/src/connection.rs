//! One TCP connection as the rest of the process sees it: a cloneable [`ConnectionHandle`] for
//! calls to the peer (requests and responses share the socket in both directions), an id, and the
//! [`ConnectionHook`] that hears about opens and closes. The task that drives the socket lives in
//! [`crate::driver`].

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bolide_protocol::command::{FLAG_ONEWAY, FLAG_RESPONSE};
use bolide_protocol::{FrameLimits, RemotingCommand, ResponseCode};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::error::{CloseReason, RemotingError};
use crate::pending::Pending;
use crate::writer::{Activity, OutboundFrame};

/// Identifies a connection within this process; never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(u64);

impl ConnectionId {
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The number.
    pub fn value(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Told when connections open and close, e.g. so a name server can drop the routes of a broker
/// whose connection closed.
///
/// # Correctness
/// Both methods run on the connection's task: they must return quickly and must not block or
/// panic.
/// `on_close` is called exactly once per connection for which `on_connect` was called, after
/// the socket is closed and every pending call on it has failed.
pub trait ConnectionHook: Send + Sync + 'static {
    /// A connection opened; the handle may be kept to call the peer later.
    fn on_connect(&self, connection: &ConnectionHandle) {
        let _ = connection;
    }

    /// A connection closed.
    fn on_close(&self, connection: &ConnectionHandle, reason: &CloseReason) {
        let _ = (connection, reason);
    }
}

/// A cheap, cloneable reference to a live (or closed) connection: sends requests to the peer
/// over the same socket and matches their responses by `opaque`.
#[derive(Clone)]
pub struct ConnectionHandle {
    shared: Arc<Shared>,
}

/// State shared by the handle clones, the driver task and the writer task.
pub(crate) struct Shared {
    pub(crate) id: ConnectionId,
    pub(crate) peer: SocketAddr,
    pub(crate) local: SocketAddr,
    /// Frames for the writer task. Bounded: senders wait when the peer reads slowly.
    pub(crate) queue: mpsc::Sender<OutboundFrame>,
    /// Our requests awaiting a response.
    pub(crate) pending: Pending,
    next_opaque: AtomicI32,
    /// Cancelled when the connection starts closing, for whatever reason; a child of the
    /// server's or client's shutdown token.
    pub(crate) stop: CancellationToken,
    pub(crate) limits: FrameLimits,
    /// Last read or write, for the idle timeout.
    pub(crate) activity: Activity,
    /// The writer's error, stored before it cancels `stop` so the driver can report it.
    pub(crate) write_error: Mutex<Option<std::io::Error>>,
}

impl ConnectionHandle {
    pub(crate) fn new(
        peer: SocketAddr,
        local: SocketAddr,
        queue: mpsc::Sender<OutboundFrame>,
        stop: CancellationToken,
        limits: FrameLimits,
    ) -> Self {
        let shared = Shared {
            id: ConnectionId::next(),
            peer,
            local,
            queue,
            pending: Pending::default(),
            next_opaque: AtomicI32::new(0),
            stop,
            limits,
            activity: Activity::new(),
            write_error: Mutex::new(None),
        };
        Self { shared: Arc::new(shared) }
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The connection's id.
    pub fn id(&self) -> ConnectionId {
        self.shared.id
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.shared.peer
    }

    /// This end's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local
    }

    /// Whether the connection is closed or closing; calls on it fail.
    pub fn is_closed(&self) -> bool {
        self.shared.stop.is_cancelled()
    }

    /// Starts closing the connection. Pending calls fail; queued frames are still written.
    pub fn close(&self) {
        self.shared.stop.cancel();
    }

    /// Resolves once the connection is closing.
    pub async fn closed(&self) {
        self.shared.stop.cancelled().await;
    }

    /// Calls the peer currently waiting for a response (mostly useful in tests).
    pub fn pending_calls(&self) -> usize {
        self.shared.pending.len()
    }

    /// Sends `request` to the peer and waits for its response. The `opaque` is assigned here;
    /// the response and oneway flags are cleared. Keep requests to clients in the default JSON
    /// form: the C++ and Node.js clients parse nothing else (`remoting.md` §5.1).
    ///
    /// # Errors
    /// [`RemotingError::Timeout`] when no response arrives within `timeout` (the waiter is
    /// removed, a late response is dropped), [`RemotingError::ConnectionClosed`] when the
    /// connection closes first, [`RemotingError::Encode`] when the request cannot be encoded.
    pub async fn invoke(
        &self,
        mut request: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand, RemotingError> {
        let deadline = Instant::now() + timeout;
        let opaque = self.next_opaque();
        request.opaque = opaque;
        request.flag &= !(FLAG_RESPONSE | FLAG_ONEWAY);
        let frame = OutboundFrame::encode(request, self.shared.limits)?;
        let receiver = self.shared.pending.insert(opaque).map_err(|_| self.closed_error())?;
        let mut guard = WaiterGuard { pending: &self.shared.pending, opaque, armed: true };
        let exchange = async {
            self.shared.queue.send(frame).await.map_err(|_| self.closed_error())?;
            receiver.await.map_err(|_| self.closed_error())
        };
        let outcome = tokio::time::timeout_at(deadline, exchange).await;
        match outcome {
            Ok(Ok(response)) => {
                guard.armed = false;
                Ok(response)
            }
            Ok(Err(err)) => Err(err),
            Err(_) => Err(RemotingError::Timeout { opaque, peer: self.shared.peer, timeout }),
        }
    }

    /// Sends `request` as a oneway request (no response will come). `timeout` bounds only the
    /// wait for room in the write queue.
    ///
    /// # Errors
    /// [`RemotingError::Timeout`] when the write queue stays full, [`RemotingError::ConnectionClosed`],
    /// [`RemotingError::Encode`].
    pub async fn invoke_oneway(&self, mut request: RemotingCommand, timeout: Duration) -> Result<(), RemotingError> {
        let opaque = self.next_opaque();
        request.opaque = opaque;
        request.flag = (request.flag & !FLAG_RESPONSE) | FLAG_ONEWAY;
        let frame = OutboundFrame::encode(request, self.shared.limits)?;
        if self.is_closed() {
            return Err(self.closed_error());
        }
        match tokio::time::timeout(timeout, self.shared.queue.send(frame)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(self.closed_error()),
            Err(_) => Err(RemotingError::Timeout { opaque, peer: self.shared.peer, timeout }),
        }
    }

    /// Queues a response to a peer's request. A response that cannot be encoded (too large) is
    /// replaced by SYSTEM_ERROR so the peer is not left waiting.
    pub(crate) async fn send_response(&self, response: RemotingCommand) {
        let opaque = response.opaque;
        let frame = self.response_frame(response);
        if self.shared.queue.send(frame).await.is_err() {
            debug!(opaque, "connection closed before the response could be written");
        }
    }

    /// Queues a response without waiting; gives the frame back when the queue is full so the
    /// caller can wait for room elsewhere (the reader must never block on its own writer).
    pub(crate) fn try_send_response(&self, response: RemotingCommand) -> Result<(), OutboundFrame> {
        let frame = self.response_frame(response);
        match self.shared.queue.try_send(frame) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(frame)) => Err(frame),
            Err(mpsc::error::TrySendError::Closed(_)) => {
                debug!("connection closed before the response could be written");
                Ok(())
            }
        }
    }

    /// Queues an already encoded frame, waiting for room.
    pub(crate) async fn send_frame(&self, frame: OutboundFrame) {
        if self.shared.queue.send(frame).await.is_err() {
            debug!("connection closed before the response could be written");
        }
    }

    fn response_frame(&self, response: RemotingCommand) -> OutboundFrame {
        let opaque = response.opaque;
        match OutboundFrame::encode(response, self.shared.limits) {
            Ok(frame) => frame,
            Err(err) => {
                warn!(opaque, error = %err, "response cannot be encoded; answering SYSTEM_ERROR");
                let fallback = RemotingCommand::response(ResponseCode::SYSTEM_ERROR, opaque)
                    .with_remark(format!("response cannot be encoded: {err}"));
                OutboundFrame::encode(fallback, self.shared.limits).expect("a bare error response fits any frame limit")
            }
        }
    }

    fn next_opaque(&self) -> i32 {
        // Wraps around like Java's counter; any i32 is a valid opaque.
        self.shared.next_opaque.fetch_add(1, Ordering::Relaxed)
    }

    fn closed_error(&self) -> RemotingError {
        RemotingError::ConnectionClosed { peer: self.shared.peer }
    }
}

impl fmt::Debug for ConnectionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionHandle")
            .field("id", &self.shared.id)
            .field("peer", &self.shared.peer)
            .field("local", &self.shared.local)
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Removes a call's waiter when the call ends without a response (timeout, closed connection,
/// or the caller dropping the future).
struct WaiterGuard<'a> {
    pending: &'a Pending,
    opaque: i32,
    armed: bool,
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.pending.remove(self.opaque);
        }
    }
}
