//! s09, broadcasting: two push consumers of one group each receive every message. Their offset
//! files go to a temporary folder of the run, removed at the end.

use std::time::Duration;

use anyhow::{Context, Result};
use bolide_client::{Expression, MessageModel};

use crate::collect::Shared;
use crate::env::{message, Env};

pub async fn s09_broadcasting(env: &Env) -> Result<String> {
    let topic = env.topic("");
    env.create_topic(&topic, 4).await?;
    let producer = env.producer().await?;
    const COUNT: usize = 20;
    env.step(format!("sending {COUNT} messages"));
    for i in 0..COUNT {
        producer.send(&message(&topic, &format!("m-{i}"), "m")).await.context("send")?;
    }
    let group = env.group("");
    let offsets = std::env::temp_dir().join(format!("{group}-offsets"));
    let result = receive_twice(env, &topic, &group, &offsets, COUNT).await;
    env.shutdown().await;
    if offsets.exists() {
        std::fs::remove_dir_all(&offsets).with_context(|| format!("remove {}", offsets.display()))?;
    }
    result.map(|()| format!("both broadcasting push consumers received all {COUNT} messages"))
}

async fn receive_twice(env: &Env, topic: &str, group: &str, offsets: &std::path::Path, count: usize) -> Result<()> {
    let collectors = [Shared::default(), Shared::default()];
    for collector in &collectors {
        let mut options = env.push_options(group, topic, Expression::all());
        options.message_model = MessageModel::Broadcasting;
        options.offset_store_dir = Some(offsets.to_path_buf());
        env.push_consumer(options, collector).await?;
    }
    for (i, collector) in collectors.iter().enumerate() {
        collector.wait(env, count, Duration::from_secs(30)).await.with_context(|| format!("consumer {}", i + 1))?;
    }
    Ok(())
}
