//! One scenario's context: unique names, the step it is at (so a timeout can say where it
//! stopped), the clients it started, and topic creation.
//!
//! Topics are created the way `mqadmin updateTopic -b` does it: UPDATE_AND_CREATE_TOPIC sent to
//! `--broker` over the remoting layer, then the NameServer is asked for the route until it lists
//! every queue. The admin scenarios use bolide-client's `AdminClient` ([`Env::admin`]).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bolide_client::admin::AdminClient;
use bolide_client::{
    ClientConfig, ConsumeConcurrentlyStatus, ConsumeContext, ConsumeFrom, ConsumeOrderlyStatus, Expression, Listener,
    Message, MessageExt, Producer, PullConsumer, PullConsumerOptions, PushConsumer, PushConsumerOptions,
};
use bolide_protocol::body::TopicRouteData;
use bolide_protocol::header::{CreateTopicRequestHeader, GetRouteInfoRequestHeader};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_remoting::{ProcessorRegistry, RemotingClient};

use crate::collect::Shared;

/// The user property every scenario stamps on its messages to recognise them.
pub const SEQ_PROPERTY: &str = "compat_seq";

/// Read and write permission of a created topic.
const PERM_READ_WRITE: i32 = 6;
const ADMIN_TIMEOUT: Duration = Duration::from_secs(5);
const ROUTE_WAIT: Duration = Duration::from_secs(15);
/// Route refresh, heartbeat and offset persistence of push consumers (as the Java program sets them).
const PUSH_REFRESH: Duration = Duration::from_secs(1);

pub struct Env {
    name: &'static str,
    namesrv: String,
    broker: String,
    run_id: String,
    topic: Option<String>,
    step: Mutex<String>,
    clients: AtomicUsize,
    producers: Mutex<Vec<Producer>>,
    push_consumers: Mutex<Vec<Arc<PushConsumer>>>,
}

impl Env {
    pub fn new(name: &'static str, namesrv: &str, broker: &str, run_id: &str, topic: Option<String>) -> Self {
        Self {
            name,
            namesrv: namesrv.to_owned(),
            broker: broker.to_owned(),
            run_id: run_id.to_owned(),
            topic,
            step: Mutex::new(String::new()),
            clients: AtomicUsize::new(0),
            producers: Mutex::new(Vec::new()),
            push_consumers: Mutex::new(Vec::new()),
        }
    }

    /// Records what the scenario is doing now.
    pub fn step(&self, text: impl Into<String>) {
        if let Ok(mut step) = self.step.lock() {
            *step = text.into();
        }
    }

    pub fn last_step(&self) -> String {
        match self.step.lock() {
            Ok(step) if !step.is_empty() => step.clone(),
            _ => "no step recorded".to_owned(),
        }
    }

    /// `s02` of `s02_send_modes`.
    fn short(&self) -> &str {
        self.name.split('_').next().unwrap_or(self.name)
    }

    /// A topic unique to this scenario, client and run.
    pub fn topic(&self, suffix: &str) -> String {
        format!("compat_{}_rust_{}{suffix}", self.short(), self.run_id)
    }

    /// A consumer group unique to this scenario, client and run.
    pub fn group(&self, suffix: &str) -> String {
        format!("compat_{}_rust_{}_cg{suffix}", self.short(), self.run_id)
    }

    /// The `--topic` the runner gave (s15).
    pub fn given_topic(&self) -> Result<&str> {
        self.topic.as_deref().context("--topic is required")
    }

    /// A client configuration with an instance name of its own, so that two clients of one
    /// process are two members of a group.
    pub fn config(&self) -> ClientConfig {
        let number = self.clients.fetch_add(1, Ordering::Relaxed) + 1;
        ClientConfig::new(&self.namesrv).with_instance_name(format!("compat-{}-{number}", self.short()))
    }

    /// A started producer, shut down when the scenario ends.
    pub async fn producer(&self) -> Result<Producer> {
        self.step("starting a producer");
        let producer = Producer::start(self.config(), self.group("_pg")).await.context("start producer")?;
        if let Ok(mut producers) = self.producers.lock() {
            producers.push(producer.clone());
        }
        Ok(producer)
    }

