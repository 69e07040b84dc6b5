//! `compat-rust`: the compatibility suite's scenarios run with Bolide's own Rust client
//! (`bolide-client`), with the same command line as the Java, Go and Node programs. It prints
//! one line per scenario:
//!
//! ```text
//! PASS <scenario> <detail>
//! FAIL <scenario>: <reason>
//! ```
//!
//! and exits 0 when every requested scenario passed, 1 otherwise. Every scenario runs under a
//! hard deadline; one that overruns is reported as failed and the process exits at once, so a
//! stuck client never hangs the suite.
//!
//! Modules: `env` (names, clients, topic creation), `collect` (received messages, bodies),
//! `admin` (s01, s13, s14), `send` (s02, s03, s05), `consume` (s06, s07, s10, s11, s12), `filter` (s04, s18), `retry`
//! (s08), `broadcast` (s09), `cross` (s15), `transaction` (s16), `reply` (s17).

mod admin;
mod broadcast;
mod collect;
mod consume;
mod cross;
mod env;
mod filter;
mod reply;
mod retry;
mod send;
mod transaction;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use env::Env;

/// The scenarios this program implements, with their own deadlines in seconds.
const SCENARIOS: &[(&str, u64)] = &[
    ("s01_admin_create_topic", 60),
    ("s02_send_modes", 60),
    ("s03_message_fidelity", 90),
    ("s04_tag_filter", 60),
    ("s05_batch_send", 60),
    ("s06_orderly", 90),
    ("s07_delay_level", 60),
    ("s08_retry_and_dlq", 120),
    ("s09_broadcasting", 60),
    ("s10_clustering_rebalance", 120),
    ("s11_consumer_restart_resume", 90),
    ("s12_lite_pull", 90),
    ("s13_admin_query_and_lag", 90),
    ("s14_reset_offset_by_time", 120),
    ("s15_produce", 60),
    ("s15_consume", 60),
    ("s16_transaction", 150),
    ("s17_request_reply", 90),
    ("s18_sql92_filter", 90),
];

/// Runs compatibility scenarios with bolide-client.
#[derive(Parser, Debug)]
#[command(name = "compat-rust", about)]
struct Args {
    /// NameServer address host:port.
    #[arg(long, default_value = "127.0.0.1:9876")]
    namesrv: String,
    /// Broker address host:port (topics are created there).
    #[arg(long, default_value = "127.0.0.1:10911")]
    broker: String,
    /// Suffix that makes topic and group names unique to this run (default: from the clock).
    #[arg(long)]
    run_id: Option<String>,
    /// Topic for s15_produce / s15_consume (the runner chooses it).
    #[arg(long)]
    topic: Option<String>,
    /// Overrides every scenario's deadline, in seconds.
    #[arg(long, value_name = "N")]
    timeout_s: Option<u64>,
    /// Prints the scenario names and exits.
    #[arg(long)]
    list: bool,
    /// Scenarios to run, in order.
    scenarios: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.list {
        for (name, _) in SCENARIOS {
            println!("{name}");
        }
        return ExitCode::SUCCESS;
    }
    if args.scenarios.is_empty() {
        eprintln!("usage: compat-rust [flags] SCENARIO...  (--help for the flags, --list for the scenarios)");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = false;
    for name in &args.scenarios {
        let Some(&(name, deadline_s)) = SCENARIOS.iter().find(|(known, _)| known == name) else {
            println!("FAIL {name}: not implemented by the Rust client program");
            failed = true;
            continue;
        };
        let deadline = Duration::from_secs(args.timeout_s.unwrap_or(deadline_s));
        failed |= !runtime.block_on(run_one(name, &args, deadline));
    }
    // Clients still running in a failed scenario are not waited for.
    runtime.shutdown_timeout(Duration::from_secs(5));
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs one scenario in its own task and prints its line; on overrun it ends the process.
async fn run_one(name: &'static str, args: &Args, deadline: Duration) -> bool {
    let run_id = args.run_id.clone().unwrap_or_else(clock_run_id);
    let env = Arc::new(Env::new(name, &args.namesrv, &args.broker, &run_id, args.topic.clone()));
    let task = tokio::spawn({
        let env = env.clone();
        async move { run_scenario(name, &env).await }
    });
    let outcome = match tokio::time::timeout(deadline, task).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(join_error)) => Err(anyhow::anyhow!("panic: {join_error}")),
        Err(_) => {
            println!("FAIL {name}: timed out after {} s (while {})", deadline.as_secs(), env.last_step());
            std::process::exit(1);
        }
    };
    env.shutdown().await;
    match outcome {
        Ok(detail) => {
            println!("PASS {name} {}", one_line(&detail));
            true
        }
        Err(err) => {
            println!("FAIL {name}: {}", one_line(&format!("{err:#}")));
            false
        }
    }
}

async fn run_scenario(name: &str, env: &Env) -> anyhow::Result<String> {
    match name {
        "s01_admin_create_topic" => admin::s01_admin_create_topic(env).await,
        "s02_send_modes" => send::s02_send_modes(env).await,
        "s03_message_fidelity" => send::s03_message_fidelity(env).await,
        "s04_tag_filter" => filter::s04_tag_filter(env).await,
        "s05_batch_send" => send::s05_batch_send(env).await,
        "s06_orderly" => consume::s06_orderly(env).await,
        "s07_delay_level" => consume::s07_delay_level(env).await,
        "s08_retry_and_dlq" => retry::s08_retry_and_dlq(env).await,
        "s09_broadcasting" => broadcast::s09_broadcasting(env).await,
        "s10_clustering_rebalance" => consume::s10_clustering_rebalance(env).await,
        "s11_consumer_restart_resume" => consume::s11_consumer_restart_resume(env).await,
        "s12_lite_pull" => consume::s12_lite_pull(env).await,
        "s13_admin_query_and_lag" => admin::s13_admin_query_and_lag(env).await,
        "s14_reset_offset_by_time" => admin::s14_reset_offset_by_time(env).await,
        "s15_produce" => cross::s15_produce(env).await,
        "s15_consume" => cross::s15_consume(env).await,
        "s16_transaction" => transaction::s16_transaction(env).await,
        "s17_request_reply" => reply::s17_request_reply(env).await,
        "s18_sql92_filter" => filter::s18_sql92_filter(env).await,
        other => anyhow::bail!("{other} is listed but has no implementation"),
    }
}

fn clock_run_id() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{:x}", nanos & 0xff_ffff)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
