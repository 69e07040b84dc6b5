//! `bolide bench producer`, `consumer` and `e2e` against a real standalone, checking the
//! `--json` summaries, `--rate` pacing and the refusal of bad flags.

mod support;

use std::process::Command;

use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess};
use serde_json::Value;
use support::{bolide, START_TIMEOUT};

/// Runs `bolide bench <args>` to completion and parses its stdout as one JSON object.
fn bench(args: &[&str]) -> Value {
    let output = Command::new(bolide()).arg("bench").args(args).output().expect("run bolide bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "bench {args:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    serde_json::from_str(stdout.trim()).unwrap_or_else(|err| panic!("not one JSON object ({err}):\n{stdout}"))
}

fn assert_latency(summary: &Value) {
    let latency = &summary["latency_ms"];
    let figure = |name: &str| latency[name].as_f64().unwrap_or_else(|| panic!("latency_ms.{name} in {summary}"));
    assert!(figure("p50") <= figure("p99") && figure("p99") <= figure("p999") && figure("p999") <= figure("max"));
    assert!(summary["tps"].as_f64().expect("tps") > 0.0);
    assert!(summary["mb_per_s"].as_f64().expect("mb_per_s") > 0.0);
}

/// Runs `bolide bench <args>`, expecting it to fail; returns its stderr.
fn bench_failure(args: &[&str]) -> String {
    let output = Command::new(bolide()).arg("bench").args(args).output().expect("run bolide bench");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "bench {args:?} should fail");
    assert!(!stderr.contains("panicked"), "bench {args:?} panicked:\n{stderr}");
    stderr
}

/// A standalone on free ports; returns it with its NameServer address.
fn start_standalone(dir: &std::path::Path) -> (ServerProcess, String) {
    let namesrv_port = free_port();
    let args = [
        "standalone".to_owned(),
        "--namesrv-port".to_owned(),
        namesrv_port.to_string(),
        "--broker-port".to_owned(),
        free_port_pair().to_string(),
        "--data-dir".to_owned(),
        dir.display().to_string(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = ServerProcess::start(&bolide(), &args, &[], "registered with name server", START_TIMEOUT);
    (server, format!("127.0.0.1:{namesrv_port}"))
}

#[test]
fn bench_producer_then_consumer_report_json_summaries() {
    let dir = temp_dir();
    let (mut server, namesrv) = start_standalone(dir.path());

    let sent = bench(&["producer", "-n", &namesrv, "-t", "BenchJson", "-w", "8", "-s", "256", "-q", "2000", "--json"]);
    assert_eq!(sent["sent"], 2000, "{sent}");
    assert_eq!(sent["failed"], 0, "{sent}");
    assert_eq!(sent["message_size"], 256);
    assert_latency(&sent);

    // A new group reads the topic from its first offset; --duration guards against a hang.
    let consumed = bench(&["consumer", "-n", &namesrv, "-t", "BenchJson", "-q", "2000", "--duration", "60", "--json"]);
    assert_eq!(consumed["consumed"], 2000, "{consumed}");
    assert_eq!(consumed["failed"], 0, "{consumed}");
    assert_latency(&consumed);

    // Batches and pipelined sends count messages, not calls (here on a two-thread runtime).
    let batched = bench(&[
        "producer",
        "-n",
        &namesrv,
        "-t",
        "BenchJson",
        "-w",
        "2",
        "-b",
        "10",
        "-y",
        "-k",
        "-l",
        "3",
        "-q",
        "500",
        "--runtime-threads",
        "2",
        "--json",
    ]);
    assert_eq!(batched["sent"], 500, "{batched}");
    assert_eq!(batched["batch_size"], 10);

    // Three readers share the queues of another new group: every message exactly once (on a
    // runtime with a thread per core).
    let shared = bench(&[
        "consumer",
        "-n",
        &namesrv,
        "-t",
        "BenchJson",
        "-g",
        "bench_readers",
        "-w",
        "3",
        "--idle",
        "3",
        "--duration",
        "60",
        "--runtime-threads",
        "0",
        "--json",
    ]);
    assert_eq!(shared["consumed"], 2500, "{shared}");
    assert_eq!(shared["failed"], 0, "{shared}");
    assert_eq!(shared["readers"], 3, "{shared}");

    assert!(server.terminate(std::time::Duration::from_secs(15)), "the standalone stops cleanly");
}

#[test]
fn bench_e2e_consumes_what_it_sent_and_paces_the_rate() {
    let dir = temp_dir();
    let (mut server, namesrv) = start_standalone(dir.path());

    // Messages already on the topic are not this run's: e2e starts at the queues' ends.
    let before = bench(&["producer", "-n", &namesrv, "-t", "BenchE2e", "-w", "2", "-s", "64", "-q", "300", "--json"]);
    assert_eq!(before["sent"], 300, "{before}");

    let e2e = bench(&["e2e", "-n", &namesrv, "-t", "BenchE2e", "-w", "4", "-s", "512", "-q", "1500", "--json"]);
    assert_eq!(e2e["mode"], "e2e");
    assert_eq!(e2e["sent"], 1500, "{e2e}");
    assert_eq!(e2e["consumed"], 1500, "every message sent is consumed: {e2e}");
    assert_eq!(e2e["failed"], 0, "{e2e}");
    assert_eq!(e2e["poll_failed"], 0, "{e2e}");
    assert_latency(&e2e);
    let end_to_end = &e2e["e2e_latency_ms"];
    let figure = |name: &str| end_to_end[name].as_f64().unwrap_or_else(|| panic!("e2e_latency_ms.{name} in {e2e}"));
    assert!(figure("p50") > 0.0 && figure("p50") <= figure("p99") && figure("p99") <= figure("max"), "{e2e}");

    // --rate: 200 msg/s for 3 s is about 600 messages, however fast the broker is.
    let paced = bench(&[
        "e2e",
        "-n",
        &namesrv,
        "-t",
        "BenchE2e",
        "-w",
        "4",
        "-s",
        "128",
        "--rate",
        "200",
        "--duration",
        "3",
        "--json",
    ]);
    let sent = paced["sent"].as_u64().expect("sent");
    assert!((500..=640).contains(&sent), "about 600 sent at 200 msg/s for 3 s: {paced}");
    assert_eq!(paced["consumed"], sent, "{paced}");

    // The producer paces the same way: 300 messages at 300 msg/s take about a second.
    let producer =
        bench(&["producer", "-n", &namesrv, "-t", "BenchE2e", "-w", "8", "-q", "300", "--rate", "300", "--json"]);
    assert_eq!(producer["sent"], 300, "{producer}");
    let elapsed = producer["elapsed_s"].as_f64().expect("elapsed_s");
    assert!(elapsed >= 0.95, "300 messages at 300 msg/s cannot take {elapsed} s: {producer}");

    // Bad flags are refused with a message, not a panic.
    let stderr = bench_failure(&["e2e", "-n", &namesrv, "-t", "BenchE2e", "-s", "8", "-q", "1"]);
    assert!(stderr.contains("-s must be at least 16 bytes"), "{stderr}");
    let stderr = bench_failure(&["producer", "-n", &namesrv, "-t", "BenchE2e", "--rate", "0", "-q", "1"]);
    assert!(stderr.contains("--rate must be a positive number"), "{stderr}");

    assert!(server.terminate(std::time::Duration::from_secs(15)), "the standalone stops cleanly");
}
