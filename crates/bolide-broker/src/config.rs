//! `broker.conf`: the broker's settings, with RocketMQ's key names (`BrokerConfig`,
//! `NettyServerConfig` and `MessageStoreConfig` keys in one flat file, as the Java broker reads it).
//!
//! Keys marked "store" are handed to the message store ([`BrokerConfig::store_config`]).

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::time::Duration;

use bolide_config::{define_config, ConfigError};

/// The 18 delay levels of a stock broker.
pub const DEFAULT_MESSAGE_DELAY_LEVEL: &str = bolide_store::DEFAULT_MESSAGE_DELAY_LEVEL;

fn default_store_root() -> PathBuf {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join("store")
}

/// The first non-loopback IPv4 address of this host, else `127.0.0.1`. Asks the routing table
/// through an unconnected UDP socket (no packet is sent).
fn default_broker_ip() -> String {
    let probe = UdpSocket::bind("0.0.0.0:0").and_then(|socket| {
        socket.connect("192.0.2.1:9")?;
        socket.local_addr()
    });
    match probe {
        Ok(SocketAddr::V4(addr)) if !addr.ip().is_loopback() && !addr.ip().is_unspecified() => addr.ip().to_string(),
        _ => "127.0.0.1".to_owned(),
    }
}

define_config! {
    /// Broker settings. Keys the Java broker has but Bolide does not use yet (thread pools, Netty
    /// tuning) are accepted and have no effect, so existing files load unchanged.
    pub struct BrokerConfig {
        /// Cluster this broker belongs to; also registered as a pseudo-topic.
        broker_cluster_name: String = "brokerClusterName", "DefaultCluster".to_owned();
        /// Broker name shared by a master and its slaves; also registered as a pseudo-topic.
        broker_name: String = "brokerName", "broker-a".to_owned();
        /// 0 for a master, 1 and up for slaves.
        broker_id: i64 = "brokerId", 0;
        /// Name servers, `host:port` separated by `;`.
        namesrv_addr: String = "namesrvAddr", String::new();
        /// Client port; the VIP port is this minus 2.
        listen_port: u16 = "listenPort", 10911;
        /// Address to bind both ports on.
        listen_address: String = "listenAddress", "0.0.0.0".to_owned();
        /// Address advertised to clients (`brokerIP1:listenPort`).
        broker_ip1: String = "brokerIP1", default_broker_ip();
        /// Address advertised for replication.
        broker_ip2: String = "brokerIP2", String::new();
        /// Replication port; 0 means listenPort + 1.
        ha_listen_port: u16 = "haListenPort", 0;
        /// ASYNC_MASTER, SYNC_MASTER or SLAVE.
        broker_role: String = "brokerRole", "ASYNC_MASTER".to_owned();
        /// Create unknown topics from TBW102 on send.
        auto_create_topic_enable: bool = "autoCreateTopicEnable", true;
        /// Create unknown subscription groups on heartbeat and offset commit.
        auto_create_subscription_group: bool = "autoCreateSubscriptionGroup", true;
        /// Queue count of TBW102 and the upper bound for auto-created topics.
        default_topic_queue_nums: i32 = "defaultTopicQueueNums", 8;
        /// Milliseconds between REGISTER_BROKER rounds (clamped to 10–60 s).
        register_name_server_period: u64 = "registerNameServerPeriod", 30_000;
        /// Register the broker-name pseudo-topic as writable and readable.
        broker_topic_enable: bool = "brokerTopicEnable", true;
        /// Register the cluster-name pseudo-topic as writable and readable.
        cluster_topic_enable: bool = "clusterTopicEnable", true;
        /// Create RMQ_SYS_TRACE_TOPIC at start.
        trace_topic_enable: bool = "traceTopicEnable", false;
        /// Name of the trace topic.
        msg_trace_topic_name: String = "msgTraceTopicName", "RMQ_SYS_TRACE_TOPIC".to_owned();
        /// Permission bits advertised for every topic of this broker.
        broker_permission: i32 = "brokerPermission", 6;
        /// Allow SQL92 property filters.
        enable_property_filter: bool = "enablePropertyFilter", false;
        /// Region reported in send responses.
        region_id: String = "regionId", "DefaultRegion".to_owned();
        /// Milliseconds of heartbeat silence after which a client channel is dropped.
        channel_expired_timeout: u64 = "channelExpiredTimeout", 120_000;
        /// Milliseconds between consumer offset flushes.
        flush_consumer_offset_interval: u64 = "flushConsumerOffsetInterval", 5_000;
        /// Root of the broker's data: `config/` here, and the store's files.
        store_path_root_dir: PathBuf = "storePathRootDir", default_store_root();
        /// Store: where commit log segments live; empty means storePathRootDir/commitlog.
        store_path_commit_log: String = "storePathCommitLog", String::new();
        /// Store: commit log segment size in bytes.
        mapped_file_size_commit_log: u64 = "mappedFileSizeCommitLog", 1024 * 1024 * 1024;
        /// Store: consume queue segment size in bytes (300,000 entries of 20 bytes).
        mapped_file_size_consume_queue: u64 = "mappedFileSizeConsumeQueue", 300_000 * 20;
        /// Store: ASYNC_FLUSH or SYNC_FLUSH.
        flush_disk_type: String = "flushDiskType", "ASYNC_FLUSH".to_owned();
        /// Store: milliseconds between asynchronous commit log flushes.
        flush_interval_commit_log: u64 = "flushIntervalCommitLog", 500;
        /// Store: hours a commit log segment is kept.
        file_reserved_time: u64 = "fileReservedTime", 72;
        /// Store: hours of the day (`04`, or `01;04`) when expired segments are deleted.
        delete_when: String = "deleteWhen", "04".to_owned();
        /// Store: disk usage percentage above which old segments are deleted early.
        disk_max_used_space_ratio: u32 = "diskMaxUsedSpaceRatio", 75;
        /// Store: largest message body plus properties, in bytes.
        max_message_size: u32 = "maxMessageSize", 4 * 1024 * 1024;
        /// Store: the delay levels, space-separated durations (s, m, h, d).
        message_delay_level: String = "messageDelayLevel", DEFAULT_MESSAGE_DELAY_LEVEL.to_owned();
        /// Store: asynchronous flushes wait for at least this many dirty 4 KiB pages.
        flush_commit_log_least_pages: u64 = "flushCommitLogLeastPages", 4;
        /// Store: how long a SYNC_FLUSH send waits for the disk before answering FLUSH_DISK_TIMEOUT, ms.
        sync_flush_timeout: u64 = "syncFlushTimeout", 5_000;
        /// Store: build the key index (QUERY_MESSAGE by key).
        message_index_enable: bool = "messageIndexEnable", true;
        /// Store (Bolide extension): under SYNC_FLUSH, pre-write the commit log ahead of the
        /// writer so that group commits sync data only; turn off on copy-on-write file systems.
        prewrite_commit_log: bool = "prewriteCommitLog", true;
        /// Store: how far behind the newest message, in percent of this machine's memory (or of
        /// the container's limit), messages count as in memory. Bolide keeps that much of the
        /// commit log behind the flushed offset in the OS page cache and evicts older bytes, so
        /// the log's memory stays bounded and is reused for new messages; 100 leaves the page
        /// cache to the operating system.
        access_message_in_memory_max_ratio: u32 = "accessMessageInMemoryMaxRatio", 40;
        /// Hold pulls that find nothing until a message arrives (else wait shortPollingTimeMills).
        long_polling_enable: bool = "longPollingEnable", true;
        /// Hold time of a suspended pull without long polling, ms.
        short_polling_time_mills: u64 = "shortPollingTimeMills", 1_000;
        /// Most messages one pull returns.
        max_transfer_count_on_message_in_memory: i32 = "maxTransferCountOnMessageInMemory", 32;
        /// Most bytes one pull returns (the first message is always returned whole).
        max_transfer_bytes_on_message_in_memory: u64 = "maxTransferBytesOnMessageInMemory", 256 * 1024;
        /// Most messages one pull returns once they are further behind the newest message than
        /// accessMessageInMemoryMaxRatio of memory (their reads may wait for the disk).
        max_transfer_count_on_message_in_disk: i32 = "maxTransferCountOnMessageInDisk", 8;
        /// Most bytes one pull returns of such messages.
        max_transfer_bytes_on_message_in_disk: u64 = "maxTransferBytesOnMessageInDisk", 64 * 1024;
        /// Refuse transactional (half) messages with NO_PERMISSION.
        reject_transaction_message: bool = "rejectTransactionMessage", false;
        /// Request-reply: also store replies in `<cluster>_REPLY_TOPIC` after pushing them.
        store_reply_message_enable: bool = "storeReplyMessageEnable", true;
        /// Milliseconds between two walks of the transaction check-back service.
        transaction_check_interval: u64 = "transactionCheckInterval", 30_000;
        /// Milliseconds a half message waits for END_TRANSACTION before it is checked back.
        transaction_time_out: u64 = "transactionTimeOut", 6_000;
        /// Check-backs of one half message before it is moved to TRANS_CHECK_MAX_TIME_TOPIC.
        transaction_check_max: i32 = "transactionCheckMax", 15;
        /// Accepted for compatibility; no effect.
        rocketmq_home: String = "rocketmqHome", String::new();
        /// Accepted for compatibility; no effect.
        send_message_thread_pool_nums: u32 = "sendMessageThreadPoolNums", 4;
        /// Accepted for compatibility; no effect.
        pull_message_thread_pool_nums: u32 = "pullMessageThreadPoolNums", 16;
        /// Accepted for compatibility; no effect.
        use_epoll_native_selector: bool = "useEpollNativeSelector", false;
    }
}

