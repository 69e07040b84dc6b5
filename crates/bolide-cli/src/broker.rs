//! `bolide broker`: flags mirror RocketMQ's `mqbroker` (`-c` config file, `-n` name servers, `-p`
//! print config).

use std::path::PathBuf;

use anyhow::Context;
use bolide_broker::BrokerConfig;
use bolide_config::Config;
use clap::Args;

use crate::logging::shutdown_signal;
use crate::namesrv::parse_sets;

#[derive(Args, Debug)]
#[command(after_help = "Settings are read in layers: defaults < -c file < BOLIDE_* environment < flags.\n\
Example: bolide broker -c conf/broker.conf -n 127.0.0.1:9876")]
pub struct BrokerArgs {
    /// Java properties file with RocketMQ key names (brokerName, namesrvAddr, storePathRootDir, …).
    #[arg(short = 'c', long = "config-file", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Name servers, `host:port` separated by `;` (namesrvAddr).
    #[arg(short = 'n', long = "namesrv-addr", value_name = "ADDRS")]
    pub namesrv_addr: Option<String>,
    /// Print the effective settings and exit.
    #[arg(short = 'p', long = "print-config")]
    pub print_config: bool,
    /// Client port (listenPort); the VIP port is this minus 2.
    #[arg(long, value_name = "PORT")]
    pub listen_port: Option<u16>,
    /// Any setting as KEY=VALUE, e.g. `--set brokerName=broker-b`; repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl BrokerArgs {
    pub fn load(&self) -> anyhow::Result<BrokerConfig> {
        let mut flags = parse_sets(&self.set)?;
        if let Some(addr) = &self.namesrv_addr {
            flags.push(("namesrvAddr", addr.clone()));
        }
        if let Some(port) = self.listen_port {
            flags.push(("listenPort", port.to_string()));
        }
        let config = BrokerConfig::load(self.config_file.as_deref(), std::env::vars(), &flags)?;
        config.validate()?;
        Ok(config)
    }
}

pub fn main(args: BrokerArgs) -> anyhow::Result<()> {
    let config = args.load()?;
    if args.print_config {
        print!("{}", config.to_properties());
        return Ok(());
    }
    let runtime = tokio::runtime::Runtime::new().context("start the async runtime")?;
    runtime.block_on(bolide_broker::run(config, shutdown_signal()))?;
    Ok(())
}
