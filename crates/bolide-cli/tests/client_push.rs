//! The Rust push consumer (`bolide_client::PushConsumer`) against a real `bolide standalone`:
//! clustering and broadcasting, orderly consumption, retries and dead letters, offsets across
//! restarts (broker and local file), tag and SQL92 filters, flow control, offset resets pushed
//! by the broker, and shutdown in the middle of consumption.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bolide_client::{
    ClientConfig, ClientError, ConsumeConcurrentlyStatus, ConsumeFrom, ConsumeOrderlyStatus, Expression, Message,
    MessageExt, MessageModel, MessageQueue, Producer, PullConsumer, PullConsumerOptions, PushConsumer,
    PushConsumerOptions, SelectByHash,
};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess, TempDir};
use support::{bolide, start_standalone, WireClient};

/// A standalone server on free loopback ports with its data in a temporary folder; killed
/// (by its own PID) when dropped.
struct Standalone {
    _process: ServerProcess,
    dir: TempDir,
    namesrv: String,
    broker_port: u16,
}

impl Standalone {
    fn start(settings: &[&str]) -> Self {
        let dir = temp_dir();
        let (namesrv_port, broker_port) = (free_port(), free_port_pair());
        let data = dir.path().join("data");
        let process = start_standalone(namesrv_port, broker_port, &data, settings, "registered with name server");
        Self { _process: process, dir, namesrv: format!("127.0.0.1:{namesrv_port}"), broker_port }
    }

    fn config(&self, instance: &str) -> ClientConfig {
        ClientConfig::new(&self.namesrv).with_instance_name(instance)
    }

    fn admin_succeeds(&self, args: &[&str]) -> bool {
        let output = Command::new(bolide()).arg("admin").args(args).args(["-n", &self.namesrv]).output().expect("run");
        output.status.success()
    }

    fn admin(&self, args: &[&str]) -> String {
        let output = Command::new(bolide()).arg("admin").args(args).args(["-n", &self.namesrv]).output().expect("run");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "{args:?} failed: {}{stdout}", String::from_utf8_lossy(&output.stderr));
        stdout
    }
}

/// What a listener saw, shared with the test.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<MessageExt>>>);

impl Seen {
    fn push(&self, messages: &[MessageExt]) {
        self.0.lock().expect("seen lock").extend_from_slice(messages);
    }

    fn all(&self) -> Vec<MessageExt> {
        self.0.lock().expect("seen lock").clone()
    }

    fn len(&self) -> usize {
        self.0.lock().expect("seen lock").len()
    }

    fn bodies(&self) -> Vec<String> {
        self.all().iter().map(|message| String::from_utf8_lossy(&message.body).into_owned()).collect()
    }
}

/// A listener that records and succeeds.
fn recording(
    seen: &Seen,
) -> impl Fn(Vec<MessageExt>, bolide_client::ConsumeContext) -> futures::future::Ready<ConsumeConcurrentlyStatus> {
    let seen = seen.clone();
    move |messages, _context| {
        seen.push(&messages);
        futures::future::ready(ConsumeConcurrentlyStatus::Success)
    }
}

fn options(group: &str, topic: &str) -> PushConsumerOptions {
    let mut options = PushConsumerOptions::new(group).subscribe(topic, Expression::all());
    options.consume_from = ConsumeFrom::FirstOffset;
    options
}

async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends `count` messages `<prefix>-<i>` and waits until the NameServer knows the topic.
async fn send(server: &Standalone, topic: &str, prefix: &str, count: usize) {
    let producer = Producer::start(server.config("producer"), "push_test_producer").await.expect("producer starts");
    for i in 0..count {
        producer.send(&Message::new(topic, format!("{prefix}-{i}"))).await.expect("send");
    }
    producer.shutdown().await;
    wait_for_route(server, topic).await;
}

async fn wait_for_route(server: &Standalone, topic: &str) {
    let probe = PullConsumer::start(server.config("probe"), "route_probe").await.expect("probe");
    support::routed_queues(&probe, topic).await;
}

