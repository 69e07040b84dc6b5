//! `bolide bench producer` then `bolide bench consumer` against a real standalone, checking the
//! `--json` summaries.

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

#[test]
fn bench_producer_then_consumer_report_json_summaries() {
    let dir = temp_dir();
    let namesrv_port = free_port();
    let args = [
        "standalone".to_owned(),
        "--namesrv-port".to_owned(),
        namesrv_port.to_string(),
        "--broker-port".to_owned(),
        free_port_pair().to_string(),
        "--data-dir".to_owned(),
        dir.path().display().to_string(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut server = ServerProcess::start(&bolide(), &args, &[], "registered with name server", START_TIMEOUT);
    let namesrv = format!("127.0.0.1:{namesrv_port}");

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

    // Batches and pipelined sends count messages, not calls.
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
        "--json",
    ]);
    assert_eq!(batched["sent"], 500, "{batched}");
    assert_eq!(batched["batch_size"], 10);

    assert!(server.terminate(std::time::Duration::from_secs(15)), "the standalone stops cleanly");
}
