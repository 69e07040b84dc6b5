//! `bolide`: one binary with a subcommand per server or tool.

mod admin;
mod bench;
mod broker;
mod logging;
mod namesrv;
mod standalone;

use clap::{Parser, Subcommand};

/// Bolide: a RocketMQ-compatible NameServer and broker.
#[derive(Parser)]
#[command(name = "bolide", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a NameServer (routes and broker registration), like RocketMQ's mqnamesrv.
    Namesrv(namesrv::NamesrvArgs),
    /// Run a broker (topics, consumer groups, offsets, client connections), like RocketMQ's mqbroker.
    Broker(broker::BrokerArgs),
    /// Run everything in one process with embedded defaults: the quickest way to get a server
    /// the official clients can use.
    Standalone(standalone::StandaloneArgs),
    /// Operate a cluster with mqadmin's commands and flags (topics, groups, brokers, messages).
    Admin(admin::AdminArgs),
    /// Measure throughput and latency with a producer or consumer load, like RocketMQ's
    /// benchmark tools.
    Bench(bench::BenchArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let tool = matches!(cli.command, Command::Admin(_) | Command::Bench(_));
    logging::init(if tool { "warn" } else { "info" });
    let result = match cli.command {
        Command::Namesrv(args) => namesrv::main(args),
        Command::Broker(args) => broker::main(args),
        Command::Standalone(args) => standalone::main(args),
        Command::Admin(args) => admin::main(args),
        Command::Bench(args) => bench::main(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
