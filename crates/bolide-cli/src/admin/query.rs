//! Commands that read the brokers' state: topicStatus, consumerProgress, brokerStatus,
//! queryMsgById, queryMsgByKey, queryMsgByUniqueKey, queryMsgByOffset, printMsg, printMsgByQueue,
//! resetOffsetByTime, skipAccumulatedMessage, clusterRT.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Result};
use bolide_client::admin::{TopicRouteData, TopicStatsTable, TOOLS_CONSUMER_GROUP};
use bolide_client::ClientError;
use bolide_protocol::message::properties::KEYS;
use bolide_protocol::message::{stored, OffsetMessageId, StoredMessage};
use bolide_protocol::ResponseCode;
use bytes::Bytes;
use clap::Args;
use serde_json::{json, Value};

use super::client::{explain, is_refusal, Admin, OrFail};
use super::output::{Output, Table};

#[derive(Args)]
pub struct TopicStatus {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
}

#[derive(Args)]
pub struct ConsumerProgress {
    /// Consumer group.
    #[arg(short = 'g', long = "groupName")]
    group: String,
    /// Only this topic.
    #[arg(short = 't', long = "topicName")]
    topic: Option<String>,
}

#[derive(Args)]
pub struct BrokerStatus {
    /// Broker address.
    #[arg(short = 'b', long = "brokerAddr")]
    broker: Option<String>,
    /// Every broker of this cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
}

#[derive(Args)]
pub struct QueryById {
    /// Offset message id (the broker's id, 32 hex digits for IPv4).
    #[arg(short = 'i', long = "msgId")]
    msg_id: String,
}

#[derive(Args)]
pub struct QueryByKey {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Message key.
    #[arg(short = 'k', long = "msgKey")]
    key: String,
    /// Start of the time range, ms since the epoch (default 0).
    #[arg(short = 'b', long = "beginTimestamp", default_value_t = 0)]
    begin: i64,
    /// End of the time range, ms (default now).
    #[arg(short = 'e', long = "endTimestamp")]
    end: Option<i64>,
    /// Most messages.
    #[arg(short = 'c', long = "maxNum", default_value_t = 64)]
    max: i32,
}

#[derive(Args)]
pub struct QueryByUniqueKey {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// The client's message id (UNIQ_KEY).
    #[arg(short = 'i', long = "msgId")]
    msg_id: String,
}

#[derive(Args)]
pub struct QueryByOffset {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Broker name.
    #[arg(short = 'b', long = "brokerName")]
    broker_name: String,
    /// Queue id.
    #[arg(short = 'i', long = "queueId")]
    queue_id: i32,
    /// Queue offset.
    #[arg(short = 'o', long = "offset")]
    offset: i64,
}

#[derive(Args)]
pub struct PrintMsg {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Start time, ms since the epoch (default: the first message).
    #[arg(short = 'b', long = "beginTimestamp")]
    begin: Option<i64>,
    /// End time, ms (default: now).
    #[arg(short = 'e', long = "endTimestamp")]
    end: Option<i64>,
    /// Character set of the bodies (only UTF-8 is printed as text).
    #[arg(short = 'c', long = "charsetName", default_value = "UTF-8")]
    charset: String,
    /// Only this sub-expression's tag (`*` for all).
    #[arg(short = 's', long = "subExpression", default_value = "*")]
    sub_expression: String,
}

#[derive(Args)]
pub struct PrintMsgByQueue {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Broker name.
    #[arg(short = 'a', long = "brokerName")]
    broker_name: String,
    /// Queue id.
    #[arg(short = 'i', long = "queueId")]
    queue_id: i32,
    /// Start time, ms (default: the first message).
    #[arg(short = 'b', long = "beginTimestamp")]
    begin: Option<i64>,
    /// End time, ms (default: now).
    #[arg(short = 'e', long = "endTimestamp")]
    end: Option<i64>,
}

#[derive(Args)]
pub struct ResetOffsetByTime {
    /// Consumer group.
    #[arg(short = 'g', long = "group")]
    group: String,
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Time to go back to: ms since the epoch, `yyyy-MM-ddTHH:mm:ss.SSS` is not needed; `now` for the end.
    #[arg(short = 's', long = "timestamp")]
    timestamp: String,
    /// Also move offsets forward (not only back).
    #[arg(short = 'f', long = "force", action = clap::ArgAction::Set, default_value_t = true)]
    force: bool,
}

#[derive(Args)]
pub struct SkipAccumulated {
    /// Consumer group.
    #[arg(short = 'g', long = "group")]
    group: String,
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
}

