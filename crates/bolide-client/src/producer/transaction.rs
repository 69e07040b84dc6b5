//! Transactional messages, as Java's `TransactionMQProducer` sends them
//! (`DefaultMQProducerImpl.sendMessageInTransaction / endTransaction / checkTransactionState`;
//! behaviours.md §7, BROKER.md "Transactions").
//!
//! 1. The message goes out as a half message (`TRAN_MSG=true`, `PGROUP=<group>`, sysflag
//!    PREPARED, any delay level cleared): the broker stores it where consumers cannot see it.
//! 2. The listener's [`TransactionListener::execute`] runs the local transaction.
//! 3. END_TRANSACTION (oneway) tells the broker that stored the half message to commit it (now
//!    consumers see it), roll it back, or wait (unknown).
//! 4. For a half message left unknown (or whose END_TRANSACTION was lost) the broker later sends
//!    CHECK_TRANSACTION_STATE over this client's connection; [`TransactionListener::check`] runs
//!    on its own task and its answer goes back as END_TRANSACTION with `fromTransactionCheck`.
//!
//! A listener that fails (an `Err` or a panic) answers unknown, so the broker asks again later.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bolide_protocol::header::end_transaction::{
    TRANSACTION_COMMIT_TYPE, TRANSACTION_NOT_TYPE, TRANSACTION_ROLLBACK_TYPE,
};
use bolide_protocol::header::{CheckTransactionStateRequestHeader, EndTransactionRequestHeader, RpcFields};
use bolide_protocol::message::properties as names;
use bolide_protocol::message::{OffsetMessageId, StoredMessage};
use bolide_protocol::{LanguageCode, RemotingCommand, RequestCode};
use bolide_remoting::{ConnectionHandle, ProcessResult, ProcessorRegistry, RequestContext};
use futures::FutureExt;
use tokio::sync::Semaphore;

use super::{Producer, ProducerOptions};
use crate::config::ClientConfig;
use crate::error::ClientError;
use crate::message::{Message, MessageExt, SendResult, SendStatus};

/// How long END_TRANSACTION after a check-back may take to be queued (Java: 3 s).
const CHECK_ANSWER_TIMEOUT: Duration = Duration::from_secs(3);

/// Check-backs waiting or running at most (Java's `checkRequestHoldMax`, 2000); beyond that a
/// check-back is dropped (with a warning) and the broker asks again at its next round.
pub const MAX_PENDING_CHECKS: usize = 2_000;

/// What a listener says about a local transaction (Java's `LocalTransactionState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionState {
    /// The local transaction committed: deliver the message.
    Commit,
    /// The local transaction failed: discard the message.
    Rollback,
    /// Not known yet: the broker checks back later.
    Unknown,
}

impl TransactionState {
    /// `commitOrRollback` of END_TRANSACTION.
    fn wire_type(self) -> i32 {
        match self {
            TransactionState::Commit => TRANSACTION_COMMIT_TYPE,
            TransactionState::Rollback => TRANSACTION_ROLLBACK_TYPE,
            TransactionState::Unknown => TRANSACTION_NOT_TYPE,
        }
    }
}

/// A listener's failure; the transaction is then reported unknown.
pub type ListenerError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The application side of a transaction (Java's `TransactionListener`).
///
/// Implementations may use `async fn`. Both methods run on the tokio runtime: long blocking
/// work belongs in `tokio::task::spawn_blocking`.
pub trait TransactionListener: Send + Sync + 'static {
    /// What [`TransactionProducer::send_in_transaction`] passes through to
    /// [`TransactionListener::execute`] (Java's `arg`), e.g. the order to insert.
    type Arg: Send;

    /// Runs the local transaction after the half message was stored. `transaction_id` is the
    /// message's id (`UNIQ_KEY`), which [`TransactionListener::check`] sees again as
    /// [`MessageExt::msg_id`]. Runs on the task that called `send_in_transaction`.
    fn execute(
        &self,
        message: &Message,
        transaction_id: &str,
        arg: Self::Arg,
    ) -> impl Future<Output = Result<TransactionState, ListenerError>> + Send;

    /// Answers a broker's check-back about a half message whose outcome it does not know
    /// (usually by looking the transaction id up in the local database). Runs on its own task.
    fn check(&self, message: &MessageExt) -> impl Future<Output = Result<TransactionState, ListenerError>> + Send;
}

/// The result of [`TransactionProducer::send_in_transaction`] (Java's `TransactionSendResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionSendResult {
    /// How the half message was stored.
    pub send_result: SendResult,
    /// What the listener decided (rollback without asking it when the half message was stored
    /// without the durability the broker promises, as in Java).
    pub local_state: TransactionState,
}

