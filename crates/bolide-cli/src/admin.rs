//! `bolide admin`: operations commands with mqadmin's names and flags (`-n` name servers, `-c`
//! cluster, `-b` broker address, `-t` topic, `-g` group …). Every command prints an aligned table
//! or text, or one JSON document with `--json`; a failure is one line on stderr and exit status 1.

mod client;
mod cluster;
mod group;
mod message;
mod output;
mod query;
mod stats;
mod topic;

use std::time::Duration;

use anyhow::Result;
use clap::{Args, Subcommand};

use client::{Admin, DEFAULT_NAMESRV};
use output::Output;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  bolide admin clusterList -n 127.0.0.1:9876\n  bolide admin updateTopic -n 127.0.0.1:9876 -c DefaultCluster -t Orders -r 8 -w 8\n  bolide admin topicRoute -t Orders --json"
)]
pub struct AdminArgs {
    /// Name server addresses, `host:port;host:port` (also NAMESRV_ADDR).
    #[arg(short = 'n', long = "namesrvAddr", env = "NAMESRV_ADDR", default_value = DEFAULT_NAMESRV, global = true)]
    namesrv: String,
    /// Print one JSON document instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// Per-request timeout in milliseconds.
    #[arg(long = "timeoutMillis", default_value_t = 5_000, global = true)]
    timeout_ms: u64,
    #[command(subcommand)]
    command: AdminCommand,
}

/// Where a command acts: one broker, or every master of a cluster.
#[derive(Args, Clone)]
pub struct Target {
    /// Broker address (host:port).
    #[arg(short = 'b', long = "brokerAddr")]
    broker: Option<String>,
    /// Cluster name: every master broker of the cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
}