impl BrokerConfig {
    /// Cross-field checks, with a message naming the key.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |text: String| Err(ConfigError::Invalid(text));
        if !valid_name(&self.broker_name) {
            return invalid(format!("brokerName {:?} must be 1-127 of [%|a-zA-Z0-9_-]", self.broker_name));
        }
        if !valid_name(&self.broker_cluster_name) {
            return invalid(format!(
                "brokerClusterName {:?} must be 1-127 of [%|a-zA-Z0-9_-]",
                self.broker_cluster_name
            ));
        }
        if self.broker_id < 0 {
            return invalid(format!("brokerId must be 0 (master) or more, not {}", self.broker_id));
        }
        if self.listen_port < 3 {
            return invalid("listenPort must be at least 3 (the VIP port is listenPort - 2)".to_owned());
        }
        if !matches!(self.broker_role.as_str(), "ASYNC_MASTER" | "SYNC_MASTER" | "SLAVE") {
            return invalid(format!(
                "brokerRole must be ASYNC_MASTER, SYNC_MASTER or SLAVE, not {:?}",
                self.broker_role
            ));
        }
        if !matches!(self.flush_disk_type.as_str(), "ASYNC_FLUSH" | "SYNC_FLUSH") {
            return invalid(format!("flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH, not {:?}", self.flush_disk_type));
        }
        if !(1..=1024).contains(&self.default_topic_queue_nums) {
            return invalid("defaultTopicQueueNums must be between 1 and 1024".to_owned());
        }
        if self.max_message_size == 0 {
            return invalid("maxMessageSize must be at least 1".to_owned());
        }
        if self.channel_expired_timeout == 0 || self.flush_consumer_offset_interval == 0 {
            return invalid("channelExpiredTimeout and flushConsumerOffsetInterval must be at least 1 ms".to_owned());
        }
        if self.access_message_in_memory_max_ratio > 100 {
            return invalid(format!(
                "accessMessageInMemoryMaxRatio must be a percentage (0-100), not {}",
                self.access_message_in_memory_max_ratio
            ));
        }
        if let Err(level) = self.delay_levels() {
            return invalid(format!("messageDelayLevel: {level:?} is not a duration such as 10s, 5m, 2h or 1d"));
        }
        if let Some(addr) = self.namesrv_addrs().into_iter().find(|addr| addr.rsplit_once(':').is_none()) {
            return invalid(format!("namesrvAddr: {addr:?} is not host:port"));
        }
        Ok(())
    }

    /// The name servers, in configured order.
    pub fn namesrv_addrs(&self) -> Vec<String> {
        self.namesrv_addr.split(';').map(str::trim).filter(|addr| !addr.is_empty()).map(str::to_owned).collect()
    }

    /// `brokerIP1:listenPort`: the address clients and name servers know this broker by.
    pub fn broker_addr(&self) -> String {
        format!("{}:{}", self.broker_ip1, self.listen_port)
    }

    /// `brokerIP2:haListenPort` (brokerIP1 and listenPort + 1 by default).
    pub fn ha_server_addr(&self) -> String {
        let ip = if self.broker_ip2.is_empty() { &self.broker_ip1 } else { &self.broker_ip2 };
        let port =
            if self.ha_listen_port == 0 { u32::from(self.listen_port) + 1 } else { u32::from(self.ha_listen_port) };
        format!("{ip}:{port}")
    }

    /// The VIP port, listenPort - 2.
    pub fn vip_port(&self) -> u16 {
        self.listen_port.saturating_sub(2)
    }

    /// The registration period, clamped to 10–60 s as the Java broker does.
    pub fn register_period(&self) -> Duration {
        Duration::from_millis(self.register_name_server_period.clamp(10_000, 60_000))
    }

    /// The delay levels in order (level 1 first).
    ///
    /// # Errors
    /// The first entry that is not a duration.
    pub fn delay_levels(&self) -> Result<Vec<Duration>, String> {
        bolide_store::config::parse_delay_levels(&self.message_delay_level)
    }

    /// The message store's settings: root, commit log path and segment sizes, flush, retention
    /// and size limits from this file; everything else at the store's defaults.
    pub fn store_config(&self) -> bolide_store::StoreConfig {
        let defaults = bolide_store::StoreConfig::with_root(&self.store_path_root_dir);
        bolide_store::StoreConfig {
            store_path_commit_log: (!self.store_path_commit_log.is_empty())
                .then(|| PathBuf::from(&self.store_path_commit_log)),
            mapped_file_size_commit_log: self.mapped_file_size_commit_log,
            mapped_file_size_consume_queue: self.mapped_file_size_consume_queue,
            flush_disk_type: if self.flush_disk_type == "SYNC_FLUSH" {
                bolide_store::FlushDiskType::SyncFlush
            } else {
                bolide_store::FlushDiskType::AsyncFlush
            },
            flush_interval_commit_log: self.flush_interval_commit_log,
            flush_commit_log_least_pages: self.flush_commit_log_least_pages,
            sync_flush_timeout: self.sync_flush_timeout,
            file_reserved_time: self.file_reserved_time,
            delete_when: self.delete_when.clone(),
            disk_max_used_space_ratio: u64::from(self.disk_max_used_space_ratio),
            max_message_size: u64::from(self.max_message_size),
            message_index_enable: self.message_index_enable,
            prewrite_commit_log: self.prewrite_commit_log,
            commit_log_cached_bytes: self.commit_log_cached_bytes(),
            in_memory_window: self.in_memory_bytes().unwrap_or(u64::MAX),
            message_delay_level: self.message_delay_level.clone(),
            ..defaults
        }
    }

    /// The store's page-cache budget for the commit log: `accessMessageInMemoryMaxRatio` percent
    /// of the memory this process may use; `None` (no budget) at 100 or when the memory size is
    /// unknown.
    fn commit_log_cached_bytes(&self) -> Option<u64> {
        if self.access_message_in_memory_max_ratio >= 100 {
            return None;
        }
        self.in_memory_bytes()
    }

    /// `accessMessageInMemoryMaxRatio` percent of the memory this process may use: how far
    /// behind the newest message a message still counts as in memory; `None` when the memory
    /// size is unknown.
    fn in_memory_bytes(&self) -> Option<u64> {
        bolide_store::usable_memory_bytes()
            .map(|memory| memory / 100 * u64::from(self.access_message_in_memory_max_ratio))
    }

    /// Where `topics.json`, `subscriptionGroup.json` and `consumerOffset.json` live.
    pub fn config_dir(&self) -> PathBuf {
        self.store_path_root_dir.join("config")
    }
}

