//! Consumer and producer group commands: updateSubGroup, deleteSubGroup, consumerConnection,
//! producerConnection.

use anyhow::{bail, Result};
use bolide_client::admin::{ConsumerConnection as ConsumerConnectionBody, SubscriptionGroupConfig};
use clap::Args;
use serde_json::json;

use super::client::{explain, is_refusal, Admin, OrFail};
use super::output::{Output, Table};
use super::Target;

#[derive(Args)]
pub struct UpdateSubGroup {
    #[command(flatten)]
    target: Target,
    /// Group name.
    #[arg(short = 'g', long = "groupName")]
    group: String,
    /// Allow consumption.
    #[arg(short = 's', long = "consumeEnable")]
    consume_enable: Option<bool>,
    /// Allow consuming from the min offset.
    #[arg(short = 'm', long = "consumeFromMinEnable")]
    consume_from_min_enable: Option<bool>,
    /// Allow broadcast consumption.
    #[arg(short = 'd', long = "consumeBroadcastEnable")]
    consume_broadcast_enable: Option<bool>,
    /// Queues of the retry topic.
    #[arg(short = 'q', long = "retryQueueNums")]
    retry_queue_nums: Option<i32>,
    /// Redeliveries before the dead-letter queue.
    #[arg(short = 'r', long = "retryMaxTimes")]
    retry_max_times: Option<i32>,
    /// Broker id to consume from.
    #[arg(short = 'i', long = "brokerId")]
    broker_id: Option<i64>,
    /// Broker id to consume from when consumption is slow.
    #[arg(short = 'w', long = "whichBrokerWhenConsumeSlowly")]
    which_broker_when_consume_slowly: Option<i64>,
    /// Tell consumers when the group's members change.
    #[arg(short = 'a', long = "notifyConsumerIdsChanged")]
    notify_consumer_ids_changed: Option<bool>,
    /// Orderly consumption.
    #[arg(short = 'o', long = "consumeMessageOrderly")]
    consume_message_orderly: Option<bool>,
}

#[derive(Args)]
pub struct DeleteSubGroup {
    #[command(flatten)]
    target: Target,
    /// Group name.
    #[arg(short = 'g', long = "groupName")]
    group: String,
    /// Also remove the group's offsets.
    #[arg(short = 'r', long = "removeOffset", action = clap::ArgAction::Set, default_value_t = false)]
    remove_offset: bool,
}

#[derive(Args)]
pub struct ConsumerConnection {
    /// Consumer group.
    #[arg(short = 'g', long = "consumerGroup")]
    group: String,
    /// Ask this broker (default: a broker of the cluster that answers).
    #[arg(short = 'b', long = "brokerAddr")]
    broker: Option<String>,
}

#[derive(Args)]
pub struct ProducerConnection {
    /// Producer group.
    #[arg(short = 'g', long = "producerGroup")]
    group: String,
    /// A topic the group sends to (finds its brokers).
    #[arg(short = 't', long = "topic")]
    topic: String,
}

pub async fn update_sub_group(admin: &Admin, args: UpdateSubGroup) -> Result<Output> {
    let mut config = SubscriptionGroupConfig::new(&args.group);
    if let Some(v) = args.consume_enable {
        config.consume_enable = v;
    }
    if let Some(v) = args.consume_from_min_enable {
        config.consume_from_min_enable = v;
    }
    if let Some(v) = args.consume_broadcast_enable {
        config.consume_broadcast_enable = v;
    }
    if let Some(v) = args.retry_queue_nums {
        config.retry_queue_nums = v;
    }
    if let Some(v) = args.retry_max_times {
        config.retry_max_times = v;
    }
    if let Some(v) = args.broker_id {
        config.broker_id = v;
    }
    if let Some(v) = args.which_broker_when_consume_slowly {
        config.which_broker_when_consume_slowly = v;
    }
    if let Some(v) = args.notify_consumer_ids_changed {
        config.notify_consumer_ids_changed_enable = v;
    }
    if let Some(v) = args.consume_message_orderly {
        config.consume_message_orderly = v;
    }
    let targets = admin.targets(args.target.broker.as_deref(), args.target.cluster.as_deref()).await?;
    for addr in &targets {
        admin.api().create_subscription_group(addr, &config).await.or_fail("updateSubGroup")?;
    }
    let text = targets.iter().map(|addr| format!("create subscription group to {addr} success.")).collect::<Vec<_>>();
    Ok(Output::Text(text.join("\n"), json!({ "group": args.group, "brokers": targets })))
}

pub async fn delete_sub_group(admin: &Admin, args: DeleteSubGroup) -> Result<Output> {
    let targets = admin.targets(args.target.broker.as_deref(), args.target.cluster.as_deref()).await?;
    for addr in &targets {
        admin.api().delete_subscription_group(addr, &args.group, args.remove_offset).await.or_fail("deleteSubGroup")?;
    }
    let text =
        targets.iter().map(|addr| format!("delete subscription group [{}] from broker [{addr}] success.", args.group));
    Ok(Output::Text(text.collect::<Vec<_>>().join("\n"), json!({ "group": args.group, "brokers": targets })))
}

/// Some master of some cluster, for requests any broker can answer about its own clients.
async fn any_masters(admin: &Admin) -> Result<Vec<String>> {
    let masters = admin.api().all_masters().await.or_fail("cluster info")?;
    if masters.is_empty() {
        bail!("no broker is registered with the name server");
    }
    Ok(masters)
}

