//! Enumerations used in bodies (`data-formats.md` §1). Written by name; read by name or ordinal
//! (the C++ client sends ordinals).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::json::lenient::{self, JavaEnum};
use crate::language::LanguageCode;

/// Declares a Java enum: variants with their ordinals and Java names, serialized by name.
macro_rules! java_enum {
    (
        $(#[$meta:meta])*
        $name:ident as $java_type:literal {
            $($(#[$variant_meta:meta])* $variant:ident = $ordinal:literal, $java:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $name {
            /// Every constant, in ordinal order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The Java constant name, as written in JSON.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $java,)+
                }
            }

            /// The Java ordinal.
            pub fn ordinal(self) -> i32 {
                match self {
                    $($name::$variant => $ordinal,)+
                }
            }
        }

        impl JavaEnum for $name {
            const JAVA_TYPE: &'static str = $java_type;

            fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.name() == name)
            }

            fn from_ordinal(ordinal: i64) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| i64::from(value.ordinal()) == ordinal)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                lenient::java_enum(deserializer)
            }
        }
    };
}

java_enum! {
    /// How a consumer fetches messages.
    ConsumeType as "ConsumeType" {
        /// Pull and lite-pull consumers.
        Actively = 0, "CONSUME_ACTIVELY";
        /// Push consumers.
        Passively = 1, "CONSUME_PASSIVELY";
        /// POP consumers (5.x).
        Pop = 2, "CONSUME_POP";
    }
}

java_enum! {
    /// Whether every consumer of a group gets every message.
    MessageModel as "MessageModel" {
        /// Every consumer gets every message.
        Broadcasting = 0, "BROADCASTING";
        /// Queues are shared out among the group.
        Clustering = 1, "CLUSTERING";
    }
}

java_enum! {
    /// Where a new consumer group starts.
    ConsumeFromWhere as "ConsumeFromWhere" {
        /// The queue's end.
        LastOffset = 0, "CONSUME_FROM_LAST_OFFSET";
        /// Deprecated.
        LastOffsetAndFromMinWhenBootFirst = 1, "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST";
        /// Deprecated.
        MinOffset = 2, "CONSUME_FROM_MIN_OFFSET";
        /// Deprecated.
        MaxOffset = 3, "CONSUME_FROM_MAX_OFFSET";
        /// The queue's start.
        FirstOffset = 4, "CONSUME_FROM_FIRST_OFFSET";
        /// The first message stored at or after a timestamp.
        Timestamp = 5, "CONSUME_FROM_TIMESTAMP";
    }
}

java_enum! {
    /// Tag filtering of a topic.
    #[derive(Default)]
    TopicFilterType as "TopicFilterType" {
        /// One tag per message.
        #[default]
        SingleTag = 0, "SINGLE_TAG";
        /// Several tags per message.
        MultiTag = 1, "MULTI_TAG";
    }
}

java_enum! {
    /// Outcome of CONSUME_MESSAGE_DIRECTLY.
    CmResult as "CMResult" {
        /// Consumed.
        Success = 0, "CR_SUCCESS";
        /// Consume later.
        Later = 1, "CR_LATER";
        /// Rolled back (orderly).
        Rollback = 2, "CR_ROLLBACK";
        /// Committed (orderly).
        Commit = 3, "CR_COMMIT";
        /// The listener threw.
        ThrowException = 4, "CR_THROW_EXCEPTION";
        /// The listener returned null.
        ReturnNull = 5, "CR_RETURN_NULL";
    }
}

java_enum! {
    /// How a client reads a queue assigned by the broker (5.x).
    MessageRequestMode as "MessageRequestMode" {
        /// Pull.
        Pull = 0, "PULL";
        /// Pop.
        Pop = 1, "POP";
    }
}

java_enum! {
    /// Retry back-off policy of a subscription group (5.x).
    #[derive(Default)]
    GroupRetryPolicyType as "GroupRetryPolicyType" {
        /// Exponential back-off.
        Exponential = 0, "EXPONENTIAL";
        /// A list of delays.
        #[default]
        Customized = 1, "CUSTOMIZED";
    }
}

/// `LanguageCode` in a body: written by name, read by name or value. An unknown name reads as
/// `OTHER` (Java would read `null`).
pub(crate) mod language_code {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(code: &LanguageCode, serializer: S) -> Result<S::Ok, S::Error> {
        match code.name() {
            Some(name) => serializer.serialize_str(name),
            None => serializer.serialize_u8(code.value()),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<LanguageCode, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Value(u8),
            Name(String),
            Null(()),
        }
        Ok(match Raw::deserialize(deserializer)? {
            Raw::Value(value) => LanguageCode::from_value(value),
            Raw::Name(name) => match name.parse::<u8>() {
                Ok(value) => LanguageCode::from_value(value),
                Err(_) => LanguageCode::from_name(&name).unwrap_or(LanguageCode::Other),
            },
            Raw::Null(()) => LanguageCode::Java,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_slice, to_vec, KeyStyle};

    #[test]
    fn enums_read_names_ordinals_and_numeric_strings() {
        for text in [r#""CONSUME_PASSIVELY""#, "1", r#""1""#] {
            assert_eq!(from_slice::<ConsumeType>(text.as_bytes()).expect(text), ConsumeType::Passively);
        }
        assert!(from_slice::<ConsumeType>(b"7").is_err());
        assert!(from_slice::<ConsumeType>(br#""PUSH""#).is_err());
        assert_eq!(to_vec(&ConsumeFromWhere::Timestamp, KeyStyle::Fastjson), br#""CONSUME_FROM_TIMESTAMP""#);
    }

    #[test]
    fn ordinals_match_the_table() {
        for (index, value) in ConsumeFromWhere::ALL.iter().enumerate() {
            assert_eq!(value.ordinal() as usize, index);
        }
        for (index, value) in CmResult::ALL.iter().enumerate() {
            assert_eq!(value.ordinal() as usize, index);
        }
    }
}
