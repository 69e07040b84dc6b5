//! `bolide namesrv`: flags mirror RocketMQ's `mqnamesrv` (`-c` config file, `-p` print config).

use std::path::PathBuf;

use anyhow::Context;
use bolide_config::Config;
use bolide_namesrv::NamesrvConfig;
use clap::Args;

use crate::logging::shutdown_signal;

#[derive(Args, Debug)]
#[command(after_help = "Settings are read in layers: defaults < -c file < BOLIDE_* environment < flags.\n\
Example: bolide namesrv -c conf/namesrv.conf --listen-port 9877")]
pub struct NamesrvArgs {
    /// Java properties file with RocketMQ key names (listenPort, kvConfigPath, …).
    #[arg(short = 'c', long = "config-file", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Print the effective settings and exit.
    #[arg(short = 'p', long = "print-config")]
    pub print_config: bool,
    /// Port to listen on (listenPort).
    #[arg(long, value_name = "PORT")]
    pub listen_port: Option<u16>,
    /// Any setting as KEY=VALUE, e.g. `--set scanNotActiveBrokerInterval=5000`; repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Parses `KEY=VALUE` flags into pairs.
pub fn parse_sets(sets: &[String]) -> anyhow::Result<Vec<(&str, String)>> {
    sets.iter()
        .map(|entry| {
            entry
                .split_once('=')
                .map(|(key, value)| (key.trim(), value.to_owned()))
                .with_context(|| format!("--set {entry:?}: expected KEY=VALUE"))
        })
        .collect()
}

impl NamesrvArgs {
    pub fn load(&self) -> anyhow::Result<NamesrvConfig> {
        let mut flags = parse_sets(&self.set)?;
        if let Some(port) = self.listen_port {
            flags.push(("listenPort", port.to_string()));
        }
        let config = NamesrvConfig::load(self.config_file.as_deref(), std::env::vars(), &flags)?;
        config.validate()?;
        Ok(config)
    }
}

pub fn main(args: NamesrvArgs) -> anyhow::Result<()> {
    let config = args.load()?;
    if args.print_config {
        print!("{}", config.to_properties());
        return Ok(());
    }
    let runtime = tokio::runtime::Runtime::new().context("start the async runtime")?;
    runtime.block_on(bolide_namesrv::run(config, shutdown_signal()))?;
    Ok(())
}