#[derive(Args)]
pub struct ClusterRt {
    /// Only this cluster.
    #[arg(short = 'c', long = "cluster")]
    cluster: Option<String>,
    /// Messages sent to each broker.
    #[arg(short = 'a', long = "amount", default_value_t = 100)]
    amount: u32,
    /// Message size in bytes.
    #[arg(short = 's', long = "size", default_value_t = 128)]
    size: usize,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn time_text(ms: i64) -> String {
    if ms <= 0 {
        return "-".to_owned();
    }
    let secs = ms / 1000;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02},{:03}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        ms % 1000
    )
}

/// Days since 1970-01-01 to a (year, month, day) in the proleptic Gregorian calendar (UTC).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

async fn topic_stats(admin: &Admin, topic: &str) -> Result<Vec<(String, TopicStatsTable)>> {
    let mut out = Vec::new();
    for (name, addr) in admin.topic_masters(topic).await? {
        out.push((name, admin.api().topic_stats(&addr, topic).await.or_fail("topicStatus")?));
    }
    Ok(out)
}

pub async fn topic_status(admin: &Admin, args: TopicStatus) -> Result<Output> {
    let mut table = Table::new(&["#Broker Name", "#QID", "#Min Offset", "#Max Offset", "#Last Updated"]);
    for (_, stats) in topic_stats(admin, &args.topic).await? {
        for (queue, offsets) in stats.offset_table.iter() {
            table.row(vec![
                queue.broker_name.clone(),
                queue.queue_id.to_string(),
                offsets.min_offset.to_string(),
                offsets.max_offset.to_string(),
                time_text(offsets.last_update_timestamp),
            ]);
        }
    }
    Ok(Output::Table(table))
}

pub async fn consumer_progress(admin: &Admin, args: ConsumerProgress) -> Result<Output> {
    let info = admin.cluster_info().await?;
    let mut table =
        Table::new(&["#Topic", "#Broker Name", "#QID", "#Broker Offset", "#Consumer Offset", "#Diff", "#LastTime"]);
    let mut total = 0i64;
    let mut answered = false;
    for data in info.broker_addr_table.values() {
        let Some(addr) = data.broker_addrs.get(&0) else { continue };
        let stats = match admin.api().consume_stats(addr, &args.group, args.topic.as_deref()).await {
            Ok(stats) => stats,
            Err(err) if is_refusal(&err) => continue,
            Err(err) => return Err(explain(err, "consume stats")),
        };
        answered = true;
        for (queue, offsets) in stats.offset_table.iter() {
            let diff = offsets.broker_offset - offsets.consumer_offset;
            total += diff;
            table.row(vec![
                queue.topic.clone(),
                queue.broker_name.clone(),
                queue.queue_id.to_string(),
                offsets.broker_offset.to_string(),
                offsets.consumer_offset.to_string(),
                diff.to_string(),
                time_text(offsets.last_timestamp),
            ]);
        }
    }
    if !answered || table_is_empty(&table) {
        bail!("group {} has no consume progress on any broker: it has not consumed anything yet", args.group);
    }
    table.row(vec![
        "Diff Total:".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        total.to_string(),
        String::new(),
    ]);
    Ok(Output::Table(table))
}

fn table_is_empty(table: &Table) -> bool {
    table.len() == 0
}

pub async fn broker_status(admin: &Admin, args: BrokerStatus) -> Result<Output> {
    let targets = admin.targets(args.broker.as_deref(), args.cluster.as_deref()).await?;
    let mut text = String::new();
    let mut all = serde_json::Map::new();
    for addr in &targets {
        let table = admin.api().broker_runtime_info(addr).await.or_fail("brokerStatus")?;
        let width = table.keys().map(String::len).max().unwrap_or(0);
        if targets.len() > 1 {
            text.push_str(&format!("============{addr}============\n"));
        }
        for (key, value) in &table {
            text.push_str(&format!("{key:<width$} : {value}\n"));
        }
        all.insert(addr.clone(), json!(table));
    }
    Ok(Output::Text(text.trim_end().to_owned(), Value::Object(all)))
}

fn message_json(message: &StoredMessage<'_>) -> Value {
    let properties: serde_json::Map<String, Value> =
        bolide_protocol::message::properties::iter_bytes(message.properties())
            .map(|(name, value)| {
                (String::from_utf8_lossy(name).into_owned(), Value::String(String::from_utf8_lossy(value).into_owned()))
            })
            .collect();
    json!({
        "topic": message.topic(),
        "msgId": message.unique_key(),
        "offsetMsgId": message.offset_message_id().to_string(),
        "tags": message.tags(),
        "keys": message.property(KEYS),
        "queueId": message.queue_id(),
        "queueOffset": message.queue_offset(),
        "commitLogOffset": message.commit_log_offset(),
        "reconsumeTimes": message.reconsume_times(),
        "bornTimestamp": message.born_timestamp_ms(),
        "storeTimestamp": message.store_timestamp_ms(),
        "bornHost": message.born_host().to_string(),
        "storeHost": message.store_host().to_string(),
        "sysFlag": message.sys_flag().bits(),
        "properties": properties,
        "body": String::from_utf8_lossy(message.body()),
    })
}

