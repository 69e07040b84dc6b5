//! Bounded waits for owned tasks during shutdown.
//!
//! Stopping is signalled with a [`CancellationToken`](tokio_util::sync::CancellationToken): the
//! server or client owns the root, each connection a child. A stop first waits for tasks to end
//! on their own, up to a deadline, and only then cancels the rest, so no task outlives its owner.

use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::{debug, error};

/// Waits for every task in `tasks` until `deadline`, then aborts the rest and waits for them to
/// unwind. Returns how many had to be aborted.
pub(crate) async fn drain(tasks: &mut JoinSet<()>, deadline: Instant) -> usize {
    loop {
        match tokio::time::timeout_at(deadline, tasks.join_next()).await {
            Ok(Some(result)) => log_panic(result),
            Ok(None) => return 0,
            Err(_) => break,
        }
    }
    let aborted = tasks.len();
    debug!(aborted, "grace period over; cancelling remaining tasks");
    tasks.abort_all();
    while let Some(result) = tasks.join_next().await {
        if !matches!(&result, Err(err) if err.is_cancelled()) {
            log_panic(result);
        }
    }
    aborted
}

fn log_panic(result: Result<(), tokio::task::JoinError>) {
    if let Err(err) = result {
        if err.is_panic() {
            error!(error = %err, "task panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn finished_tasks_are_collected_and_stuck_ones_aborted() {
        let mut tasks = JoinSet::new();
        tasks.spawn(async {});
        tasks.spawn(async { tokio::time::sleep(Duration::from_millis(10)).await });
        tasks.spawn(std::future::pending::<()>());
        let aborted = drain(&mut tasks, Instant::now() + Duration::from_secs(1)).await;
        assert_eq!(aborted, 1);
        assert!(tasks.is_empty());
    }
}
