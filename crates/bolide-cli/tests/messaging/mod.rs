//! Shared by the send/pull and durability tests: start a real `bolide broker` with store settings,
//! build send and pull requests with the wire keys the official clients put on them, and a
//! client that reports a dead connection instead of panicking (for kill -9 mid-stream).

#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use bolide_protocol::frame::{self, FrameLimits};
use bolide_protocol::message::batch::BatchEntry;
use bolide_protocol::message::stored::messages;
use bolide_protocol::message::tag::tags_code;
use bolide_protocol::{RemotingCommand, RequestCode};
use bolide_testkit::ServerProcess;
use bytes::{Bytes, BytesMut};

use crate::support::{bolide, START_TIMEOUT};

pub const BROKER_READY: &str = "broker started";
pub const REGISTERED: &str = "registered with name server";
/// The store's lifecycle line after opening (field `after_crash`).
pub const STORE_RECOVERED: &str = "store recovered";
pub const PRODUCER_GROUP: &str = "e2e-producer";

/// Starts `bolide broker` on `port` (and `port - 2`) with its data under `dir`, registering with
/// the name server on `namesrv_port` when given, plus `settings` (`key=value`).
pub fn start_broker(port: u16, dir: &Path, namesrv_port: Option<u16>, settings: &[&str]) -> ServerProcess {
    let port_text = port.to_string();
    let store = format!("storePathRootDir={}", dir.display());
    let namesrv = namesrv_port.map(|port| format!("127.0.0.1:{port}"));
    let mut args = vec!["broker", "--listen-port", &port_text, "--set", &store];
    if let Some(namesrv) = &namesrv {
        args.extend(["-n", namesrv.as_str()]);
    }
    for setting in ["brokerIP1=127.0.0.1", "listenAddress=127.0.0.1", "brokerName=broker-e2e"].iter().chain(settings) {
        args.extend(["--set", setting]);
    }
    let mut broker = ServerProcess::start(&bolide(), &args, &[], BROKER_READY, START_TIMEOUT);
    if namesrv_port.is_some() {
        broker.wait_for(REGISTERED, START_TIMEOUT);
    }
    broker
}

/// A raw properties string as the Java client writes it: `name 0x01 value 0x02` per property.
pub fn properties(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(name, value)| format!("{name}\u{1}{value}\u{2}")).collect()
}

/// UPDATE_AND_CREATE_TOPIC with `queues` read and write queues, perm 6.
pub fn create_topic(topic: &str, queues: i32) -> RemotingCommand {
    RemotingCommand::request(RequestCode::UPDATE_AND_CREATE_TOPIC)
        .with_ext("topic", topic)
        .with_ext("defaultTopic", "TBW102")
        .with_ext("readQueueNums", queues.to_string())
        .with_ext("writeQueueNums", queues.to_string())
        .with_ext("perm", "6")
        .with_ext("topicFilterType", "SINGLE_TAG")
        .with_ext("topicSysFlag", "0")
        .with_ext("order", "false")
}

/// A message as a producer describes it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub topic: String,
    pub queue_id: i32,
    pub body: Bytes,
    pub properties: String,
    pub flag: i32,
    pub born_timestamp_ms: i64,
    /// defaultTopicQueueNums (the producer's default is 4).
    pub default_queue_nums: i32,
}

impl Outgoing {
    pub fn new(topic: &str, queue_id: i32, body: impl Into<Bytes>, properties: String) -> Self {
        Outgoing {
            topic: topic.to_owned(),
            queue_id,
            body: body.into(),
            properties,
            flag: 0,
            born_timestamp_ms: 1_700_000_000_000,
            default_queue_nums: 4,
        }
    }

    /// SEND_MESSAGE (10) with the long header names (the Go client's single send).
    pub fn v1(&self) -> RemotingCommand {
        RemotingCommand::request(RequestCode::SEND_MESSAGE)
            .with_ext("producerGroup", PRODUCER_GROUP)
            .with_ext("topic", self.topic.as_str())
            .with_ext("defaultTopic", "TBW102")
            .with_ext("defaultTopicQueueNums", self.default_queue_nums.to_string())
            .with_ext("queueId", self.queue_id.to_string())
            .with_ext("sysFlag", "0")
            .with_ext("bornTimestamp", self.born_timestamp_ms.to_string())
            .with_ext("flag", self.flag.to_string())
            .with_ext("properties", self.properties.as_str())
            .with_ext("reconsumeTimes", "0")
            .with_ext("unitMode", "false")
            .with_ext("batch", "false")
            .with_body(self.body.clone())
    }

