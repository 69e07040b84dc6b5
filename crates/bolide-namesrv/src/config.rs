//! `namesrv.conf`: the NameServer's settings, with RocketMQ's key names.

use std::path::PathBuf;

use bolide_config::define_config;

/// Default frame limit of the NameServer: larger than the 16 MiB the Java servers accept, so that a
/// broker with tens of thousands of topics can still register (its REGISTER_BROKER body grows by
/// about 200 bytes a topic and passes 16 MiB near 70,000 topics).
pub const DEFAULT_NAMESRV_MAX_FRAME_BYTES: usize = 256 * 1024 * 1024;

fn default_kv_config_path() -> PathBuf {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join("namesrv").join("kvConfig.json")
}

define_config! {
    /// NameServer settings. Keys the Java NameServer has but Bolide does not need (thread pool
    /// sizes, Netty tuning) are accepted and have no effect, so existing files load unchanged.
    pub struct NamesrvConfig {
        /// TCP port to listen on.
        listen_port: u16 = "listenPort", 9876;
        /// Address to bind; `0.0.0.0` for every IPv4 interface, `::` for IPv6 and IPv4.
        listen_address: String = "listenAddress", "0.0.0.0".to_owned();
        /// Where KV config (PUT_KV_CONFIG …) is persisted.
        kv_config_path: PathBuf = "kvConfigPath", default_kv_config_path();
        /// Milliseconds between scans for brokers that stopped registering.
        scan_not_active_broker_interval: u64 = "scanNotActiveBrokerInterval", 5_000;
        /// Milliseconds of silence after which a broker is removed, unless it sends its own timeout.
        broker_timeout_millis: u64 = "brokerTimeoutMillis", 120_000;
        /// Put the `ORDER_TOPIC_CONFIG` KV entry of a topic into its route as `orderTopicConf`.
        order_message_enable: bool = "orderMessageEnable", false;
        /// Answer REGISTER_BROKER with the `ORDER_TOPIC_CONFIG` namespace.
        return_order_topic_config_to_broker: bool = "returnOrderTopicConfigToBroker", true;
        /// Allow GET_ALL_TOPIC_LIST_FROM_NAMESERVER.
        enable_all_topic_list: bool = "enableAllTopicList", true;
        /// Allow GET_TOPICS_BY_CLUSTER and the unit topic lists.
        enable_topic_list: bool = "enableTopicList", true;
        /// Largest accepted frame in bytes (see DEFAULT_NAMESRV_MAX_FRAME_BYTES).
        max_frame_bytes: usize = "maxFrameBytes", DEFAULT_NAMESRV_MAX_FRAME_BYTES;
        /// Seconds of silence after which a connection is closed.
        server_channel_max_idle_time_seconds: u64 = "serverChannelMaxIdleTimeSeconds", 120;
        /// Largest number of client connections.
        max_connections: usize = "maxConnections", 65_536;
        /// Accepted for compatibility; no effect.
        rocketmq_home: String = "rocketmqHome", String::new();
        /// Accepted for compatibility; no effect.
        product_env_name: String = "productEnvName", "center".to_owned();
        /// Accepted for compatibility; no effect.
        cluster_test: bool = "clusterTest", false;
        /// Accepted for compatibility; no effect (requests run on the async runtime).
        server_worker_threads: u32 = "serverWorkerThreads", 8;
        /// Accepted for compatibility; no effect.
        server_callback_executor_threads: u32 = "serverCallbackExecutorThreads", 0;
        /// Accepted for compatibility; no effect.
        server_selector_threads: u32 = "serverSelectorThreads", 3;
        /// Accepted for compatibility; no effect.
        default_thread_pool_nums: u32 = "defaultThreadPoolNums", 16;
        /// Accepted for compatibility; no effect.
        client_request_thread_pool_nums: u32 = "clientRequestThreadPoolNums", 8;
        /// Accepted for compatibility; no effect.
        use_epoll_native_selector: bool = "useEpollNativeSelector", false;
    }
}

impl NamesrvConfig {
    /// Cross-field checks, with a message naming the key.
    ///
    /// # Errors
    /// [`bolide_config::ConfigError::Invalid`].
    pub fn validate(&self) -> Result<(), bolide_config::ConfigError> {
        let invalid = |text: &str| Err(bolide_config::ConfigError::Invalid(text.to_owned()));
        if self.scan_not_active_broker_interval == 0 {
            return invalid("scanNotActiveBrokerInterval must be at least 1 ms");
        }
        if self.broker_timeout_millis == 0 {
            return invalid("brokerTimeoutMillis must be at least 1 ms");
        }
        if self.max_frame_bytes < 1024 || self.max_frame_bytes > i32::MAX as usize {
            return invalid("maxFrameBytes must be between 1024 and 2147483647");
        }
        if self.max_connections == 0 {
            return invalid("maxConnections must be at least 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_config::Config;

    #[test]
    fn example_config_file_loads_and_shows_the_defaults() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conf/namesrv.conf");
        let loaded = NamesrvConfig::load(Some(&path), Vec::new(), &[]).expect("the example loads");
        loaded.validate().expect("the example is valid");
        assert_eq!(loaded, NamesrvConfig::default(), "the example documents the defaults");
    }
}
