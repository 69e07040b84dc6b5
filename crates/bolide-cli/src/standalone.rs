//! `bolide standalone`: a NameServer and a broker in one process with embedded defaults (NameServer
//! 9876, broker 10911, cluster DefaultCluster, data under a local folder), ready for the official
//! clients.

use std::path::PathBuf;

use anyhow::Context;
use bolide_broker::BrokerConfig;
use bolide_config::Config;
use bolide_namesrv::NamesrvConfig;
use clap::Args;
use tokio::sync::watch;

use crate::logging::shutdown_signal;
use crate::namesrv::parse_sets;

#[derive(Args, Debug)]
#[command(after_help = "The broker reads -c, BOLIDE_* variables and --set like `bolide broker`; the NameServer uses \
its defaults with the port and data folder given here.\n\
Example: bolide standalone --data-dir ./bolide-data --set autoCreateTopicEnable=false")]
pub struct StandaloneArgs {
    /// NameServer port.
    #[arg(long, value_name = "PORT", default_value_t = 9876)]
    pub namesrv_port: u16,
    /// Broker port (the broker also listens on this port minus 2, as RocketMQ's does).
    #[arg(long, value_name = "PORT", default_value_t = 10911)]
    pub broker_port: u16,
    /// Folder for all data: the NameServer's KV config and the broker's store and config files.
    #[arg(long, value_name = "DIR", default_value = "bolide-data")]
    pub data_dir: PathBuf,
    /// broker.conf (Java properties with RocketMQ key names).
    #[arg(short = 'c', long = "config-file", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Any broker setting as KEY=VALUE; repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Print the effective settings of both servers and exit.
    #[arg(short = 'p', long = "print-config")]
    pub print_config: bool,
}

impl StandaloneArgs {
    fn namesrv_config(&self) -> anyhow::Result<NamesrvConfig> {
        let flags = [
            ("listenPort", self.namesrv_port.to_string()),
            ("kvConfigPath", self.data_dir.join("namesrv").join("kvConfig.json").display().to_string()),
        ];
        let config = NamesrvConfig::load(None, Vec::new(), &flags)?;
        config.validate()?;
        Ok(config)
    }

    fn broker_config(&self) -> anyhow::Result<BrokerConfig> {
        // Embedded defaults, which a file, the environment and --set may override: one process on
        // this machine, so the broker registers with its own NameServer and advertises loopback.
        let mut defaults = BrokerConfig::default();
        let source = bolide_config::Source::Default;
        defaults.set("namesrvAddr", &format!("127.0.0.1:{}", self.namesrv_port), &source)?;
        defaults.set("listenPort", &self.broker_port.to_string(), &source)?;
        defaults.set("brokerIP1", "127.0.0.1", &source)?;
        defaults.set("storePathRootDir", &self.data_dir.join("broker").display().to_string(), &source)?;
        let mut config = defaults;
        if let Some(file) = &self.config_file {
            let origin = bolide_config::Source::File(file.clone());
            for (key, value) in bolide_config::read_properties(file)? {
                config.set(&key, &value, &origin)?;
            }
        }
        for key in BrokerConfig::KEYS {
            let name = bolide_config::env_name(key);
            if let Ok(value) = std::env::var(&name) {
                config.set(key, &value, &bolide_config::Source::Env(name))?;
            }
        }
        for (key, value) in parse_sets(&self.set)? {
            config.set(key, &value, &bolide_config::Source::Flag)?;
        }
        config.validate()?;
        Ok(config)
    }
}

pub fn main(args: StandaloneArgs) -> anyhow::Result<()> {
    let namesrv_config = args.namesrv_config()?;
    let broker_config = args.broker_config()?;
    if args.print_config {
        println!("# name server");
        print!("{}", namesrv_config.to_properties());
        println!("# broker");
        print!("{}", broker_config.to_properties());
        return Ok(());
    }
    tracing::info!(
        namesrv_port = namesrv_config.listen_port,
        broker_port = broker_config.listen_port,
        data_dir = %args.data_dir.display(),
        "standalone: starting a name server and a broker"
    );
    let runtime = tokio::runtime::Runtime::new().context("start the async runtime")?;
    runtime.block_on(run(namesrv_config, broker_config))
}

/// Runs both servers until a signal; the broker stops first (it unregisters from the NameServer),
/// then the NameServer. If either fails, the other is stopped too.
async fn run(namesrv_config: NamesrvConfig, broker_config: BrokerConfig) -> anyhow::Result<()> {
    // Bound before the broker starts so its first registration finds the NameServer listening.
    let listener = bolide_namesrv::bind(&namesrv_config).await?;
    let (stop_namesrv, namesrv_stopped) = watch::channel(false);
    let namesrv = tokio::spawn(bolide_namesrv::serve(namesrv_config, listener, wait_for(namesrv_stopped)));
    let broker = bolide_broker::run(broker_config, async {
        tokio::select! {
            () = shutdown_signal() => {}
            () = namesrv_finished(&namesrv) => tracing::error!("the name server stopped; stopping the broker"),
        }
    })
    .await;
    let _ = stop_namesrv.send(true);
    let namesrv = namesrv.await.context("name server task")?;
    broker.context("broker")?;
    namesrv.context("name server")?;
    Ok(())
}

async fn wait_for(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

async fn namesrv_finished<T>(task: &tokio::task::JoinHandle<T>) {
    while !task.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
