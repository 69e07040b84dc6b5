//! Topic commands: updateTopic, deleteTopic, topicList, topicRoute, topicClusterList,
//! updateTopicPerm.

use std::collections::BTreeSet;

use anyhow::{bail, Result};
use bolide_client::admin::TopicConfig;
use clap::Args;
use serde_json::json;

use super::client::{Admin, OrFail};
use super::output::{Output, Table};
use super::Target;

#[derive(Args)]
pub struct UpdateTopic {
    #[command(flatten)]
    target: Target,
    /// Topic name.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Read queues.
    #[arg(short = 'r', long = "readQueueNums", default_value_t = 8)]
    read_queue_nums: i32,
    /// Write queues.
    #[arg(short = 'w', long = "writeQueueNums", default_value_t = 8)]
    write_queue_nums: i32,
    /// Permission: 2 write, 4 read, 6 read and write.
    #[arg(short = 'p', long = "perm", default_value_t = 6)]
    perm: i32,
    /// Ordered topic.
    #[arg(short = 'o', long = "order", action = clap::ArgAction::Set, default_value_t = false)]
    order: bool,
    /// Attributes, `+key=value,-key`.
    #[arg(short = 'a', long = "attributes")]
    attributes: Option<String>,
}

#[derive(Args)]
pub struct DeleteTopic {
    /// Topic name.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Cluster whose masters drop the topic.
    #[arg(short = 'c', long = "clusterName")]
    cluster: String,
}

#[derive(Args)]
pub struct TopicListArgs {
    /// Also show each topic's cluster and consumer groups.
    #[arg(short = 'c', long = "clusterModel", default_value_t = false)]
    cluster_model: bool,
}

#[derive(Args)]
pub struct TopicArg {
    /// Topic name.
    #[arg(short = 't', long = "topic")]
    pub topic: String,
}

#[derive(Args)]
pub struct UpdateTopicPerm {
    #[command(flatten)]
    target: Target,
    /// Topic name.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Permission: 2 write, 4 read, 6 read and write.
    #[arg(short = 'p', long = "perm")]
    perm: i32,
}

fn check_perm(perm: i32) -> Result<()> {
    if !matches!(perm, 2 | 4 | 6) {
        bail!("-p must be 2 (write), 4 (read) or 6 (read and write), not {perm}");
    }
    Ok(())
}

pub async fn update_topic(admin: &Admin, args: UpdateTopic) -> Result<Output> {
    check_perm(args.perm)?;
    if !(1..=1024).contains(&args.read_queue_nums) || !(1..=1024).contains(&args.write_queue_nums) {
        bail!("-r and -w must be between 1 and 1024");
    }
    let config = TopicConfig {
        topic_name: args.topic.clone(),
        read_queue_nums: args.read_queue_nums,
        write_queue_nums: args.write_queue_nums,
        perm: args.perm,
        order: args.order,
        ..TopicConfig::default()
    };
    let targets = admin.targets(args.target.broker.as_deref(), args.target.cluster.as_deref()).await?;
    let mut done = Vec::new();
    for addr in &targets {
        admin.api().create_topic(addr, &config, args.attributes.as_deref()).await.or_fail("updateTopic")?;
        done.push(addr.clone());
    }
    let text = done.iter().map(|addr| format!("create topic to {addr} success.")).collect::<Vec<_>>().join("\n");
    Ok(Output::Text(format!("{text}\n{}", describe(&config)), json!({ "topic": args.topic, "brokers": done })))
}

fn describe(config: &TopicConfig) -> String {
    format!(
        "TopicConfig [topicName={}, readQueueNums={}, writeQueueNums={}, perm={}, order={}]",
        config.topic_name,
        config.read_queue_nums,
        config.write_queue_nums,
        perm_text(config.perm),
        config.order
    )
}

fn perm_text(perm: i32) -> String {
    format!(
        "{}{}{}",
        if perm & 4 != 0 { "R" } else { "-" },
        if perm & 2 != 0 { "W" } else { "-" },
        if perm & 1 != 0 { "X" } else { "-" }
    )
}

