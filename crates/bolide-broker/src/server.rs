//! The running broker: shared state, both listening ports (listenPort and the VIP port
//! listenPort − 2, same processors), background tasks (name-server registration, client expiry,
//! offset flush) and the shutdown sequence: stop accepting, persist, unregister.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bolide_protocol::body::{DataVersion, SubscriptionGroupConfig, TopicConfig};
use bolide_protocol::header::NotifyConsumerIdsChangedRequestHeader;
use bolide_protocol::message::UniqueIdGenerator;
use bolide_protocol::{RemotingCommand, RequestCode};
use bolide_remoting::{CloseReason, ConnectionHandle, ConnectionHook, ProcessorRegistry, Server, ServerConfig};
use bolide_store::MessageStore;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{debug, error, info, warn};

use crate::client::ClientRegistry;
use crate::config::BrokerConfig;
use crate::delay::DelayLevels;
use crate::lock::LockTable;
use crate::long_polling::PullHolds;
use crate::namesrv_registration::Registrar;
use crate::offset::ConsumerOffsetTable;
use crate::persist::PersistError;
use crate::route_changes::RouteChanges;
use crate::schedule::ScheduleService;
use crate::stats::Stats;
use crate::subscription::SubscriptionGroupTable;
use crate::topic::{dlq_topic, retry_topic, AutoCreate, TopicConfigTable, AUTO_CREATE_TOPIC};
use crate::transaction::TransactionCheckService;
use crate::{lifecycle, processor};

/// How often silent client channels are looked for.
const CLIENT_SCAN_INTERVAL: Duration = Duration::from_secs(10);
/// How long a NOTIFY_CONSUMER_IDS_CHANGED may wait for room in a client's write queue.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(3);

