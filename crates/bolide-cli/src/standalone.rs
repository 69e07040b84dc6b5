//! `bolide standalone`: everything in one process with embedded defaults. Today that is the
//! NameServer; the broker joins it here once it exists.

use std::path::PathBuf;

use anyhow::Context;
use bolide_config::Config;
use bolide_namesrv::NamesrvConfig;
use clap::Args;

use crate::logging::shutdown_signal;
use crate::namesrv::parse_sets;

#[derive(Args, Debug)]
#[command(after_help = "Example: bolide standalone --namesrv-port 9876 --data-dir ./bolide-data")]
pub struct StandaloneArgs {
    /// NameServer port.
    #[arg(long, value_name = "PORT", default_value_t = 9876)]
    pub namesrv_port: u16,
    /// Folder for all data (KV config now; the message store later).
    #[arg(long, value_name = "DIR", default_value = "bolide-data")]
    pub data_dir: PathBuf,
    /// Any NameServer setting as KEY=VALUE; repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Print the effective settings and exit.
    #[arg(short = 'p', long = "print-config")]
    pub print_config: bool,
}

pub fn main(args: StandaloneArgs) -> anyhow::Result<()> {
    let mut flags = vec![
        ("listenPort", args.namesrv_port.to_string()),
        ("kvConfigPath", args.data_dir.join("namesrv").join("kvConfig.json").display().to_string()),
    ];
    flags.extend(parse_sets(&args.set)?);
    let config = NamesrvConfig::load(None, std::env::vars(), &flags)?;
    config.validate()?;
    if args.print_config {
        print!("{}", config.to_properties());
        return Ok(());
    }
    tracing::info!(
        namesrv_port = config.listen_port,
        data_dir = %args.data_dir.display(),
        "standalone: starting the name server (the broker is not part of this build yet)"
    );
    let runtime = tokio::runtime::Runtime::new().context("start the async runtime")?;
    runtime.block_on(bolide_namesrv::run(config, shutdown_signal()))?;
    Ok(())
}