/// The messages of `%DLQ%<group>` (waits until there is one, up to 20 s).
async fn dead_letters(server: &Standalone, group: &str) -> Vec<MessageExt> {
    let topic = format!("%DLQ%{group}");
    wait_for_route(server, &topic).await;
    let options =
        PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new("dlq_reader") };
    let mut reader = PullConsumer::with_options(server.config("dlq"), options).await.expect("dlq reader");
    reader.assign(reader.queues(&topic).await.expect("dlq queues")).await;
    let mut dead = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while dead.is_empty() && tokio::time::Instant::now() < deadline {
        dead = reader.poll(Duration::from_secs(2)).await.expect("poll");
    }
    reader.shutdown().await;
    dead
}

fn topic_queues(consumer: &PushConsumer, topic: &str) -> Vec<MessageQueue> {
    consumer.assignment().into_iter().filter(|queue| queue.topic == topic).collect()
}

fn assert_each_once(bodies: &[String], expected: usize) {
    let distinct: HashSet<&String> = bodies.iter().collect();
    assert_eq!(distinct.len(), expected, "every message arrives");
    assert_eq!(bodies.len(), expected, "no message arrives twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clustering_consumers_share_the_queues_and_get_each_message_once() {
    let server = Standalone::start(&[]);
    send(&server, "PushShare", "warm", 1).await;
    let (seen_a, seen_b) = (Seen::default(), Seen::default());
    // From the end: the warm-up message is not read. (Had it been, B could read it again when
    // taking A's queue before A has given it up: delivery around a rebalance is at least once.)
    let mut opts = options("share", "PushShare");
    opts.consume_from = ConsumeFrom::LastOffset;
    let a =
        PushConsumer::start_concurrently(server.config("a"), opts.clone(), recording(&seen_a)).await.expect("a starts");
    let b = PushConsumer::start_concurrently(server.config("b"), opts, recording(&seen_b)).await.expect("b starts");
    wait_until("both consumers to own two queues each", Duration::from_secs(20), || {
        topic_queues(&a, "PushShare").len() == 2 && topic_queues(&b, "PushShare").len() == 2
    })
    .await;
    let mut owned = topic_queues(&a, "PushShare");
    owned.extend(topic_queues(&b, "PushShare"));
    owned.sort();
    owned.dedup();
    assert_eq!(owned.len(), 4, "the four queues are divided, none shared");
    send(&server, "PushShare", "m", 100).await;
    wait_until("100 messages", Duration::from_secs(30), || seen_a.len() + seen_b.len() >= 100).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut bodies = seen_a.bodies();
    bodies.extend(seen_b.bodies());
    assert_each_once(&bodies, 100);
    assert!(seen_a.len() > 0 && seen_b.len() > 0, "both consumers consumed: {} / {}", seen_a.len(), seen_b.len());
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasting_gives_every_consumer_every_message_and_offsets_survive_in_the_local_file() {
    let server = Standalone::start(&[]);
    send(&server, "PushBroadcast", "m", 20).await;
    let offsets_dir = server.dir.path().join("offsets");
    let broadcast = |name: &str| {
        let mut options = options("fanout", "PushBroadcast");
        options.message_model = MessageModel::Broadcasting;
        options.offset_store_dir = Some(offsets_dir.clone());
        (server.config(name), options)
    };
    let (seen_a, seen_b) = (Seen::default(), Seen::default());
    let (config, opts) = broadcast("a");
    let a = PushConsumer::start_concurrently(config, opts, recording(&seen_a)).await.expect("a starts");
    let (config, opts) = broadcast("b");
    let b = PushConsumer::start_concurrently(config, opts, recording(&seen_b)).await.expect("b starts");
    wait_until("20 messages each", Duration::from_secs(30), || seen_a.len() >= 20 && seen_b.len() >= 20).await;
    assert_each_once(&seen_a.bodies(), 20);
    assert_each_once(&seen_b.bodies(), 20);
    let client_id = a.client_id().split('#').next().expect("an id").to_owned();
    a.shutdown().await;
    b.shutdown().await;
    let file = offsets_dir.join(&client_id).join("fanout").join("offsets.json");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|err| panic!("{}: {err}", file.display()));
    assert!(text.starts_with("{\"offsetTable\":{{\"brokerName\""), "Java's layout: {text}");

    // Restarted with the same instance name, it reads only what was sent since.
    send(&server, "PushBroadcast", "late", 5).await;
    let again = Seen::default();
    let (config, opts) = broadcast("a");
    let a = PushConsumer::start_concurrently(config, opts, recording(&again)).await.expect("a restarts");
    wait_until("5 new messages", Duration::from_secs(30), || again.len() >= 5).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut bodies = again.bodies();
    bodies.sort();
    assert_eq!(bodies, ["late-0", "late-1", "late-2", "late-3", "late-4"], "nothing consumed before comes back");
    a.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orderly_consumption_keeps_each_key_in_send_order() {
    let server = Standalone::start(&[]);
    let producer = Producer::start(server.config("producer"), "ordered_producer").await.expect("producer");
    let keys = ["order-1", "order-2", "order-3", "order-4", "order-5"];
    for step in 0..20 {
        for key in keys {
            let message = Message::new("PushOrderly", format!("{key}:{step}")).with_keys([key]);
            producer.send_with_selector(&message, &SelectByHash(key)).await.expect("ordered send");
        }
    }
    wait_for_route(&server, "PushOrderly").await;
    let seen = Seen::default();
    let recorder = seen.clone();
    let suspended = Arc::new(Mutex::new(HashSet::new()));
    let suspended_once = suspended.clone();
    let mut opts = options("orderly", "PushOrderly");
    opts.consume_message_batch_max_size = 3;
    let consumer = PushConsumer::start_orderly(server.config("o"), opts, move |messages: Vec<MessageExt>, _context| {
        let (recorder, suspended_once) = (recorder.clone(), suspended_once.clone());
        async move {
            // A batch holding step 5 of a key is refused once: the same batch must come back
            // before anything after it.
            let bodies: Vec<String> = messages.iter().map(|m| String::from_utf8_lossy(&m.body).into_owned()).collect();
            let mut refused = suspended_once.lock().expect("lock");
            let fresh: Vec<&String> = bodies.iter().filter(|b| b.ends_with(":5") && !refused.contains(*b)).collect();
            if !fresh.is_empty() {
                refused.extend(fresh.into_iter().cloned());
                return ConsumeOrderlyStatus::SuspendCurrentQueueAMoment { suspend: Duration::from_millis(100) };
            }
            drop(refused);
            recorder.push(&messages);
            ConsumeOrderlyStatus::Success
        }
    })
    .await
    .expect("orderly consumer starts");
    wait_until("100 messages", Duration::from_secs(30), || seen.len() >= 100).await;
    assert_eq!(suspended.lock().expect("lock").len(), 5, "each key's step 5 was refused once");
    let mut steps: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for body in seen.bodies() {
        let (key, step) = body.split_once(':').expect("key:step");
        steps.entry(key.to_owned()).or_default().push(step.parse().expect("a number"));
    }
    for (key, order) in steps {
        assert_eq!(order, (0..20).collect::<Vec<u32>>(), "{key} arrived out of order or incomplete");
    }
    assert!(consumer.assignment().len() >= 4, "the orderly consumer locked and read the topic's queues");
    consumer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconsume_later_redelivers_through_the_retry_topic_then_the_dead_letter_queue() {
    let server = Standalone::start(&[]);
    send(&server, "PushRetry", "warm", 1).await;
    let seen = Seen::default();
    let recorder = seen.clone();
    let mut opts = options("retrying", "PushRetry");
    opts.max_reconsume_times = 2;
    let consumer =
        PushConsumer::start_concurrently(server.config("r"), opts, move |messages: Vec<MessageExt>, _context| {
            recorder.push(&messages);
            let body = String::from_utf8_lossy(&messages[0].body).into_owned();
            let status = match body.as_str() {
                // Once later at level 1 (1 s), then fine.
                "retry-once" if messages[0].reconsume_times == 0 => {
                    ConsumeConcurrentlyStatus::ReconsumeLater { delay_level: 1 }
                }
                // Never fine: dead letter after max reconsume times.
                "poison" => ConsumeConcurrentlyStatus::ReconsumeLater { delay_level: 1 },
                _ => ConsumeConcurrentlyStatus::Success,
            };
            futures::future::ready(status)
        })
        .await
        .expect("consumer starts");
    let producer = Producer::start(server.config("producer"), "retry_producer").await.expect("producer");
    let once = producer.send(&Message::new("PushRetry", "retry-once")).await.expect("send");
    let poison = producer.send(&Message::new("PushRetry", "poison")).await.expect("send");
    wait_until("the redelivery", Duration::from_secs(30), || {
        seen.all().iter().any(|m| m.body.as_ref() == b"retry-once" && m.reconsume_times == 1)
    })
    .await;
    let again = seen.all().into_iter().find(|m| m.body.as_ref() == b"retry-once" && m.reconsume_times == 1);
    let again = again.expect("redelivered");
    assert_eq!(again.topic, "PushRetry", "the original topic is restored");
    assert_eq!(again.queue.topic, "%RETRY%retrying", "it came through the retry topic");
    assert_eq!(again.msg_id(), once.msg_id, "same message id");

    // The poison message: delivered with reconsume times 0, 1, 2, then dead.
    wait_until("the poison message's three deliveries", Duration::from_secs(30), || {
        seen.all().iter().filter(|m| m.body.as_ref() == b"poison").count() >= 3
    })
    .await;
    let dead = dead_letters(&server, "retrying").await;
    assert_eq!(dead.len(), 1, "exactly the poison message is dead");
    assert_eq!(dead[0].body.as_ref(), b"poison");
    assert_eq!(dead[0].msg_id(), poison.msg_id);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let poison_deliveries = seen.all().iter().filter(|m| m.body.as_ref() == b"poison").count();
    assert_eq!(poison_deliveries, 3, "no delivery after the dead letter");
    consumer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orderly_consumption_sends_a_message_past_max_reconsume_times_to_the_dead_letter_queue() {
    let server = Standalone::start(&[]);
    send(&server, "PushOrderlyDlq", "poison", 1).await;
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let recorder = attempts.clone();
    let mut opts = options("orderly_dlq", "PushOrderlyDlq");
    opts.max_reconsume_times = 2;
    let consumer = PushConsumer::start_orderly(
        server.config("od"),
        opts,
        move |_messages: Vec<MessageExt>, context: bolide_client::ConsumeContext| {
            recorder.lock().expect("lock").push(context.attempt);
            futures::future::ready(ConsumeOrderlyStatus::SuspendCurrentQueueAMoment {
                suspend: Duration::from_millis(50),
            })
        },
    )
    .await
    .expect("consumer starts");
    let dead = dead_letters(&server, "orderly_dlq").await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body.as_ref(), b"poison-0");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(*attempts.lock().expect("lock"), [0, 1, 2], "consumed locally 3 times, then given up");
    consumer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_offsets_survive_a_restart_and_shutdown_mid_consume_leaves_no_duplicates() {
    let server = Standalone::start(&[]);
    send(&server, "PushRestart", "m", 80).await;
    let seen_first = Seen::default();
    let recorder = seen_first.clone();
    let mut opts = options("restart", "PushRestart");
    opts.consume_concurrency = 4;
    let first = PushConsumer::start_concurrently(
        server.config("first"),
        opts.clone(),
        move |messages: Vec<MessageExt>, _context| {
            let recorder = recorder.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                recorder.push(&messages);
                ConsumeConcurrentlyStatus::Success
            }
        },
    )
    .await
    .expect("first starts");
    wait_until("some messages", Duration::from_secs(30), || seen_first.len() >= 12).await;
    first.shutdown().await;
    let consumed_first = seen_first.len();
    assert!(consumed_first < 80, "shut down in the middle ({consumed_first} consumed)");

    let seen_second = Seen::default();
    let second = PushConsumer::start_concurrently(server.config("second"), opts, recording(&seen_second))
        .await
        .expect("second starts");
    wait_until("the rest", Duration::from_secs(30), || consumed_first + seen_second.len() >= 80).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut bodies = seen_first.bodies();
    bodies.extend(seen_second.bodies());
    assert_each_once(&bodies, 80);
    second.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_and_sql92_subscriptions_filter() {
    let server = Standalone::start(&["enablePropertyFilter=true"]);
    let producer = Producer::start(server.config("producer"), "filter_producer").await.expect("producer");
    for i in 0..30 {
        let tag = ["TagA", "TagB", "TagC"][i % 3];
        let message = Message::new("PushFilter", format!("{tag}-{i}")).with_tags(tag).with_property("a", i.to_string());
        producer.send(&message).await.expect("send");
    }
    wait_for_route(&server, "PushFilter").await;
    let (tagged, selected) = (Seen::default(), Seen::default());
    let mut tag_options = options("by_tag", "PushFilter");
    tag_options.subscriptions.clear();
    let tag_options = tag_options.subscribe("PushFilter", Expression::tags("TagA || TagC"));
    let by_tag =
        PushConsumer::start_concurrently(server.config("t"), tag_options, recording(&tagged)).await.expect("tag");
    let sql_options =
        options("by_sql", "PushFilter").subscribe("PushFilter", Expression::sql92("a >= 20 AND TAGS <> 'TagB'"));
    let by_sql =
        PushConsumer::start_concurrently(server.config("s"), sql_options, recording(&selected)).await.expect("sql");
    wait_until("20 tagged and 7 selected", Duration::from_secs(30), || tagged.len() >= 20 && selected.len() >= 7).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let tags: HashSet<String> = tagged.all().iter().filter_map(|m| m.tags().map(str::to_owned)).collect();
    assert_eq!(tagged.len(), 20);
    assert_eq!(tags, HashSet::from(["TagA".to_owned(), "TagC".to_owned()]));
    let mut values: Vec<u32> = selected.all().iter().map(|m| m.property("a").expect("a").parse().expect("n")).collect();
    values.sort_unstable();
    assert_eq!(values, [20, 21, 23, 24, 26, 27, 29]);
    by_tag.shutdown().await;
    by_sql.shutdown().await;
}

/// Starts a consumer of `topic` with one SQL92 subscription; the error if `start` fails.
async fn start_sql(
    server: &Standalone,
    group: &str,
    topic: &str,
    sql: &str,
    seen: &Seen,
) -> Result<PushConsumer, ClientError> {
    let mut sql_options = PushConsumerOptions::new(group).subscribe(topic, Expression::sql92(sql));
    sql_options.consume_from = ConsumeFrom::FirstOffset;
    PushConsumer::start_concurrently(server.config(group), sql_options, recording(seen)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql92_subscriptions_are_checked_by_the_brokers_at_start() {
    let server = Standalone::start(&["enablePropertyFilter=true"]);
    let producer = Producer::start(server.config("producer"), "check_producer").await.expect("producer");
    for i in 0..6 {
        producer
            .send(&Message::new("SqlCheck", format!("m-{i}")).with_property("a", i.to_string()))
            .await
            .expect("send");
    }
    producer.shutdown().await;
    wait_for_route(&server, "SqlCheck").await;
    let seen = Seen::default();

    let err = start_sql(&server, "bad_sql", "SqlCheck", "a >> 1", &seen).await.err().expect("a bad expression fails");
    assert!(
        matches!(err, ClientError::SubscriptionRefused { code: ResponseCode::SUBSCRIPTION_PARSE_FAILED, .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(text.contains("a >> 1") && text.contains("line 1, column 4"), "{text}");
    let err = start_sql(&server, "bad_sql", "SqlCheck", "a BETWEEN 3 AND 1", &seen).await.err().expect("refused");
    assert!(err.to_string().contains("less than or equal"), "{err}");

    let good = start_sql(&server, "good_sql", "SqlCheck", "a BETWEEN 2 AND 3", &seen).await.expect("a good one starts");
    wait_until("2 matching messages", Duration::from_secs(30), || seen.len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut bodies = seen.bodies();
    bodies.sort();
    assert_eq!(bodies, ["m-2", "m-3"]);
    good.shutdown().await;

    // A broker without property filtering refuses SQL92 at start, naming it.
    let plain = Standalone::start(&[]);
    send(&plain, "SqlOff", "m", 1).await;
    let err = start_sql(&plain, "off_sql", "SqlOff", "a > 1", &seen).await.err().expect("filtering is off");
    assert_eq!(err.response_code(), Some(ResponseCode::SYSTEM_ERROR), "{err}");
    assert!(err.to_string().contains("SQL92"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_control_holds_no_more_than_the_threshold_while_the_listener_blocks() {
    let server = Standalone::start(&[]);
    send(&server, "PushFlow", "m", 300).await;
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let seen = Seen::default();
    let (recorder, listener_gate) = (seen.clone(), gate.clone());
    let mut opts = options("flow", "PushFlow");
    opts.pull_batch_size = 4;
    opts.pull_threshold_for_queue = 10;
    opts.consume_concurrency = 2;
    let consumer =
        PushConsumer::start_concurrently(server.config("f"), opts, move |messages: Vec<MessageExt>, _context| {
            let (recorder, gate) = (recorder.clone(), listener_gate.clone());
            async move {
                gate.acquire().await.expect("gate open").forget();
                recorder.push(&messages);
                ConsumeConcurrentlyStatus::Success
            }
        })
        .await
        .expect("consumer starts");
    wait_until("flow control", Duration::from_secs(20), || consumer.stats().flow_control_delays > 10).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stats = consumer.stats();
    // Each of the 4 queues pulls while it holds at most 10, so it never holds more than 10 + 4.
    assert!(stats.cached_messages <= 4 * 14, "held {} messages", stats.cached_messages);
    assert!(stats.pulls < 40, "{} pulls while blocked", stats.pulls);
    assert_eq!(seen.len(), 0);
    gate.add_permits(1000);
    wait_until("all 300", Duration::from_secs(30), || seen.len() >= 300).await;
    assert_each_once(&seen.bodies(), 300);
    consumer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_offset_by_time_reaches_a_running_consumer_and_running_info_answers() {
    let server = Standalone::start(&[]);
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis();
    send(&server, "PushReset", "m", 10).await;
    let seen = Seen::default();
    let mut opts = options("resetting", "PushReset");
    // The broker resets only groups with committed offsets: persist them quickly.
    opts.persist_interval = Duration::from_millis(200);
    let consumer = PushConsumer::start_concurrently(server.config("reset"), opts, recording(&seen))
        .await
        .expect("consumer starts");
    wait_until("10 messages", Duration::from_secs(30), || seen.len() >= 10).await;
    let status = server.admin(&["consumerStatus", "-g", "resetting"]);
    assert!(status.contains("PushReset:*"), "running info lists the subscription: {status}");
    wait_until("committed offsets", Duration::from_secs(10), || {
        server.admin_succeeds(&["consumerProgress", "-g", "resetting"])
    })
    .await;
    // Back to before the first message, while the consumer runs.
    server.admin(&["resetOffsetByTime", "-g", "resetting", "-t", "PushReset", "-s", &before.to_string()]);
    wait_until("the 10 messages again", Duration::from_secs(30), || seen.len() >= 20).await;
    let mut bodies = seen.bodies();
    bodies.sort();
    bodies.dedup();
    assert_eq!(bodies.len(), 10, "the same ten, twice");
    consumer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_message_directly_hands_one_message_to_the_listener() {
    let server = Standalone::start(&[]);
    send(&server, "PushDirect", "warm", 1).await;
    let seen = Seen::default();
    // From the end: the warm-up message is not delivered.
    let mut opts = options("direct", "PushDirect");
    opts.consume_from = ConsumeFrom::LastOffset;
    let consumer =
        PushConsumer::start_concurrently(server.config("d"), opts, recording(&seen)).await.expect("consumer starts");
    let producer = Producer::start(server.config("producer"), "direct_producer").await.expect("producer");
    // Sent once the queues are taken: delivered normally once, then once more directly.
    wait_until("the queues", Duration::from_secs(10), || topic_queues(&consumer, "PushDirect").len() == 4).await;
    let sent = producer.send(&Message::new("PushDirect", "direct")).await.expect("send");
    wait_until("the normal delivery", Duration::from_secs(10), || seen.len() == 1).await;
    let (port, client_id, msg_id) = (server.broker_port, consumer.client_id().to_owned(), sent.offset_msg_id.clone());
    let response = tokio::task::spawn_blocking(move || {
        let request = RemotingCommand::request(RequestCode::CONSUME_MESSAGE_DIRECTLY)
            .with_ext("consumerGroup", "direct")
            .with_ext("clientId", client_id)
            .with_ext("msgId", msg_id)
            .with_ext("topic", "PushDirect");
        WireClient::connect(port).call(request)
    })
    .await
    .expect("call");
    assert_eq!(response.response_code(), ResponseCode::SUCCESS, "{:?}", response.remark);
    let body: serde_json::Value = serde_json::from_slice(response.body.as_deref().expect("a body")).expect("JSON");
    assert_eq!(body["consumeResult"], "CR_SUCCESS");
    assert_eq!(body["order"], false);
    assert_eq!(seen.len(), 2, "the listener got the message once more");
    assert_eq!(seen.all()[1].msg_id(), sent.msg_id);
    consumer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orderly_consumers_hand_queues_over_through_broker_locks() {
    let server = Standalone::start(&[]);
    send(&server, "PushLocks", "warm", 1).await;
    let orderly = |seen: &Seen| {
        let seen = seen.clone();
        move |messages: Vec<MessageExt>, _context: bolide_client::ConsumeContext| {
            seen.push(&messages);
            futures::future::ready(ConsumeOrderlyStatus::Success)
        }
    };
    let (seen_a, seen_b) = (Seen::default(), Seen::default());
    let mut opts = options("locks", "PushLocks");
    opts.consume_from = ConsumeFrom::LastOffset;
    let a = PushConsumer::start_orderly(server.config("a"), opts.clone(), orderly(&seen_a)).await.expect("a starts");
    wait_until("a to lock the four queues", Duration::from_secs(20), || topic_queues(&a, "PushLocks").len() == 4).await;
    // B's share is locked by A until A gives it up and unlocks it (a lock would otherwise
    // last 60 s on the broker).
    let b = PushConsumer::start_orderly(server.config("b"), opts, orderly(&seen_b)).await.expect("b starts");
    wait_until("two locked queues each", Duration::from_secs(15), || {
        topic_queues(&a, "PushLocks").len() == 2 && topic_queues(&b, "PushLocks").len() == 2
    })
    .await;
    let producer = Producer::start(server.config("producer"), "locks_producer").await.expect("producer");
    for step in 0..10 {
        for key in ["k1", "k2", "k3", "k4"] {
            let message = Message::new("PushLocks", format!("{key}:{step}"));
            producer.send_with_selector(&message, &SelectByHash(key)).await.expect("send");
        }
    }
    wait_until("40 messages", Duration::from_secs(30), || seen_a.len() + seen_b.len() >= 40).await;
    let mut bodies = seen_a.bodies();
    bodies.extend(seen_b.bodies());
    assert_each_once(&bodies, 40);
    assert!(seen_a.len() > 0 && seen_b.len() > 0, "both consumed");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_group_can_start_from_a_timestamp() {
    let server = Standalone::start(&[]);
    send(&server, "PushFromTime", "old", 8).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let from = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis();
    tokio::time::sleep(Duration::from_millis(50)).await;
    send(&server, "PushFromTime", "new", 8).await;
    let seen = Seen::default();
    let mut opts = options("from_time", "PushFromTime");
    opts.consume_from = ConsumeFrom::Timestamp(i64::try_from(from).expect("ms fit"));
    let consumer =
        PushConsumer::start_concurrently(server.config("t"), opts, recording(&seen)).await.expect("consumer starts");
    wait_until("8 messages", Duration::from_secs(20), || seen.len() >= 8).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut bodies = seen.bodies();
    bodies.sort();
    let expected: Vec<String> = (0..8).map(|i| format!("new-{i}")).collect();
    assert_eq!(bodies, expected, "only what was stored after the timestamp");
    consumer.shutdown().await;
}
