//! Plain-function request handlers over shared server state, for servers whose processors mostly
//! decode a header, touch in-memory state and answer.

use std::sync::Arc;

use bolide_protocol::{CommandHeader, RemotingCommand, RequestCode};

use crate::error::ProcessError;
use crate::processor::{ProcessorRegistry, RequestContext};

/// A handler that answers synchronously from the server's state `S`.
pub type Handler<S> = fn(&S, &RequestContext, &RemotingCommand) -> Result<RemotingCommand, ProcessError>;

/// Routes `code` to a handler whose work is in memory and short: it runs where the request is
/// read (see the transport's inline fast path), with no task of its own.
pub fn register_sync<S: Send + Sync + 'static>(
    registry: &mut ProcessorRegistry,
    state: &Arc<S>,
    code: RequestCode,
    handler: Handler<S>,
) {
    let state = Arc::clone(state);
    registry.register(code, move |ctx: RequestContext, request: RemotingCommand| {
        let result = handler(&state, &ctx, &request).map(Some);
        async move { result }
    });
}

/// Routes `code` to a handler that may block (file writes and syncs): it runs on tokio's blocking
/// pool, never on a reactor thread.
pub fn register_blocking<S: Send + Sync + 'static>(
    registry: &mut ProcessorRegistry,
    state: &Arc<S>,
    code: RequestCode,
    handler: Handler<S>,
) {
    let state = Arc::clone(state);
    registry.register(code, move |ctx: RequestContext, request: RemotingCommand| {
        let state = Arc::clone(&state);
        async move {
            tokio::task::spawn_blocking(move || handler(&state, &ctx, &request).map(Some))
                .await
                .map_err(|err| ProcessError::msg(format!("handler task failed: {err}")))?
        }
    });
}

/// Decodes the request's typed header; a missing or malformed field becomes an error naming it,
/// which the dispatcher answers with SYSTEM_ERROR.
///
/// # Errors
/// The header error, wrapped.
pub fn decode_header<H: CommandHeader>(request: &RemotingCommand) -> Result<H, ProcessError> {
    request.decode_header::<H>().map_err(ProcessError::new)
}

/// Decodes a JSON body (fastjson's dialect included); a missing body reads as `{}`. The error
/// names the request, e.g. `invalid QUERY_DATA_VERSION body: …`.
///
/// # Errors
/// The JSON error, wrapped.
pub fn decode_json_body<T: serde::de::DeserializeOwned>(
    request: &RemotingCommand,
    what: &str,
) -> Result<T, ProcessError> {
    let bytes = request.body.as_deref().unwrap_or(b"{}");
    bolide_protocol::json::from_slice(bytes).map_err(|err| ProcessError::msg(format!("invalid {what} body: {err}")))
}