/// A broker that cannot start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// A setting is invalid.
    #[error(transparent)]
    Config(#[from] bolide_config::ConfigError),
    /// A config file cannot be loaded or written.
    #[error(transparent)]
    Persist(#[from] PersistError),
    /// The message store cannot be opened.
    #[error("message store")]
    Store(#[from] bolide_store::StoreError),
    /// A port cannot be bound.
    #[error("cannot listen on {addr}")]
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

/// State shared by every processor and background task. Locks are `std` mutexes held for short,
/// synchronous sections only, never across an `.await`.
pub(crate) struct State {
    pub(crate) config: RwLock<BrokerConfig>,
    /// Version of the settings, bumped by UPDATE_BROKER_CONFIG (GET_BROKER_CONFIG's header).
    pub(crate) config_version: Mutex<DataVersion>,
    pub(crate) topics: Mutex<TopicConfigTable>,
    pub(crate) groups: Mutex<SubscriptionGroupTable>,
    pub(crate) offsets: Mutex<ConsumerOffsetTable>,
    pub(crate) clients: Mutex<ClientRegistry>,
    /// Connection id → handle of every client that has sent a heartbeat, for calling it back.
    pub(crate) connections: Mutex<HashMap<u64, ConnectionHandle>>,
    pub(crate) locks: Mutex<LockTable>,
    /// Topic changes; the registration task re-registers at once after each.
    pub(crate) route_changes: RouteChanges,
    pub(crate) started_ms: u64,
    /// The message store.
    pub(crate) store: Arc<MessageStore>,
    /// Pulls waiting for messages (long polling).
    pub(crate) pulls: Arc<PullHolds>,
    /// Message counters.
    pub(crate) stats: Stats,
    /// The delay levels (messageDelayLevel).
    pub(crate) delay_levels: DelayLevels,
    /// brokerClusterName, added to every stored message as `CLUSTER`.
    pub(crate) cluster_name: String,
    /// Makes `UNIQ_KEY`s for messages that arrive without one.
    pub(crate) unique_ids: UniqueIdGenerator,
    /// brokerIP1:listenPort: the store host of every record (and so of offset message ids).
    pub(crate) store_host: SocketAddr,
}

impl State {
    pub(crate) fn config(&self) -> BrokerConfig {
        self.config.read().expect("config lock").clone()
    }

    /// Sends NOTIFY_CONSUMER_IDS_CHANGED (oneway) to every member of `group`, when the group is in
    /// clustering mode and its `notifyConsumerIdsChangedEnable` is on.
    pub(crate) fn notify_consumer_ids_changed(&self, group: &str) {
        let enabled = self
            .groups
            .lock()
            .expect("group lock")
            .get(group)
            .is_none_or(|config| config.notify_consumer_ids_changed_enable);
        let (connections, broadcasting) = {
            let clients = self.clients.lock().expect("client lock");
            let broadcasting = clients.consumer_group(group).is_some_and(|members| {
                members.message_model == Some(bolide_protocol::body::MessageModel::Broadcasting)
            });
            (clients.consumer_connections(group), broadcasting)
        };
        if !enabled || broadcasting || connections.is_empty() {
            return;
        }
        let handles: Vec<ConnectionHandle> = {
            let table = self.connections.lock().expect("connection lock");
            connections.iter().filter_map(|id| table.get(id).cloned()).collect()
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let header = NotifyConsumerIdsChangedRequestHeader { consumer_group: group.to_owned(), ..Default::default() };
        let request = RemotingCommand::request(RequestCode::NOTIFY_CONSUMER_IDS_CHANGED).with_header(&header);
        for handle in handles {
            let request = request.clone();
            runtime.spawn(async move {
                if let Err(err) = handle.invoke_oneway(request, NOTIFY_TIMEOUT).await {
                    debug!(peer = %handle.peer_addr(), error = %err, "consumer ids change not delivered");
                }
            });
        }
    }
}

impl State {
    /// The send path's auto-creation (`behaviours.md` §3.3): creates `topic` from `default_topic`
    /// when the rules allow, persists `topics.json` and re-registers with the name servers.
    /// Blocking (file I/O): call it where blocking is allowed.
    ///
    /// # Errors
    /// [`PersistError`] when the new topic cannot be written; it stays in memory.
    pub(crate) fn auto_create_topic(
        &self,
        topic: &str,
        default_topic: &str,
        queue_nums: i32,
    ) -> Result<AutoCreate, PersistError> {
        // TBW102 may outlive `autoCreateTopicEnable=false` (set at run time, or kept in
        // topics.json); as in Java, the setting wins.
        if default_topic == AUTO_CREATE_TOPIC && !self.config.read().expect("config lock").auto_create_topic_enable {
            let topics = self.topics.lock().expect("topic lock");
            return Ok(topics.get(topic).map_or(AutoCreate::NotAllowed, |found| AutoCreate::Existing(found.clone())));
        }
        let mut topics = self.topics.lock().expect("topic lock");
        let outcome = topics.auto_create(topic, default_topic, queue_nums);
        if let AutoCreate::Created(created) = &outcome {
            topics.persist()?;
            self.route_changes.changed();
            info!(topic = %created.topic_name, queues = created.write_queue_nums, "topic auto-created from {default_topic}");
        }
        Ok(outcome)
    }
}

impl State {
    /// Creates `%RETRY%<group>` (the group's retryQueueNums, at least 1) when missing, persisting
    /// and re-registering; returns its config.
    ///
    /// # Errors
    /// [`PersistError`] when `topics.json` cannot be written.
    pub(crate) fn create_retry_topic(&self, group: &str) -> Result<TopicConfig, PersistError> {
        let queues = self.groups.lock().expect("group lock").get(group).map_or(1, |config| config.retry_queue_nums);
        let mut topics = self.topics.lock().expect("topic lock");
        if let Some(created) = topics.create_retry_topic(group, queues) {
            topics.persist()?;
            self.route_changes.changed();
            info!(topic = %created.topic_name, "retry topic created");
        }
        Ok(topics.get(&retry_topic(group)).cloned().expect("just created"))
    }

    /// Creates `%DLQ%<group>` (1 queue, read and write) when missing; returns its config.
    ///
    /// # Errors
    /// [`PersistError`] when `topics.json` cannot be written.
    pub(crate) fn create_dlq_topic(&self, group: &str) -> Result<TopicConfig, PersistError> {
        let mut topics = self.topics.lock().expect("topic lock");
        if let Some(created) = topics.create_dlq_topic(group) {
            topics.persist()?;
            self.route_changes.changed();
            info!(topic = %created.topic_name, "dead-letter topic created");
        }
        Ok(topics.get(&dlq_topic(group)).cloned().expect("just created"))
    }

    /// The group's config, created (and persisted) when autoCreateSubscriptionGroup allows.
    pub(crate) fn find_or_create_group(&self, group: &str) -> Option<SubscriptionGroupConfig> {
        let auto_create = self.config.read().expect("config lock").auto_create_subscription_group;
        let mut groups = self.groups.lock().expect("group lock");
        let (config, created) = groups.find_or_create(group, auto_create)?;
        if created {
            if let Err(err) = groups.persist() {
                error!(group, error = %err, "subscription group created but not persisted");
            }
            info!(group, "subscription group created on first pull");
        }
        Some(config)
    }
}

/// Milliseconds since the Unix epoch: the clock the sans-I/O cores run on.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Binds listenPort and listenPort − 2 and serves until `shutdown` resolves.
///
/// # Errors
/// [`BrokerError`] when the configuration is invalid, a config file is corrupt or a port is taken.
pub async fn run(config: BrokerConfig, shutdown: impl Future<Output = ()>) -> Result<(), BrokerError> {
    let listener = bind(&config.listen_address, config.listen_port).await?;
    let vip = bind(&config.listen_address, config.vip_port()).await?;
    serve(config, listener, vip, shutdown).await
}

/// brokerIP1:listenPort as a socket address (a host name that is not an IP reads as 127.0.0.1).
fn store_host(config: &BrokerConfig) -> SocketAddr {
    let ip = config.broker_ip1.parse().unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    SocketAddr::new(ip, config.listen_port)
}

async fn bind(address: &str, port: u16) -> Result<TcpListener, BrokerError> {
    let host =
        if address.contains(':') && !address.starts_with('[') { format!("[{address}]") } else { address.to_owned() };
    let addr = format!("{host}:{port}");
    TcpListener::bind(&addr).await.map_err(|source| BrokerError::Bind { addr, source })
}

fn open_state(config: BrokerConfig) -> Result<Arc<State>, BrokerError> {
    config.validate()?;
    let store = Arc::new(MessageStore::open(config.store_config())?);
    let pulls = Arc::new(PullHolds::default());
    let woken = pulls.clone();
    store.set_arrival_listener(Arc::new(move |message| {
        woken.arrived(
            message.topic(),
            message.queue_id(),
            message.queue_offset(),
            message.tags_code(),
            message.properties(),
        );
    }));
    let store_host = store_host(&config);
    let delay_levels = DelayLevels::new(config.delay_levels().map_err(|level| {
        bolide_config::ConfigError::Invalid(format!("messageDelayLevel: {level:?} is not a duration"))
    })?);
    Ok(Arc::new(State {
        store,
        pulls,
        stats: Stats::default(),
        delay_levels,
        cluster_name: config.broker_cluster_name.clone(),
        unique_ids: UniqueIdGenerator::new(store_host.ip(), std::process::id(), now_ms() as i32),
        store_host,
        topics: Mutex::new(TopicConfigTable::open(&config)?),
        groups: Mutex::new(SubscriptionGroupTable::open(&config)?),
        offsets: Mutex::new(ConsumerOffsetTable::open(&config)?),
        clients: Mutex::new(ClientRegistry::new()),
        connections: Mutex::new(HashMap::new()),
        locks: Mutex::new(LockTable::default()),
        route_changes: RouteChanges::new(),
        config_version: Mutex::new(DataVersion { counter: 0, state_version: 0, timestamp: now_ms() as i64 }),
        started_ms: now_ms(),
        config: RwLock::new(config),
    }))
}

/// Serves already bound listeners (the client port and the VIP port) until `shutdown` resolves.
///
/// # Errors
/// As [`run`].
pub async fn serve(
    config: BrokerConfig,
    listener: TcpListener,
    vip: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), BrokerError> {
    let state = open_state(config)?;
    let registrar = Arc::new(Registrar::new(&state.config())?);
    let schedule =
        ScheduleService::start(state.store.clone(), state.delay_levels.clone(), &state.config().config_dir())?;
    let transactions = TransactionCheckService::start(state.clone(), tokio::runtime::Handle::current())
        .map_err(bolide_remoting::RemotingError::from)?;
    let (stop_sender, stop) = watch::channel(false);
    let local: SocketAddr = listener.local_addr().map_err(bolide_remoting::RemotingError::from)?;
    let vip_local: SocketAddr = vip.local_addr().map_err(bolide_remoting::RemotingError::from)?;
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(register_periodically(state.clone(), registrar.clone()));
    tasks.spawn(expire_clients(state.clone()));
    tasks.spawn(flush_offsets(state.clone()));
    tasks.spawn(sample_stats(state.clone()));
    let stop_sender = Arc::new(stop_sender);
    let main = stop_all_when_done(start_server(&state, listener, stop.clone()), stop_sender.clone());
    let vip_server = stop_all_when_done(start_server(&state, vip, stop), stop_sender.clone());
    info!(addr = %local, vip_addr = %vip_local, broker = %state.config().broker_name, "{}", lifecycle::BROKER_STARTED);
    let pulls = state.pulls.clone();
    let results = tokio::join!(main, vip_server, async move {
        tokio::select! {
            () = shutdown => {}
            () = stop_sender.closed() => {}
        }
        let _ = stop_sender.send(true);
        // Held pulls answer now rather than at the end of their hold time.
        pulls.close();
    });
    tasks.shutdown().await;
    stop_schedule(schedule).await;
    stop_transaction_checks(transactions).await;
    persist_all(&state).await;
    close_store(&state).await;
    registrar.unregister_all().await;
    registrar.shutdown().await;
    info!("{}", lifecycle::BROKER_STOPPED);
    results.0?;
    results.1?;
    Ok(())
}

/// Runs `server` and then stops the other one too: a port that fails must not leave the broker
/// half-serving.
async fn stop_all_when_done(
    server: impl Future<Output = Result<(), bolide_remoting::RemotingError>>,
    stop: Arc<watch::Sender<bool>>,
) -> Result<(), bolide_remoting::RemotingError> {
    let result = server.await;
    if let Err(err) = &result {
        error!(error = %err, "a listener failed; stopping the broker");
    }
    let _ = stop.send(true);
    result
}

fn start_server(
    state: &Arc<State>,
    listener: TcpListener,
    mut stop: watch::Receiver<bool>,
) -> impl Future<Output = Result<(), bolide_remoting::RemotingError>> {
    let mut registry = ProcessorRegistry::new();
    processor::register_all(&mut registry, state);
    let hook = Arc::new(DropClientsOnClose { state: state.clone() });
    let server = Server::new(ServerConfig::default(), registry).with_connection_hook(hook);
    server.run(listener, async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    })
}

/// Writes offsets and both config tables; errors are logged (an operator must look).
async fn persist_all(state: &Arc<State>) {
    let state = state.clone();
    let outcome = tokio::task::spawn_blocking(move || -> Result<(), PersistError> {
        state.offsets.lock().expect("offset lock").persist()?;
        state.topics.lock().expect("topic lock").persist()?;
        state.groups.lock().expect("group lock").persist()
    })
    .await;
    match outcome {
        Ok(Ok(())) => info!("{}", lifecycle::STATE_PERSISTED),
        Ok(Err(err)) => error!(error = %err, "state not persisted at shutdown; recent offsets may be lost"),
        Err(err) => error!(error = %err, "persist task failed at shutdown"),
    }
}

/// Stops the schedule service (it persists `delayOffset.json` on its way out) before the store
/// closes under it.
async fn stop_schedule(schedule: ScheduleService) {
    if let Err(err) = tokio::task::spawn_blocking(move || schedule.stop()).await {
        error!(error = %err, "schedule service stop task failed");
    }
}

/// Stops the transaction check-back service before the store closes under it.
async fn stop_transaction_checks(service: TransactionCheckService) {
    if let Err(err) = tokio::task::spawn_blocking(move || service.stop()).await {
        error!(error = %err, "transaction check service stop task failed");
    }
}

/// Flushes and closes the store (clean shutdown: the next start needs no crash recovery).
async fn close_store(state: &Arc<State>) {
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.close_shared()).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => error!(error = %err, "store not closed cleanly; the next start recovers as after a crash"),
        Err(err) => error!(error = %err, "store close task failed"),
    }
}

/// Registers at start, every registerNameServerPeriod, and soon after each topic change.
/// First retry after a failed registration; doubles on every further failure.
const REGISTER_RETRY_FIRST: Duration = Duration::from_millis(500);

async fn register_periodically(state: Arc<State>, registrar: Arc<Registrar>) {
    if registrar.namesrv_addrs().is_empty() {
        warn!("no namesrvAddr configured: clients cannot find this broker through a name server");
        return;
    }
    // A NameServer that is not up yet (started at the same moment, or restarting) is retried
    // soon, backing off to the normal period, rather than leaving the broker unroutable for 30 s.
    let mut retry = REGISTER_RETRY_FIRST;
    state.route_changes.start_registering();
    loop {
        let epoch = state.route_changes.current();
        let wrapper = state.topics.lock().expect("topic lock").to_wrapper();
        let accepted = registrar.register_all(&wrapper).await;
        state.route_changes.registered(epoch);
        let mut period = state.config().register_period();
        if accepted < registrar.namesrv_addrs().len() {
            period = period.min(retry);
            retry = (retry * 2).min(state.config().register_period());
        } else {
            retry = REGISTER_RETRY_FIRST;
        }
        tokio::select! {
            () = tokio::time::sleep(period) => {}
            // Changes made while a registration is on its way are sent together by the next.
            () = state.route_changes.next_change() => {}
        }
    }
}

/// Drops client channels silent for longer than channelExpiredTimeout.
async fn expire_clients(state: Arc<State>) {
    loop {
        tokio::time::sleep(CLIENT_SCAN_INTERVAL).await;
        let timeout_ms = state.config().channel_expired_timeout;
        let (expired, changed) = state.clients.lock().expect("client lock").expire(now_ms(), timeout_ms);
        let handles: Vec<ConnectionHandle> = {
            let mut table = state.connections.lock().expect("connection lock");
            expired.iter().filter_map(|id| table.remove(id)).collect()
        };
        for handle in handles {
            warn!(peer = %handle.peer_addr(), "client sent no heartbeat for {timeout_ms} ms; closing its connection");
            handle.close();
        }
        for group in changed {
            state.notify_consumer_ids_changed(&group);
        }
    }
}

/// Writes consumer offsets every flushConsumerOffsetInterval when they changed.
async fn flush_offsets(state: Arc<State>) {
    loop {
        tokio::time::sleep(Duration::from_millis(state.config().flush_consumer_offset_interval)).await;
        let state = state.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let mut offsets = state.offsets.lock().expect("offset lock");
            if offsets.is_dirty() {
                offsets.persist()
            } else {
                Ok(())
            }
        })
        .await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(err)) => error!(error = %err, "consumer offsets not persisted; will retry"),
            Err(err) => error!(error = %err, "offset flush task failed"),
        }
    }
}

