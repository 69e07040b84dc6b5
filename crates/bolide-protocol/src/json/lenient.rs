//! Field readers as forgiving as fastjson, for `#[serde(deserialize_with = "...")]`.
//!
//! Clients send numbers as strings (C++ `"subVersion":"1717000000000"`), strings as numbers,
//! enums as ordinals and `null` for anything; Java coerces all of it. `null` reads as the type's
//! zero value, as a missing property would for a Java primitive.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// Integers: a number, a numeric string (`""` is zero), a whole `f64`, a boolean (1/0) or `null`.
///
/// # Errors
/// When the value is none of those or does not fit `T`.
pub fn int<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64> + Default,
{
    struct IntVisitor<T>(PhantomData<T>);

    impl<T: TryFrom<i64> + TryFrom<u64> + Default> Visitor<'_> for IntVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an integer or a numeric string")
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
            T::try_from(value).map_err(|_| E::custom(format_args!("{value} is out of range")))
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
            T::try_from(value).map_err(|_| E::custom(format_args!("{value} is out of range")))
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
            // The range check is on the float; the cast is exact for whole values in range.
            if value.fract() == 0.0 && (i64::MIN as f64..i64::MAX as f64).contains(&value) {
                self.visit_i64(value as i64)
            } else {
                Err(E::custom(format_args!("{value} is not an integer")))
            }
        }

        fn visit_bool<E: de::Error>(self, value: bool) -> Result<T, E> {
            self.visit_i64(i64::from(value))
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            let text = value.trim();
            if text.is_empty() {
                return Ok(T::default());
            }
            if let Ok(number) = text.parse::<i64>() {
                return self.visit_i64(number);
            }
            if let Ok(number) = text.parse::<u64>() {
                return self.visit_u64(number);
            }
            match text.parse::<f64>() {
                Ok(number) => self.visit_f64(number),
                Err(_) => Err(E::custom(format_args!("{value:?} is not an integer"))),
            }
        }

        fn visit_unit<E: de::Error>(self) -> Result<T, E> {
            Ok(T::default())
        }
    }

    deserializer.deserialize_any(IntVisitor(PhantomData))
}

/// `f64`: a number, a numeric string (`""` is zero; not `"NaN"` or `"Infinity"`) or `null`.
///
/// # Errors
/// When the value is none of those.
pub fn float<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    struct FloatVisitor;

    impl Visitor<'_> for FloatVisitor {
        type Value = f64;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number or a numeric string")
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<f64, E> {
            Ok(value)
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<f64, E> {
            Ok(value as f64)
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<f64, E> {
            Ok(value as f64)
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<f64, E> {
            let text = value.trim();
            if text.is_empty() {
                return Ok(0.0);
            }
            // Rust's parser also accepts "inf", "NaN" and overflowing exponents; JSON has no
            // non-finite numbers, so they would not survive being written back.
            match text.parse::<f64>() {
                Ok(number) if number.is_finite() => Ok(number),
                _ => Err(E::custom(format_args!("{value:?} is not a finite number"))),
            }
        }

        fn visit_unit<E: de::Error>(self) -> Result<f64, E> {
            Ok(0.0)
        }
    }

    deserializer.deserialize_any(FloatVisitor)
}

/// Booleans: `true`/`false`, the strings `"true"`/`"false"` (any case), the numbers 1/0, or
/// `null` (false).
///
/// # Errors
/// When the value is none of those.
pub fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    struct BoolVisitor;

    impl Visitor<'_> for BoolVisitor {
        type Value = bool;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a boolean")
        }

        fn visit_bool<E: de::Error>(self, value: bool) -> Result<bool, E> {
            Ok(value)
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<bool, E> {
            Ok(value != 0)
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<bool, E> {
            Ok(value != 0)
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<bool, E> {
            match value.trim() {
                text if text.eq_ignore_ascii_case("true") || text == "1" => Ok(true),
                text if text.eq_ignore_ascii_case("false") || text == "0" || text.is_empty() => Ok(false),
                _ => Err(E::custom(format_args!("{value:?} is not a boolean"))),
            }
        }

        fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
    }

    deserializer.deserialize_any(BoolVisitor)
}

/// Scalar-to-text conversion shared by [`string`] and [`opt_string`]; `None` for `null`.
struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a scalar")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Some(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Some(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Some(value.to_string()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(Some(value.to_string()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(Some(format!("{value:?}")))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Some(value.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Strings: a string, or a number or boolean as its text; `null` reads as `""`.
///
/// # Errors
/// For arrays and objects.
pub fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(TextVisitor).map(Option::unwrap_or_default)
}

