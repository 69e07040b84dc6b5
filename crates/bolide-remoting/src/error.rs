//! Errors of the transport: [`RemotingError`] for callers, [`ProcessError`] for processors, and
//! [`CloseReason`] for why a connection ended.

use std::error::Error as StdError;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use bolide_protocol::FrameError;

/// Why a call, a connect or a server failed.
#[derive(Debug, thiserror::Error)]
pub enum RemotingError {
    /// The TCP connection could not be established (including an address that does not
    /// resolve).
    #[error("cannot connect to {addr}")]
    Connect {
        /// The address as given.
        addr: String,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// The TCP connection was not established within the connect timeout.
    #[error("connecting to {addr} timed out after {timeout:?}")]
    ConnectTimeout {
        /// The address as given.
        addr: String,
        /// The configured connect timeout.
        timeout: Duration,
    },
    /// No response arrived within the call's timeout.
    #[error("request with opaque {opaque} to {peer} timed out after {timeout:?}")]
    Timeout {
        /// The request's opaque.
        opaque: i32,
        /// The peer the request went to.
        peer: SocketAddr,
        /// The call's timeout.
        timeout: Duration,
    },
    /// The connection closed (or was closing) before the response arrived.
    #[error("connection to {peer} is closed")]
    ConnectionClosed {
        /// The peer of the closed connection.
        peer: SocketAddr,
    },
    /// The command cannot be encoded (too large, or does not fit the binary header).
    #[error("cannot encode the command")]
    Encode(#[from] FrameError),
    /// The client or server has been shut down.
    #[error("the transport is shut down")]
    Shutdown,
    /// A configuration value is unusable.
    #[error("invalid configuration: {field} {reason}")]
    InvalidConfig {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A listener or socket operation failed.
    #[error("socket error")]
    Io(#[from] std::io::Error),
}

/// A processor's failure. The dispatcher answers it with SYSTEM_ERROR (1) and the error chain as
/// remark, unless the request was oneway.
///
/// Any `std::error::Error` converts with `?`; [`ProcessError::msg`] makes one from text.
pub struct ProcessError {
    inner: Box<dyn StdError + Send + Sync + 'static>,
}

impl ProcessError {
    /// Wraps an error (or anything boxable as one, such as a `String`).
    pub fn new(error: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        Self { inner: error.into() }
    }

    /// An error with only a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self::new(message.to_string())
    }

    /// The wrapped error.
    pub fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.inner
    }

    /// The error and its sources joined by `": "`, as sent in the SYSTEM_ERROR remark.
    pub fn chain(&self) -> String {
        error_chain(self.as_error())
    }
}

impl<E: StdError + Send + Sync + 'static> From<E> for ProcessError {
    fn from(error: E) -> Self {
        Self::new(error)
    }
}

impl fmt::Debug for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.chain())
    }
}

/// Formats an error and its sources as `"outer: cause: root cause"`. A cause whose text the
/// message already ends with (errors that print their source themselves) is not repeated.
pub(crate) fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Why a connection ended; logged with [`crate::lifecycle::CONNECTION_CLOSED`] and passed to
/// [`ConnectionHook::on_close`](crate::ConnectionHook::on_close).
#[derive(Debug, thiserror::Error)]
pub enum CloseReason {
    /// The peer closed its side.
    #[error("closed by peer")]
    PeerClosed,
    /// The peer closed in the middle of a frame.
    #[error("closed by peer with {buffered_bytes} bytes of an incomplete frame buffered")]
    PeerClosedMidFrame {
        /// Bytes of the unfinished frame.
        buffered_bytes: usize,
    },
    /// The peer sent bytes that are not a valid frame.
    #[error("invalid frame")]
    Protocol(#[source] FrameError),
    /// Reading or writing the socket failed.
    #[error("socket error")]
    Io(#[source] std::io::Error),
    /// Neither read nor write for the idle timeout.
    #[error("idle for {0:?}")]
    Idle(Duration),
    /// Closed locally: [`ConnectionHandle::close`](crate::ConnectionHandle::close).
    #[error("closed locally")]
    Local,
    /// The server or client is shutting down.
    #[error("shutdown")]
    Shutdown,
}

impl CloseReason {
    /// Whether frames already queued are still written before the socket closes: yes for an
    /// orderly close, no when the peer misbehaved, the socket failed or nobody is listening.
    pub(crate) fn flushes_queued_frames(&self) -> bool {
        matches!(self, CloseReason::Shutdown | CloseReason::Local | CloseReason::PeerClosed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn chain_joins_sources() {
        let error = ProcessError::from(Outer(std::io::Error::other("disk gone")));
        assert_eq!(error.chain(), "outer: disk gone");
        assert_eq!(ProcessError::msg("plain").to_string(), "plain");
    }

    #[derive(Debug, thiserror::Error)]
    #[error("wrapper: {0}")]
    struct PrintsItsSource(#[source] std::io::Error);

    #[test]
    fn chain_does_not_repeat_a_printed_source() {
        let error = ProcessError::from(PrintsItsSource(std::io::Error::other("root")));
        assert_eq!(error.chain(), "wrapper: root");
    }
}
