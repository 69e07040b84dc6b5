//! Java compatibility: Apache RocketMQ's own `DefaultMessageStore` (rocketmq-store 4.9.8 from
//! Maven Central) writes a directory, Bolide opens it and reads every message, queue offset,
//! tag code and key back; and the reverse, the Java store reading a directory Bolide wrote.
//! Needs Java and Maven, so it only runs with `BOLIDE_JAVA_COMPAT=1`:
//!
//! ```text
//! BOLIDE_JAVA_COMPAT=1 cargo test -p bolide-store --test java_compat -- --ignored --nocapture
//! ```

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bolide_protocol::message::tag::tags_code;
use bolide_store::{GetMessageStatus, MessageStore, StoreConfig};
use common::decode;

const COUNT: usize = 1000;

/// The sizes `JavaStoreWriter` uses.
fn config(root: &Path) -> StoreConfig {
    StoreConfig {
        mapped_file_size_commit_log: 64 * 1024,
        mapped_file_size_consume_queue: 20 * 64,
        max_message_size: 16 * 1024,
        max_hash_slot_num: 64,
        max_index_num: 256,
        ..StoreConfig::with_root(root)
    }
}

#[test]
#[ignore = "needs Java and Maven; run with BOLIDE_JAVA_COMPAT=1 and --ignored (see the module doc)"]
fn bolide_reads_a_directory_written_by_the_java_store() {
    if !java_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(run_java(dir.path(), &[]), "the Java writer failed");

    let store = MessageStore::open(config(dir.path())).expect("open the Java directory");
    assert!(!store.recovery_report().after_crash, "the Java store shut down cleanly");
    assert!(store.wait_dispatched(Duration::from_secs(10)));
    assert!(store.max_commit_log_offset() > 64 * 1024, "several commit log segments");
    let mut seen = 0;
    for queue_id in 0..4 {
        let got = store.get_messages("JavaTopic", queue_id, 0, COUNT, u64::MAX).expect("read");
        assert_eq!(got.status, GetMessageStatus::Found);
        assert_eq!(got.messages.len(), COUNT / 4);
        for (k, (bytes, offset)) in got.messages.iter().zip(&got.queue_offsets).enumerate() {
            let message = decode(bytes);
            let i = k * 4 + queue_id as usize;
            assert_eq!(message.body(), format!("java message {i}").as_bytes());
            assert_eq!(*offset, k as u64);
            assert_eq!(message.queue_offset(), k as u64);
            assert_eq!(message.tags(), Some(format!("Tag{}", i % 3).as_str()));
            assert_eq!(message.tags_code(), tags_code(Some(&format!("Tag{}", i % 3))));
            assert_eq!(message.unique_key(), Some(format!("UNIQ-{i}").as_str()));
            assert_eq!(message.born_timestamp_ms(), 1_700_000_000_000 + i as i64);
            message.check_body_crc().expect("Java's body CRC");
            seen += 1;
        }
    }
    assert_eq!(seen, COUNT);
    // Keys through the Java-written index files.
    for i in [0usize, 123, COUNT - 1] {
        let found = store.query_by_key("JavaTopic", &format!("key-{i}"), 8, 0, i64::MAX).expect("query");
        assert_eq!(found.len(), 1, "key-{i}");
        assert_eq!(decode(&found[0]).body(), format!("java message {i}").as_bytes());
        let unique = store.query_by_key("JavaTopic", &format!("UNIQ-{i}"), 8, 0, i64::MAX).expect("query");
        assert_eq!(unique.len(), 1, "UNIQ-{i}");
    }
    // Bolide keeps appending where Java stopped.
    let p = common::props(Some("Tag0"), None, None);
    let next = store.append(&common::record("JavaTopic", 1, b"bolide", &p)).expect("append");
    assert_eq!(next.queue_offset, (COUNT / 4) as u64);
    store.close().expect("close");
    let store = MessageStore::open(config(dir.path())).expect("reopen");
    assert_eq!(store.max_queue_offset("JavaTopic", 1), (COUNT / 4 + 1) as u64);
}

/// Longest a Maven run may take (resolution from the local repository, compile, run). Dependencies
/// missing from `~/.m2` are fetched from Maven Central, which can take a while the first time.
const JAVA_TIMEOUT: Duration = Duration::from_secs(300);

/// The two tests share `tests/java/target`: two Maven builds of one project at once are not safe.
static MAVEN: Mutex<()> = Mutex::new(());

/// Runs `JavaStoreWriter <root> COUNT <extra>` through Maven; returns whether it succeeded.
///
/// # Panics
/// If Maven cannot be started or the run exceeds [`JAVA_TIMEOUT`] (the process is killed).
fn run_java(root: &Path, extra: &[&str]) -> bool {
    let _serial = MAVEN.lock().unwrap_or_else(|p| p.into_inner());
    let pom = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/pom.xml");
    // RocketMQ 4.9 reaches into JDK internals to unmap files; Java 9+ must open them.
    let opens = [
        "--add-opens java.base/java.nio=ALL-UNNAMED",
        "--add-opens java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens java.base/java.lang=ALL-UNNAMED",
        "--add-exports java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens java.base/jdk.internal.ref=ALL-UNNAMED",
    ];
    let mut child = Command::new("mvn")
        .env("MAVEN_OPTS", opens.join(" "))
        .args(["-q", "-B", "-f"])
        .arg(&pom)
        .arg("compile")
        .arg("exec:java")
        .arg(format!("-Dexec.args={} {COUNT} {}", root.display(), extra.join(" ")))
        .spawn()
        .expect("run mvn (is Maven installed?)");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for mvn") {
            return status.success();
        }
        if started.elapsed() > JAVA_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "mvn ({}) did not finish within {JAVA_TIMEOUT:?} and was killed: Maven resolving dependencies \
                 (offline? try `mvn -f {} dependency:resolve`) or the Java store not exiting",
                extra.join(" "),
                pom.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn java_enabled() -> bool {
    if std::env::var("BOLIDE_JAVA_COMPAT").ok().as_deref() == Some("1") {
        return true;
    }
    eprintln!("skipped: set BOLIDE_JAVA_COMPAT=1 (needs java and mvn)");
    false
}

#[test]
#[ignore = "needs Java and Maven; run with BOLIDE_JAVA_COMPAT=1 and --ignored (see the module doc)"]
fn the_java_store_reads_a_directory_written_by_bolide() {
    if !java_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MessageStore::open(config(dir.path())).expect("open");
    for i in 0..COUNT {
        let (tag, keys, unique) = (format!("Tag{}", i % 3), format!("key-{i} common"), format!("UNIQ-{i}"));
        let p = common::props(Some(&tag), Some(&keys), Some(&unique));
        let body = format!("java message {i}");
        let mut record = common::record("JavaTopic", (i % 4) as i32, body.as_bytes(), &p);
        record.born_timestamp_ms = 1_700_000_000_000 + i as i64;
        store.append(&record).expect("append");
    }
    store.close().expect("close");
    assert!(run_java(dir.path(), &["verify"]), "the Java store could not read Bolide's directory");
}