#[derive(Subcommand)]
#[command(rename_all = "camelCase")]
pub enum AdminCommand {
    /// Create or update a topic on a broker or on every master of a cluster.
    #[command(after_help = "Example: bolide admin updateTopic -c DefaultCluster -t Orders -r 8 -w 8 -p 6")]
    UpdateTopic(topic::UpdateTopic),
    /// Delete a topic from the brokers of a cluster and from the name servers.
    #[command(after_help = "Example: bolide admin deleteTopic -c DefaultCluster -t Orders")]
    DeleteTopic(topic::DeleteTopic),
    /// List every topic the name servers know.
    #[command(after_help = "Example: bolide admin topicList")]
    TopicList(topic::TopicListArgs),
    /// Show a topic's route: brokers and queues.
    #[command(after_help = "Example: bolide admin topicRoute -t Orders")]
    TopicRoute(topic::TopicArg),
    /// Show the clusters a topic is served by.
    #[command(after_help = "Example: bolide admin topicClusterList -t Orders")]
    TopicClusterList(topic::TopicArg),
    /// Change a topic's permission (2 write, 4 read, 6 both).
    #[command(after_help = "Example: bolide admin updateTopicPerm -c DefaultCluster -t Orders -p 4")]
    UpdateTopicPerm(topic::UpdateTopicPerm),
    /// Create or update a subscription group.
    #[command(after_help = "Example: bolide admin updateSubGroup -c DefaultCluster -g billing -r 16")]
    UpdateSubGroup(group::UpdateSubGroup),
    /// Delete a subscription group.
    #[command(after_help = "Example: bolide admin deleteSubGroup -c DefaultCluster -g billing")]
    DeleteSubGroup(group::DeleteSubGroup),
    /// Show the live consumers of a group.
    #[command(after_help = "Example: bolide admin consumerConnection -g billing")]
    ConsumerConnection(group::ConsumerConnection),
    /// Copy a group's offsets of a topic to another group.
    #[command(after_help = "Example: bolide admin cloneGroupOffset -s billing -d billing-v2 -t Orders")]
    CloneGroupOffset(group::CloneGroupOffset),
    /// Ask a group's live consumers how they are doing (subscriptions, queues).
    #[command(after_help = "Example: bolide admin consumerStatus -g billing")]
    ConsumerStatus(group::ConsumerStatus),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = "Example: bolide admin completion bash > /etc/bash_completion.d/bolide")]
    Completion {
        /// Shell.
        shell: clap_complete::Shell,
    },
    /// Show the live producers of a group.
    #[command(after_help = "Example: bolide admin producerConnection -g orders-producer -t Orders")]
    ProducerConnection(group::ProducerConnection),
    /// List the clusters and their brokers.
    #[command(after_help = "Example: bolide admin clusterList")]
    ClusterList(cluster::ClusterList),
    /// Print a broker's settings.
    #[command(after_help = "Example: bolide admin getBrokerConfig -b 127.0.0.1:10911")]
    GetBrokerConfig(cluster::GetBrokerConfig),
    /// Change one broker setting while it runs.
    #[command(
        after_help = "Example: bolide admin updateBrokerConfig -c DefaultCluster -k autoCreateTopicEnable -v false"
    )]
    UpdateBrokerConfig(cluster::UpdateBrokerConfig),
    /// Print the name servers' settings.
    #[command(after_help = "Example: bolide admin getNamesrvConfig")]
    GetNamesrvConfig,
    /// Change one name server setting on every name server.
    #[command(after_help = "Example: bolide admin updateNamesrvConfig -k scanNotActiveBrokerInterval -v 5000")]
    UpdateNamesrvConfig(cluster::KeyValue),
    /// Put a KV config entry on every name server.
    #[command(after_help = "Example: bolide admin updateKvConfig -s ORDER_TOPIC_CONFIG -k Orders -v broker-a:8")]
    UpdateKvConfig(cluster::KvConfig),
    /// Delete a KV config entry from every name server.
    #[command(after_help = "Example: bolide admin deleteKvConfig -s ORDER_TOPIC_CONFIG -k Orders")]
    DeleteKvConfig(cluster::KvKey),
    /// Take write permission away from a broker (drain it before maintenance).
    #[command(after_help = "Example: bolide admin wipeWritePerm -b broker-a")]
    WipeWritePerm(cluster::BrokerName),
    /// Give a broker its write permission back.
    #[command(after_help = "Example: bolide admin addWritePerm -b broker-a")]
    AddWritePerm(cluster::BrokerName),
    /// Send one message.
    #[command(after_help = "Example: bolide admin sendMessage -t Orders -p 'hello' -c TagA -k order-1")]
    SendMessage(message::SendMessage),
    /// Show each queue's min and max offsets and last update time.
    #[command(after_help = "Example: bolide admin topicStatus -t Orders")]
    TopicStatus(query::TopicStatus),
    /// Show a consumer group's progress and lag per queue.
    #[command(after_help = "Example: bolide admin consumerProgress -g billing")]
    ConsumerProgress(query::ConsumerProgress),
    /// Print a broker's runtime figures.
    #[command(after_help = "Example: bolide admin brokerStatus -b 127.0.0.1:10911")]
    BrokerStatus(query::BrokerStatus),
    /// Show a message by its offset message id.
    #[command(after_help = "Example: bolide admin queryMsgById -i 7F00000100002A9F0000000000000F3C")]
    QueryMsgById(query::QueryById),
    /// Find messages by key.
    #[command(after_help = "Example: bolide admin queryMsgByKey -t Orders -k order-1")]
    QueryMsgByKey(query::QueryByKey),
    /// Show a message by the client's message id.
    #[command(after_help = "Example: bolide admin queryMsgByUniqueKey -t Orders -i 7F000001658C18B4AAC2590E6B9B0000")]
    QueryMsgByUniqueKey(query::QueryByUniqueKey),
    /// Show the message at a queue offset.
    #[command(after_help = "Example: bolide admin queryMsgByOffset -t Orders -b broker-a -i 0 -o 42")]
    QueryMsgByOffset(query::QueryByOffset),
    /// Print a topic's messages between two times.
    #[command(after_help = "Example: bolide admin printMsg -t Orders -b 1700000000000")]
    PrintMsg(query::PrintMsg),
    /// Print one queue's messages between two times.
    #[command(after_help = "Example: bolide admin printMsgByQueue -t Orders -a broker-a -i 0")]
    PrintMsgByQueue(query::PrintMsgByQueue),
    /// Move a group's offsets to a time; live consumers follow.
    #[command(after_help = "Example: bolide admin resetOffsetByTime -g billing -t Orders -s 1700000000000")]
    ResetOffsetByTime(query::ResetOffsetByTime),
    /// Move a group's offsets to the end, skipping the backlog.
    #[command(after_help = "Example: bolide admin skipAccumulatedMessage -g billing -t Orders")]
    SkipAccumulatedMessage(query::SkipAccumulated),
    /// Measure send round trips to every broker.
    #[command(name = "clusterRT", after_help = "Example: bolide admin clusterRT -a 50")]
    ClusterRt(query::ClusterRt),
    /// Per topic and consumer group: backlog, messages per second in and out, messages of the last day.
    #[command(after_help = "Example: bolide admin statsAll -a")]
    StatsAll(stats::StatsAll),
    /// Read messages of a topic from an offset and print them.
    #[command(after_help = "Example: bolide admin consumeMessage -t Orders -c 10")]
    ConsumeMessage(message::ConsumeMessage),
}

