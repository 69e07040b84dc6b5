//! Cluster, broker and name server commands: clusterList, getBrokerConfig, updateBrokerConfig,
//! getNamesrvConfig, updateNamesrvConfig, updateKvConfig, deleteKvConfig, wipeWritePerm,
//! addWritePerm.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use bolide_protocol::header::{
    AddWritePermOfBrokerRequestHeader, AddWritePermOfBrokerResponseHeader, DeleteKVConfigRequestHeader,
    PutKVConfigRequestHeader, WipeWritePermOfBrokerRequestHeader, WipeWritePermOfBrokerResponseHeader,
};
use bolide_protocol::{RemotingCommand, RequestCode};
use clap::Args;
use serde_json::{json, Value};

use super::client::{json_body, ok, Admin};
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
                let version =
                    match admin.broker(addr, RemotingCommand::request(RequestCode::GET_BROKER_RUNTIME_INFO)).await {
                        Ok(response) => json_body::<Value>(&response, "runtime info")
                            .ok()
                            .and_then(|v| v["table"]["brokerVersionDesc"].as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        Err(_) => "(unreachable)".to_owned(),
                    };
                table.row(vec![cluster.clone(), name.clone(), id.to_string(), addr.clone(), version]);
            }
        }
    }
    Ok(Output::Table(table))
}

/// A `key=value` properties text as a sorted map.
fn properties(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

pub async fn get_broker_config(admin: &Admin, args: GetBrokerConfig) -> Result<Output> {
    let targets = admin.targets(args.target.broker.as_deref(), args.target.cluster.as_deref()).await?;
    let mut text = String::new();
    let mut all = serde_json::Map::new();
    for addr in &targets {
        let response =
            ok(admin.broker(addr, RemotingCommand::request(RequestCode::GET_BROKER_CONFIG)).await?, "getBrokerConfig")?;
        let settings = properties(&String::from_utf8_lossy(response.body.as_deref().unwrap_or_default()));
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
    let body = format!("{}={}\n", args.key, args.value);
    for addr in &targets {
        let request = RemotingCommand::request(RequestCode::UPDATE_BROKER_CONFIG).with_body(body.clone());
        ok(admin.broker(addr, request).await?, "updateBrokerConfig")?;
    }
    let text = targets.iter().map(|addr| format!("update broker config success, {addr}")).collect::<Vec<_>>();
    Ok(Output::Text(text.join("\n"), json!({ "key": args.key, "value": args.value, "brokers": targets })))
}

pub async fn get_namesrv_config(admin: &Admin) -> Result<Output> {
    let response =
        ok(admin.namesrv(RemotingCommand::request(RequestCode::GET_NAMESRV_CONFIG)).await?, "getNamesrvConfig")?;
    let settings = properties(&String::from_utf8_lossy(response.body.as_deref().unwrap_or_default()));
    let width = settings.keys().map(String::len).max().unwrap_or(0);
    let text = settings.iter().map(|(k, v)| format!("{k:<width$}  =  {v}")).collect::<Vec<_>>().join("\n");
    Ok(Output::Text(text, json!(settings)))
}

pub async fn update_namesrv_config(admin: &Admin, args: KeyValue) -> Result<Output> {
    let body = format!("{}={}\n", args.key, args.value);
    ok(
        admin.namesrv(RemotingCommand::request(RequestCode::UPDATE_NAMESRV_CONFIG).with_body(body)).await?,
        "updateNamesrvConfig",
    )?;
    Ok(Output::Text(
        format!("update name server config success: {}={}", args.key, args.value),
        json!({ "key": args.key, "value": args.value }),
    ))
}

pub async fn update_kv_config(admin: &Admin, args: KvConfig) -> Result<Output> {
    let header = PutKVConfigRequestHeader {
        namespace: args.namespace.clone(),
        key: args.key.clone(),
        value: args.value.clone(),
    };
    ok(
        admin.namesrv(RemotingCommand::request(RequestCode::PUT_KV_CONFIG).with_header(&header)).await?,
        "updateKvConfig",
    )?;
    Ok(Output::Text(
        "update kv config in namespace success.".to_owned(),
        json!({ "namespace": args.namespace, "key": args.key }),
    ))
}

pub async fn delete_kv_config(admin: &Admin, args: KvKey) -> Result<Output> {
    let header = DeleteKVConfigRequestHeader { namespace: args.namespace.clone(), key: args.key.clone() };
    ok(
        admin.namesrv(RemotingCommand::request(RequestCode::DELETE_KV_CONFIG).with_header(&header)).await?,
        "deleteKvConfig",
    )?;
    Ok(Output::Text(
        "delete kv config from namespace success.".to_owned(),
        json!({ "namespace": args.namespace, "key": args.key }),
    ))
}

pub async fn write_perm(admin: &Admin, args: BrokerName, add: bool) -> Result<Output> {
    let (request, what) = if add {
        let header = AddWritePermOfBrokerRequestHeader { broker_name: args.broker_name.clone() };
        (RemotingCommand::request(RequestCode::ADD_WRITE_PERM_OF_BROKER).with_header(&header), "addWritePerm")
    } else {
        let header = WipeWritePermOfBrokerRequestHeader { broker_name: args.broker_name.clone() };
        (RemotingCommand::request(RequestCode::WIPE_WRITE_PERM_OF_BROKER).with_header(&header), "wipeWritePerm")
    };
    let response = ok(admin.namesrv(request).await?, what)?;
    let count = if add {
        response.decode_header::<AddWritePermOfBrokerResponseHeader>().map(|h| h.add_topic_count)
    } else {
        response.decode_header::<WipeWritePermOfBrokerResponseHeader>().map(|h| h.wipe_topic_count)
    };
    let Ok(count) = count else {
        bail!("{what}: the name server's answer has no topic count");
    };
    let verb = if add { "add" } else { "wipe" };
    Ok(Output::Text(
        format!("{verb} write perm of broker[{}] in name server success, topic count {count}", args.broker_name),
        json!({ "brokerName": args.broker_name, "topicCount": count }),
    ))
}
