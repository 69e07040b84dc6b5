//! `LanguageCode`: the implementation language a command's sender declares (`remoting.md` §8).

/// The sender's implementation language. JSON headers carry the name, binary headers the value.
///
/// Unknown values are kept (`Other(n)`) rather than rejected: Java maps an unknown name to `null`
/// and carries on, and so do we.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LanguageCode {
    /// Java client, broker or name server; also what ali-ons declares.
    #[default]
    Java,
    /// rocketmq-client-cpp and wrappers built on it.
    Cpp,
    /// .NET.
    Dotnet,
    /// Python.
    Python,
    /// Delphi.
    Delphi,
    /// Erlang.
    Erlang,
    /// Ruby.
    Ruby,
    /// "OTHER".
    Other,
    /// HTTP.
    Http,
    /// rocketmq-client-go.
    Go,
    /// PHP.
    Php,
    /// OMS.
    Oms,
    /// Rust (since 4.9.4).
    Rust,
    /// Node.js (since 5.3.2).
    NodeJs,
    /// A value or name this table does not know.
    Unknown(u8),
}

const TABLE: &[(LanguageCode, &str, u8)] = &[
    (LanguageCode::Java, "JAVA", 0),
    (LanguageCode::Cpp, "CPP", 1),
    (LanguageCode::Dotnet, "DOTNET", 2),
    (LanguageCode::Python, "PYTHON", 3),
    (LanguageCode::Delphi, "DELPHI", 4),
    (LanguageCode::Erlang, "ERLANG", 5),
    (LanguageCode::Ruby, "RUBY", 6),
    (LanguageCode::Other, "OTHER", 7),
    (LanguageCode::Http, "HTTP", 8),
    (LanguageCode::Go, "GO", 9),
    (LanguageCode::Php, "PHP", 10),
    (LanguageCode::Oms, "OMS", 11),
    (LanguageCode::Rust, "RUST", 12),
    (LanguageCode::NodeJs, "NODE_JS", 13),
];

impl LanguageCode {
    /// The numeric value used by the binary header.
    pub fn value(self) -> u8 {
        match self {
            LanguageCode::Unknown(value) => value,
            known => TABLE
                .iter()
                .find(|(code, _, _)| *code == known)
                .map(|(_, _, value)| *value)
                .expect("every named variant is in TABLE"),
        }
    }

    /// The enum name used by the JSON header; `None` for an unknown value.
    pub fn name(self) -> Option<&'static str> {
        TABLE.iter().find(|(code, _, _)| *code == self).map(|(_, name, _)| *name)
    }

    /// Decodes a binary-header value.
    pub fn from_value(value: u8) -> Self {
        TABLE.iter().find(|(_, _, v)| *v == value).map_or(LanguageCode::Unknown(value), |(code, _, _)| *code)
    }

    /// Decodes a JSON-header name; `None` when the name is unknown (Java reads it as `null`).
    pub fn from_name(name: &str) -> Option<Self> {
        TABLE.iter().find(|(_, n, _)| *n == name).map(|(code, _, _)| *code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_round_trip() {
        for (code, name, value) in TABLE {
            assert_eq!(LanguageCode::from_name(name), Some(*code));
            assert_eq!(LanguageCode::from_value(*value), *code);
            assert_eq!(code.value(), *value);
        }
        assert_eq!(LanguageCode::from_value(200), LanguageCode::Unknown(200));
        assert_eq!(LanguageCode::Unknown(200).value(), 200);
        assert_eq!(LanguageCode::from_name("COBOL"), None);
    }
}
