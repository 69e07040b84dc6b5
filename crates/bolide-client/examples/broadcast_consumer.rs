//! Broadcasting: every consumer of the group receives every message of the topic, and each
//! keeps its own offsets in a local file (`<dir>/<clientId>/<group>/offsets.json`, Java's
//! layout), so a restart with the same instance name continues where it stopped. Run it twice
//! with different instance names to see both receive everything.
//!
//! `cargo run -p bolide-client --example broadcast_consumer -- 127.0.0.1:9876 ExampleTopic node-1`

use bolide_client::{
    ClientConfig, ConsumeConcurrentlyStatus, Expression, MessageModel, PushConsumer, PushConsumerOptions,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let namesrv = args.next().unwrap_or_else(|| "127.0.0.1:9876".to_owned());
    let topic = args.next().unwrap_or_else(|| "ExampleTopic".to_owned());
    let instance = args.next().unwrap_or_else(|| "node-1".to_owned());
    let mut options = PushConsumerOptions::new("example_broadcast_group").subscribe(&topic, Expression::all());
    options.message_model = MessageModel::Broadcasting;
    options.offset_store_dir = Some(std::env::temp_dir().join("bolide-example-offsets"));
    let config = ClientConfig::new(&namesrv).with_instance_name(&instance);
    let consumer = PushConsumer::start_concurrently(config, options, move |messages, _context| {
        let instance = instance.clone();
        async move {
            for message in &messages {
                println!("[{instance}] {}: {}", message.msg_id(), String::from_utf8_lossy(&message.body));
            }
            ConsumeConcurrentlyStatus::Success
        }
    })
    .await?;
    println!("broadcast consumer {} started; Ctrl-C to stop", consumer.client_id());
    tokio::signal::ctrl_c().await?;
    consumer.shutdown().await;
    Ok(())
}
