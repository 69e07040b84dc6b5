//! statsAll: per topic and consumer group, the backlog, the rates in and out over the last minute
//! and the messages in and out over the last day, from every master broker serving the topic
//! (VIEW_BROKER_STATS_DATA `TOPIC_PUT_NUMS` and `GROUP_GET_NUMS`, GET_CONSUME_STATS).

use std::collections::BTreeSet;
use std::time::Instant;

use anyhow::Result;
use bolide_client::admin::BrokerStatsData;
use bolide_client::ClientError;
use clap::Args;

use super::client::{explain, is_refusal, Admin, OrFail};
use super::output::{Output, Table};

/// Topics examined before progress is reported on stderr, and how often after that.
const PROGRESS_EVERY_TOPICS: usize = 10;

#[derive(Args)]
pub struct StatsAll {
    /// Only this topic.
    #[arg(short = 't', long = "topic")]
    topic: Option<String>,
    /// Only topics that had messages in or out in the last day.
    #[arg(short = 'a', long = "activeTopic")]
    active: bool,
}

/// The figures of one topic on all its masters.
struct TopicFigures {
    in_tps: f64,
    in_day: i64,
}

pub async fn stats_all(admin: &Admin, args: StatsAll) -> Result<Output> {
    let list = admin.api().topic_list().await.or_fail("topic list")?;
    // Retry and dead-letter topics are shown through their groups, as mqadmin does.
    let topics: Vec<String> = list
        .into_iter()
        .filter(|topic| !topic.starts_with("%RETRY%") && !topic.starts_with("%DLQ%"))
        .filter(|topic| args.topic.as_ref().is_none_or(|wanted| wanted == topic))
        .collect();
    if let Some(wanted) = &args.topic {
        if topics.is_empty() {
            anyhow::bail!("topic {wanted} is unknown to the name server (see topicList)");
        }
    }
    let mut table = Table::new(&[
        "#Topic",
        "#Consumer Group",
        "#Accumulation",
        "#InTPS",
        "#OutTPS",
        "#InMsg24Hour",
        "#OutMsg24Hour",
    ]);
    let started = Instant::now();
    for (done, topic) in topics.iter().enumerate() {
        // A topic whose route vanished meanwhile (deleted) is skipped, as mqadmin does.
        if let Ok(masters) = admin.topic_masters(topic).await {
            topic_rows(admin, topic, &masters, args.active, &mut table).await?;
        }
        let done = done + 1;
        if topics.len() >= PROGRESS_EVERY_TOPICS && (done % PROGRESS_EVERY_TOPICS == 0 || done == topics.len()) {
            eprintln!("statsAll: {done}/{} topics read in {:.1?}", topics.len(), started.elapsed());
        }
    }
    Ok(Output::Table(table))
}

async fn topic_rows(
    admin: &Admin,
    topic: &str,
    masters: &[(String, String)],
    active_only: bool,
    table: &mut Table,
) -> Result<()> {
    let mut figures = TopicFigures { in_tps: 0.0, in_day: 0 };
    let mut groups = BTreeSet::new();
    for (_, addr) in masters {
        if let Some(data) = stats_data(admin, addr, "TOPIC_PUT_NUMS", topic).await? {
            figures.in_tps += data.stats_minute.tps;
            figures.in_day += day_sum(&data);
        }
        groups.extend(consumer_groups(admin, addr, topic).await?);
    }
    if groups.is_empty() {
        if !active_only || figures.in_day > 0 {
            table.row(vec![
                topic.to_owned(),
                String::new(),
                "0".to_owned(),
                format!("{:.2}", figures.in_tps),
                String::new(),
                figures.in_day.to_string(),
                "NO_CONSUMER".to_owned(),
            ]);
        }
        return Ok(());
    }
    for group in &groups {
        let key = format!("{topic}@{group}");
        let (mut out_tps, mut out_day, mut accumulation) = (0.0, 0i64, 0i64);
        for (_, addr) in masters {
            if let Some(data) = stats_data(admin, addr, "GROUP_GET_NUMS", &key).await? {
                out_tps += data.stats_minute.tps;
                out_day += day_sum(&data);
            }
            accumulation += backlog(admin, addr, group, topic).await?;
        }
        if !active_only || figures.in_day > 0 || out_day > 0 {
            table.row(vec![
                topic.to_owned(),
                group.clone(),
                accumulation.max(0).to_string(),
                format!("{:.2}", figures.in_tps),
                format!("{out_tps:.2}"),
                figures.in_day.to_string(),
                out_day.to_string(),
            ]);
        }
    }
    Ok(())
}

/// A refusal as "nothing there" (`None`); no answer at all stays an error.
fn refused_as_none<T>(result: Result<T, ClientError>, what: &str) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if is_refusal(&err) => Ok(None),
        Err(err) => Err(explain(err, what)),
    }
}

/// One item's figures; `None` when the broker has none for it (nothing counted yet).
async fn stats_data(admin: &Admin, addr: &str, name: &str, key: &str) -> Result<Option<BrokerStatsData>> {
    refused_as_none(admin.api().broker_stats(addr, name, key).await, "broker stats")
}

/// Messages of the last day: the day window, or a shorter one when the day's is still empty
/// (mqadmin's `compute24HourSum`).
fn day_sum(data: &BrokerStatsData) -> i64 {
    [data.stats_day.sum, data.stats_hour.sum, data.stats_minute.sum].into_iter().find(|sum| *sum != 0).unwrap_or(0)
}

async fn consumer_groups(admin: &Admin, addr: &str, topic: &str) -> Result<BTreeSet<String>> {
    let groups = refused_as_none(admin.api().topic_consumer_groups(addr, topic).await, "consumer groups")?;
    Ok(groups.unwrap_or_default())
}

/// Messages of `topic` on one broker that `group` has not consumed.
async fn backlog(admin: &Admin, addr: &str, group: &str, topic: &str) -> Result<i64> {
    let stats = refused_as_none(admin.api().consume_stats(addr, group, Some(topic)).await, "consume stats")?;
    Ok(stats.map_or(0, |stats| stats.total_diff()))
}
