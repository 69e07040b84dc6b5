//! Test harness shared by the integration tests: free loopback ports, temporary directories and
//! real server processes that are stopped (by PID, with the child handle) when the test ends.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use tempfile::TempDir;

/// Where [`free_port`] and [`free_port_pair`] pick ports: below Linux's default ephemeral range
/// (32768-60999), which the local ports of outgoing connections come from, so that a test's
/// client connection cannot take a port a moment after it was found free for a server.
const TEST_PORTS: std::ops::Range<u16> = 20_000..32_000;

/// A pseudo-random port of [`TEST_PORTS`], different for each call and process.
fn candidate_port() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let span = u64::from(TEST_PORTS.end - TEST_PORTS.start);
    TEST_PORTS.start + u16::try_from(hasher.finish() % span).expect("below the span")
}

/// Whether a server could listen on `port` on every address now.
fn bindable(port: u16) -> bool {
    TcpListener::bind(("0.0.0.0", port)).is_ok()
}

/// A TCP port that was free a moment ago, from [`TEST_PORTS`] (the OS picks one if none of a
/// thousand tries is free).
pub fn free_port() -> u16 {
    (0..1000).map(|_| candidate_port()).find(|&port| bindable(port)).unwrap_or_else(|| {
        TcpListener::bind("127.0.0.1:0")
            .expect("bind an ephemeral loopback port")
            .local_addr()
            .expect("local addr")
            .port()
    })
}

/// A port `p` such that `p` and `p - 2` were both free (a broker also listens on
/// `listenPort - 2`), from [`TEST_PORTS`].
pub fn free_port_pair() -> u16 {
    loop {
        let port = candidate_port();
        if bindable(port) && bindable(port - 2) {
            return port;
        }
    }
}

/// A fresh temporary directory, removed when dropped.
pub fn temp_dir() -> TempDir {
    tempfile::Builder::new().prefix("bolide-test-").tempdir().expect("create a temporary directory")
}

/// A server process started by a test. Its output is echoed to the test's stderr (shown for a
/// failing test) and kept for assertions. Dropping it kills the process.
pub struct ServerProcess {
    child: Child,
    output: Arc<Mutex<Vec<String>>>,
    lines: mpsc::Receiver<String>,
}

impl ServerProcess {
    /// Starts `program` with `args` and waits until a line of its output contains `ready`.
    ///
    /// # Panics
    /// When the process cannot start, exits, or is not ready within `timeout`: a test harness
    /// should fail loudly with the output so far.
    pub fn start(program: &Path, args: &[&str], envs: &[(&str, &str)], ready: &str, timeout: Duration) -> Self {
        let mut command = Command::new(program);
        command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        command.env("NO_COLOR", "1");
        for (key, value) in envs {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap_or_else(|err| panic!("start {}: {err}", program.display()));
        let output = Arc::new(Mutex::new(Vec::new()));
        let (sender, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        spawn_reader(stdout, sender.clone(), output.clone());
        spawn_reader(stderr, sender, output.clone());
        let mut process = Self { child, output, lines };
        process.wait_for(ready, timeout);
        process
    }

    /// Waits until an output line (printed since the last wait) contains `marker`.
    ///
    /// # Panics
    /// When the process exits or `timeout` passes first.
    pub fn wait_for(&mut self, marker: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left.min(Duration::from_millis(100))) {
                Ok(line) if line.contains(marker) => return,
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("process exited before printing {marker:?}; output:\n{}", self.output_text())
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Drain what is left before giving up.
                while let Ok(line) = self.lines.try_recv() {
                    if line.contains(marker) {
                        return;
                    }
                }
                panic!("process exited ({status}) before printing {marker:?}; output:\n{}", self.output_text());
            }
            if left.is_zero() {
                panic!("no {marker:?} within {timeout:?}; output:\n{}", self.output_text());
            }
        }
    }

    /// Everything printed so far.
    pub fn output_text(&self) -> String {
        self.output.lock().expect("output lock").join("\n")
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits up to `timeout` for a clean exit; returns whether it exited 0.
    pub fn terminate(&mut self, timeout: Duration) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn_reader(
    pipe: impl std::io::Read + Send + 'static,
    sender: mpsc::Sender<String>,
    output: Arc<Mutex<Vec<String>>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            eprintln!("  | {line}");
            output.lock().expect("output lock").push(line.clone());
            let _ = sender.send(line);
        }
    });
}
