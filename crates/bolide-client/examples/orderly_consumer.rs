//! Consume a topic in order: the messages of each queue reach the listener one batch at a
//! time, in queue order, while the queue is locked for this consumer on its broker. Pair it
//! with the `ordered_producer` example, which sends each order's messages to one queue.
//!
//! `cargo run -p bolide-client --example orderly_consumer -- 127.0.0.1:9876 OrderedTopic`

use std::time::Duration;

use bolide_client::{ClientConfig, ConsumeFrom, ConsumeOrderlyStatus, Expression, PushConsumer, PushConsumerOptions};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let namesrv = args.next().unwrap_or_else(|| "127.0.0.1:9876".to_owned());
    let topic = args.next().unwrap_or_else(|| "OrderedTopic".to_owned());
    let mut options = PushConsumerOptions::new("example_orderly_group").subscribe(&topic, Expression::all());
    options.consume_from = ConsumeFrom::FirstOffset;
    let consumer = PushConsumer::start_orderly(ClientConfig::new(&namesrv), options, |messages, context| async move {
        for message in &messages {
            println!(
                "queue {} offset {} keys {:?}: {}",
                context.queue.queue_id,
                message.queue_offset,
                message.keys(),
                String::from_utf8_lossy(&message.body)
            );
        }
        if messages.iter().any(|message| message.tags() == Some("Retry")) && context.attempt == 0 {
            // A batch with a message tagged `Retry` is refused once: nothing after it in the
            // queue is consumed until it succeeds.
            return ConsumeOrderlyStatus::SuspendCurrentQueueAMoment { suspend: Duration::from_millis(500) };
        }
        ConsumeOrderlyStatus::Success
    })
    .await?;
    println!("consuming {topic} in order; Ctrl-C to stop");
    tokio::signal::ctrl_c().await?;
    consumer.shutdown().await;
    Ok(())
}
