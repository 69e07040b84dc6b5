//! `bolide admin` as an operator types it, against the NameServers at `namesrv`: the helpers
//! the admin tests share (against Bolide and against the Java broker).

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::bolide;

/// Runs `bolide admin … -n <namesrv>` with `NAMESRV_ADDR` unset.
pub struct AdminCli {
    pub namesrv: String,
}

impl AdminCli {
    pub fn new(namesrv: impl Into<String>) -> Self {
        Self { namesrv: namesrv.into() }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(bolide())
            .arg("admin")
            .args(args)
            .args(["-n", &self.namesrv])
            .env_remove("NAMESRV_ADDR")
            .output()
            .expect("run bolide admin")
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "{args:?} failed: {}{stdout}", String::from_utf8_lossy(&output.stderr));
        stdout
    }

    /// Runs a command with `--json` that must succeed; returns its document.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        serde_json::from_str(&self.ok(&with_json)).unwrap_or_else(|err| panic!("{args:?}: not JSON: {err}"))
    }

    /// Runs a command that must fail; returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(!output.status.success(), "{args:?} should fail");
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// Waits until the name server routes `topic` (the broker re-registered), up to 10 s.
    pub fn wait_route(&self, topic: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.run(&["topicRoute", "-t", topic]).status.success() {
            assert!(Instant::now() < deadline, "no route for {topic}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
