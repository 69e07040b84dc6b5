//! Operations with `AdminClient`: list the clusters and their brokers, list the topics, create a
//! topic on every master of a cluster.
//!
//! Run against a server started with `bolide standalone`:
//! `cargo run -p bolide-client --example admin -- 127.0.0.1:9876 DefaultCluster ExampleAdminTopic`

use bolide_client::admin::{AdminClient, TopicConfig};
use bolide_client::ClientConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let namesrv = args.next().unwrap_or_else(|| "127.0.0.1:9876".to_owned());
    let cluster = args.next().unwrap_or_else(|| "DefaultCluster".to_owned());
    let topic = args.next().unwrap_or_else(|| "ExampleAdminTopic".to_owned());
    let admin = AdminClient::new(ClientConfig::new(&namesrv))?;

    let info = admin.cluster_info().await?;
    for (name, brokers) in &info.cluster_addr_table {
        for broker in brokers {
            let addrs = info.broker_addr_table.get(broker).map(|data| data.broker_addrs.clone()).unwrap_or_default();
            println!("cluster {name}: broker {broker} {addrs:?}");
        }
    }
    println!("topics: {:?}", admin.topic_list().await?);

    let config =
        TopicConfig { topic_name: topic.clone(), read_queue_nums: 4, write_queue_nums: 4, ..TopicConfig::default() };
    for (broker_name, addr) in admin.cluster_masters(&cluster).await? {
        admin.create_topic(&addr, &config, None).await?;
        println!("created {topic} on {broker_name} ({addr})");
    }
    admin.shutdown().await;
    Ok(())
}