fn message_text(message: &StoredMessage<'_>) -> String {
    let rows = [
        ("Topic", message.topic().to_owned()),
        ("Tags", format!("[{}]", message.tags().unwrap_or(""))),
        ("Keys", format!("[{}]", message.property(KEYS).unwrap_or(""))),
        ("Queue ID", message.queue_id().to_string()),
        ("Queue Offset", message.queue_offset().to_string()),
        ("CommitLog Offset", message.commit_log_offset().to_string()),
        ("Reconsume Times", message.reconsume_times().to_string()),
        ("Born Timestamp", time_text(message.born_timestamp_ms())),
        ("Store Timestamp", time_text(message.store_timestamp_ms())),
        ("Born Host", message.born_host().to_string()),
        ("Store Host", message.store_host().to_string()),
        ("System Flag", message.sys_flag().bits().to_string()),
        ("Properties", String::from_utf8_lossy(message.properties()).replace(['\u{1}'], "=").replace('\u{2}', ", ")),
        ("Message Body", String::from_utf8_lossy(message.body()).into_owned()),
    ];
    rows.iter().map(|(name, value)| format!("{name:<20}: {value}")).collect::<Vec<_>>().join("\n")
}

fn messages_output(body: &[u8]) -> Result<Output> {
    let mut texts = Vec::new();
    let mut values = Vec::new();
    for message in stored::messages(body) {
        let message = message.map_err(|err| anyhow!("unreadable message record: {err}"))?;
        texts.push(message_text(&message));
        values.push(message_json(&message));
    }
    if values.is_empty() {
        bail!("no message found");
    }
    Ok(Output::Text(texts.join("\n\n"), Value::Array(values)))
}

pub async fn query_msg_by_id(admin: &Admin, args: QueryById) -> Result<Output> {
    let id = OffsetMessageId::parse(&args.msg_id).map_err(|err| {
        anyhow!(
            "-i {}: {err} (queryMsgById takes the offset message id; for the client's id use queryMsgByUniqueKey)",
            args.msg_id
        )
    })?;
    let offset = i64::try_from(id.commit_log_offset).map_err(|_| anyhow!("-i {}: offset out of range", args.msg_id))?;
    let body = admin.api().view_message(&id.store_host.to_string(), offset).await.or_fail("queryMsgById")?;
    messages_output(&body)
}

async fn query(admin: &Admin, topic: &str, key: &str, unique: bool, begin: i64, end: i64, max: i32) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    for (_, addr) in admin.topic_masters(topic).await? {
        match admin.api().query_messages(&addr, topic, key, unique, begin, end, max).await {
            Ok(found) => body.extend_from_slice(&found),
            Err(err) if is_refusal(&err) => {}
            Err(err) => return Err(explain(err, "query message")),
        }
    }
    Ok(body)
}

pub async fn query_msg_by_key(admin: &Admin, args: QueryByKey) -> Result<Output> {
    let body =
        query(admin, &args.topic, &args.key, false, args.begin, args.end.unwrap_or_else(now_ms), args.max).await?;
    let mut table = Table::new(&["#Message ID", "#QID", "#Offset"]);
    for message in stored::messages(&body) {
        let message = message.map_err(|err| anyhow!("unreadable message record: {err}"))?;
        table.row(vec![
            message.unique_key().unwrap_or("").to_owned(),
            message.queue_id().to_string(),
            message.queue_offset().to_string(),
        ]);
    }
    Ok(Output::Table(table))
}

pub async fn query_msg_by_unique_key(admin: &Admin, args: QueryByUniqueKey) -> Result<Output> {
    let body = query(admin, &args.topic, &args.msg_id, true, 0, now_ms(), 32).await?;
    messages_output(&body)
}

async fn pull_at(
    admin: &Admin,
    addr: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
    max: i32,
) -> Result<(ResponseCode, i64, Bytes)> {
    let pulled =
        admin.api().pull(addr, TOOLS_CONSUMER_GROUP, topic, queue_id, offset, max).await.or_fail("pull message")?;
    Ok((pulled.status, pulled.next_begin_offset, pulled.body))
}

