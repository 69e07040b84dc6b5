//! Send a few messages with tags, keys and a user property, then shut down.
//!
//! Run against a server started with `bolide standalone`:
//! `cargo run -p bolide-client --example producer -- 127.0.0.1:9876`

use bolide_client::{ClientConfig, Message, Producer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let namesrv = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9876".to_owned());
    let producer = Producer::start(ClientConfig::new(&namesrv), "example_producer_group").await?;
    for i in 0..10 {
        let message = Message::new("ExampleTopic", format!("Hello Bolide {i}"))
            .with_tags("TagA")
            .with_keys([format!("key-{i}")])
            .with_property("origin", "examples/producer.rs");
        let result = producer.send(&message).await?;
        println!(
            "{:?} msg_id={} queue={}/{} offset={}",
            result.status, result.msg_id, result.queue.broker_name, result.queue.queue_id, result.queue_offset
        );
    }
    // Fire-and-forget: no answer, no retry.
    producer.send_oneway(&Message::new("ExampleTopic", "oneway")).await?;
    producer.shutdown().await;
    Ok(())
}
