//! The server: an accept loop bounded by a connection limit, one owned task per connection, and
//! a graceful stop (stop accepting → let in-flight requests finish, bounded → close).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info};

use crate::config::ServerConfig;
use crate::connection::ConnectionHook;
use crate::driver::{self, ConnectionSetup};
use crate::error::RemotingError;
use crate::lifecycle;
use crate::limits::ACCEPT_ERROR_BACKOFF;
use crate::processor::ProcessorRegistry;
use crate::shutdown::drain;

/// A remoting server, configured but not yet running.
///
/// ```no_run
/// # async fn example() -> Result<(), bolide_remoting::RemotingError> {
/// use bolide_remoting::{ProcessorRegistry, Server, ServerConfig};
/// let registry = ProcessorRegistry::new();
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:10911").await?;
/// let shutdown = async { let _ = tokio::signal::ctrl_c().await; };
/// Server::new(ServerConfig::default(), registry).run(listener, shutdown).await
/// # }
/// ```
pub struct Server {
    config: ServerConfig,
    registry: Arc<ProcessorRegistry>,
    hook: Option<Arc<dyn ConnectionHook>>,
}

impl Server {
    /// A server answering with `registry`'s processors.
    pub fn new(config: ServerConfig, registry: ProcessorRegistry) -> Self {
        Self { config, registry: Arc::new(registry), hook: None }
    }

    /// Reports every connection's open and close to `hook`.
    pub fn with_connection_hook(mut self, hook: Arc<dyn ConnectionHook>) -> Self {
        self.hook = Some(hook);
        self
    }

    /// Serves `listener` until `shutdown` resolves, then stops gracefully: stops accepting, lets
    /// in-flight requests finish within `shutdown_grace` and writes their responses, closes
    /// every connection and waits for all tasks.
    ///
    /// # Errors
    /// An invalid configuration, or a listener without a local address.
    pub async fn run(self, listener: TcpListener, shutdown: impl Future<Output = ()>) -> Result<(), RemotingError> {
        self.config.validate()?;
        let addr = listener.local_addr()?;
        let token = CancellationToken::new();
        let setup = ConnectionSetup {
            config: self.config.connection.clone(),
            registry: self.registry,
            hook: self.hook,
            shutdown: token.clone(),
        };
        let limit = Arc::new(Semaphore::new(self.config.max_connections));
        let mut connections = JoinSet::new();
        info!(%addr, "{}", lifecycle::LISTENING);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(result) = connections.join_next(), if !connections.is_empty() => {
                    if let Err(err) = result {
                        error!(error = %err, "connection task failed");
                    }
                }
                (stream, permit) = accept(&listener, &limit) => {
                    spawn_connection(&mut connections, stream, permit, &setup);
                }
            }
        }
        drop(listener);
        info!(%addr, connections = connections.len(), "{}", lifecycle::SHUTTING_DOWN);
        token.cancel();
        // A connection drains its requests and then its writer, each bounded by the grace.
        let grace = setup.config.shutdown_grace;
        drain(&mut connections, Instant::now() + grace * 2 + grace / 2).await;
        info!(%addr, "{}", lifecycle::STOPPED);
        Ok(())
    }

    /// Runs the server on its own task; stop it with [`ServerHandle::shutdown`].
    ///
    /// # Errors
    /// An invalid configuration, or a listener without a local address.
    pub fn spawn(self, listener: TcpListener) -> Result<ServerHandle, RemotingError> {
        self.config.validate()?;
        let local_addr = listener.local_addr()?;
        let token = CancellationToken::new();
        let stop = token.clone();
        let task = tokio::spawn(self.run(listener, async move { stop.cancelled().await }));
        Ok(ServerHandle { local_addr, token, task: Some(task) })
    }

    /// Binds `addr` (e.g. `"127.0.0.1:0"` or `"[::1]:0"`) and spawns the server on it.
    ///
    /// # Errors
    /// The bind error, or as [`Server::spawn`].
    pub async fn bind(self, addr: impl ToSocketAddrs) -> Result<ServerHandle, RemotingError> {
        let listener = TcpListener::bind(addr).await?;
        self.spawn(listener)
    }
}

/// Waits for room under the connection limit, then for a connection. Accept errors (such as
/// running out of file descriptors) are logged and retried after a pause; they never stop the
/// server.
async fn accept(listener: &TcpListener, limit: &Arc<Semaphore>) -> (TcpStream, OwnedSemaphorePermit) {
    let permit = Arc::clone(limit).acquire_owned().await.expect("the connection semaphore is never closed");
    loop {
        match listener.accept().await {
            Ok((stream, _)) => return (stream, permit),
            Err(err) => {
                error!(cause = %err, "accept failed; retrying");
                tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await;
            }
        }
    }
}

fn spawn_connection(
    connections: &mut JoinSet<()>,
    stream: TcpStream,
    permit: OwnedSemaphorePermit,
    setup: &ConnectionSetup,
) {
    match driver::open(stream, setup) {
        Ok((_, run)) => {
            connections.spawn(async move {
                run.await;
                drop(permit);
            });
        }
        Err(err) => debug!(error = %err, "connection died before it could be set up"),
    }
}

/// A running server. Dropping the handle also stops the server (without waiting for it).
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    token: CancellationToken,
    task: Option<JoinHandle<Result<(), RemotingError>>>,
}

impl ServerHandle {
    /// The address the server listens on (with the port the OS chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops the server gracefully and waits until every connection is closed.
    ///
    /// # Errors
    /// The server's own error, or [`RemotingError::Shutdown`] if its task panicked.
    pub async fn shutdown(mut self) -> Result<(), RemotingError> {
        self.token.cancel();
        match self.task.take() {
            Some(task) => task.await.map_err(|err| {
                error!(error = %err, "server task failed");
                RemotingError::Shutdown
            })?,
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.token.cancel();
    }
}
