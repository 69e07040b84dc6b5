//! The client: one connection per address, opened on first use and reopened after it closes,
//! with calls correlated by `opaque`. Requests the server sends back on a connection go to the
//! client's own processor registry.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bolide_protocol::RemotingCommand;
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::config::ClientConfig;
use crate::connection::{ConnectionHandle, ConnectionHook};
use crate::driver::{self, ConnectionSetup};
use crate::error::RemotingError;
use crate::processor::ProcessorRegistry;
use crate::shutdown::drain;

/// An address to connect to: a `SocketAddr` or a `"host:port"` string such as
/// `"127.0.0.1:10911"` (the form RocketMQ uses everywhere).
pub trait AsAddress {
    /// The address as text, the key of the connection table.
    fn as_address(&self) -> Cow<'_, str>;
}

impl AsAddress for str {
    fn as_address(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl AsAddress for String {
    fn as_address(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl AsAddress for SocketAddr {
    fn as_address(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

impl<T: AsAddress + ?Sized> AsAddress for &T {
    fn as_address(&self) -> Cow<'_, str> {
        (**self).as_address()
    }
}

/// A remoting client. Cheap to clone; clones share connections. Dropping the last clone closes
/// every connection at once, frames still queued included; [`RemotingClient::shutdown`] flushes
/// them first.
#[derive(Clone)]
pub struct RemotingClient {
    inner: Arc<Inner>,
}

/// One entry per address. Calls on an open connection only clone the handle under the map's
/// short lock; the async `connecting` lock makes concurrent callers of a closed or new address
/// wait for one connect instead of each opening a socket.
#[derive(Default)]
struct Slot {
    handle: Option<ConnectionHandle>,
    connecting: Arc<tokio::sync::Mutex<()>>,
}

struct Inner {
    connect_timeout: Duration,
    setup: ConnectionSetup,
    slots: Mutex<HashMap<String, Slot>>,
    /// The connection tasks.
    tasks: Mutex<JoinSet<()>>,
}

impl RemotingClient {
    /// A client whose connections answer server-initiated requests with `registry`.
    ///
    /// # Errors
    /// [`RemotingError::InvalidConfig`].
    pub fn new(config: ClientConfig, registry: ProcessorRegistry) -> Result<Self, RemotingError> {
        Self::with_connection_hook(config, registry, None)
    }

    /// As [`RemotingClient::new`], reporting connection opens and closes to `hook`.
    ///
    /// # Errors
    /// [`RemotingError::InvalidConfig`].
    pub fn with_connection_hook(
        config: ClientConfig,
        registry: ProcessorRegistry,
        hook: Option<Arc<dyn ConnectionHook>>,
    ) -> Result<Self, RemotingError> {
        config.validate()?;
        let setup = ConnectionSetup {
            config: config.connection,
            registry: Arc::new(registry),
            hook,
            shutdown: CancellationToken::new(),
        };
        let inner =
            Inner { connect_timeout: config.connect_timeout, setup, slots: Mutex::default(), tasks: Mutex::default() };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The open connection to `addr`, connecting (or reconnecting) first if needed.
    ///
    /// # Errors
    /// [`RemotingError::Connect`], [`RemotingError::ConnectTimeout`], [`RemotingError::Shutdown`].
    pub async fn connection(&self, addr: impl AsAddress) -> Result<ConnectionHandle, RemotingError> {
        let addr = addr.as_address();
        let connecting = match self.open_handle(&addr) {
            Ok(handle) => return Ok(handle),
            Err(connecting) => connecting,
        };
        let _connecting = connecting.lock().await;
        // Another caller may have connected while this one waited.
        if let Ok(handle) = self.open_handle(&addr) {
            return Ok(handle);
        }
        if self.inner.setup.shutdown.is_cancelled() {
            return Err(RemotingError::Shutdown);
        }
        let handle = self.connect(&addr).await?;
        self.inner.lock_slots().entry(addr.into_owned()).or_default().handle = Some(handle.clone());
        Ok(handle)
    }

    /// Sends `request` to `addr` and waits for the response. `timeout` covers connecting too.
    ///
    /// # Errors
    /// As [`RemotingClient::connection`] and [`ConnectionHandle::invoke`].
    pub async fn invoke(
        &self,
        addr: impl AsAddress,
        request: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand, RemotingError> {
        let deadline = Instant::now() + timeout;
        let connection = self.connection_before(&addr, deadline, timeout).await?;
        connection.invoke(request, deadline.saturating_duration_since(Instant::now())).await
    }

    /// Sends `request` to `addr` oneway. `timeout` covers connecting and queueing the frame.
    ///
    /// # Errors
    /// As [`RemotingClient::connection`] and [`ConnectionHandle::invoke_oneway`].
    pub async fn invoke_oneway(
        &self,
        addr: impl AsAddress,
        request: RemotingCommand,
        timeout: Duration,
    ) -> Result<(), RemotingError> {
        let deadline = Instant::now() + timeout;
        let connection = self.connection_before(&addr, deadline, timeout).await?;
        connection.invoke_oneway(request, deadline.saturating_duration_since(Instant::now())).await
    }

    /// Closes the connection to `addr`, if any; the next call reconnects.
    pub fn close_connection(&self, addr: impl AsAddress) {
        let slot = self.inner.lock_slots().remove(addr.as_address().as_ref());
        if let Some(handle) = slot.and_then(|slot| slot.handle) {
            handle.close();
        }
    }

    /// Closes every connection gracefully: in-flight server requests get the configured grace
    /// period. Calls made afterwards fail with [`RemotingError::Shutdown`].
    pub async fn shutdown(&self) {
        self.inner.setup.shutdown.cancel();
        let mut tasks = std::mem::take(&mut *self.inner.lock_tasks());
        let grace = self.inner.setup.config.shutdown_grace;
        drain(&mut tasks, Instant::now() + grace * 2 + grace / 2).await;
        self.inner.lock_slots().clear();
    }

    async fn connection_before(
        &self,
        addr: &impl AsAddress,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<ConnectionHandle, RemotingError> {
        match tokio::time::timeout_at(deadline, self.connection(addr)).await {
            Ok(result) => result,
            Err(_) => Err(RemotingError::ConnectTimeout { addr: addr.as_address().into_owned(), timeout }),
        }
    }

    /// The open connection to `addr`, or else the lock to take before connecting to it.
    fn open_handle(&self, addr: &str) -> Result<ConnectionHandle, Arc<tokio::sync::Mutex<()>>> {
        let mut slots = self.inner.lock_slots();
        let slot = match slots.get_mut(addr) {
            Some(slot) => slot,
            None => slots.entry(addr.to_owned()).or_default(),
        };
        match &slot.handle {
            Some(handle) if !handle.is_closed() => Ok(handle.clone()),
            _ => Err(Arc::clone(&slot.connecting)),
        }
    }

    async fn connect(&self, addr: &str) -> Result<ConnectionHandle, RemotingError> {
        let timeout = self.inner.connect_timeout;
        let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(source)) => return Err(RemotingError::Connect { addr: addr.to_owned(), source }),
            Err(_) => return Err(RemotingError::ConnectTimeout { addr: addr.to_owned(), timeout }),
        };
        let (handle, run) = driver::open(stream, &self.inner.setup)
            .map_err(|source| RemotingError::Connect { addr: addr.to_owned(), source })?;
        let mut tasks = self.inner.lock_tasks();
        while tasks.try_join_next().is_some() {}
        tasks.spawn(run);
        debug!(addr, conn_id = %handle.id(), "connected");
        Ok(handle)
    }
}

impl Inner {
    fn lock_slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        // Only map operations run under this lock; a panic there leaves the map usable.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_tasks(&self) -> MutexGuard<'_, JoinSet<()>> {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Handles kept elsewhere must see their connection as closed; the task set's drop
        // aborts the connection tasks.
        self.setup.shutdown.cancel();
    }
}

impl std::fmt::Debug for RemotingClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let addrs: Vec<String> = self.inner.lock_slots().keys().cloned().collect();
        f.debug_struct("RemotingClient").field("addrs", &addrs).finish()
    }
}
