//! Consume a topic with a push consumer in clustering mode: the group's consumers share the
//! queues, the listener runs on up to 20 batches at once, and a message the listener refuses
//! comes back later through the group's retry topic. Stops on Ctrl-C, letting calls in
//! progress finish before the offsets are persisted.
//!
//! `cargo run -p bolide-client --example push_consumer -- 127.0.0.1:9876 ExampleTopic`

use bolide_client::{
    ClientConfig, ConsumeConcurrentlyStatus, ConsumeFrom, Expression, PushConsumer, PushConsumerOptions,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let namesrv = args.next().unwrap_or_else(|| "127.0.0.1:9876".to_owned());
    let topic = args.next().unwrap_or_else(|| "ExampleTopic".to_owned());
    let mut options = PushConsumerOptions::new("example_push_group").subscribe(&topic, Expression::all());
    options.consume_from = ConsumeFrom::FirstOffset;
    let consumer =
        PushConsumer::start_concurrently(ClientConfig::new(&namesrv), options, |messages, context| async move {
            for message in &messages {
                println!(
                    "{}/{} offset {} id {} (delivery {}): {}",
                    context.queue.broker_name,
                    context.queue.queue_id,
                    message.queue_offset,
                    message.msg_id(),
                    message.reconsume_times + 1,
                    String::from_utf8_lossy(&message.body)
                );
            }
            // A message tagged `Retry` is refused once: it comes back after 1 s (delay level 1).
            if messages.iter().any(|message| message.tags() == Some("Retry") && message.reconsume_times == 0) {
                return ConsumeConcurrentlyStatus::ReconsumeLater { delay_level: 1 };
            }
            ConsumeConcurrentlyStatus::Success
        })
        .await?;
    println!("consuming {topic} as {}; Ctrl-C to stop", consumer.client_id());
    tokio::signal::ctrl_c().await?;
    consumer.shutdown().await;
    println!("stopped: {:?}", consumer.stats());
    Ok(())
}