/// A producer of transactional messages. It is also a plain [`Producer`] (see
/// [`TransactionProducer::producer`]). Cheap to clone; clones share the connections and the
/// listener.
///
/// ```no_run
/// use bolide_client::{ClientConfig, ListenerError, Message, MessageExt, TransactionListener,
///     TransactionProducer, TransactionState};
///
/// struct Orders;
///
/// impl TransactionListener for Orders {
///     type Arg = u64;
///
///     async fn execute(&self, _message: &Message, _id: &str, order: u64) -> Result<TransactionState, ListenerError> {
///         // Insert the order in the local database here.
///         Ok(if order > 0 { TransactionState::Commit } else { TransactionState::Rollback })
///     }
///
///     async fn check(&self, _message: &MessageExt) -> Result<TransactionState, ListenerError> {
///         Ok(TransactionState::Commit) // look the transaction up by `message.msg_id()`
///     }
/// }
///
/// # async fn run() -> Result<(), bolide_client::ClientError> {
/// let producer = TransactionProducer::start(ClientConfig::new("127.0.0.1:9876"), "order_tx", Orders).await?;
/// let result = producer.send_in_transaction(&Message::new("Orders", "order 42"), 42).await?;
/// assert_eq!(result.local_state, TransactionState::Commit);
/// producer.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct TransactionProducer<L: TransactionListener> {
    producer: Producer,
    listener: Arc<L>,
}

impl<L: TransactionListener> Clone for TransactionProducer<L> {
    fn clone(&self) -> Self {
        Self { producer: self.producer.clone(), listener: self.listener.clone() }
    }
}

impl<L: TransactionListener> TransactionProducer<L> {
    /// Starts a transactional producer of `group` with the Java defaults.
    ///
    /// # Errors
    /// As [`Producer::start`].
    pub async fn start(config: ClientConfig, group: impl Into<String>, listener: L) -> Result<Self, ClientError> {
        Self::with_options(config, ProducerOptions::new(group), listener).await
    }

    /// Starts a transactional producer with explicit options.
    ///
    /// # Errors
    /// As [`Producer::with_options`].
    pub async fn with_options(
        config: ClientConfig,
        options: ProducerOptions,
        listener: L,
    ) -> Result<Self, ClientError> {
        let listener = Arc::new(listener);
        let mut processors = ProcessorRegistry::new();
        let (checker, group) = (listener.clone(), options.group.clone());
        let checks = Arc::new(CheckQueue::default());
        processors.register(
            RequestCode::CHECK_TRANSACTION_STATE,
            move |ctx: RequestContext, request: RemotingCommand| {
                let (listener, group, checks) = (checker.clone(), group.clone(), checks.clone());
                async move {
                    start_check(listener, &group, &checks, &ctx, &request);
                    ProcessResult::Ok(None)
                }
            },
        );
        let producer = Producer::start_with_processors(config, options, processors).await?;
        Ok(Self { producer, listener })
    }

    /// The plain producer underneath, for sends outside transactions.
    pub fn producer(&self) -> &Producer {
        &self.producer
    }

    /// Sends `message` as a half message, runs [`TransactionListener::execute`] with `arg`, and
    /// ends the transaction with the listener's answer (END_TRANSACTION, oneway). A failure to
    /// send END_TRANSACTION is only logged, as in Java: the broker checks the transaction back.
    ///
    /// # Errors
    /// As [`Producer::send`] for the half message; the listener is then not run.
    pub async fn send_in_transaction(
        &self,
        message: &Message,
        arg: L::Arg,
    ) -> Result<TransactionSendResult, ClientError> {
        let group = &self.producer.inner.options.group;
        let half = message
            .clone()
            .without_property(names::DELAY)
            .with_system_property(names::TRAN_MSG, "true".to_owned())
            .with_system_property(names::PGROUP, group.clone());
        let sent = self.producer.send(&half).await?;
        let (local_state, failure) = match sent.status {
            SendStatus::SendOk => {
                let half = match &sent.transaction_id {
                    Some(id) => half.with_system_property(names::TRANSACTION_ID, id.clone()),
                    None => half,
                };
                let execute = self.listener.execute(&half, &sent.msg_id, arg);
                guarded(execute).await
            }
            // Stored, but not as durably as the broker promises: Java rolls back.
            _ => (TransactionState::Rollback, None),
        };
        if let Some(failure) = &failure {
            tracing::warn!(msg_id = %sent.msg_id, %failure, "local transaction failed; reporting unknown");
        }
        let remark = failure.map(|failure| format!("executeLocalTransactionBranch exception: {failure}"));
        if let Err(err) = self.end_transaction(message.topic(), &sent, local_state, remark).await {
            tracing::warn!(msg_id = %sent.msg_id, error = %err, "END_TRANSACTION failed; the broker will check back");
        }
        Ok(TransactionSendResult { send_result: sent, local_state })
    }

