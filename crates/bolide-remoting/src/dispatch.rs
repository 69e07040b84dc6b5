//! Turns one incoming request into at most one response, applying the rules every RocketMQ peer
//! follows (`remoting.md` §6, §13): oneway requests are never answered, unknown codes get
//! REQUEST_CODE_NOT_SUPPORTED, processor errors SYSTEM_ERROR.

use std::panic::AssertUnwindSafe;

use bolide_protocol::command::FLAG_RESPONSE;
use bolide_protocol::{binary_header, RemotingCommand, ResponseCode};
use futures::FutureExt;
use tracing::{debug, warn};

use crate::processor::{ProcessorRegistry, RequestContext};

/// Runs the processor for `request` and returns the response to send, if any, with the request's
/// `opaque`, the response flag, and the request's header form when it fits the response.
pub(crate) async fn dispatch(
    registry: &ProcessorRegistry,
    ctx: RequestContext,
    request: RemotingCommand,
) -> Option<RemotingCommand> {
    let code = request.request_code();
    let opaque = request.opaque;
    let oneway = request.is_oneway();
    let request_serialize_type = request.serialize_type;
    let Some(processor) = registry.processor(code) else {
        debug!(%code, opaque, oneway, "no processor for request code");
        return answer(oneway, not_supported(code.0, opaque));
    };
    let outcome = AssertUnwindSafe(processor.process(ctx, request)).catch_unwind().await;
    match outcome {
        Ok(Ok(Some(mut response))) => {
            response.opaque = opaque;
            response.flag = FLAG_RESPONSE;
            // Java's servers answer in JSON whatever the request used, and some clients (C++,
            // Node.js) parse only JSON headers (`remoting.md` §5.1); but those never send the
            // binary form, and every client that does reads either. So a request in the binary
            // form gets its response in it (when it fits), cheaper to encode and to decode.
            response.serialize_type = binary_header::serialize_type_for(request_serialize_type, &response);
            debug!(%code, opaque, response_code = response.code, "processed");
            answer(oneway, response)
        }
        Ok(Ok(None)) => {
            debug!(%code, opaque, "processed, no response");
            None
        }
        Ok(Err(err)) => {
            let remark = err.chain();
            warn!(%code, opaque, oneway, error = %remark, "processor failed");
            answer(oneway, RemotingCommand::response(ResponseCode::SYSTEM_ERROR, opaque).with_remark(remark))
        }
        Err(panic) => {
            let remark = panic_message(panic.as_ref());
            warn!(%code, opaque, oneway, panic = %remark, "processor panicked");
            answer(oneway, RemotingCommand::response(ResponseCode::SYSTEM_ERROR, opaque).with_remark(remark))
        }
    }
}

/// The Java servers' answer to a code without processor, remark included (leading space).
pub(crate) fn not_supported(code: i32, opaque: i32) -> RemotingCommand {
    RemotingCommand::response(ResponseCode::REQUEST_CODE_NOT_SUPPORTED, opaque)
        .with_remark(format!(" request type {code} not supported"))
}

/// Remark of the Java servers' SYSTEM_BUSY answer when their processor pool is full.
pub(crate) const OVERLOAD_REMARK: &str = "[OVERLOAD]system busy, start flow control for a while";

/// The answer to a request over the connection's in-flight limit.
pub(crate) fn busy(opaque: i32) -> RemotingCommand {
    RemotingCommand::response(ResponseCode::SYSTEM_BUSY, opaque).with_remark(OVERLOAD_REMARK)
}

fn answer(oneway: bool, response: RemotingCommand) -> Option<RemotingCommand> {
    if oneway {
        debug!(opaque = response.opaque, response_code = response.code, "oneway request: response dropped");
        None
    } else {
        Some(response)
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let detail = match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(text), _) => text,
        (None, Some(text)) => text.as_str(),
        (None, None) => "non-text payload",
    };
    format!("processor panicked: {detail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_supported_matches_java() {
        let response = not_supported(9999, 7);
        assert_eq!(response.code, 3);
        assert_eq!(response.opaque, 7);
        assert_eq!(response.flag, FLAG_RESPONSE);
        assert_eq!(response.remark.as_deref(), Some(" request type 9999 not supported"));
    }

    #[test]
    fn panic_payloads_become_text() {
        assert_eq!(panic_message(&"boom"), "processor panicked: boom");
        assert_eq!(panic_message(&String::from("bang")), "processor panicked: bang");
        assert_eq!(panic_message(&5u8), "processor panicked: non-text payload");
    }
}
