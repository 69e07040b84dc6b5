//! Read a topic from its first message with a lite-pull consumer, committing as it goes, and
//! stop after 5 seconds without a new message.
//!
//! `cargo run -p bolide-client --example pull_consumer -- 127.0.0.1:9876 ExampleTopic`

use std::time::Duration;

use bolide_client::{ClientConfig, ConsumeFrom, PullConsumer, PullConsumerOptions};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let namesrv = args.next().unwrap_or_else(|| "127.0.0.1:9876".to_owned());
    let topic = args.next().unwrap_or_else(|| "ExampleTopic".to_owned());
    let options = PullConsumerOptions {
        consume_from: ConsumeFrom::FirstOffset,
        ..PullConsumerOptions::new("example_consumer_group")
    };
    let mut consumer = PullConsumer::with_options(ClientConfig::new(&namesrv), options).await?;
    let queues = consumer.queues(&topic).await?;
    println!("assigned {} queues of {topic}", queues.len());
    consumer.assign(queues).await;
    loop {
        let messages = consumer.poll(Duration::from_secs(5)).await?;
        if messages.is_empty() {
            break;
        }
        for message in &messages {
            println!(
                "{}/{} offset {} id {} tags {:?}: {}",
                message.queue.broker_name,
                message.queue.queue_id,
                message.queue_offset,
                message.msg_id(),
                message.tags(),
                String::from_utf8_lossy(&message.body)
            );
        }
        consumer.commit().await?;
    }
    consumer.shutdown().await;
    Ok(())
}
