//! The Rust client with each request header form (`ClientConfig::with_serialize_type`) against a
//! real `bolide standalone`: route queries, heartbeats, single and batch sends, pulls, offset
//! commits and queries, and consumer unregistration all work with JSON and with `ROCKETMQ`
//! binary headers (the server answers in JSON either way).

mod support;

use bolide_client::{
    ClientConfig, ConsumeFrom, Message, Producer, PullConsumer, PullConsumerOptions, SendStatus, SerializeType,
};
use bolide_testkit::{free_port, free_port_pair, temp_dir};
use support::{receive, routed_queues, start_standalone};

async fn round_trip(serialize_type: SerializeType) {
    let dir = temp_dir();
    let namesrv_port = free_port();
    let _server = start_standalone(namesrv_port, free_port_pair(), dir.path(), &[], "registered with name server");
    let config = ClientConfig::new(&format!("127.0.0.1:{namesrv_port}")).with_serialize_type(serialize_type);
    let topic = format!("Serialize{serialize_type}");

    let producer = Producer::start(config.clone(), "serialize_producer").await.expect("producer starts");
    let single = Message::new(topic.as_str(), "one").with_tags("TagA").with_keys(["k1"]).with_property("p", "v");
    let sent = producer.send(&single).await.expect("send");
    assert_eq!(sent.status, SendStatus::SendOk);
    producer.send(&Message::new(topic.as_str(), "bare")).await.expect("send without user properties");
    let batch: Vec<_> = (0..3).map(|i| Message::new(topic.as_str(), format!("batch-{i}"))).collect();
    producer.send_batch(&batch).await.expect("batch");

    let options =
        PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new("serialize_group") };
    let mut consumer = PullConsumer::with_options(config, options).await.expect("consumer starts");
    let queues = routed_queues(&consumer, &topic).await;
    consumer.assign(queues.clone()).await;
    let received = receive(&mut consumer, 5).await;
    let mut bodies: Vec<_> = received.iter().map(|m| String::from_utf8_lossy(&m.body).into_owned()).collect();
    bodies.sort();
    assert_eq!(bodies, ["bare", "batch-0", "batch-1", "batch-2", "one"], "{serialize_type}");
    let first = received.iter().find(|m| m.body.as_ref() == b"one").expect("received");
    assert_eq!(first.property("p"), Some("v"));
    assert_eq!(first.tags(), Some("TagA"));
    consumer.commit().await.expect("commit");
    let mut committed = 0;
    for queue in &queues {
        committed += consumer.committed(queue).await.expect("query").unwrap_or(0);
    }
    assert_eq!(committed, 5, "{serialize_type}");
    consumer.shutdown().await;
    producer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_headers() {
    round_trip(SerializeType::Json).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rocketmq_binary_headers() {
    round_trip(SerializeType::RocketMq).await;
}