/// Topic, group, broker and cluster names: `[%|a-zA-Z0-9_-]`, 1 to 127 characters.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 127
        && name.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'%' | b'|' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_config::Config;

    #[test]
    fn defaults_are_valid_and_derived_values_follow() {
        let config = BrokerConfig { broker_ip1: "10.0.0.5".to_owned(), ..BrokerConfig::default() };
        config.validate().expect("defaults are valid");
        assert_eq!(config.broker_addr(), "10.0.0.5:10911");
        assert_eq!(config.ha_server_addr(), "10.0.0.5:10912");
        assert_eq!(config.vip_port(), 10909);
        assert_eq!(config.delay_levels().expect("levels").len(), 18);
        assert_eq!(config.register_period(), Duration::from_secs(30));
        let fast = BrokerConfig { register_name_server_period: 1, ..BrokerConfig::default() };
        assert_eq!(fast.register_period(), Duration::from_secs(10));
        let memory = bolide_store::usable_memory_bytes().expect("memory size");
        assert_eq!(config.store_config().commit_log_cached_bytes, Some(memory / 100 * 40));
        let uncapped = BrokerConfig { access_message_in_memory_max_ratio: 100, ..BrokerConfig::default() };
        assert_eq!(uncapped.store_config().commit_log_cached_bytes, None);
    }

    #[test]
    fn errors_name_the_key() {
        let mut config = BrokerConfig::default();
        config.set("namesrvAddr", "127.0.0.1:9876;127.0.0.1:9877", &bolide_config::Source::Flag).expect("set");
        assert_eq!(config.namesrv_addrs(), ["127.0.0.1:9876", "127.0.0.1:9877"]);
        for (key, value) in [
            ("brokerRole", "MASTER"),
            ("messageDelayLevel", "1s 5x"),
            ("flushDiskType", "x"),
            ("brokerName", "a b"),
            ("accessMessageInMemoryMaxRatio", "101"),
        ] {
            let mut bad = BrokerConfig::default();
            bad.set(key, value, &bolide_config::Source::Flag).expect("parses as text");
            let err = bad.validate().expect_err("invalid").to_string();
            assert!(err.contains(key), "{key}: {err}");
        }
        let err = BrokerConfig::default().set("brokerNam", "x", &bolide_config::Source::Flag).expect_err("unknown");
        assert!(err.to_string().contains("brokerNam"));
    }
}