fn broker_addr(route: &TopicRouteData, broker_name: &str) -> Result<String> {
    route
        .broker_datas
        .iter()
        .find(|data| data.broker_name == broker_name)
        .and_then(|data| data.broker_addrs.get(&0).cloned())
        .ok_or_else(|| anyhow!("broker {broker_name} does not serve this topic"))
}

pub async fn query_msg_by_offset(admin: &Admin, args: QueryByOffset) -> Result<Output> {
    let route = admin.route(&args.topic).await?;
    let addr = broker_addr(&route, &args.broker_name)?;
    let (code, _, body) = pull_at(admin, &addr, &args.topic, args.queue_id, args.offset, 1).await?;
    if code != ResponseCode::SUCCESS {
        bail!("no message at offset {} of queue {} ({})", args.offset, args.queue_id, code.name().unwrap_or("?"));
    }
    messages_output(&body)
}

async fn offset_by_time(admin: &Admin, addr: &str, topic: &str, queue_id: i32, timestamp: i64) -> Result<i64> {
    admin.api().offset_by_time(addr, topic, queue_id, timestamp).await.or_fail("offset by time")
}

/// Prints the messages of one queue between two times, with progress on stderr.
#[allow(clippy::too_many_arguments)]
async fn print_queue(
    admin: &Admin,
    addr: &str,
    topic: &str,
    queue_id: i32,
    begin: Option<i64>,
    end: Option<i64>,
    texts: &mut Vec<String>,
    values: &mut Vec<Value>,
) -> Result<()> {
    let mut offset = match begin {
        Some(time) => offset_by_time(admin, addr, topic, queue_id, time).await?,
        None => 0,
    };
    let end_time = end.unwrap_or(i64::MAX);
    let started = Instant::now();
    let mut last_report = Instant::now();
    loop {
        let (code, next, body) = pull_at(admin, addr, topic, queue_id, offset, 32).await?;
        match code {
            ResponseCode::SUCCESS => {}
            ResponseCode::PULL_OFFSET_MOVED if next > offset => {
                offset = next;
                continue;
            }
            _ => break,
        }
        for message in stored::messages(&body) {
            let message = message.map_err(|err| anyhow!("unreadable message record: {err}"))?;
            if message.store_timestamp_ms() > end_time {
                return Ok(());
            }
            texts.push(message_text(&message));
            values.push(message_json(&message));
        }
        offset = next;
        if last_report.elapsed() > Duration::from_secs(1) {
            eprintln!("{topic} queue {queue_id}: {} messages read in {:.0?}", values.len(), started.elapsed());
            last_report = Instant::now();
        }
    }
    Ok(())
}

pub async fn print_msg(admin: &Admin, args: PrintMsg) -> Result<Output> {
    if !args.charset.eq_ignore_ascii_case("UTF-8") {
        bail!("-c {}: bodies are printed as UTF-8 only", args.charset);
    }
    let route = admin.route(&args.topic).await?;
    let (mut texts, mut values) = (Vec::new(), Vec::new());
    for queue in &route.queue_datas {
        let addr = broker_addr(&route, &queue.broker_name)?;
        for queue_id in 0..queue.read_queue_nums {
            print_queue(admin, &addr, &args.topic, queue_id, args.begin, args.end, &mut texts, &mut values).await?;
        }
    }
    if args.sub_expression != "*" {
        let tags: Vec<&str> = args.sub_expression.split("||").map(str::trim).collect();
        let keep: Vec<bool> = values.iter().map(|v| v["tags"].as_str().is_some_and(|t| tags.contains(&t))).collect();
        let mut at = 0;
        texts.retain(|_| (keep[at], at += 1).0);
        let mut at = 0;
        values.retain(|_| (keep[at], at += 1).0);
    }
    let count = values.len();
    Ok(Output::Text(format!("{}\n\n{count} messages", texts.join("\n\n")), Value::Array(values)))
}

pub async fn print_msg_by_queue(admin: &Admin, args: PrintMsgByQueue) -> Result<Output> {
    let route = admin.route(&args.topic).await?;
    let addr = broker_addr(&route, &args.broker_name)?;
    let (mut texts, mut values) = (Vec::new(), Vec::new());
    print_queue(admin, &addr, &args.topic, args.queue_id, args.begin, args.end, &mut texts, &mut values).await?;
    let count = values.len();
    Ok(Output::Text(format!("{}\n\n{count} messages", texts.join("\n\n")), Value::Array(values)))
}

