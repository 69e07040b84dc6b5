//! The Rust client SDK (`bolide-client`) against a real `bolide standalone`: send and receive
//! byte-exact with properties, batches, ordered sends by selector, compression, seek and
//! commit. (Retries on another broker are tested with fake servers in `bolide-client`.)

mod support;

use std::time::Duration;

use bolide_client::{
    ClientConfig, ConsumeFrom, Message, MessageQueue, Producer, PullConsumer, PullConsumerOptions, SelectByHash,
    SendStatus,
};
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess, TempDir};
use support::{bolide, receive, START_TIMEOUT};

/// A standalone server on free loopback ports with its data in a temporary folder; killed
/// (by its own PID) when dropped.
struct Standalone {
    _process: ServerProcess,
    _dir: TempDir,
    namesrv: String,
}

impl Standalone {
    fn start() -> Self {
        let dir = temp_dir();
        let namesrv_port = free_port();
        let args = [
            "standalone".to_owned(),
            "--namesrv-port".to_owned(),
            namesrv_port.to_string(),
            "--broker-port".to_owned(),
            free_port_pair().to_string(),
            "--data-dir".to_owned(),
            dir.path().display().to_string(),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let process = ServerProcess::start(&bolide(), &args, &[], "registered with name server", START_TIMEOUT);
        Self { _process: process, _dir: dir, namesrv: format!("127.0.0.1:{namesrv_port}") }
    }

    fn config(&self) -> ClientConfig {
        ClientConfig::new(&self.namesrv)
    }
}

async fn consumer(server: &Standalone, group: &str) -> PullConsumer {
    let options = PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new(group) };
    PullConsumer::with_options(server.config(), options).await.expect("consumer starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_and_pull_round_trip_is_byte_exact_with_properties() {
    let server = Standalone::start();
    let producer = Producer::start(server.config(), "rt_producer").await.expect("producer starts");
    let body: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let message = Message::new("ClientRoundTrip", body.clone())
        .with_tags("TagA")
        .with_keys(["key-1", "key-2"])
        .with_property("color", "blue")
        .with_property("unicode", "é✓")
        .with_flag(7);
    let sent = producer.send(&message).await.expect("send succeeds");
    assert_eq!(sent.status, SendStatus::SendOk);
    assert_eq!(sent.queue.topic, "ClientRoundTrip");
    assert_eq!(sent.msg_id.len(), 32, "an IPv4 UNIQ_KEY");
    producer.send_oneway(&Message::new("ClientRoundTrip", "oneway")).await.expect("oneway is queued");

    let mut consumer = consumer(&server, "rt_consumer").await;
    support::routed_queues(&consumer, &sent.queue.topic).await;
    consumer.assign(vec![sent.queue.clone()]).await;
    consumer.seek(&sent.queue, sent.queue_offset).expect("assigned");
    let received = receive(&mut consumer, 1).await;
    let got = received.iter().find(|m| m.msg_id() == sent.msg_id).expect("the sent message comes back");
    assert_eq!(got.body.as_ref(), body.as_slice());
    assert_eq!(got.tags(), Some("TagA"));
    assert_eq!(got.keys(), Some("key-1 key-2"));
    assert_eq!(got.property("color"), Some("blue"));
    assert_eq!(got.property("unicode"), Some("é✓"));
    assert_eq!(got.flag, 7);
    assert_eq!(got.queue_offset, sent.queue_offset);
    assert_eq!(got.offset_msg_id, sent.offset_msg_id);
    assert_eq!(got.queue, sent.queue);

    consumer.shutdown().await;
    producer.shutdown().await;
    let closed = producer.send(&message).await;
    assert!(matches!(closed, Err(bolide_client::ClientError::Shutdown)), "{closed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_selector_ordering_and_compression_round_trip() {
    let server = Standalone::start();
    let producer = Producer::start(server.config(), "batch_producer").await.expect("producer starts");

    // A batch lands consecutively in one queue, each message with its own id and keys.
    let batch: Vec<_> =
        (0..5).map(|i| Message::new("ClientBatch", format!("batch-{i}")).with_keys([format!("k{i}")])).collect();
    let sent = producer.send_batch(&batch).await.expect("batch is stored");
    let ids: Vec<&str> = sent.msg_id.split(',').collect();
    assert_eq!(ids.len(), 5);
    let mut consumer = consumer(&server, "batch_consumer").await;
    support::routed_queues(&consumer, &sent.queue.topic).await;
    consumer.assign(vec![sent.queue.clone()]).await;
    consumer.seek(&sent.queue, sent.queue_offset).expect("assigned");
    let received = receive(&mut consumer, 5).await;
    assert_eq!(received.len(), 5);
    for (i, message) in received.iter().enumerate() {
        assert_eq!(message.body.as_ref(), format!("batch-{i}").as_bytes());
        assert_eq!(message.queue_offset, sent.queue_offset + i as u64);
        assert_eq!(message.msg_id(), ids[i]);
        assert_eq!(message.keys(), Some(format!("k{i}").as_str()));
    }

    // One selector key → one queue, in send order.
    let mut queue: Option<MessageQueue> = None;
    let mut first_offset = 0;
    for i in 0..20 {
        let message = Message::new("ClientOrdered", format!("step-{i}"));
        let sent = producer.send_with_selector(&message, &SelectByHash("order-42")).await.expect("ordered send");
        match &queue {
            None => {
                queue = Some(sent.queue.clone());
                first_offset = sent.queue_offset;
            }
            Some(queue) => assert_eq!(&sent.queue, queue, "same key, same queue"),
        }
    }
    let queue = queue.expect("sent");
    support::routed_queues(&consumer, &queue.topic).await;
    consumer.assign(vec![queue.clone()]).await;
    consumer.seek(&queue, first_offset).expect("assigned");
    let ordered = receive(&mut consumer, 20).await;
    let bodies: Vec<String> = ordered.iter().map(|m| String::from_utf8_lossy(&m.body).into_owned()).collect();
    let expected: Vec<String> = (0..20).map(|i| format!("step-{i}")).collect();
    assert_eq!(bodies, expected);

    // 64 KiB is compressed by the producer (zlib) and inflated by the consumer.
    let big: Vec<u8> = (0..65_536u32).map(|i| (i % 251) as u8 ^ (i / 4096) as u8).collect();
    let sent = producer.send(&Message::new("ClientCompressed", big.clone())).await.expect("send");
    support::routed_queues(&consumer, &sent.queue.topic).await;
    consumer.assign(vec![sent.queue.clone()]).await;
    consumer.seek(&sent.queue, sent.queue_offset).expect("assigned");
    let got = receive(&mut consumer, 1).await;
    assert_eq!(got[0].body.as_ref(), big.as_slice());
    assert_eq!(got[0].sys_flag & 0x1, 0, "the compressed bit is cleared after inflating");
    assert_eq!(got[0].sys_flag & 0x700, 0x300, "zlib type bits are kept");

    consumer.shutdown().await;
    producer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seek_and_commit_move_a_group_through_a_queue() {
    let server = Standalone::start();
    let producer = Producer::start(server.config(), "offset_producer").await.expect("producer starts");
    let first = producer.send(&Message::new("ClientOffsets", "m0")).await.expect("send");
    let queue = first.queue.clone();
    for i in 1..10 {
        producer.send_to_queue(&Message::new("ClientOffsets", format!("m{i}")), &queue).await.expect("send to queue");
    }

    let mut consumer = consumer(&server, "offset_group").await;
    support::routed_queues(&consumer, &queue.topic).await;
    let fresh = consumer.committed(&queue).await.expect("query");
    assert!(matches!(fresh, None | Some(0)), "a new group has no offset (or 0 for a queue starting at 0): {fresh:?}");
    consumer.assign(vec![queue.clone()]).await;
    // The queue's max offset counts dispatched messages: a send is acknowledged once it is in
    // the commit log, and the dispatch to the consume queue may follow a moment later (the
    // dispatch thread takes over while the first index file is created).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        consumer.seek_to_end(&queue).await.expect("seek to end");
        if consumer.position(&queue) == Some(10) || std::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(consumer.position(&queue), Some(10));
    assert!(consumer.poll(Duration::from_millis(300)).await.expect("poll").is_empty(), "nothing past the end");

    consumer.seek_to_begin(&queue).await.expect("seek to begin");
    let all = receive(&mut consumer, 10).await;
    assert_eq!(all.len(), 10);
    consumer.seek(&queue, 4).expect("assigned");
    let from_four = consumer.poll(Duration::from_secs(2)).await.expect("poll");
    assert_eq!(from_four[0].body.as_ref(), b"m4");
    consumer.seek(&queue, 6).expect("assigned");
    consumer.commit().await.expect("commit");
    assert_eq!(consumer.committed(&queue).await.expect("query"), Some(6));
    consumer.shutdown().await;

    // A new consumer of the group resumes from the committed offset.
    let mut resumed = self::consumer(&server, "offset_group").await;
    resumed.assign(vec![queue.clone()]).await;
    let rest = receive(&mut resumed, 4).await;
    let bodies: Vec<_> = rest.iter().map(|m| String::from_utf8_lossy(&m.body).into_owned()).collect();
    assert_eq!(bodies, ["m6", "m7", "m8", "m9"]);
    resumed.shutdown().await;
    producer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_of_one_group_share_the_queues() {
    let server = Standalone::start();
    let producer = Producer::start(server.config(), "share_producer").await.expect("producer starts");
    for i in 0..40 {
        producer.send(&Message::new("ClientShared", format!("s{i}"))).await.expect("send");
    }
    let mut first = consumer(&server, "share_group").await;
    support::routed_queues(&first, "ClientShared").await;
    first.subscribe("ClientShared").await.expect("subscribe");
    first.rebalance().await.expect("rebalance");
    assert_eq!(first.assignment().len(), 4, "alone, a consumer takes every queue of the auto-created topic");

    let mut second = consumer(&server, "share_group").await;
    second.subscribe("ClientShared").await.expect("subscribe");
    second.rebalance().await.expect("rebalance");
    first.rebalance().await.expect("rebalance");
    let (a, b) = (first.assignment().to_vec(), second.assignment().to_vec());
    assert_eq!((a.len(), b.len()), (2, 2), "{a:?} / {b:?}");
    assert!(a.iter().all(|queue| !b.contains(queue)), "the shares are disjoint");

    // Together they read every message once.
    let mut bodies = receive(&mut first, 20).await;
    bodies.extend(receive(&mut second, 20).await);
    let mut bodies: Vec<String> = bodies.iter().map(|m| String::from_utf8_lossy(&m.body).into_owned()).collect();
    bodies.sort();
    let mut expected: Vec<String> = (0..40).map(|i| format!("s{i}")).collect();
    expected.sort();
    assert_eq!(bodies, expected);

    first.shutdown().await;
    second.shutdown().await;
    producer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_created_by_a_send_is_routable_when_the_send_returns() {
    // As with Java's broker, the send that creates a topic is answered after the NameServer
    // learned the route: a lookup right after it must not fail.
    let server = Standalone::start();
    let producer = Producer::start(server.config(), "new_topic_producer").await.expect("producer starts");
    let lookup = consumer(&server, "new_topic_lookup").await;
    for i in 0..5 {
        let topic = format!("FreshTopic{i}");
        let sent = producer.send(&Message::new(&topic, "first")).await.expect("send creates the topic");
        assert_eq!(sent.status, SendStatus::SendOk);
        let queues = lookup.queues(&topic).await.expect("the route is known once the send returned");
        assert_eq!(queues.len(), 4, "{topic}: {queues:?}");
    }
    lookup.shutdown().await;
    producer.shutdown().await;
}
