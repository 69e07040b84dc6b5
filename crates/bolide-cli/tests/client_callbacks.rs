//! `Producer::send_with_callback` against a real `bolide standalone`: every send's result
//! reaches its callback exactly once (successes with distinct ids that a consumer then reads,
//! and errors after shutdown), and no more sends are in flight than the configured bound.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use bolide_client::{
    ClientConfig, ClientError, ConsumeFrom, Message, Producer, ProducerOptions, PullConsumer, PullConsumerOptions,
    SendResult,
};
use bolide_testkit::{free_port, free_port_pair, temp_dir};
use support::start_standalone;
use tokio::sync::mpsc;

const TOPIC: &str = "ClientCallbacks";
const COUNT: usize = 200;
const MAX_IN_FLIGHT: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_callback_gets_its_result_within_the_in_flight_bound() {
    let dir = temp_dir();
    let namesrv_port = free_port();
    let _server = start_standalone(namesrv_port, free_port_pair(), dir.path(), &[], "registered with name server");
    let config = ClientConfig::new(&format!("127.0.0.1:{namesrv_port}"));
    let options = ProducerOptions { max_in_flight_callbacks: MAX_IN_FLIGHT, ..ProducerOptions::new("callbacks") };
    let producer = Producer::with_options(config.clone(), options).await.expect("producer starts");

    let (results, mut received) = mpsc::unbounded_channel::<(usize, Result<SendResult, ClientError>)>();
    let mut most_in_flight = 0;
    for i in 0..COUNT {
        let results = results.clone();
        let message = Message::new(TOPIC, format!("callback {i}"));
        producer
            .send_with_callback(message, move |result| results.send((i, result)).expect("the test listens"))
            .await
            .expect("the send starts");
        most_in_flight = most_in_flight.max(producer.in_flight_callbacks());
    }
    assert!((2..=MAX_IN_FLIGHT).contains(&most_in_flight), "{most_in_flight} sends in flight: overlapping, bounded");

    let mut seen = HashSet::new();
    let mut msg_ids = HashSet::new();
    while seen.len() < COUNT {
        let (i, result) = tokio::time::timeout(Duration::from_secs(20), received.recv())
            .await
            .expect("every callback runs")
            .expect("senders remain");
        assert!(seen.insert(i), "callback {i} ran twice");
        msg_ids.insert(result.expect("the send succeeds").msg_id);
    }
    assert_eq!(msg_ids.len(), COUNT);
    assert_eq!(producer.in_flight_callbacks(), 0);

    // A consumer reads each message once.
    let options = PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new("reader") };
    let mut consumer = PullConsumer::with_options(config, options).await.expect("consumer starts");
    consumer.assign(support::routed_queues(&consumer, TOPIC).await).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut read = HashSet::new();
    while read.len() < COUNT && tokio::time::Instant::now() < deadline {
        for message in consumer.poll(Duration::from_secs(1)).await.expect("poll") {
            assert!(read.insert(message.msg_id().to_owned()), "read twice");
        }
    }
    assert_eq!(read, msg_ids);
    consumer.shutdown().await;

    // Shutdown lets the callback sends in flight finish first.
    for i in 0..20 {
        let results = results.clone();
        producer
            .send_with_callback(Message::new(TOPIC, format!("last {i}")), move |result| {
                results.send((i, result)).expect("the test listens");
            })
            .await
            .expect("the send starts");
    }
    producer.shutdown().await;
    for _ in 0..20 {
        let (i, result) = received.recv().await.expect("every callback runs");
        assert!(result.is_ok(), "send {i} finished before the shutdown: {result:?}");
    }

    // After shutdown the callback gets the error; an invalid message fails before sending.
    producer
        .send_with_callback(Message::new(TOPIC, "late"), move |result| {
            results.send((COUNT, result)).expect("listening")
        })
        .await
        .expect("the send starts");
    let (_, late) = received.recv().await.expect("the callback runs");
    assert!(matches!(late, Err(ClientError::Shutdown)), "{late:?}");
    let invalid = producer.send_with_callback(Message::new("bad topic", "x"), |_| panic!("not called")).await;
    assert!(matches!(invalid, Err(ClientError::InvalidMessage { .. })), "{invalid:?}");
}