    /// SEND_MESSAGE_V2 (310) with the one-letter keys (the Java client's single send).
    pub fn v2(&self) -> RemotingCommand {
        self.v2_header(RequestCode::SEND_MESSAGE_V2, false).with_body(self.body.clone())
    }

    fn v2_header(&self, code: RequestCode, batch: bool) -> RemotingCommand {
        RemotingCommand::request(code)
            .with_ext("a", PRODUCER_GROUP)
            .with_ext("b", self.topic.as_str())
            .with_ext("c", "TBW102")
            .with_ext("d", self.default_queue_nums.to_string())
            .with_ext("e", self.queue_id.to_string())
            .with_ext("f", "0")
            .with_ext("g", self.born_timestamp_ms.to_string())
            .with_ext("h", self.flag.to_string())
            .with_ext("i", self.properties.as_str())
            .with_ext("j", "0")
            .with_ext("k", "false")
            .with_ext("m", batch.to_string())
    }
}

/// SEND_BATCH_MESSAGE (320): a V2 header with `m=true` (the header's properties are the
/// batch-level ones) and the entries encoded back to back.
pub fn batch_request(header: &Outgoing, entries: &[BatchEntry<'_>]) -> RemotingCommand {
    let mut body = BytesMut::new();
    for entry in entries {
        entry.encode_into(&mut body).expect("encodable batch entry");
    }
    header.v2_header(RequestCode::SEND_BATCH_MESSAGE, true).with_body(body.freeze())
}

/// A pull as a consumer sends it.
#[derive(Debug, Clone)]
pub struct Pull {
    pub group: String,
    pub topic: String,
    pub queue_id: i32,
    pub queue_offset: i64,
    pub max_msg_nums: i32,
    pub sys_flag: i32,
    pub commit_offset: i64,
    pub suspend_timeout_ms: i64,
    pub subscription: Option<String>,
    /// maxMsgBytes (5.x clients).
    pub max_msg_bytes: Option<i32>,
}

impl Pull {
    /// A pull of up to 32 messages with the subscription `*` in the request (flag 0x4).
    pub fn new(group: &str, topic: &str, queue_id: i32, queue_offset: i64) -> Self {
        Pull {
            group: group.to_owned(),
            topic: topic.to_owned(),
            queue_id,
            queue_offset,
            max_msg_nums: 32,
            sys_flag: 0x4,
            commit_offset: 0,
            suspend_timeout_ms: 0,
            subscription: Some("*".to_owned()),
            max_msg_bytes: None,
        }
    }

    pub fn request(&self) -> RemotingCommand {
        let mut request = RemotingCommand::request(RequestCode::PULL_MESSAGE)
            .with_ext("consumerGroup", self.group.as_str())
            .with_ext("topic", self.topic.as_str())
            .with_ext("queueId", self.queue_id.to_string())
            .with_ext("queueOffset", self.queue_offset.to_string())
            .with_ext("maxMsgNums", self.max_msg_nums.to_string())
            .with_ext("sysFlag", self.sys_flag.to_string())
            .with_ext("commitOffset", self.commit_offset.to_string())
            .with_ext("suspendTimeoutMillis", self.suspend_timeout_ms.to_string())
            .with_ext("subVersion", "0")
            .with_ext("expressionType", "TAG");
        if let Some(subscription) = &self.subscription {
            request = request.with_ext("subscription", subscription.as_str());
        }
        if let Some(max_msg_bytes) = self.max_msg_bytes {
            request = request.with_ext("maxMsgBytes", max_msg_bytes.to_string());
        }
        request
    }
}

/// HEART_BEAT of a push consumer of `group` subscribed to `topic` with the tags `tags` (`*`
/// for all), as the Java client writes it (tag hash codes included).
pub fn heartbeat(client_id: &str, group: &str, topic: &str, tags: &[&str]) -> RemotingCommand {
    let sub_string = if tags.is_empty() { "*".to_owned() } else { tags.join(" || ") };
    let code_set: Vec<i64> = tags.iter().map(|tag| tags_code(Some(tag))).collect();
    let body = serde_json::json!({
        "clientID": client_id,
        "consumerDataSet": [{
            "groupName": group, "consumeType": "CONSUME_PASSIVELY", "messageModel": "CLUSTERING",
            "consumeFromWhere": "CONSUME_FROM_LAST_OFFSET", "unitMode": false,
            "subscriptionDataSet": [{"classFilterMode": false, "codeSet": code_set, "expressionType": "TAG",
                "subString": sub_string, "subVersion": 1, "tagsSet": tags, "topic": topic}]
        }],
        "producerDataSet": []
    });
    RemotingCommand::request(RequestCode::HEART_BEAT).with_body(serde_json::to_vec(&body).expect("JSON"))
}

/// A stored message read back from a pull body, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// The whole record, as the store keeps it.
    pub record: Vec<u8>,
    pub queue_id: i32,
    pub queue_offset: u64,
    pub commit_log_offset: u64,
    pub sys_flag: i32,
    pub body: Vec<u8>,
    pub topic: String,
    pub properties: Vec<u8>,
    pub tags: Option<String>,
    pub born_host: SocketAddr,
    pub store_host: SocketAddr,
    pub store_timestamp_ms: i64,
}