pub async fn delete_topic(admin: &Admin, args: DeleteTopic) -> Result<Output> {
    let masters = admin.cluster_masters(&args.cluster).await?;
    for (_, addr) in &masters {
        admin.api().delete_topic_in_broker(addr, &args.topic).await.or_fail("delete topic in broker")?;
    }
    admin.api().delete_topic_in_name_server(&args.topic).await.or_fail("delete topic in name server")?;
    Ok(Output::Text(
        format!(
            "delete topic [{}] from cluster [{}] success.\ndelete topic [{}] from NameServer success.",
            args.topic, args.cluster, args.topic
        ),
        json!({ "topic": args.topic, "cluster": args.cluster, "deleted": true }),
    ))
}

pub async fn topic_list(admin: &Admin, args: TopicListArgs) -> Result<Output> {
    let topics = admin.api().topic_list().await.or_fail("topic list")?;
    if !args.cluster_model {
        let mut table = Table::new(&["#Topic"]);
        for topic in &topics {
            table.row(vec![topic.clone()]);
        }
        return Ok(Output::Table(table));
    }
    let mut table = Table::new(&["#Cluster Name", "#Topic"]);
    for topic in &topics {
        let clusters: BTreeSet<String> = match admin.route(topic).await {
            Ok(route) => route.broker_datas.iter().map(|data| data.cluster.clone()).collect(),
            Err(_) => BTreeSet::new(),
        };
        table.row(vec![clusters.into_iter().collect::<Vec<_>>().join(","), topic.clone()]);
    }
    Ok(Output::Table(table))
}

pub async fn topic_route(admin: &Admin, args: TopicArg) -> Result<Output> {
    let route = admin.route(&args.topic).await?;
    let mut table = Table::new(&["#ClusterName", "#BrokerName", "#BrokerAddrs", "#ReadQueue", "#WriteQueue", "#Perm"]);
    for queue in &route.queue_datas {
        let data = route.broker_datas.iter().find(|data| data.broker_name == queue.broker_name);
        let addrs = data
            .map(|data| data.broker_addrs.iter().map(|(id, addr)| format!("{id}:{addr}")).collect::<Vec<_>>().join(","))
            .unwrap_or_default();
        table.row(vec![
            data.map(|data| data.cluster.clone()).unwrap_or_default(),
            queue.broker_name.clone(),
            addrs,
            queue.read_queue_nums.to_string(),
            queue.write_queue_nums.to_string(),
            perm_text(queue.perm),
        ]);
    }
    Ok(Output::Table(table))
}

pub async fn topic_cluster_list(admin: &Admin, args: TopicArg) -> Result<Output> {
    let route = admin.route(&args.topic).await?;
    let clusters: BTreeSet<String> = route.broker_datas.iter().map(|data| data.cluster.clone()).collect();
    let mut table = Table::new(&["#Cluster"]);
    for cluster in clusters {
        table.row(vec![cluster]);
    }
    Ok(Output::Table(table))
}

pub async fn update_topic_perm(admin: &Admin, args: UpdateTopicPerm) -> Result<Output> {
    check_perm(args.perm)?;
    let route = admin.route(&args.topic).await?;
    let targets = admin.targets(args.target.broker.as_deref(), args.target.cluster.as_deref()).await?;
    let mut changed = Vec::new();
    for addr in &targets {
        let Some(data) = route.broker_datas.iter().find(|data| data.broker_addrs.values().any(|a| a == addr)) else {
            continue;
        };
        let Some(queue) = route.queue_datas.iter().find(|queue| queue.broker_name == data.broker_name) else {
            continue;
        };
        let config = TopicConfig {
            topic_name: args.topic.clone(),
            read_queue_nums: queue.read_queue_nums,
            write_queue_nums: queue.write_queue_nums,
            perm: args.perm,
            topic_sys_flag: queue.topic_sys_flag,
            ..TopicConfig::default()
        };
        admin.api().create_topic(addr, &config, None).await.or_fail("updateTopicPerm")?;
        changed.push(format!(
            "update topic perm from {} to {} in {addr} success.",
            perm_text(queue.perm),
            perm_text(args.perm)
        ));
    }
    if changed.is_empty() {
        bail!("topic {} is not on the brokers named by -b/-c", args.topic);
    }
    Ok(Output::Text(changed.join("\n"), json!({ "topic": args.topic, "perm": args.perm, "brokers": targets })))
}
