//! Cluster, broker and name server commands: clusterList, getBrokerConfig, updateBrokerConfig,
//! getNamesrvConfig, updateNamesrvConfig, updateKvConfig, deleteKvConfig, wipeWritePerm,
//! addWritePerm.

use anyhow::Result;
use bolide_client::ClientError;
use clap::Args;
use serde_json::{json, Value};

use super::client::{Admin, OrFail};
use super::output::{Output, Table};
use super::Target;

#[derive(Args)]
pub struct ClusterList {
    /// Only this cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
}

#[derive(Args)]
pub struct GetBrokerConfig {
    #[command(flatten)]
    target: Target,
}

#[derive(Args)]
pub struct UpdateBrokerConfig {
    #[command(flatten)]
    target: Target,
    /// Setting name (broker.conf key).
    #[arg(short = 'k', long = "key")]
    key: String,
    /// New value.
    #[arg(short = 'v', long = "value")]
    value: String,
}

#[derive(Args)]
pub struct KeyValue {
    /// Setting name.
    #[arg(short = 'k', long = "key")]
    key: String,
    /// New value.
    #[arg(short = 'v', long = "value")]
    value: String,
}

#[derive(Args)]
pub struct KvConfig {
    /// Namespace.
    #[arg(short = 's', long = "namespace")]
    namespace: String,
    /// Key.
    #[arg(short = 'k', long = "key")]
    key: String,
    /// Value.
    #[arg(short = 'v', long = "value")]
    value: String,
}

#[derive(Args)]
pub struct KvKey {
    /// Namespace.
    #[arg(short = 's', long = "namespace")]
    namespace: String,
    /// Key.
    #[arg(short = 'k', long = "key")]
    key: String,
}

#[derive(Args)]
pub struct BrokerName {
    /// Broker name (not address).
    #[arg(short = 'b', long = "brokerName")]
    broker_name: String,
}

pub async fn cluster_list(admin: &Admin, args: ClusterList) -> Result<Output> {
    let info = admin.cluster_info().await?;
    let mut table = Table::new(&["#Cluster Name", "#Broker Name", "#BID", "#Addr", "#Version"]);
    for (cluster, names) in &info.cluster_addr_table {
        if args.cluster.as_ref().is_some_and(|wanted| wanted != cluster) {
            continue;
        }
        for name in names {
            let Some(data) = info.broker_addr_table.get(name) else { continue };
            for (id, addr) in &data.broker_addrs {
                let version = match admin.api().broker_runtime_info(addr).await {
                    Ok(mut table) => table.remove("brokerVersionDesc").unwrap_or_default(),
                    Err(ClientError::Remoting { .. }) => "(unreachable)".to_owned(),
                    Err(_) => String::new(),
                };
                table.row(vec![cluster.clone(), name.clone(), id.to_string(), addr.clone(), version]);
            }
        }
    }
    Ok(Output::Table(table))
}

pub async fn get_broker_config(admin: &Admin, args: GetBrokerConfig) -> Result<Output> {
    let targets = admin.targets(args.target.broker.as_deref(), args.target.cluster.as_deref()).await?;
    let mut text = String::new();
    let mut all = serde_json::Map::new();
    for addr in &targets {
        let settings = admin.api().broker_config(addr).await.or_fail("getBrokerConfig")?;
        text.push_str(&format!("============{addr}============\n"));
        let width = settings.keys().map(String::len).max().unwrap_or(0);
        for (key, value) in &settings {
            text.push_str(&format!("{key:<width$}  =  {value}\n"));
        }
        all.insert(addr.clone(), json!(settings));
    }
    Ok(Output::Text(text.trim_end().to_owned(), Value::Object(all)))
}

pub async fn update_broker_config(admin: &Admin, args: UpdateBrokerConfig) -> Result<Output> {
    let targets = admin.targets(args.target.broker.as_deref(), args.target.cluster.as_deref()).await?;
    for addr in &targets {
        admin.api().update_broker_config(addr, &args.key, &args.value).await.or_fail("updateBrokerConfig")?;
    }
    let text = targets.iter().map(|addr| format!("update broker config success, {addr}")).collect::<Vec<_>>();
    Ok(Output::Text(text.join("\n"), json!({ "key": args.key, "value": args.value, "brokers": targets })))
}

pub async fn get_namesrv_config(admin: &Admin) -> Result<Output> {
    let settings = admin.api().name_server_config().await.or_fail("getNamesrvConfig")?;
    let width = settings.keys().map(String::len).max().unwrap_or(0);
    let text = settings.iter().map(|(k, v)| format!("{k:<width$}  =  {v}")).collect::<Vec<_>>().join("\n");
    Ok(Output::Text(text, json!(settings)))
}

pub async fn update_namesrv_config(admin: &Admin, args: KeyValue) -> Result<Output> {
    admin.api().update_name_server_config(&args.key, &args.value).await.or_fail("updateNamesrvConfig")?;
    Ok(Output::Text(
        format!("update name server config success: {}={}", args.key, args.value),
        json!({ "key": args.key, "value": args.value }),
    ))
}

pub async fn update_kv_config(admin: &Admin, args: KvConfig) -> Result<Output> {
    admin.api().put_kv_config(&args.namespace, &args.key, &args.value).await.or_fail("updateKvConfig")?;
    Ok(Output::Text(
        "update kv config in namespace success.".to_owned(),
        json!({ "namespace": args.namespace, "key": args.key }),
    ))
}

pub async fn delete_kv_config(admin: &Admin, args: KvKey) -> Result<Output> {
    admin.api().delete_kv_config(&args.namespace, &args.key).await.or_fail("deleteKvConfig")?;
    Ok(Output::Text(
        "delete kv config from namespace success.".to_owned(),
        json!({ "namespace": args.namespace, "key": args.key }),
    ))
}

pub async fn write_perm(admin: &Admin, args: BrokerName, add: bool) -> Result<Output> {
    let count = if add {
        admin.api().add_write_perm(&args.broker_name).await.or_fail("addWritePerm")?
    } else {
        admin.api().wipe_write_perm(&args.broker_name).await.or_fail("wipeWritePerm")?
    };
    let verb = if add { "add" } else { "wipe" };
    Ok(Output::Text(
        format!("{verb} write perm of broker[{}] in name server success, topic count {count}", args.broker_name),
        json!({ "brokerName": args.broker_name, "topicCount": count }),
    ))
}