pub fn main(args: AdminArgs) -> Result<()> {
    if let AdminCommand::Completion { shell } = args.command {
        let mut command = <crate::Cli as clap::CommandFactory>::command();
        clap_complete::generate(shell, &mut command, "bolide", &mut std::io::stdout());
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let admin = Admin::new(&args.namesrv, Duration::from_millis(args.timeout_ms))?;
        let result = run(&admin, args.command).await;
        admin.shutdown().await;
        result?.print(args.json);
        Ok(())
    })
}

async fn run(admin: &Admin, command: AdminCommand) -> Result<Output> {
    use AdminCommand as C;
    match command {
        C::UpdateTopic(args) => topic::update_topic(admin, args).await,
        C::DeleteTopic(args) => topic::delete_topic(admin, args).await,
        C::TopicList(args) => topic::topic_list(admin, args).await,
        C::TopicRoute(args) => topic::topic_route(admin, args).await,
        C::TopicClusterList(args) => topic::topic_cluster_list(admin, args).await,
        C::UpdateTopicPerm(args) => topic::update_topic_perm(admin, args).await,
        C::UpdateSubGroup(args) => group::update_sub_group(admin, args).await,
        C::DeleteSubGroup(args) => group::delete_sub_group(admin, args).await,
        C::ConsumerConnection(args) => group::consumer_connection(admin, args).await,
        C::ProducerConnection(args) => group::producer_connection(admin, args).await,
        C::CloneGroupOffset(args) => group::clone_group_offset(admin, args).await,
        C::ConsumerStatus(args) => group::consumer_status(admin, args).await,
        C::Completion { .. } => unreachable!("handled before connecting"),
        C::ClusterList(args) => cluster::cluster_list(admin, args).await,
        C::GetBrokerConfig(args) => cluster::get_broker_config(admin, args).await,
        C::UpdateBrokerConfig(args) => cluster::update_broker_config(admin, args).await,
        C::GetNamesrvConfig => cluster::get_namesrv_config(admin).await,
        C::UpdateNamesrvConfig(args) => cluster::update_namesrv_config(admin, args).await,
        C::UpdateKvConfig(args) => cluster::update_kv_config(admin, args).await,
        C::DeleteKvConfig(args) => cluster::delete_kv_config(admin, args).await,
        C::WipeWritePerm(args) => cluster::write_perm(admin, args, false).await,
        C::AddWritePerm(args) => cluster::write_perm(admin, args, true).await,
        C::SendMessage(args) => message::send_message(admin, args).await,
        C::ConsumeMessage(args) => message::consume_message(admin, args).await,
        C::TopicStatus(args) => query::topic_status(admin, args).await,
        C::ConsumerProgress(args) => query::consumer_progress(admin, args).await,
        C::BrokerStatus(args) => query::broker_status(admin, args).await,
        C::QueryMsgById(args) => query::query_msg_by_id(admin, args).await,
        C::QueryMsgByKey(args) => query::query_msg_by_key(admin, args).await,
        C::QueryMsgByUniqueKey(args) => query::query_msg_by_unique_key(admin, args).await,
        C::QueryMsgByOffset(args) => query::query_msg_by_offset(admin, args).await,
        C::PrintMsg(args) => query::print_msg(admin, args).await,
        C::PrintMsgByQueue(args) => query::print_msg_by_queue(admin, args).await,
        C::ResetOffsetByTime(args) => query::reset_offset_by_time(admin, args).await,
        C::SkipAccumulatedMessage(args) => query::skip_accumulated(admin, args).await,
        C::ClusterRt(args) => query::cluster_rt(admin, args).await,
        C::StatsAll(args) => stats::stats_all(admin, args).await,
    }
}
