//! Request processors and the registry that routes a request to one by its request code.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use bolide_protocol::{RemotingCommand, RequestCode};

use crate::connection::{ConnectionHandle, ConnectionId};
use crate::error::ProcessError;

/// What a processor returns: the response to send (`None`: send nothing) or an error, answered
/// with SYSTEM_ERROR.
pub type ProcessResult = Result<Option<RemotingCommand>, ProcessError>;

/// The boxed future a [`Processor`] returns; `'static` so it can run on its own task.
pub type ProcessFuture = Pin<Box<dyn Future<Output = ProcessResult> + Send + 'static>>;

/// Handles the requests of one or more request codes.
///
/// # Correctness
/// - The returned future may run concurrently with other requests of the same connection and
///   finish in any order; responses are matched by `opaque`, which the dispatcher sets (as well as
///   the response flag), so an implementation need not copy it.
/// - For a oneway request the dispatcher drops whatever the processor returns, errors included.
/// - A panic inside the future is caught and answered like an error; it must still not leave
///   shared state inconsistent.
/// - Closures `Fn(RequestContext, RemotingCommand) -> impl Future<Output = ProcessResult>`
///   implement this trait.
pub trait Processor: Send + Sync + 'static {
    /// Processes one request.
    fn process(&self, ctx: RequestContext, request: RemotingCommand) -> ProcessFuture;
}

impl<F, Fut> Processor for F
where
    F: Fn(RequestContext, RemotingCommand) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ProcessResult> + Send + 'static,
{
    fn process(&self, ctx: RequestContext, request: RemotingCommand) -> ProcessFuture {
        Box::pin(self(ctx, request))
    }
}

/// Where a request came from: the connection it arrived on, which can also send requests back
/// to the peer.
#[derive(Clone, Debug)]
pub struct RequestContext {
    connection: ConnectionHandle,
}

impl RequestContext {
    pub(crate) fn new(connection: ConnectionHandle) -> Self {
        Self { connection }
    }

    /// The connection's id, unique within the process.
    pub fn connection_id(&self) -> ConnectionId {
        self.connection.id()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.connection.peer_addr()
    }

    /// This end's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.connection.local_addr()
    }

    /// The connection, for calls back to the peer; clone it to keep it.
    pub fn connection(&self) -> &ConnectionHandle {
        &self.connection
    }
}

/// Processors by request code, plus an optional default for codes without one. Built before
/// the server or client starts and then shared read-only.
#[derive(Clone, Default)]
pub struct ProcessorRegistry {
    processors: HashMap<RequestCode, Arc<dyn Processor>>,
    default: Option<Arc<dyn Processor>>,
}

impl ProcessorRegistry {
    /// An empty registry: every request is answered REQUEST_CODE_NOT_SUPPORTED.
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes `code` to `processor`, replacing any earlier one.
    pub fn register(&mut self, code: RequestCode, processor: impl Processor) -> &mut Self {
        self.register_shared(code, Arc::new(processor))
    }

    /// Routes `code` to a processor shared with other codes.
    pub fn register_shared(&mut self, code: RequestCode, processor: Arc<dyn Processor>) -> &mut Self {
        self.processors.insert(code, processor);
        self
    }

    /// Routes every code without its own processor to `processor`.
    pub fn set_default(&mut self, processor: impl Processor) -> &mut Self {
        self.default = Some(Arc::new(processor));
        self
    }

    /// The processor for `code`: its own, else the default.
    pub fn processor(&self, code: RequestCode) -> Option<&Arc<dyn Processor>> {
        self.processors.get(&code).or(self.default.as_ref())
    }
}

impl std::fmt::Debug for ProcessorRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut codes: Vec<_> = self.processors.keys().copied().collect();
        codes.sort();
        f.debug_struct("ProcessorRegistry").field("codes", &codes).field("default", &self.default.is_some()).finish()
    }
}
