//! Which queues a push consumer reads (Java's `RebalanceImpl`): every `rebalance_interval`, and
//! at once when a broker says the group changed, the consumer divides each subscribed topic's
//! queues among the group (or takes them all when broadcasting), starts the queues it gained
//! and gives up the queues it lost. Orderly consumers in clustering also hold a broker lock on
//! each of their queues (LOCK_BATCH_MQ, renewed every 20 s; UNLOCK_BATCH_MQ when giving up).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bolide_protocol::body::{LockBatchRequestBody, LockBatchResponseBody, MessageQueue, UnlockBatchRequestBody};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, RequestCode};

use super::queue::QueueHandle;
use super::subscription::Subscription;
use super::Core;
use crate::consumer::rebalance::{consumer_ids, sort_client_ids};
use crate::consumer::{pull, ConsumeFrom};
use crate::error::ClientError;

/// How often orderly consumers renew their queue locks (`rebalance.lockInterval`).
pub(crate) const LOCK_INTERVAL: Duration = Duration::from_secs(20);
/// How soon a rebalance that could not see every topic is tried again.
const INCOMPLETE_RETRY: Duration = Duration::from_secs(1);

/// Rebalances at start, every `rebalance_interval`, and when woken.
pub(crate) async fn rebalance_loop(core: Arc<Core>) {
    loop {
        let complete = rebalance(&core).await;
        let wait = if complete { core.options.rebalance_interval } else { INCOMPLETE_RETRY };
        tokio::select! {
            () = core.stopping.cancelled() => return,
            () = core.rebalance_now.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// One rebalance; false if some topic's share could not be computed (kept as it was).
pub(crate) async fn rebalance(core: &Arc<Core>) -> bool {
    let mut wanted: HashMap<MessageQueue, &Subscription> = HashMap::new();
    let mut complete = true;
    for subscription in &core.subscriptions {
        let outcome = share(core, subscription.topic()).await;
        match outcome {
            Ok(Some(queues)) => wanted.extend(queues.into_iter().map(|queue| (queue, subscription))),
            Ok(None) | Err(_) => {
                if let Err(err) = outcome {
                    tracing::debug!(topic = %subscription.topic(), error = %err, "rebalance skipped a topic");
                }
                complete = false;
                let held: Vec<MessageQueue> = core
                    .queues
                    .lock()
                    .expect("queues lock")
                    .keys()
                    .filter(|queue| queue.topic == subscription.topic())
                    .cloned()
                    .collect();
                wanted.extend(held.into_iter().map(|queue| (queue, subscription)));
            }
        }
    }
    if core.stopping.is_cancelled() {
        return true;
    }
    let lost: Vec<Arc<QueueHandle>> = {
        let mut queues = core.queues.lock().expect("queues lock");
        let lost: Vec<MessageQueue> = queues.keys().filter(|queue| !wanted.contains_key(*queue)).cloned().collect();
        lost.iter().filter_map(|queue| queues.remove(queue)).collect()
    };
    for handle in lost {
        tracing::info!(queue = ?handle.queue, "queue given up");
        tokio::spawn(give_up(core.clone(), handle));
    }
    let mut gained: Vec<(MessageQueue, Subscription)> = {
        let queues = core.queues.lock().expect("queues lock");
        wanted
            .iter()
            .filter(|(queue, _)| !queues.contains_key(*queue))
            .map(|(queue, subscription)| ((*queue).clone(), (*subscription).clone()))
            .collect()
    };
    gained.sort_by(|a, b| a.0.cmp(&b.0));
    let locked = if core.is_orderly() && core.is_clustering() && !gained.is_empty() {
        let queues: Vec<MessageQueue> = gained.iter().map(|(queue, _)| queue.clone()).collect();
        Some(lock(core, &queues).await)
    } else {
        None
    };
    for (queue, subscription) in gained {
        if locked.as_ref().is_some_and(|locked| !locked.contains(&queue)) {
            tracing::debug!(?queue, "queue locked by another consumer; tried again at the next rebalance");
            complete = false;
            continue;
        }
        match start_offset(core, &queue).await {
            Ok(offset) => {
                tracing::info!(?queue, offset, "queue taken");
                let handle = QueueHandle::start(core, queue.clone(), subscription, offset);
                handle.locked.store(locked.is_some(), Ordering::Release);
                core.queues.lock().expect("queues lock").insert(queue, handle);
            }
            Err(err) => {
                tracing::warn!(?queue, error = %err, "no start offset; tried again at the next rebalance");
                complete = false;
            }
        }
    }
    complete
}

/// This consumer's share of `topic`'s readable queues; `None` while the broker does not list
/// this consumer in the group yet (taking nothing then avoids reading a queue twice).
async fn share(core: &Core, topic: &str) -> Result<Option<Vec<MessageQueue>>, ClientError> {
    let route = core.instance.update_route(topic, false).await?;
    let mut all = route.read_queues.clone();
    all.sort();
    if !core.is_clustering() {
        return Ok(Some(all));
    }
    let Some(addr) = route.masters.values().min().cloned() else {
        return Err(ClientError::NoQueue { topic: topic.to_owned(), kind: "readable" });
    };
    let mut clients = consumer_ids(&core.instance, &addr, &core.options.group).await?;
    sort_client_ids(&mut clients);
    if !clients.iter().any(|id| id == core.instance.client_id()) {
        return Ok(None);
    }
    Ok(Some(core.options.allocate.allocate(&all, &clients, core.instance.client_id())))
}

/// Where a newly taken queue starts (Java's `computePullFromWhere`).
async fn start_offset(core: &Core, queue: &MessageQueue) -> Result<u64, ClientError> {
    if let Some(offset) = core.offsets.read_persisted(&core.instance, queue).await? {
        return Ok(offset);
    }
    let retry_topic = queue.topic.starts_with("%RETRY%");
    let offset = match core.options.consume_from {
        ConsumeFrom::LastOffset if retry_topic => 0,
        ConsumeFrom::LastOffset => pull::offset(&core.instance, queue, pull::OffsetKind::Max).await?,
        ConsumeFrom::FirstOffset => pull::offset(&core.instance, queue, pull::OffsetKind::Min).await?,
        ConsumeFrom::Timestamp(_) if retry_topic => pull::offset(&core.instance, queue, pull::OffsetKind::Max).await?,
        ConsumeFrom::Timestamp(ms) => pull::offset_by_time(&core.instance, queue, ms).await?,
    };
    core.offsets.set(queue, offset);
    Ok(offset)
}

/// Stops a lost queue: no new pull or listener call, the calls in progress may finish (up to
/// `shutdown_timeout`), then the offset is persisted and the lock released, so that the next
/// owner starts right after what this consumer consumed.
async fn give_up(core: Arc<Core>, handle: Arc<QueueHandle>) {
    handle.dropped.cancel();
    let deadline = tokio::time::Instant::now() + core.options.shutdown_timeout;
    while handle.in_flight() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    handle.release();
    let queue = [handle.queue.clone()];
    if let Err(err) = core.offsets.persist(&core.instance, &queue).await {
        tracing::warn!(queue = ?handle.queue, error = %err, "offset of a queue given up not persisted");
    }
    core.offsets.forget(&handle.queue);
    if core.is_orderly() && core.is_clustering() {
        unlock(&core, &queue).await;
    }
    handle.abort_tasks();
}

/// Renews the locks of every held queue every 20 s (orderly clustering only).
pub(crate) async fn lock_loop(core: Arc<Core>) {
    if !(core.is_orderly() && core.is_clustering()) {
        return;
    }
    loop {
        tokio::select! {
            () = core.stopping.cancelled() => return,
            () = tokio::time::sleep(LOCK_INTERVAL) => {}
        }
        let handles = core.handles();
        let queues: Vec<MessageQueue> = handles.iter().map(|handle| handle.queue.clone()).collect();
        let locked = lock(&core, &queues).await;
        for handle in handles {
            let held = locked.contains(&handle.queue);
            if !held {
                tracing::warn!(queue = ?handle.queue, "queue lock lost; consumption paused until it is regained");
            }
            handle.locked.store(held, Ordering::Release);
        }
    }
}

/// LOCK_BATCH_MQ per broker; returns the queues locked for this client.
async fn lock(core: &Core, queues: &[MessageQueue]) -> BTreeSet<MessageQueue> {
    let mut locked = BTreeSet::new();
    for (broker_name, mq_set) in by_broker(queues) {
        let body = LockBatchRequestBody {
            client_id: core.instance.client_id().to_owned(),
            consumer_group: core.options.group.clone(),
            mq_set,
            only_this_broker: false,
        };
        match batch_call(core, &broker_name, RequestCode::LOCK_BATCH_MQ, json::to_vec(&body, KeyStyle::Fastjson)).await
        {
            Ok(response) => {
                let body = response.body.unwrap_or_default();
                match json::from_slice::<LockBatchResponseBody>(&body) {
                    Ok(answer) => locked.extend(answer.lock_ok_mq_set),
                    Err(err) => tracing::warn!(broker = %broker_name, error = %err, "malformed lock answer"),
                }
            }
            Err(err) => tracing::warn!(broker = %broker_name, error = %err, "queue lock failed"),
        }
    }
    locked
}

/// UNLOCK_BATCH_MQ per broker.
pub(crate) async fn unlock(core: &Core, queues: &[MessageQueue]) {
    for (broker_name, mq_set) in by_broker(queues) {
        let body = UnlockBatchRequestBody {
            client_id: core.instance.client_id().to_owned(),
            consumer_group: core.options.group.clone(),
            mq_set,
            only_this_broker: false,
        };
        let body = json::to_vec(&body, KeyStyle::Fastjson);
        if let Err(err) = batch_call(core, &broker_name, RequestCode::UNLOCK_BATCH_MQ, body).await {
            tracing::debug!(broker = %broker_name, error = %err, "queue unlock failed; the lock expires by itself");
        }
    }
}

fn by_broker(queues: &[MessageQueue]) -> BTreeMap<String, BTreeSet<MessageQueue>> {
    let mut grouped: BTreeMap<String, BTreeSet<MessageQueue>> = BTreeMap::new();
    for queue in queues {
        grouped.entry(queue.broker_name.clone()).or_default().insert(queue.clone());
    }
    grouped
}

async fn batch_call(
    core: &Core,
    broker_name: &str,
    code: RequestCode,
    body: Vec<u8>,
) -> Result<RemotingCommand, ClientError> {
    let addr = core.instance.master_addr(broker_name)?;
    let request = RemotingCommand::request(code).with_body(body);
    pull::call(&core.instance, &addr, request).await
}
