//! The RocketMQ "remoting" wire protocol, as pure code: no I/O, no async.
//!
//! Module map:
//! - [`frame`]: length-prefixed frames; [`json_header`] and [`binary_header`]: the two header
//!   serializations; [`command`]: `RemotingCommand`, the decoded frame;
//! - [`code`]: request and response code tables; [`language`]: `LanguageCode`;
//! - [`ext_fields`] and [`header`]: `extFields` and the typed headers built from them;
//! - [`body`] and [`json`]: JSON bodies, with fastjson's non-standard map keys;
//! - [`message`]: message properties, batch bodies, stored-message records and message ids.

pub mod binary_header;
pub mod body;
pub mod code;
pub mod command;
pub mod error;
pub mod ext_fields;
pub mod frame;
pub mod header;
pub mod json;
pub mod json_header;
pub mod language;
pub mod message;

pub use code::{RequestCode, ResponseCode};
pub use command::{RemotingCommand, SerializeType};
pub use error::{BinaryHeaderError, FrameError, HeaderError};
pub use ext_fields::{ExtFields, FieldValue};
pub use frame::FrameLimits;
pub use header::{CommandHeader, WriteHeader};
pub use language::LanguageCode;