pub async fn consumer_connection(admin: &Admin, args: ConsumerConnection) -> Result<Output> {
    let brokers = match &args.broker {
        Some(addr) => vec![addr.clone()],
        None => any_masters(admin).await?,
    };
    let Some((_, body)) = live_consumers(admin, &brokers, &args.group).await? else {
        bail!("consumer group {} has no live consumer on any broker", args.group);
    };
    let mut table = Table::new(&["#", "#ClientId", "#ClientAddr", "#Language", "#Version"]);
    for (n, connection) in body.connection_set.iter().enumerate() {
        table.row(vec![
            (n + 1).to_string(),
            connection.client_id.clone(),
            connection.client_addr.clone(),
            format!("{:?}", connection.language),
            connection.version.to_string(),
        ]);
    }
    Ok(Output::Table(table))
}

pub async fn producer_connection(admin: &Admin, args: ProducerConnection) -> Result<Output> {
    let brokers = admin.topic_masters(&args.topic).await?;
    let mut table = Table::new(&["#", "#ClientId", "#ClientAddr", "#Language", "#Version"]);
    let mut n = 0;
    for (_, addr) in &brokers {
        let body = match admin.api().producer_connections(addr, &args.group).await {
            Ok(body) => body,
            Err(err) if is_refusal(&err) => continue,
            Err(err) => return Err(explain(err, "producer connections")),
        };
        for connection in &body.connection_set {
            n += 1;
            table.row(vec![
                n.to_string(),
                connection.client_id.clone(),
                connection.client_addr.clone(),
                format!("{:?}", connection.language),
                connection.version.to_string(),
            ]);
        }
    }
    if n == 0 {
        bail!("producer group {} has no live producer on the brokers of {}", args.group, args.topic);
    }
    Ok(Output::Table(table))
}

#[derive(Args)]
pub struct CloneGroupOffset {
    /// Group whose offsets are copied.
    #[arg(short = 's', long = "srcGroup")]
    src: String,
    /// Group that gets them.
    #[arg(short = 'd', long = "destGroup")]
    dest: String,
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// The source group is offline (accepted for compatibility).
    #[arg(short = 'o', long = "offline", action = clap::ArgAction::Set, default_value_t = true)]
    offline: bool,
}

#[derive(Args)]
pub struct ConsumerStatus {
    /// Consumer group.
    #[arg(short = 'g', long = "consumerGroup")]
    group: String,
    /// Only this client id.
    #[arg(short = 'i', long = "clientId")]
    client_id: Option<String>,
    /// Ask the clients for a thread dump (Java clients).
    #[arg(short = 's', long = "jstackEnable", action = clap::ArgAction::Set, default_value_t = false)]
    jstack: bool,
}

pub async fn clone_group_offset(admin: &Admin, args: CloneGroupOffset) -> Result<Output> {
    let mut brokers = Vec::new();
    for (_, addr) in admin.topic_masters(&args.topic).await? {
        admin
            .api()
            .clone_group_offset(&addr, &args.src, &args.dest, &args.topic, args.offline)
            .await
            .or_fail("cloneGroupOffset")?;
        brokers.push(addr);
    }
    Ok(Output::Text(
        format!("clone group offset success. srcGroup[{}], destGroup={}, topic[{}]", args.src, args.dest, args.topic),
        json!({ "srcGroup": args.src, "destGroup": args.dest, "topic": args.topic, "brokers": brokers }),
    ))
}

pub async fn consumer_status(admin: &Admin, args: ConsumerStatus) -> Result<Output> {
    let masters = any_masters(admin).await?;
    let Some((addr, body)) = live_consumers(admin, &masters, &args.group).await? else {
        bail!("consumer group {} has no live consumer on any broker", args.group);
    };
    let mut table = Table::new(&["#ClientId", "#Version", "#Subscriptions", "#Queues", "#Status"]);
    for connection in &body.connection_set {
        if args.client_id.as_ref().is_some_and(|wanted| wanted != &connection.client_id) {
            continue;
        }
        let running = admin.api().consumer_running_info(&addr, &args.group, &connection.client_id, args.jstack).await;
        let info = match running {
            Ok(info) => info,
            Err(bolide_client::ClientError::Broker { remark, .. }) => {
                table.row(vec![
                    connection.client_id.clone(),
                    connection.version.to_string(),
                    String::new(),
                    String::new(),
                    format!("no answer: {remark}"),
                ]);
                continue;
            }
            Err(err) => return Err(explain(err, "consumer running info")),
        };
        let subscriptions: Vec<String> =
            info.subscription_set.iter().map(|s| format!("{}:{}", s.topic, s.sub_string)).collect();
        table.row(vec![
            connection.client_id.clone(),
            connection.version.to_string(),
            subscriptions.join(" "),
            info.mq_table.len().to_string(),
            "OK".to_owned(),
        ]);
    }
    Ok(Output::Table(table))
}

/// The first of `brokers` that knows live consumers of `group`, with their connections.
async fn live_consumers(
    admin: &Admin,
    brokers: &[String],
    group: &str,
) -> Result<Option<(String, ConsumerConnectionBody)>> {
    for addr in brokers {
        match admin.api().consumer_connections(addr, group).await {
            Ok(body) => return Ok(Some((addr.clone(), body))),
            Err(err) if is_refusal(&err) => {}
            Err(err) => return Err(explain(err, "consumer connections")),
        }
    }
    Ok(None)
}
