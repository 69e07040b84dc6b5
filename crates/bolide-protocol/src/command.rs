//! `RemotingCommand`: one request or response, the unit every frame carries (`remoting.md` §3).

use bytes::Bytes;

use crate::code::{RequestCode, ResponseCode};
use crate::error::HeaderError;
use crate::ext_fields::ExtFields;
use crate::header::{CommandHeader, WriteHeader};
use crate::language::LanguageCode;

/// `flag` bit 0: the command is a response.
pub const FLAG_RESPONSE: i32 = 0x1;
/// `flag` bit 1: the request is oneway; the receiver never answers it.
pub const FLAG_ONEWAY: i32 = 0x2;

/// The `version` Bolide writes into every command it sends: MQVersion V5_3_3, so that clients
/// see a modern broker (≥ 232 enables SQL92) and name servers read every body variant.
pub const BOLIDE_VERSION: i32 = 479;

/// How a command's header is serialized (the high byte of the header word).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum SerializeType {
    /// JSON (0): what every client sends and what Bolide answers with.
    #[default]
    Json,
    /// ROCKETMQ binary (1).
    RocketMq,
}

impl SerializeType {
    /// The header-word byte.
    pub fn value(self) -> u8 {
        match self {
            SerializeType::Json => 0,
            SerializeType::RocketMq => 1,
        }
    }

    /// Decodes the header-word byte.
    pub fn from_value(value: u8) -> Option<Self> {
        match value {
            0 => Some(SerializeType::Json),
            1 => Some(SerializeType::RocketMq),
            _ => None,
        }
    }

    /// The Java enum name, as in `rocketmq.serialize.type` and `serializeTypeCurrentRPC`.
    pub fn name(self) -> &'static str {
        match self {
            SerializeType::Json => "JSON",
            SerializeType::RocketMq => "ROCKETMQ",
        }
    }

    /// Reads a Java enum name, ignoring ASCII case; `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        [SerializeType::Json, SerializeType::RocketMq].into_iter().find(|kind| kind.name().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for SerializeType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for SerializeType {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Self::from_name(name).ok_or_else(|| format!("unknown serialize type {name:?} (expected JSON or ROCKETMQ)"))
    }
}

/// A request or a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotingCommand {
    /// Request code for a request, response code for a response.
    pub code: i32,
    /// The sender's language.
    pub language: LanguageCode,
    /// The sender's MQVersion ordinal.
    pub version: i32,
    /// Correlation id; a response echoes its request's.
    pub opaque: i32,
    /// Bit field: [`FLAG_RESPONSE`], [`FLAG_ONEWAY`].
    pub flag: i32,
    /// Free text, mostly an error message in responses.
    pub remark: Option<String>,
    /// Header fields; `None` and an empty map are different on the wire (`remoting.md` §10.3).
    pub ext_fields: Option<ExtFields>,
    /// Payload; a zero-length body is `None`.
    pub body: Option<Bytes>,
    /// How the header was encoded (decode) or will be encoded (encode).
    pub serialize_type: SerializeType,
}

impl RemotingCommand {
    /// A new request. `opaque` is assigned by whoever sends it.
    pub fn request(code: RequestCode) -> Self {
        Self {
            code: code.0,
            language: LanguageCode::Java,
            version: BOLIDE_VERSION,
            opaque: 0,
            flag: 0,
            remark: None,
            ext_fields: None,
            body: None,
            serialize_type: SerializeType::Json,
        }
    }

    /// A new response with the given code and `opaque`.
    pub fn response(code: ResponseCode, opaque: i32) -> Self {
        Self { code: code.0, opaque, flag: FLAG_RESPONSE, ..Self::request(RequestCode(0)) }
    }

    /// A response to `request`: same `opaque`, response flag set.
    pub fn response_to(request: &RemotingCommand, code: ResponseCode) -> Self {
        Self::response(code, request.opaque)
    }

    /// Sets the remark.
    pub fn with_remark(mut self, remark: impl Into<String>) -> Self {
        self.remark = Some(remark.into());
        self
    }

    /// Sets the body; an empty body becomes `None`.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        let body = body.into();
        self.body = if body.is_empty() { None } else { Some(body) };
        self
    }

    /// Encodes a typed header into `extFields` (creating the map, even if the header writes
    /// nothing: Java distinguishes an empty map from none).
    pub fn with_header<H: WriteHeader + ?Sized>(mut self, header: &H) -> Self {
        let (count, text_bytes) = header.fields_size_hint();
        let fields = self.ext_fields.get_or_insert_with(ExtFields::new);
        if count > 0 {
            fields.reserve(count, text_bytes);
        }
        header.write_fields(fields);
        self
    }

    /// Sets one extra `extFields` entry.
    pub fn with_ext(mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.ext_fields.get_or_insert_with(ExtFields::new).insert(key, value);
        self
    }

    /// Marks the request oneway.
    pub fn into_oneway(mut self) -> Self {
        self.flag |= FLAG_ONEWAY;
        self
    }

    /// Decodes `extFields` into a typed header.
    ///
    /// # Errors
    /// A [`HeaderError`] naming the missing or malformed field.
    pub fn decode_header<H: CommandHeader>(&self) -> Result<H, HeaderError> {
        match &self.ext_fields {
            Some(fields) => H::read_fields(fields),
            None => H::read_fields(&ExtFields::new()),
        }
    }

    /// The header fields; an empty map when the command has none.
    pub fn fields(&self) -> &ExtFields {
        static NONE: ExtFields = ExtFields::new();
        self.ext_fields.as_ref().unwrap_or(&NONE)
    }

    /// The raw text of one header field.
    pub fn ext(&self, key: &str) -> Option<&str> {
        self.ext_fields.as_ref().and_then(|fields| fields.get(key))
    }

    /// Whether this is a response (flag bit 0).
    pub fn is_response(&self) -> bool {
        self.flag & FLAG_RESPONSE != 0
    }

    /// Whether this is a oneway request (flag bit 1).
    pub fn is_oneway(&self) -> bool {
        self.flag & FLAG_ONEWAY != 0
    }

    /// The code read as a request code.
    pub fn request_code(&self) -> RequestCode {
        RequestCode(self.code)
    }

    /// The code read as a response code.
    pub fn response_code(&self) -> ResponseCode {
        ResponseCode(self.code)
    }

    /// Body length in bytes (0 when there is none).
    pub fn body_len(&self) -> usize {
        self.body.as_ref().map_or(0, Bytes::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_echoes_opaque_and_sets_only_the_response_bit() {
        let mut request = RemotingCommand::request(RequestCode::SEND_MESSAGE).into_oneway();
        request.opaque = -7;
        let response = RemotingCommand::response_to(&request, ResponseCode::SUCCESS);
        assert_eq!(response.opaque, -7);
        assert_eq!(response.flag, FLAG_RESPONSE);
        assert!(response.is_response() && !response.is_oneway());
        assert!(request.is_oneway() && !request.is_response());
    }

    #[test]
    fn serialize_type_names_follow_java() {
        assert_eq!(SerializeType::from_name("rocketmq"), Some(SerializeType::RocketMq));
        assert_eq!("JSON".parse::<SerializeType>(), Ok(SerializeType::Json));
        assert!("XML".parse::<SerializeType>().unwrap_err().contains("ROCKETMQ"));
        assert_eq!(SerializeType::RocketMq.to_string(), "ROCKETMQ");
    }

    #[test]
    fn empty_body_is_none() {
        let command = RemotingCommand::request(RequestCode::HEART_BEAT).with_body(Vec::new());
        assert_eq!(command.body, None);
    }
}
