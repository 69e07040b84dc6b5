//! An async Rust client for RocketMQ-compatible brokers (Bolide or Apache RocketMQ), speaking
//! the remoting protocol: a [`Producer`], a lite-pull [`PullConsumer`], a [`PushConsumer`] and an
//! [`admin::AdminClient`] for operations.
//!
//! Module map:
//! - `config`: [`ClientConfig`] (NameServers, instance name, timeouts, intervals);
//! - `message`: [`Message`] to send, [`SendResult`], received [`MessageExt`];
//! - `producer`: [`Producer`], [`QueueSelector`], [`SelectByHash`]; `producer/encode`: one
//!   request body and header per send (properties, `UNIQ_KEY`, compression, batches, half
//!   messages, replies); `producer/callback`: [`Producer::send_with_callback`] with
//!   back-pressure; `producer/request`: request-reply ([`Producer::request`],
//!   [`Message::reply_to`], replies pushed by the broker); `producer/transaction`:
//!   [`TransactionProducer`], [`TransactionListener`], check-backs;
//! - `consumer`: [`PullConsumer`] (assign or subscribe, seek, poll, commit); `consumer/pull`: the
//!   broker calls; `consumer/rebalance`: dividing queues among a group ([`AllocateStrategy`]);
//!   `consumer/offset_store`: consumed offsets on the brokers or in a local `offsets.json`;
//! - `consumer/push`: [`PushConsumer`] with concurrent or orderly listeners; its submodules
//!   `options`, `listener`, `subscription`, `process_queue`, `queue` (pull and consume tasks of
//!   one queue), `assignment` (rebalance, queue locks), `send_back` (retries, dead letters),
//!   `broker_requests` (rebalance notices, offset resets, running info, direct consumption);
//! - `admin`: [`admin::AdminClient`], typed operations calls split by domain (`cluster`,
//!   `topic`, `group`, `message`), used by `bolide admin`;
//! - `route`: a topic's writable and readable queues from its route, TBW102 auto-create;
//! - `instance`: connections, route cache with NameServer failover, heartbeats, shutdown;
//! - `error`: [`ClientError`].
//!
//! ```no_run
//! use std::time::Duration;
//! use bolide_client::{ClientConfig, ConsumeFrom, Message, Producer, PullConsumer, PullConsumerOptions};
//!
//! # async fn run() -> Result<(), bolide_client::ClientError> {
//! let config = ClientConfig::new("127.0.0.1:9876");
//! let producer = Producer::start(config.clone(), "example_producer").await?;
//! producer.send(&Message::new("Example", "hello").with_keys(["k1"])).await?;
//!
//! let options = PullConsumerOptions { consume_from: ConsumeFrom::FirstOffset, ..PullConsumerOptions::new("example") };
//! let mut consumer = PullConsumer::with_options(config, options).await?;
//! consumer.assign(consumer.queues("Example").await?).await;
//! let messages = consumer.poll(Duration::from_secs(3)).await?;
//! consumer.commit().await?;
//! # Ok(())
//! # }
//! ```
#![deny(clippy::unwrap_used)]

pub mod admin;
mod config;
mod consumer;
mod error;
mod instance;
mod message;
mod producer;
mod route;

pub use bolide_protocol::body::MessageModel;
pub use bolide_protocol::body::MessageQueue;
pub use bolide_protocol::SerializeType;
pub use config::{
    ClientConfig, DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_REQUEST_TIMEOUT, DEFAULT_ROUTE_REFRESH_INTERVAL,
    DEFAULT_SERIALIZE_TYPE,
};
pub use consumer::push::{
    ConcurrentListener, ConsumeConcurrentlyStatus, ConsumeContext, ConsumeOrderlyStatus, Expression, Listener,
    ListenerFuture, OrderlyListener, PushConsumer, PushConsumerOptions, PushConsumerStats, DEFAULT_CONSUME_CONCURRENCY,
    DEFAULT_CONSUME_CONCURRENTLY_MAX_SPAN, DEFAULT_MAX_RECONSUME_TIMES, DEFAULT_PULL_THRESHOLD_FOR_QUEUE,
    DEFAULT_PULL_THRESHOLD_SIZE_FOR_QUEUE_BYTES, OFFSET_PERSIST_INTERVAL,
};
pub use consumer::{
    AllocateStrategy, ConsumeFrom, PullConsumer, PullConsumerOptions, DEFAULT_PULL_BATCH_SIZE, MAX_SUSPEND,
    REBALANCE_INTERVAL,
};
pub use error::{ClientError, RETRYABLE_SEND_CODES};
pub use message::{Message, MessageExt, SendResult, SendStatus, MAX_MESSAGE_BYTES};
pub use producer::{
    ListenerError, Producer, ProducerOptions, QueueSelector, SelectByHash, TransactionListener, TransactionProducer,
    TransactionSendResult, TransactionState, DEFAULT_COMPRESS_OVER_BYTES, DEFAULT_MAX_IN_FLIGHT_CALLBACKS,
    DEFAULT_MAX_IN_FLIGHT_CALLBACK_BYTES, DEFAULT_RETRY_TIMES, MAX_PENDING_CHECKS, REPLY_TOPIC_SUFFIX,
};
pub use route::{AUTO_CREATE_TOPIC, DEFAULT_TOPIC_QUEUE_NUMS};
