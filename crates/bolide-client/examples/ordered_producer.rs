//! Ordered sends: every message of one order goes to the same queue (chosen by a hash of the
//! order id), so a consumer of that queue sees the order's steps in sequence.
//!
//! `cargo run -p bolide-client --example ordered_producer -- 127.0.0.1:9876`

use bolide_client::{ClientConfig, Message, Producer, SelectByHash};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let namesrv = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9876".to_owned());
    let producer = Producer::start(ClientConfig::new(&namesrv), "example_ordered_group").await?;
    for order in ["order-1", "order-2", "order-3"] {
        for step in ["created", "paid", "shipped"] {
            let message = Message::new("ExampleOrders", format!("{order} {step}")).with_keys([order]);
            let result = producer.send_with_selector(&message, &SelectByHash(order)).await?;
            println!("{order} {step:>8} -> queue {} offset {}", result.queue.queue_id, result.queue_offset);
        }
    }
    producer.shutdown().await;
    Ok(())
}
