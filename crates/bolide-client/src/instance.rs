//! The client core shared by one producer or consumer: the remoting connections, the route
//! cache with NameServer failover, and the background task that refreshes routes and sends
//! heartbeats. It is the Java client's `MQClientInstance`, one per [`crate::Producer`] or
//! [`crate::PullConsumer`].

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bolide_protocol::body::{HeartbeatData, TopicRouteData};
use bolide_protocol::header::{GetRouteInfoRequestHeader, HeartbeatRequestHeader, UnregisterClientRequestHeader};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{binary_header, LanguageCode, RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ClientConfig as RemotingConfig, ProcessorRegistry, RemotingClient};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::ClientConfig;
use crate::error::ClientError;
use crate::route::{TopicRoute, AUTO_CREATE_TOPIC};

/// Distinguishes several clients of one process in their client ids.
static INSTANCES: AtomicUsize = AtomicUsize::new(0);

pub(crate) struct Instance {
    config: ClientConfig,
    remoting: RemotingClient,
    client_id: String,
    local_ip: IpAddr,
    /// Topic → its current route. Short critical sections only; never held across `.await`.
    routes: Mutex<HashMap<String, Arc<TopicRoute>>>,
    /// Index of the NameServer that answered last: failover starts from it.
    name_server: AtomicUsize,
    /// Groups and subscriptions announced in every heartbeat.
    heartbeat: Mutex<HeartbeatData>,
    /// Broker addresses that have had at least one heartbeat from this client.
    greeted: Mutex<HashSet<String>>,
    shutdown: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Instance {
    /// Starts a client core announcing `heartbeat` (its groups), with its background task.
    /// `processors` answer the requests brokers send to this client (check-backs, replies,
    /// rebalance notices); an empty registry answers them all with "request code not supported".
    pub(crate) fn start(
        config: ClientConfig,
        heartbeat: HeartbeatData,
        processors: ProcessorRegistry,
    ) -> Result<Arc<Self>, ClientError> {
        config.validate()?;
        let remoting = RemotingClient::new(RemotingConfig::default(), processors)
            .map_err(|source| ClientError::Remoting { addr: String::new(), source })?;
        let local_ip = local_ip();
        let instance_name = match config.instance_name() {
            Some(name) => name.to_owned(),
            None => std::process::id().to_string(),
        };
        let client_id = match INSTANCES.fetch_add(1, Ordering::Relaxed) {
            0 => format!("{local_ip}@{instance_name}"),
            n => format!("{local_ip}@{instance_name}#{n}"),
        };
        let heartbeat = HeartbeatData { client_id: client_id.clone(), ..heartbeat };
        let instance = Arc::new(Self {
            config,
            remoting,
            client_id,
            local_ip,
            routes: Mutex::default(),
            name_server: AtomicUsize::new(0),
            heartbeat: Mutex::new(heartbeat),
            greeted: Mutex::default(),
            shutdown: CancellationToken::new(),
            task: Mutex::new(None),
        });
        let task = tokio::spawn(background(Arc::downgrade(&instance), instance.shutdown.clone()));
        *instance.task.lock().expect("task lock") = Some(task);
        Ok(instance)
    }

    pub(crate) fn config(&self) -> &ClientConfig {
        &self.config
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }

    pub(crate) fn local_ip(&self) -> IpAddr {
        self.local_ip
    }

    /// Sets what every request of this client carries: the language, and the configured header
    /// form when that form can carry the request.
    fn stamp(&self, request: &mut RemotingCommand) {
        request.language = LanguageCode::Rust;
        request.serialize_type = binary_header::serialize_type_for(self.config.serialize_type(), request);
    }

    /// Sends `request` to `addr` and waits for the response, whatever its code.
    pub(crate) async fn invoke(
        &self,
        addr: &str,
        mut request: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand, ClientError> {
        if self.shutdown.is_cancelled() {
            return Err(ClientError::Shutdown);
        }
        self.stamp(&mut request);
        self.remoting
            .invoke(addr, request, timeout)
            .await
            .map_err(|source| ClientError::Remoting { addr: addr.to_owned(), source })
    }

    /// Sends `request` to `addr` oneway.
    pub(crate) async fn invoke_oneway(
        &self,
        addr: &str,
        mut request: RemotingCommand,
        timeout: Duration,
    ) -> Result<(), ClientError> {
        if self.shutdown.is_cancelled() {
            return Err(ClientError::Shutdown);
        }
        self.stamp(&mut request);
        self.remoting
            .invoke_oneway(addr, request, timeout)
            .await
            .map_err(|source| ClientError::Remoting { addr: addr.to_owned(), source })
    }

    /// The cached route of `topic`, fetched first if unknown. A producer passes `auto_create`
    /// to fall back to TBW102's route for a topic no NameServer knows yet.
    pub(crate) async fn route(&self, topic: &str, auto_create: bool) -> Result<Arc<TopicRoute>, ClientError> {
        if let Some(route) = self.cached_route(topic) {
            return Ok(route);
        }
        self.update_route(topic, auto_create).await
    }

    pub(crate) fn cached_route(&self, topic: &str) -> Option<Arc<TopicRoute>> {
        self.routes.lock().expect("routes lock").get(topic).cloned()
    }

    /// Fetches `topic`'s route from the NameServers and caches it.
    pub(crate) async fn update_route(&self, topic: &str, auto_create: bool) -> Result<Arc<TopicRoute>, ClientError> {
        let route = match self.fetch_route(topic).await? {
            Some(data) => TopicRoute::new(topic, &data, false),
            None if auto_create => match self.fetch_route(AUTO_CREATE_TOPIC).await? {
                Some(data) => TopicRoute::new(topic, &data, true),
                None => return Err(ClientError::NoRoute { topic: topic.to_owned() }),
            },
            None => return Err(ClientError::NoRoute { topic: topic.to_owned() }),
        };
        let route = Arc::new(route);
        self.routes.lock().expect("routes lock").insert(topic.to_owned(), route.clone());
        self.greet_new_brokers(&route).await;
        Ok(route)
    }

    /// GET_ROUTEINFO_BY_TOPIC, trying each NameServer in turn from the last one that answered.
    /// `Ok(None)` when a NameServer says the topic does not exist.
    async fn fetch_route(&self, topic: &str) -> Result<Option<TopicRouteData>, ClientError> {
        let servers = self.config.name_servers();
        let first = self.name_server.load(Ordering::Relaxed);
        let mut last_error = None;
        for step in 0..servers.len() {
            let index = (first + step) % servers.len();
            let addr = &servers[index];
            let header = GetRouteInfoRequestHeader { topic: topic.to_owned(), ..Default::default() };
            let request = RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC).with_header(&header);
            match self.invoke(addr, request, self.config.request_timeout()).await {
                Ok(response) => {
                    self.name_server.store(index, Ordering::Relaxed);
                    return match response.response_code() {
                        ResponseCode::SUCCESS => {
                            let body = response.body.unwrap_or_default();
                            let data = json::from_slice::<TopicRouteData>(&body)
                                .map_err(|source| ClientError::Json { addr: addr.clone(), source })?;
                            Ok(Some(data))
                        }
                        ResponseCode::TOPIC_NOT_EXIST => Ok(None),
                        code => Err(refusal(code, response.remark, addr)),
                    };
                }
                Err(err) => {
                    tracing::debug!(name_server = %addr, error = %err, "name server unreachable, trying the next");
                    last_error = Some(err);
                }
            }
        }
        Err(last_error.unwrap_or(ClientError::NoNameServer))
    }

    /// The master address of `broker_name`, from any cached route.
    pub(crate) fn master_addr(&self, broker_name: &str) -> Result<String, ClientError> {
        let routes = self.routes.lock().expect("routes lock");
        routes
            .values()
            .find_map(|route| route.masters.get(broker_name).cloned())
            .ok_or_else(|| ClientError::NoBrokerAddress { broker_name: broker_name.to_owned() })
    }

    /// Every master address of every cached route.
    fn broker_addrs(&self) -> HashSet<String> {
        let routes = self.routes.lock().expect("routes lock");
        routes.values().flat_map(|route| route.masters.values().cloned()).collect()
    }

    /// Re-fetches every cached route (keeping the TBW102 stand-in until the topic exists).
    async fn refresh_routes(&self) {
        let topics: Vec<(String, bool)> = {
            let routes = self.routes.lock().expect("routes lock");
            routes.iter().map(|(topic, route)| (topic.clone(), route.auto_create)).collect()
        };
        for (topic, auto_create) in topics {
            if let Err(err) = self.update_route(&topic, auto_create).await {
                tracing::warn!(%topic, error = %err, "route refresh failed; keeping the cached route");
            }
        }
    }

    async fn greet_new_brokers(&self, route: &TopicRoute) {
        let new: Vec<String> = {
            let greeted = self.greeted.lock().expect("greeted lock");
            route.masters.values().filter(|addr| !greeted.contains(*addr)).cloned().collect()
        };
        for addr in new {
            self.heartbeat_to(&addr).await;
        }
    }

    /// HEART_BEAT to every known broker.
    pub(crate) async fn send_heartbeats(&self) {
        for addr in self.broker_addrs() {
            self.heartbeat_to(&addr).await;
        }
    }

    async fn heartbeat_to(&self, addr: &str) {
        let body = json::to_vec(&*self.heartbeat.lock().expect("heartbeat lock"), KeyStyle::Fastjson);
        let request = RemotingCommand::request(RequestCode::HEART_BEAT)
            .with_header(&HeartbeatRequestHeader::default())
            .with_body(body);
        match self.invoke(addr, request, self.config.request_timeout()).await {
            Ok(response) if response.response_code() == ResponseCode::SUCCESS => {
                self.greeted.lock().expect("greeted lock").insert(addr.to_owned());
            }
            Ok(response) => {
                tracing::warn!(broker = %addr, code = %response.response_code(), remark = ?response.remark, "heartbeat refused");
            }
            Err(err) => tracing::warn!(broker = %addr, error = %err, "heartbeat failed"),
        }
    }

    /// Changes what the heartbeats announce and sends one to every known broker.
    pub(crate) async fn update_heartbeat(&self, change: impl FnOnce(&mut HeartbeatData)) {
        change(&mut self.heartbeat.lock().expect("heartbeat lock"));
        self.send_heartbeats().await;
    }

    /// UNREGISTER_CLIENT for the groups in `header` at every known broker, then stops the
    /// background task and closes the connections.
    pub(crate) async fn shutdown(&self, header: UnregisterClientRequestHeader) {
        if self.shutdown.is_cancelled() {
            return;
        }
        for addr in self.broker_addrs() {
            let header = UnregisterClientRequestHeader { client_id: self.client_id.clone(), ..header.clone() };
            let request = RemotingCommand::request(RequestCode::UNREGISTER_CLIENT).with_header(&header);
            if let Err(err) = self.invoke(&addr, request, self.config.request_timeout()).await {
                tracing::debug!(broker = %addr, error = %err, "unregister failed");
            }
        }
        self.shutdown.cancel();
        let task = self.task.lock().expect("task lock").take();
        if let Some(task) = task {
            let _ = task.await;
        }
        self.remoting.shutdown().await;
    }
}

/// An error response as a [`ClientError`].
pub(crate) fn refusal(code: ResponseCode, remark: Option<String>, addr: &str) -> ClientError {
    ClientError::Broker { code, remark: remark.unwrap_or_default(), addr: addr.to_owned() }
}

/// Refreshes routes and sends heartbeats until cancelled or the instance is dropped.
async fn background(instance: Weak<Instance>, shutdown: CancellationToken) {
    let (refresh_every, heartbeat_every) = match instance.upgrade() {
        Some(instance) => (instance.config.route_refresh_interval(), instance.config.heartbeat_interval()),
        None => return,
    };
    let start = tokio::time::Instant::now();
    let mut refresh = tokio::time::interval_at(start + refresh_every, refresh_every);
    let mut heartbeat = tokio::time::interval_at(start + heartbeat_every, heartbeat_every);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = refresh.tick() => match instance.upgrade() {
                Some(instance) => instance.refresh_routes().await,
                None => return,
            },
            _ = heartbeat.tick() => match instance.upgrade() {
                Some(instance) => instance.send_heartbeats().await,
                None => return,
            },
        }
    }
}

/// The address other hosts would see, found by "connecting" a UDP socket (no packet is sent);
/// loopback if there is no route. Used in unique message ids and the client id.
fn local_ip() -> IpAddr {
    let probe = || -> std::io::Result<IpAddr> {
        let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?;
        socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9))?;
        Ok(socket.local_addr()?.ip())
    };
    match probe() {
        Ok(ip) if !ip.is_unspecified() => ip,
        _ => IpAddr::V4(Ipv4Addr::LOCALHOST),
    }
}