/// The records of a pull response body; every record must decode and pass its body CRC.
pub fn pulled(response: &RemotingCommand) -> Vec<Pulled> {
    let body = response.body.clone().unwrap_or_default();
    messages(&body)
        .map(|message| {
            let message = message.expect("a pull body holds whole, valid records");
            message.check_body_crc().expect("body CRC matches");
            Pulled {
                record: message.as_bytes().to_vec(),
                queue_id: message.queue_id(),
                queue_offset: message.queue_offset(),
                commit_log_offset: message.commit_log_offset(),
                sys_flag: message.sys_flag().bits(),
                body: message.body().to_vec(),
                topic: message.topic().to_owned(),
                properties: message.properties().to_vec(),
                tags: message.tags().map(str::to_owned),
                born_host: message.born_host(),
                store_host: message.store_host(),
                store_timestamp_ms: message.store_timestamp_ms(),
            }
        })
        .collect()
}

/// The response header field `key` as a number.
pub fn ext_i64(response: &RemotingCommand, key: &str) -> i64 {
    let text = response.ext(key).unwrap_or_else(|| panic!("{key} in {response:?}"));
    text.parse().unwrap_or_else(|_| panic!("{key}={text} is a number"))
}

/// A blocking client whose calls fail with an error (rather than a panic) when the server goes
/// away, for clients that outlive a killed broker.
pub struct TryClient {
    stream: TcpStream,
    buf: BytesMut,
    next_opaque: i32,
}

impl TryClient {
    pub fn connect(port: u16) -> io::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(15)))?;
        stream.set_nodelay(true)?;
        Ok(TryClient { stream, buf: BytesMut::new(), next_opaque: 1 })
    }

    /// The client's own address: the born host of what it sends.
    pub fn local_addr(&self) -> SocketAddr {
        self.stream.local_addr().expect("connected socket")
    }

    /// Sends `request` (JSON header) and reads its response. Requests from the broker that
    /// arrive first (NOTIFY_CONSUMER_IDS_CHANGED after a heartbeat) are skipped.
    pub fn call(&mut self, mut request: RemotingCommand) -> io::Result<RemotingCommand> {
        request.opaque = self.next_opaque;
        self.next_opaque += 1;
        let mut out = BytesMut::new();
        frame::encode(&request, &mut out, FrameLimits::default()).map_err(io::Error::other)?;
        self.stream.write_all(&out)?;
        loop {
            if let Some(frame) = frame::decode(&mut self.buf, FrameLimits::default()).map_err(io::Error::other)? {
                if !frame.is_response() {
                    continue;
                }
                assert_eq!(frame.opaque, request.opaque, "one request at a time");
                return Ok(frame);
            }
            let mut chunk = [0u8; 65536];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// As [`TryClient::call`], for callers that expect the server to be up.
    pub fn must(&mut self, request: RemotingCommand) -> RemotingCommand {
        self.call(request).expect("the broker answers")
    }

    /// Waits until `count` messages of `topic`/`queue_id` are readable. The broker acknowledges a
    /// send once it is in the commit log (and on disk under SYNC_FLUSH); consume queues are built
    /// from the commit log in the background, as in RocketMQ, so a pull may lag an ack by a
    /// moment.
    pub fn wait_readable(&mut self, topic: &str, queue_id: i32, count: u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let response = self.must(Pull::new("e2e-waiter", topic, queue_id, 0).request());
            let max = response.ext("maxOffset").and_then(|max| max.parse::<u64>().ok()).unwrap_or(0);
            if max >= count {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "{topic}/{queue_id} readable up to {max}, not {count}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Pulls `topic`/`queue_id` from offset 0 to its end (answers 19), in order.
    pub fn pull_all(&mut self, group: &str, topic: &str, queue_id: i32) -> Vec<Pulled> {
        let mut all = Vec::new();
        let mut offset = 0;
        loop {
            let response = self.must(Pull::new(group, topic, queue_id, offset).request());
            match response.code {
                0 => {
                    all.extend(pulled(&response));
                    offset = ext_i64(&response, "nextBeginOffset");
                }
                19 => return all,
                code => panic!("pull of {topic}/{queue_id} at {offset} answered {code}: {:?}", response.remark),
            }
        }
    }
}
