//! RocketMQ remoting transport over tokio.