/// Optional strings: as [`string`], but `null` reads as `None`.
///
/// # Errors
/// For arrays and objects.
pub fn opt_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    deserializer.deserialize_any(TextVisitor)
}

/// A set of `i32` whose items may be numbers or numeric strings (the Go client writes a
/// subscription's `codeSet` as strings); `null` is empty.
///
/// # Errors
/// For an item that is not an integer, or a value that is not an array.
pub fn int_set<'de, D: Deserializer<'de>>(deserializer: D) -> Result<std::collections::BTreeSet<i32>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Item(#[serde(deserialize_with = "int")] i32);
    Option::<Vec<Item>>::deserialize(deserializer)
        .map(|items| items.unwrap_or_default().into_iter().map(|item| item.0).collect())
}

/// Any value whose `null` means "empty" (collections, nested objects).
///
/// # Errors
/// Whatever `T` reports.
pub fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// A `{String: String}` map whose values may be any scalar (Java `Properties`); `null` values
/// are dropped and a `null` map is empty.
///
/// # Errors
/// For a value that is an array or object, or a map that is not an object.
pub fn string_map<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error> {
    struct Text(Option<String>);

    impl<'de> Deserialize<'de> for Text {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(TextVisitor).map(Text)
        }
    }

    let raw: Option<BTreeMap<String, Text>> = Option::deserialize(deserializer)?;
    Ok(raw.unwrap_or_default().into_iter().filter_map(|(key, Text(value))| value.map(|value| (key, value))).collect())
}

/// A Java enum: a name, an ordinal, or an ordinal as a numeric string.
pub trait JavaEnum: Sized + Copy + 'static {
    /// The enum's Java name, for error messages.
    const JAVA_TYPE: &'static str;

    /// The constant with this name.
    fn from_name(name: &str) -> Option<Self>;

    /// The constant with this ordinal.
    fn from_ordinal(ordinal: i64) -> Option<Self>;
}

/// Reads a [`JavaEnum`] given by name or ordinal.
///
/// # Errors
/// An unknown name or ordinal, or a value that is neither string nor integer.
pub fn java_enum<'de, D: Deserializer<'de>, T: JavaEnum>(deserializer: D) -> Result<T, D::Error> {
    struct EnumVisitor<T>(PhantomData<T>);

    impl<T: JavaEnum> Visitor<'_> for EnumVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a {} name or ordinal", T::JAVA_TYPE)
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
            T::from_ordinal(value).ok_or_else(|| E::custom(format_args!("{value} is not a {} ordinal", T::JAVA_TYPE)))
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
            self.visit_i64(i64::try_from(value).unwrap_or(i64::MAX))
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            if let Some(found) = T::from_name(value.trim()) {
                return Ok(found);
            }
            match value.trim().parse::<i64>() {
                Ok(ordinal) => self.visit_i64(ordinal),
                Err(_) => Err(E::custom(format_args!("{value:?} is not a {} name", T::JAVA_TYPE))),
            }
        }
    }

    deserializer.deserialize_any(EnumVisitor(PhantomData))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use crate::json::from_slice;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(default)]
    struct Sample {
        #[serde(deserialize_with = "super::int")]
        int: i32,
        #[serde(deserialize_with = "super::float")]
        float: f64,
        #[serde(deserialize_with = "super::boolean")]
        flag: bool,
        #[serde(deserialize_with = "super::string")]
        text: String,
        #[serde(deserialize_with = "super::opt_string")]
        maybe: Option<String>,
    }

    fn sample(json: &str) -> Sample {
        from_slice(json.as_bytes()).expect(json)
    }

    #[test]
    fn coercions() {
        let expected =
            Sample { int: 7, float: 2.5, flag: true, text: "12".to_owned(), maybe: Some("false".to_owned()) };
        assert_eq!(sample(r#"{"int":"7","float":"2.5","flag":"true","text":12,"maybe":false}"#), expected);
        assert_eq!(sample(r#"{"int":7.0,"float":2.5,"flag":1,"text":"12","maybe":"false"}"#), expected);
        assert_eq!(sample(r#"{"int":null,"float":null,"flag":null,"text":null,"maybe":null}"#), Sample::default());
        assert_eq!(sample(r#"{"int":"","float":"","flag":""}"#), Sample::default());
    }

    #[test]
    fn refusals() {
        for json in [
            r#"{"int":"x"}"#,
            r#"{"int":2147483648}"#,
            r#"{"int":1.5}"#,
            r#"{"float":"NaN"}"#,
            r#"{"float":"1e999"}"#,
            r#"{"flag":"yes"}"#,
            r#"{"text":[]}"#,
        ] {
            assert!(from_slice::<Sample>(json.as_bytes()).is_err(), "{json}");
        }
    }
}
