//! Request-reply between two Rust clients through a real `bolide standalone`: the requester's
//! `Producer::request` waits for the reply that a responder (a pull consumer, `Message::reply_to`
//! and a producer) sends back; the broker pushes it to the requester, which matches it by
//! correlation id. Concurrent requests each get their own reply; a request without a responder,
//! or whose reply comes too late, fails with `ClientError::RequestTimeout` and leaves nothing
//! behind.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bolide_client::{
    ClientConfig, ClientError, ConsumeFrom, Message, Producer, PullConsumer, PullConsumerOptions, SendStatus,
};
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess, TempDir};
use support::start_standalone;
use tokio::task::JoinHandle;

struct Standalone {
    _process: ServerProcess,
    _dir: TempDir,
    namesrv: String,
}

impl Standalone {
    fn start() -> Self {
        let dir = temp_dir();
        let namesrv_port = free_port();
        let process = start_standalone(namesrv_port, free_port_pair(), dir.path(), &[], "registered with name server");
        Self { _process: process, _dir: dir, namesrv: format!("127.0.0.1:{namesrv_port}") }
    }

    fn config(&self) -> ClientConfig {
        ClientConfig::new(&self.namesrv)
    }
}

/// A responder: reads `topic` from its first offset and answers each request with
/// `re: <body>`, after `slow_delay` for bodies starting with `slow`.
struct Responder {
    stop: Arc<AtomicBool>,
    replied: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Responder {
    async fn start(server: &Standalone, topic: &str, slow_delay: Duration) -> Self {
        let options =
            PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new("responders") };
        let mut consumer = PullConsumer::with_options(server.config(), options).await.expect("consumer starts");
        consumer.assign(support::routed_queues(&consumer, topic).await).await;
        let producer = Producer::start(server.config(), "responder_producer").await.expect("producer starts");
        let (stop, replied) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
        let (stopped, count) = (stop.clone(), replied.clone());
        let task = tokio::spawn(async move {
            let mut replies = tokio::task::JoinSet::new();
            while !stopped.load(Ordering::Relaxed) {
                for request in consumer.poll(Duration::from_millis(300)).await.expect("poll") {
                    // The warm-up message is not a request: it cannot be replied to.
                    let Ok(reply) =
                        Message::reply_to(&request, format!("re: {}", String::from_utf8_lossy(&request.body)))
                    else {
                        continue;
                    };
                    let (producer, count) = (producer.clone(), count.clone());
                    let delay = if request.body.starts_with(b"slow") { slow_delay } else { Duration::ZERO };
                    replies.spawn(async move {
                        tokio::time::sleep(delay).await;
                        let sent = producer.send(&reply).await.expect("the reply is pushed and stored");
                        assert_eq!(sent.status, SendStatus::SendOk);
                        count.fetch_add(1, Ordering::Relaxed);
                    });
                }
            }
            while let Some(done) = replies.join_next().await {
                done.expect("a reply task");
            }
            consumer.shutdown().await;
            producer.shutdown().await;
        });
        Self { stop, replied, task }
    }

    async fn stop(self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.expect("responder ends");
        self.replied.load(Ordering::Relaxed)
    }
}

