//! Filtered push consumers: s04 (tag expression) and s18 (SQL92 on properties).

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bolide_client::Expression;

use crate::collect::Shared;
use crate::env::{message, Env};

const SETTLE: Duration = Duration::from_secs(3);

/// s04: a push consumer subscribed to `TagA || TagC` over four tags receives exactly those.
pub async fn s04_tag_filter(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, 4).await?;
    let producer = env.producer().await?;
    let tags = ["TagA", "TagB", "TagC", "TagD"];
    const PER_TAG: usize = 5;
    env.step("sending tagged messages");
    for i in 0..PER_TAG {
        for tag in tags {
            producer.send(&message(&topic, &format!("{tag}-{i}"), tag).with_tags(tag)).await.context("send")?;
        }
    }
    let collector = Shared::default();
    env.push_consumer(env.push_options(&env.group(""), &topic, Expression::tags("TagA || TagC")), &collector).await?;
    collector.wait(env, 2 * PER_TAG, Duration::from_secs(30)).await?;
    env.step("waiting for stray messages");
    tokio::time::sleep(SETTLE).await;
    let stray = collector.with(|c| {
        c.received.iter().find_map(|m| (!matches!(m.tags(), Some("TagA" | "TagC"))).then(|| format!("{:?}", m.tags())))
    });
    if let Some(tag) = stray {
        bail!("received a message with tag {tag}");
    }
    if collector.distinct() != 2 * PER_TAG {
        bail!("received {} distinct messages, want {}", collector.distinct(), 2 * PER_TAG);
    }
    Ok(format!(
        "{} of {} messages matched TagA || TagC and only those arrived (push consumer)",
        2 * PER_TAG,
        PER_TAG * tags.len()
    ))
}

const MAIN: &str = "a BETWEEN 1 AND 3 AND TAGS IN ('A', 'B')";
const IS_NULL: &str = "a IS NULL";
const NOT_BETWEEN: &str = "a NOT BETWEEN 1 AND 3";
const BAD: &str = "a BETWEEN 1 AND";

/// The s18 set, the same in every client: sequence, tag and value of `a`.
const SAMPLES: &[(&str, Option<&str>, Option<&str>)] = &[
    ("in-a1-A", Some("A"), Some("1")),
    ("in-a2-B", Some("B"), Some("2")),
    ("in-a3-A", Some("A"), Some("3")),
    ("out-a0-A", Some("A"), Some("0")),
    ("out-a4-B", Some("B"), Some("4")),
    ("out-a2-C", Some("C"), Some("2")),
    ("out-a2-notag", None, Some("2")),
    ("out-noa-A", Some("A"), None),
    ("out-ax-A", Some("A"), Some("x")),
];

/// s18: SQL92 selection, IS NULL and NOT BETWEEN (a non-numeric `a` fails evaluation, a
/// missing one is unknown), and a consumer subscribed with an expression that does not parse.
pub async fn s18_sql92_filter(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, 4).await?;
    let producer = env.producer().await?;
    env.step("sending the mixed set");
    for (seq, tag, a) in SAMPLES {
        let mut sample = message(&topic, seq, format!("s18 {seq}"));
        if let Some(tag) = tag {
            sample = sample.with_tags(*tag);
        }
        if let Some(a) = a {
            sample = sample.with_property("a", *a);
        }
        producer.send(&sample).await.with_context(|| format!("send {seq}"))?;
    }
    let cases: [(&str, &str, &[&str]); 3] = [
        ("", MAIN, &["in-a1-A", "in-a2-B", "in-a3-A"]),
        ("_null", IS_NULL, &["out-noa-A"]),
        ("_notbetween", NOT_BETWEEN, &["out-a0-A", "out-a4-B"]),
    ];
    let mut collectors = Vec::new();
    for (suffix, sql, _) in cases {
        let collector = Shared::default();
        let options = env.push_options(&env.group(suffix), &topic, Expression::sql92(sql));
        env.push_consumer(options, &collector).await.with_context(|| format!("{sql:?}"))?;
        collectors.push(collector);
    }
    for ((_, sql, want), collector) in cases.iter().zip(&collectors) {
        collector.wait(env, want.len(), Duration::from_secs(30)).await.with_context(|| format!("{sql:?}"))?;
    }
    env.step("waiting for stray messages");
    tokio::time::sleep(SETTLE).await;
    for ((_, sql, want), collector) in cases.iter().zip(&collectors) {
        let want: BTreeSet<String> = want.iter().map(|seq| (*seq).to_owned()).collect();
        let got = collector.seqs();
        if got != want {
            bail!("{sql:?} received {got:?}, want {want:?}");
        }
    }
    env.step("subscribing with a bad expression");
    let bad = Shared::default();
    let options = env.push_options(&env.group("_bad"), &topic, Expression::sql92(BAD));
    let outcome = match env.push_consumer(options, &bad).await {
        Err(err) => format!("refused at start: {err:#}"),
        Ok(_) => {
            // Not asserted: bolide-client does not parse SQL92 at start, so what arrives is up
            // to the broker (Apache RocketMQ 5.5.0 delivers everything to a pull whose SQL does
            // not parse; Bolide refuses the pull).
            tokio::time::sleep(Duration::from_secs(5)).await;
            format!(
                "accepted by the client at start (no SQL check before the broker); {} messages delivered in 5 s",
                bad.distinct()
            )
        }
    };
    Ok(format!("SQL received exactly 3 of {}; IS NULL and NOT BETWEEN right; {BAD:?} {outcome}", SAMPLES.len()))
}
