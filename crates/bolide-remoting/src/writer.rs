//! The write half of a connection: one task drains a bounded queue of encoded frames and writes
//! them in batches, so many small responses cost one syscall.

use std::sync::atomic::{AtomicU64, Ordering};

use bolide_protocol::{frame, FrameError, FrameLimits, RemotingCommand};
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::limits::{COPY_BODY_MAX_BYTES, WRITE_BATCH_BYTES};

/// One frame ready to write: prefix and header already encoded, body kept in its own buffer.
#[derive(Debug)]
pub(crate) struct OutboundFrame {
    head: Bytes,
    body: Option<Bytes>,
}

impl OutboundFrame {
    /// Encodes the prefix and header of `command`; the body is shared, not copied.
    pub(crate) fn encode(command: RemotingCommand, limits: FrameLimits) -> Result<Self, FrameError> {
        let mut head = BytesMut::with_capacity(256);
        frame::encode_head(&command, &mut head, limits)?;
        Ok(Self { head: head.freeze(), body: command.body })
    }
}

/// When the connection last read or wrote, for the idle timeout. Milliseconds since `start`.
#[derive(Debug)]
pub(crate) struct Activity {
    start: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    pub(crate) fn new() -> Self {
        Self { start: Instant::now(), last_ms: AtomicU64::new(0) }
    }

    pub(crate) fn touch(&self) {
        let elapsed = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.fetch_max(elapsed, Ordering::Relaxed);
    }

    pub(crate) fn last(&self) -> Instant {
        self.start + std::time::Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

/// Writes queued frames until `stop` is cancelled, then writes whatever is still queued, flushes
/// and shuts the socket's write side down.
///
/// # Errors
/// The first socket error; the caller closes the connection.
pub(crate) async fn write_loop<W: AsyncWrite + Unpin>(
    mut sink: W,
    mut queue: mpsc::Receiver<OutboundFrame>,
    stop: CancellationToken,
    activity: &Activity,
) -> std::io::Result<()> {
    let mut batch = BytesMut::with_capacity(WRITE_BATCH_BYTES);
    loop {
        let first = tokio::select! {
            biased;
            frame = queue.recv() => frame,
            () = stop.cancelled() => None,
        };
        let Some(first) = first else { break };
        let mut next = Some(first);
        while let Some(frame) = next {
            append(&mut sink, &mut batch, frame).await?;
            next = if batch.len() < WRITE_BATCH_BYTES { queue.try_recv().ok() } else { None };
        }
        write_batch(&mut sink, &mut batch).await?;
        activity.touch();
    }
    // Stopping: everything already queued (e.g. responses of drained requests) still goes out.
    while let Ok(frame) = queue.try_recv() {
        append(&mut sink, &mut batch, frame).await?;
    }
    write_batch(&mut sink, &mut batch).await?;
    sink.shutdown().await?;
    debug!("writer finished");
    Ok(())
}

/// Adds a frame to the batch; a large body is written straight from its buffer after the batch.
async fn append<W: AsyncWrite + Unpin>(
    sink: &mut W,
    batch: &mut BytesMut,
    frame: OutboundFrame,
) -> std::io::Result<()> {
    batch.extend_from_slice(&frame.head);
    match frame.body {
        Some(body) if body.len() > COPY_BODY_MAX_BYTES => {
            write_batch(sink, batch).await?;
            sink.write_all(&body).await
        }
        Some(body) => {
            batch.extend_from_slice(&body);
            Ok(())
        }
        None => Ok(()),
    }
}

async fn write_batch<W: AsyncWrite + Unpin>(sink: &mut W, batch: &mut BytesMut) -> std::io::Result<()> {
    if !batch.is_empty() {
        sink.write_all(batch).await?;
        batch.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bolide_protocol::{RequestCode, ResponseCode};

    #[tokio::test]
    async fn frames_are_written_in_order_and_decodable() {
        let limits = FrameLimits::default();
        let (sender, receiver) = mpsc::channel(8);
        let big = vec![7u8; COPY_BODY_MAX_BYTES + 1];
        let commands = vec![
            RemotingCommand::request(RequestCode::HEART_BEAT).with_body(&b"small"[..]),
            RemotingCommand::response(ResponseCode::SUCCESS, 3).with_body(big),
            RemotingCommand::response(ResponseCode::SYSTEM_ERROR, 4),
        ];
        for command in &commands {
            sender.send(OutboundFrame::encode(command.clone(), limits).expect("fits")).await.expect("open");
        }
        let stop = CancellationToken::new();
        stop.cancel();
        let mut out = Vec::new();
        write_loop(&mut out, receiver, stop, &Activity::new()).await.expect("vec never fails");
        let mut buf = BytesMut::from(&out[..]);
        for command in commands {
            assert_eq!(frame::decode(&mut buf, limits).expect("valid"), Some(command));
        }
        assert!(buf.is_empty());
    }
}