/// A requester whose first plain send auto-creates `topic`, and the name of the broker that
/// stored it.
async fn requester(server: &Standalone, topic: &str) -> (Producer, String) {
    let producer = Producer::start(server.config(), "requester").await.expect("producer starts");
    let sent = producer.send(&Message::new(topic, "warm-up")).await.expect("the topic is created");
    (producer, sent.queue.broker_name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_and_concurrent_requests_each_get_their_own_reply() {
    let server = Standalone::start();
    let (requester, broker_name) = requester(&server, "ClientRequests").await;
    let responder = Responder::start(&server, "ClientRequests", Duration::ZERO).await;

    let reply = requester
        .request(&Message::new("ClientRequests", "ping").with_tags("ask"), Duration::from_secs(10))
        .await
        .expect("a reply comes back");
    assert_eq!(reply.body.as_ref(), b"re: ping");
    assert_eq!(reply.topic, "DefaultCluster_REPLY_TOPIC");
    assert_eq!(reply.property("MSG_TYPE"), Some("reply"));
    assert_eq!(reply.property("REPLY_TO_CLIENT"), Some(requester.client_id()));
    assert_eq!(reply.property("TTL"), Some("10000"));
    assert_eq!(reply.property("CORRELATION_ID").map(str::len), Some(36), "a UUID");
    assert!(reply.property("PUSH_REPLY_TIME").is_some(), "the broker stamps the push");
    assert!(reply.property("ARRIVE_TIME").is_some(), "the client stamps the arrival");

    // A reply of 4 KiB or more is compressed by the responder's producer and inflated here.
    let big = format!("big {}", "x".repeat(10_000));
    let reply = requester.request(&Message::new("ClientRequests", big.clone()), Duration::from_secs(10)).await;
    assert_eq!(reply.expect("a large reply").body.as_ref(), format!("re: {big}").as_bytes());

    let requests = (0..16).map(|i| {
        let requester = requester.clone();
        async move {
            let message = Message::new("ClientRequests", format!("request {i}"));
            (i, requester.request(&message, Duration::from_secs(10)).await)
        }
    });
    for (i, reply) in futures::future::join_all(requests).await {
        let reply = reply.expect("every request gets a reply");
        assert_eq!(String::from_utf8_lossy(&reply.body), format!("re: request {i}"));
    }

    let queues = bolide_client::MessageQueue::new("ClientRequests", broker_name.as_str(), 1);
    let reply = requester
        .request_to_queue(&Message::new("ClientRequests", "to queue 1"), &queues, Duration::from_secs(10))
        .await
        .expect("a reply to a request sent to one queue");
    assert_eq!(reply.body.as_ref(), b"re: to queue 1");
    assert_eq!(requester.pending_requests(), 0, "answered requests leave the table");
    assert_eq!(responder.stop().await, 19);
    requester.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_a_timely_reply_time_out_cleanly() {
    let server = Standalone::start();

    // Nobody reads this topic.
    let (requester, _) = requester(&server, "ClientNoResponder").await;
    let started = Instant::now();
    let err = requester
        .request(&Message::new("ClientNoResponder", "anyone?"), Duration::from_millis(500))
        .await
        .expect_err("no reply");
    assert!(matches!(&err, ClientError::RequestTimeout { topic, .. } if topic == "ClientNoResponder"), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(500), "waited the whole timeout");
    assert!(started.elapsed() < Duration::from_secs(3), "and not much longer");
    assert_eq!(requester.pending_requests(), 0);
    let invalid = requester.request(&Message::new("bad topic", "x"), Duration::from_secs(1)).await;
    assert!(matches!(invalid, Err(ClientError::InvalidMessage { .. })), "{invalid:?}");

    // This responder answers `slow` requests after 1.5 s: too late for a 500 ms request.
    requester.send(&Message::new("ClientSlow", "warm-up")).await.expect("the topic is created");
    let responder = Responder::start(&server, "ClientSlow", Duration::from_millis(1500)).await;
    let err = requester
        .request(&Message::new("ClientSlow", "slow one"), Duration::from_millis(500))
        .await
        .expect_err("the reply is too late");
    assert!(matches!(err, ClientError::RequestTimeout { .. }), "{err:?}");
    assert_eq!(requester.pending_requests(), 0, "a timed-out request leaves the table");

    // The late reply arrives while the next request waits; it is dropped, not mistaken for it.
    let reply = requester
        .request(&Message::new("ClientSlow", "slow two"), Duration::from_secs(10))
        .await
        .expect("a reply in time");
    assert_eq!(reply.body.as_ref(), b"re: slow two");
    assert_eq!(responder.stop().await, 2);
    requester.shutdown().await;
}