    /// END_TRANSACTION to the master of the broker that stored the half message.
    async fn end_transaction(
        &self,
        topic: &str,
        sent: &SendResult,
        state: TransactionState,
        remark: Option<String>,
    ) -> Result<(), ClientError> {
        let invalid = |reason: String| ClientError::InvalidMessage { reason };
        let stored_at = OffsetMessageId::parse(&sent.offset_msg_id)
            .map_err(|err| invalid(format!("offset message id {:?}: {err}", sent.offset_msg_id)))?;
        let offset =
            |value: u64, name: &str| i64::try_from(value).map_err(|_| invalid(format!("{name} {value} too large")));
        let inner = &self.producer.inner;
        let header = EndTransactionRequestHeader {
            topic: Some(topic.to_owned()),
            producer_group: inner.options.group.clone(),
            tran_state_table_offset: offset(sent.queue_offset, "queue offset")?,
            commit_log_offset: offset(stored_at.commit_log_offset, "commit log offset")?,
            commit_or_rollback: state.wire_type(),
            from_transaction_check: Some(false),
            msg_id: sent.msg_id.clone(),
            transaction_id: sent.transaction_id.clone(),
            rpc: RpcFields { broker_name: Some(sent.queue.broker_name.clone()), ..RpcFields::default() },
        };
        let addr = inner.instance.master_addr(&sent.queue.broker_name)?;
        let mut request = RemotingCommand::request(RequestCode::END_TRANSACTION).with_header(&header).into_oneway();
        request.remark = remark;
        inner.instance.invoke_oneway(&addr, request, inner.options.send_timeout).await
    }

    /// Unregisters the producer group and closes the connections.
    pub async fn shutdown(&self) {
        self.producer.shutdown().await;
    }
}

/// Runs a listener call, turning an `Err` or a panic into unknown plus the failure's text.
async fn guarded(
    call: impl Future<Output = Result<TransactionState, ListenerError>>,
) -> (TransactionState, Option<String>) {
    match AssertUnwindSafe(call).catch_unwind().await {
        Ok(Ok(state)) => (state, None),
        Ok(Err(err)) => (TransactionState::Unknown, Some(err.to_string())),
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_owned());
            (TransactionState::Unknown, Some(format!("panicked: {text}")))
        }
    }
}

/// The check-backs of one producer: they run one at a time, in arrival order, like Java's
/// single-threaded check executor, and at most [`MAX_PENDING_CHECKS`] wait.
struct CheckQueue {
    /// One permit: the listener's `check` never runs twice at once. The semaphore is fair, so
    /// checks run in the order they arrived.
    running: Arc<Semaphore>,
    /// Check-backs admitted and not yet answered.
    pending: Arc<AtomicUsize>,
}

impl Default for CheckQueue {
    fn default() -> Self {
        Self { running: Arc::new(Semaphore::new(1)), pending: Arc::new(AtomicUsize::new(0)) }
    }
}

impl CheckQueue {
    /// A place in the queue, or `None` when it is full.
    fn admit(&self) -> Option<CheckTicket> {
        let room = |pending: usize| (pending < MAX_PENDING_CHECKS).then_some(pending + 1);
        let admitted = self.pending.fetch_update(Ordering::AcqRel, Ordering::Acquire, room).is_ok();
        admitted.then(|| CheckTicket { running: self.running.clone(), pending: self.pending.clone() })
    }
}

/// An admitted check-back; it leaves the queue when dropped.
struct CheckTicket {
    running: Arc<Semaphore>,
    pending: Arc<AtomicUsize>,
}

impl CheckTicket {
    /// Waits until the listener is free.
    async fn turn(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.running.acquire().await.ok()
    }
}

