//! Every bound the transport applies, as named constants with units. Each one is the default of a
//! field in [`ServerConfig`](crate::ServerConfig) or [`ClientConfig`](crate::ClientConfig).

use std::time::Duration;

/// Largest frame accepted or sent: 16 MiB, as the Java decoder (`frameMaxLength`).
pub const DEFAULT_MAX_FRAME_BYTES: usize = bolide_protocol::frame::DEFAULT_MAX_FRAME_BYTES;

/// Connections a server serves at once. Beyond this the accept loop stops accepting and new
/// peers wait in the kernel's backlog, so one noisy client cannot exhaust file descriptors.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;

/// Requests from one peer processed concurrently on one connection. Beyond it requests are
/// answered SYSTEM_BUSY (2), as Java answers when its processor pool's queue is full; clients
/// back off and retry. Reading never pauses, because a processor may be waiting for the peer's
/// response to a call back on this same connection.
pub const DEFAULT_MAX_IN_FLIGHT_REQUESTS: usize = 1024;

/// Frames queued for one connection's writer before senders wait.
pub const DEFAULT_WRITE_QUEUE_DEPTH: usize = 1024;

/// A connection that has neither read nor written for this long is closed (Java's
/// `serverChannelMaxIdleTimeSeconds` / `clientChannelMaxIdleTimeSeconds`, 120 s).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a graceful shutdown waits for in-flight requests before cancelling them.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long a client waits for a TCP connection to be established (Java's
/// `connectTimeoutMillis`, 3 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Bytes reserved in a connection's read buffer before each read; bigger frames grow it once.
pub(crate) const READ_BUFFER_BYTES: usize = 64 * 1024;

/// The writer batches queued frames into one buffer until it holds this many bytes, then writes
/// it with one syscall.
pub(crate) const WRITE_BATCH_BYTES: usize = 64 * 1024;

/// Bodies up to this size are copied into the write batch; larger ones are written from their
/// own buffer to avoid the copy.
pub(crate) const COPY_BODY_MAX_BYTES: usize = 16 * 1024;

/// Pause after a failed `accept` (e.g. out of file descriptors) before trying again.
pub(crate) const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(100);

const _: () = assert!(COPY_BODY_MAX_BYTES <= WRITE_BATCH_BYTES);
const _: () = assert!(DEFAULT_IDLE_TIMEOUT.as_secs() >= 120, "never close more eagerly than Java (remoting.md §1)");
