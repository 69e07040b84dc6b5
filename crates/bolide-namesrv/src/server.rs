//! The running NameServer: shared state, the processor registry, the expiry scan and the
//! connection hook that drops brokers whose connection closes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bolide_protocol::FrameLimits;
use bolide_remoting::{
    CloseReason, ConnectionConfig, ConnectionHandle, ConnectionHook, ProcessorRegistry, Server, ServerConfig,
};
use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::config::NamesrvConfig;
use crate::kv_config::{KvConfig, KvConfigError};
use crate::route_cache::RouteCache;
use crate::route_table::{RemovedBroker, RouteTable};
use crate::{lifecycle, processor};

/// A NameServer that cannot start.
#[derive(Debug, thiserror::Error)]
pub enum NamesrvError {
    /// A setting is invalid.
    #[error(transparent)]
    Config(#[from] bolide_config::ConfigError),
    /// The KV config file cannot be loaded.
    #[error(transparent)]
    KvConfig(#[from] KvConfigError),
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The transport failed.
    #[error(transparent)]
    Remoting(#[from] bolide_remoting::RemotingError),
}

/// State shared by every processor.
pub(crate) struct State {
    pub(crate) config: RwLock<NamesrvConfig>,
    pub(crate) routes: RwLock<RouteTable>,
    pub(crate) kv: Mutex<KvConfig>,
    pub(crate) route_cache: RouteCache,
    /// Bumped after every KV or settings change, which can change encoded routes.
    pub(crate) settings_epoch: AtomicU64,
}

impl State {
    pub(crate) fn config(&self) -> NamesrvConfig {
        self.config.read().expect("config lock").clone()
    }
}

/// Milliseconds since the Unix epoch: the clock the route table runs on.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Binds the configured address and serves until `shutdown` resolves.
///
/// # Errors
/// [`NamesrvError`] when the configuration is invalid, the KV file is corrupt or the port is taken.
pub async fn run(config: NamesrvConfig, shutdown: impl Future<Output = ()>) -> Result<(), NamesrvError> {
    let listener = bind(&config).await?;
    serve(config, listener, shutdown).await
}

/// Binds `listenAddress:listenPort`.
///
/// # Errors
/// [`NamesrvError::Bind`].
pub async fn bind(config: &NamesrvConfig) -> Result<TcpListener, NamesrvError> {
    let addr = format!("{}:{}", bracket_ipv6(&config.listen_address), config.listen_port);
    TcpListener::bind(&addr).await.map_err(|source| NamesrvError::Bind { addr, source })
}

fn bracket_ipv6(address: &str) -> String {
    if address.contains(':') && !address.starts_with('[') {
        format!("[{address}]")
    } else {
        address.to_owned()
    }
}

/// Serves an already bound `listener` until `shutdown` resolves.
///
/// # Errors
/// As [`run`].
pub async fn serve(
    config: NamesrvConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), NamesrvError> {
    config.validate()?;
    let kv = KvConfig::open(&config.kv_config_path)?;
    let server_config = ServerConfig {
        max_connections: config.max_connections,
        connection: ConnectionConfig {
            frame_limits: FrameLimits { max_frame_bytes: config.max_frame_bytes },
            idle_timeout: Duration::from_secs(config.server_channel_max_idle_time_seconds.max(1)),
            ..ConnectionConfig::default()
        },
    };
    let state = Arc::new(State {
        routes: RwLock::new(RouteTable::new(config.broker_timeout_millis)),
        kv: Mutex::new(kv),
        route_cache: RouteCache::default(),
        settings_epoch: AtomicU64::new(0),
        config: RwLock::new(config),
    });
    let mut registry = ProcessorRegistry::new();
    processor::register_all(&mut registry, &state);
    let local: SocketAddr = listener.local_addr().map_err(bolide_remoting::RemotingError::from)?;
    info!(addr = %local, "{}", lifecycle::NAMESRV_STARTED);
    let expiry = tokio::spawn(scan_not_active_brokers(state.clone()));
    let hook = Arc::new(DropBrokersOnClose { state: state.clone() });
    let result = Server::new(server_config, registry).with_connection_hook(hook).run(listener, shutdown).await;
    expiry.abort();
    info!("{}", lifecycle::NAMESRV_STOPPED);
    result.map_err(NamesrvError::from)
}

/// Removes brokers whose registrations stopped, every `scanNotActiveBrokerInterval`.
async fn scan_not_active_brokers(state: Arc<State>) {
    loop {
        let interval = Duration::from_millis(state.config().scan_not_active_broker_interval);
        tokio::time::sleep(interval).await;
        let removed = state.routes.write().expect("route lock").expire(now_ms());
        log_removed(&removed);
    }
}

fn log_removed(removed: &[RemovedBroker]) {
    for broker in removed {
        warn!(
            cluster = %broker.cluster_name,
            broker_addr = %broker.broker_addr,
            reason = ?broker.reason,
            "{}; its routes are gone until it registers again",
            lifecycle::BROKER_REMOVED
        );
    }
}

struct DropBrokersOnClose {
    state: Arc<State>,
}

impl ConnectionHook for DropBrokersOnClose {
    fn on_close(&self, connection: &ConnectionHandle, _reason: &CloseReason) {
        let removed = self.state.routes.write().expect("route lock").connection_closed(connection.id().value());
        log_removed(&removed);
    }
}