    /// A pull consumer of `group` that starts queues without a committed offset at their first
    /// message. The scenario shuts it down.
    pub async fn consumer(&self, group: &str) -> Result<PullConsumer> {
        self.step(format!("starting a pull consumer in {group}"));
        let options = PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new(group) };
        PullConsumer::with_options(self.config(), options).await.context("start pull consumer")
    }

    /// Push consumer settings as the other programs use them: `group` subscribed to `topic`
    /// with `expression`, starting at the first message of queues the group has no offset
    /// for, offsets persisted every second.
    pub fn push_options(&self, group: &str, topic: &str, expression: Expression) -> PushConsumerOptions {
        let mut options = PushConsumerOptions::new(group).subscribe(topic, expression);
        options.consume_from = ConsumeFrom::FirstOffset;
        options.persist_interval = PUSH_REFRESH;
        options
    }

    /// A started push consumer that hands every message to `collector` and succeeds; shut down
    /// when the scenario ends.
    pub async fn push_consumer(&self, options: PushConsumerOptions, collector: &Shared) -> Result<Arc<PushConsumer>> {
        let collector = collector.clone();
        self.push_consumer_with(options, move |messages, _context| {
            collector.add(&messages);
            async { ConsumeConcurrentlyStatus::Success }
        })
        .await
    }

    /// A started push consumer of the scenario's group subscribed to every message of `topic`,
    /// collecting what arrives.
    pub async fn collecting_consumer(&self, topic: &str) -> Result<Shared> {
        let collector = Shared::default();
        self.push_consumer(self.push_options(&self.group(""), topic, Expression::all()), &collector).await?;
        Ok(collector)
    }

    /// A started push consumer with a concurrent `listener`; shut down when the scenario ends.
    pub async fn push_consumer_with<F, Fut>(
        &self,
        options: PushConsumerOptions,
        listener: F,
    ) -> Result<Arc<PushConsumer>>
    where
        F: Fn(Vec<MessageExt>, ConsumeContext) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ConsumeConcurrentlyStatus> + Send + 'static,
    {
        self.start_push_consumer(options, Listener::Concurrent(Arc::new(listener))).await
    }

    /// A started push consumer with an orderly `listener`; shut down when the scenario ends.
    pub async fn orderly_push_consumer<F, Fut>(
        &self,
        options: PushConsumerOptions,
        listener: F,
    ) -> Result<Arc<PushConsumer>>
    where
        F: Fn(Vec<MessageExt>, ConsumeContext) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ConsumeOrderlyStatus> + Send + 'static,
    {
        self.start_push_consumer(options, Listener::Orderly(Arc::new(listener))).await
    }

    async fn start_push_consumer(&self, options: PushConsumerOptions, listener: Listener) -> Result<Arc<PushConsumer>> {
        self.step(format!("starting a push consumer in {}", options.group));
        let group = options.group.clone();
        let config = self.config().with_route_refresh_interval(PUSH_REFRESH).with_heartbeat_interval(PUSH_REFRESH);
        let consumer = PushConsumer::start(config, options, listener)
            .await
            .with_context(|| format!("start push consumer in {group}"))?;
        let consumer = Arc::new(consumer);
        if let Ok(mut consumers) = self.push_consumers.lock() {
            consumers.push(consumer.clone());
        }
        Ok(consumer)
    }

    /// Shuts down the push consumers, then the producers the scenario started.
    pub async fn shutdown(&self) {
        let consumers = self.push_consumers.lock().map(|mut list| std::mem::take(&mut *list)).unwrap_or_default();
        for consumer in consumers {
            consumer.shutdown().await;
        }
        let producers = self.producers.lock().map(|mut list| std::mem::take(&mut *list)).unwrap_or_default();
        for producer in producers {
            producer.shutdown().await;
        }
    }

    /// An admin client of the NameServer; the scenario shuts it down.
    pub fn admin(&self) -> Result<AdminClient> {
        AdminClient::new(self.config()).context("start admin client")
    }

    /// The master brokers of every cluster the NameServer knows, waiting (as long as for a
    /// route) for a broker that has just started to register.
    pub async fn masters(&self, admin: &AdminClient) -> Result<Vec<String>> {
        self.step("listing master brokers");
        let end = tokio::time::Instant::now() + ROUTE_WAIT;
        loop {
            match admin.all_masters().await {
                Ok(masters) if !masters.is_empty() => return Ok(masters),
                Ok(_) if tokio::time::Instant::now() < end => {}
                Ok(_) => bail!("the NameServer knew no master broker within {} s", ROUTE_WAIT.as_secs()),
                Err(err) if tokio::time::Instant::now() < end => self.step(format!("listing master brokers: {err}")),
                Err(err) => return Err(err).context("cluster info"),
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Whether the NameServer serves a route for `topic` now.
    pub async fn has_route(&self, topic: &str) -> Result<bool> {
        let client = RemotingClient::new(bolide_remoting::ClientConfig::default(), ProcessorRegistry::new())?;
        let route = self.route(&client, topic).await;
        client.shutdown().await;
        Ok(route.is_ok_and(|route| !route.queue_datas.is_empty()))
    }

    /// Creates `topic` with `queues` read and write queues on `--broker` and waits until the
    /// NameServer serves its route with every queue.
    pub async fn create_topic(&self, topic: &str, queues: i32) -> Result<()> {
        self.step(format!("creating topic {topic} on {}", self.broker));
        let client = RemotingClient::new(bolide_remoting::ClientConfig::default(), ProcessorRegistry::new())?;
        let result = self.create_and_wait(&client, topic, queues).await;
        client.shutdown().await;
        result
    }

    async fn create_and_wait(&self, client: &RemotingClient, topic: &str, queues: i32) -> Result<()> {
        let header = CreateTopicRequestHeader {
            topic: topic.to_owned(),
            default_topic: bolide_client::AUTO_CREATE_TOPIC.to_owned(),
            read_queue_nums: queues,
            write_queue_nums: queues,
            perm: PERM_READ_WRITE,
            topic_filter_type: "SINGLE_TAG".to_owned(),
            topic_sys_flag: Some(0),
            order: false,
            ..CreateTopicRequestHeader::default()
        };
        let request = RemotingCommand::request(RequestCode::UPDATE_AND_CREATE_TOPIC).with_header(&header);
        let response = client
            .invoke(self.broker.as_str(), request, ADMIN_TIMEOUT)
            .await
            .with_context(|| format!("create topic {topic} on broker {}", self.broker))?;
        if response.code != ResponseCode::SUCCESS.value() {
            bail!("create topic {topic} on broker {}: {}", self.broker, refusal(&response));
        }
        self.step(format!("waiting for the route of {topic}"));
        let end = tokio::time::Instant::now() + ROUTE_WAIT;
        let mut last = String::from("no answer");
        while tokio::time::Instant::now() < end {
            match self.route(client, topic).await {
                Ok(route) if route.write_queues(topic).len() == queues as usize => return Ok(()),
                Ok(route) => last = format!("route has {} queues, want {queues}", route.write_queues(topic).len()),
                Err(err) => last = format!("{err:#}"),
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        bail!("route of {topic} not served by the NameServer within {} s: {last}", ROUTE_WAIT.as_secs())
    }

    async fn route(&self, client: &RemotingClient, topic: &str) -> Result<TopicRouteData> {
        let header = GetRouteInfoRequestHeader { topic: topic.to_owned(), ..GetRouteInfoRequestHeader::default() };
        let request = RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC).with_header(&header);
        let response = client.invoke(self.namesrv.as_str(), request, ADMIN_TIMEOUT).await?;
        if response.code != ResponseCode::SUCCESS.value() {
            bail!("{}", refusal(&response));
        }
        let body = response.body.as_deref().unwrap_or(b"{}");
        Ok(bolide_protocol::json::from_slice(body)?)
    }
}

fn refusal(response: &RemotingCommand) -> String {
    let name = ResponseCode(response.code).name().unwrap_or("UNKNOWN");
    format!("{name} ({}): {}", response.code, response.remark.as_deref().unwrap_or("no remark"))
}

/// A message stamped with a sequence property.
pub fn message(topic: &str, seq: &str, body: impl Into<bytes::Bytes>) -> Message {
    Message::new(topic, body).with_property(SEQ_PROPERTY, seq)
}