fn parse_time(text: &str) -> Result<i64> {
    if text.eq_ignore_ascii_case("now") {
        return Ok(now_ms());
    }
    text.parse().map_err(|_| anyhow!("-s {text}: give milliseconds since the epoch, or `now`"))
}

async fn reset(admin: &Admin, group: &str, topic: &str, timestamp: i64, force: bool) -> Result<Output> {
    let mut table = Table::new(&["#Broker Name", "#QID", "#Offset"]);
    for (name, addr) in admin.topic_masters(topic).await? {
        let body = match admin.api().reset_offset(&addr, group, topic, timestamp, force).await {
            Ok(body) => body,
            Err(err) if err.response_code() == Some(ResponseCode::CONSUMER_NOT_ONLINE) => {
                // No live consumer to tell: set the stored offsets directly, as mqadmin does.
                reset_stored(admin, &name, &addr, group, topic, timestamp, force, &mut table).await?;
                continue;
            }
            // An answer without a readable offset table still moved the offsets.
            Err(ClientError::Json { .. }) => continue,
            Err(err) => return Err(explain(err, "resetOffsetByTime")),
        };
        for (queue, offset) in body.offset_table.iter() {
            table.row(vec![queue.broker_name.clone(), queue.queue_id.to_string(), offset.to_string()]);
        }
    }
    Ok(Output::Table(table))
}

/// Offline reset: each queue's offset at `timestamp` (-1: the end) written with
/// UPDATE_CONSUMER_OFFSET; without `force` an offset only moves back.
#[allow(clippy::too_many_arguments)]
async fn reset_stored(
    admin: &Admin,
    broker_name: &str,
    addr: &str,
    group: &str,
    topic: &str,
    timestamp: i64,
    force: bool,
    table: &mut Table,
) -> Result<()> {
    let stats: TopicStatsTable = admin.api().topic_stats(addr, topic).await.or_fail("topic stats")?;
    for (queue, offsets) in stats.offset_table.iter() {
        let target = if timestamp < 0 {
            offsets.max_offset
        } else {
            offset_by_time(admin, addr, topic, queue.queue_id, timestamp).await?
        };
        let current = match admin.api().consumer_offset(addr, group, topic, queue.queue_id).await {
            Ok(current) => current,
            Err(ClientError::Remoting { addr, source }) => {
                return Err(explain(ClientError::Remoting { addr, source }, "query consumer offset"))
            }
            // No stored offset (or an unreadable one): nothing to move back from.
            Err(_) => continue,
        };
        if !force && target > current {
            continue;
        }
        admin
            .api()
            .update_consumer_offset(addr, group, topic, queue.queue_id, target)
            .await
            .or_fail("update consumer offset")?;
        table.row(vec![broker_name.to_owned(), queue.queue_id.to_string(), target.to_string()]);
    }
    if table.len() == 0 {
        bail!("group {group} has no stored offsets for {topic} and no live consumer: nothing to reset");
    }
    Ok(())
}

pub async fn reset_offset_by_time(admin: &Admin, args: ResetOffsetByTime) -> Result<Output> {
    let timestamp = parse_time(&args.timestamp)?;
    reset(admin, &args.group, &args.topic, timestamp, args.force).await
}

pub async fn skip_accumulated(admin: &Admin, args: SkipAccumulated) -> Result<Output> {
    reset(admin, &args.group, &args.topic, -1, true).await
}

pub async fn cluster_rt(admin: &Admin, args: ClusterRt) -> Result<Output> {
    let info = admin.cluster_info().await?;
    let mut table = Table::new(&["#Cluster Name", "#Broker Name", "#RT(ms)", "#successCount", "#failCount"]);
    let body = Bytes::from(vec![b'x'; args.size]);
    for (cluster, names) in &info.cluster_addr_table {
        if args.cluster.as_ref().is_some_and(|wanted| wanted != cluster) {
            continue;
        }
        for name in names {
            let Some(addr) = info.broker_addr_table.get(name).and_then(|data| data.broker_addrs.get(&0)) else {
                continue;
            };
            let (mut success, mut failed, mut total) = (0u32, 0u32, Duration::ZERO);
            for _ in 0..args.amount {
                let started = Instant::now();
                match admin.api().send_to_queue(addr, name, 0, body.clone(), None, None).await {
                    Ok(_) => {
                        success += 1;
                        total += started.elapsed();
                    }
                    Err(_) => failed += 1,
                }
            }
            let rt = if success > 0 { total.as_secs_f64() * 1000.0 / f64::from(success) } else { 0.0 };
            table.row(vec![cluster.clone(), name.clone(), format!("{rt:.2}"), success.to_string(), failed.to_string()]);
        }
    }
    Ok(Output::Table(table))
}
