//! Request-reply: a responder (pull consumer + producer) answers every request message with
//! `Message::reply_to`; the requester's `Producer::request` waits for the reply, which the broker
//! pushes straight back to it.
//!
//! `cargo run -p bolide-client --example request_reply -- 127.0.0.1:9876`

use std::time::Duration;

use bolide_client::{ClientConfig, ConsumeFrom, Message, Producer, PullConsumer, PullConsumerOptions};

const TOPIC: &str = "ExampleRequests";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let namesrv = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9876".to_owned());
    let config = ClientConfig::new(&namesrv);
    let requester = Producer::start(config.clone(), "example_requester").await?;
    // Make sure the topic exists before the responder looks for its queues.
    requester.send(&Message::new(TOPIC, "not a request")).await?;

    let options =
        PullConsumerOptions { consume_from: ConsumeFrom::LastOffset, ..PullConsumerOptions::new("example_responder") };
    let mut consumer = PullConsumer::with_options(config.clone(), options).await?;
    let queues = loop {
        match consumer.queues(TOPIC).await {
            Ok(queues) => break queues,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    consumer.assign(queues).await;
    let replier = Producer::start(config, "example_replier").await?;
    let responder = tokio::spawn(async move {
        for _ in 0..30 {
            for request in consumer.poll(Duration::from_millis(500)).await? {
                let Ok(reply) =
                    Message::reply_to(&request, format!("echo: {}", String::from_utf8_lossy(&request.body)))
                else {
                    continue; // not a request message
                };
                replier.send(&reply).await?;
            }
        }
        consumer.shutdown().await;
        replier.shutdown().await;
        anyhow::Ok(())
    });

    for question in ["ping", "what time is it?"] {
        let reply = requester.request(&Message::new(TOPIC, question), Duration::from_secs(5)).await?;
        println!("{question} -> {}", String::from_utf8_lossy(&reply.body));
    }
    requester.shutdown().await;
    responder.await??;
    Ok(())
}