/// Samples the message counters every second: the rates of GET_BROKER_RUNTIME_INFO.
async fn sample_stats(state: Arc<State>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        state.stats.sample(now_ms());
    }
}

/// Removes a client's registrations when its connection closes, and tells the rest of its
/// consumer groups.
struct DropClientsOnClose {
    state: Arc<State>,
}

impl ConnectionHook for DropClientsOnClose {
    fn on_close(&self, connection: &ConnectionHandle, _reason: &CloseReason) {
        let id = connection.id().value();
        self.state.connections.lock().expect("connection lock").remove(&id);
        let changed = self.state.clients.lock().expect("client lock").connection_closed(id);
        for group in changed {
            info!(group = %group, peer = %connection.peer_addr(), "consumer left its group (connection closed)");
            self.state.notify_consumer_ids_changed(&group);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_create_persists_and_respects_the_setting() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = BrokerConfig { store_path_root_dir: dir.path().to_owned(), ..BrokerConfig::default() };
        let state = open_state(config.clone()).expect("state");
        let created = state.auto_create_topic("T", AUTO_CREATE_TOPIC, 4).expect("persisted");
        assert!(matches!(created, AutoCreate::Created(ref topic) if topic.write_queue_nums == 4));
        assert!(TopicConfigTable::open(&config).expect("reload").get("T").is_some(), "written to topics.json");
        state.config.write().expect("config lock").auto_create_topic_enable = false;
        assert_eq!(state.auto_create_topic("U", AUTO_CREATE_TOPIC, 4).expect("no I/O"), AutoCreate::NotAllowed);
        assert!(matches!(state.auto_create_topic("T", AUTO_CREATE_TOPIC, 4), Ok(AutoCreate::Existing(_))));
    }
}