impl Drop for CheckTicket {
    fn drop(&mut self) {
        self.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Reads a CHECK_TRANSACTION_STATE and, if it is for this producer's group, answers it on its
/// own task (Java's `ClientRemotingProcessor.checkTransactionState`): the I/O task never waits
/// for the listener.
fn start_check<L: TransactionListener>(
    listener: Arc<L>,
    group: &str,
    checks: &CheckQueue,
    ctx: &RequestContext,
    request: &RemotingCommand,
) {
    let header: CheckTransactionStateRequestHeader = match request.decode_header() {
        Ok(header) => header,
        Err(err) => {
            tracing::warn!(peer = %ctx.peer_addr(), error = %err, "unreadable transaction check-back");
            return;
        }
    };
    let body = request.body.clone().unwrap_or_default();
    let broker_name = header.rpc.broker_name.clone().unwrap_or_default();
    let message = StoredMessage::decode(&body).ok().and_then(|stored| MessageExt::from_stored(&stored, &broker_name));
    let Some(message) = message else {
        tracing::warn!(peer = %ctx.peer_addr(), "transaction check-back with an undecodable message");
        return;
    };
    match message.property(names::PGROUP) {
        Some(pgroup) if pgroup == group => {}
        other => {
            tracing::debug!(group = ?other, "transaction check-back for another producer group; ignored");
            return;
        }
    }
    let Some(ticket) = checks.admit() else {
        tracing::warn!(msg_id = %message.msg_id(), "{MAX_PENDING_CHECKS} check-backs pending; this one waits for the broker's next round");
        return;
    };
    let (connection, group) = (ctx.connection().clone(), group.to_owned());
    tokio::spawn(async move {
        let Some(_turn) = ticket.turn().await else { return };
        let (state, failure) = guarded(listener.check(&message)).await;
        if let Some(failure) = &failure {
            tracing::warn!(msg_id = %message.msg_id(), %failure, "transaction check failed; reporting unknown");
        }
        let remark = failure.map(|failure| format!("checkLocalTransactionState Exception: {failure}"));
        answer_check(&connection, &header, &message, &group, state, remark).await;
    });
}

/// END_TRANSACTION with `fromTransactionCheck`, on the connection the check came on (Java's
/// `processTransactionState`).
async fn answer_check(
    connection: &ConnectionHandle,
    check: &CheckTransactionStateRequestHeader,
    message: &MessageExt,
    group: &str,
    state: TransactionState,
    remark: Option<String>,
) {
    let header = EndTransactionRequestHeader {
        topic: check.topic.clone(),
        producer_group: group.to_owned(),
        tran_state_table_offset: check.tran_state_table_offset,
        commit_log_offset: check.commit_log_offset,
        commit_or_rollback: state.wire_type(),
        from_transaction_check: Some(true),
        msg_id: message.msg_id().to_owned(),
        transaction_id: check.transaction_id.clone(),
        rpc: RpcFields { broker_name: check.rpc.broker_name.clone(), ..RpcFields::default() },
    };
    let mut request = RemotingCommand::request(RequestCode::END_TRANSACTION).with_header(&header).into_oneway();
    request.remark = remark;
    request.language = LanguageCode::Rust;
    if let Err(err) = connection.invoke_oneway(request, CHECK_ANSWER_TIMEOUT).await {
        tracing::warn!(msg_id = %message.msg_id(), error = %err, "answering a transaction check-back failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn listener_errors_and_panics_mean_unknown() {
        assert_eq!(guarded(async { Ok(TransactionState::Commit) }).await, (TransactionState::Commit, None));
        let (state, failure) = guarded(async { Err::<TransactionState, ListenerError>("db down".into()) }).await;
        assert_eq!((state, failure.as_deref()), (TransactionState::Unknown, Some("db down")));
        let (state, failure) = guarded(async {
            if state_is_unreachable() {
                panic!("boom");
            }
            Ok(TransactionState::Commit)
        })
        .await;
        assert_eq!((state, failure.as_deref()), (TransactionState::Unknown, Some("panicked: boom")));
    }

    fn state_is_unreachable() -> bool {
        true
    }

    #[tokio::test]
    async fn check_backs_run_one_at_a_time_and_a_full_queue_drops_them() {
        let checks = CheckQueue::default();
        let first = checks.admit().expect("room");
        let second = checks.admit().expect("room");
        let turn = first.turn().await.expect("free");
        assert!(second.running.try_acquire().is_err(), "the second waits for the first");
        drop(turn);
        drop(first);
        assert!(second.turn().await.is_some());
        drop(second);

        let tickets: Vec<_> = (0..MAX_PENDING_CHECKS).map(|_| checks.admit().expect("room")).collect();
        assert!(checks.admit().is_none(), "the queue is full");
        drop(tickets);
        assert!(checks.admit().is_some(), "answered checks leave the queue");
    }

    #[test]
    fn states_map_to_the_end_transaction_types() {
        assert_eq!(TransactionState::Commit.wire_type(), 8);
        assert_eq!(TransactionState::Rollback.wire_type(), 12);
        assert_eq!(TransactionState::Unknown.wire_type(), 0);
    }
}
