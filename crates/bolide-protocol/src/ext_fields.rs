//! `extFields`: the string map that carries every request and response header field
//! (`remoting.md` §10).

use std::collections::BTreeMap;

use crate::error::HeaderError;

/// A command's custom header fields, keyed by Java field name, every value a string.
///
/// Kept sorted so that encoded headers are deterministic (fastjson sorts keys too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtFields {
    entries: BTreeMap<String, String>,
}

impl ExtFields {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The raw text of a field.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }

    /// Sets a field, replacing an earlier value (on decode, the last occurrence of a key wins).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.entries.insert(key.into(), value.into());
    }

    /// Removes a field, returning its text.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.entries.remove(key)
    }

    /// Whether the map holds a field.
    pub fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Fields in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Parses a required field.
    ///
    /// # Errors
    /// [`HeaderError::Missing`] when absent, [`HeaderError::Invalid`] when unparsable.
    pub fn required<T: FieldValue>(&self, field: &'static str) -> Result<T, HeaderError> {
        self.optional(field)?.ok_or(HeaderError::Missing { field })
    }

    /// Parses an optional field.
    ///
    /// # Errors
    /// [`HeaderError::Invalid`] when present but unparsable.
    pub fn optional<T: FieldValue>(&self, field: &'static str) -> Result<Option<T>, HeaderError> {
        match self.get(field) {
            None => Ok(None),
            Some(text) => T::parse_field(text).map(Some).ok_or_else(|| HeaderError::Invalid {
                field,
                value: text.to_owned(),
                expected: T::TYPE_NAME,
            }),
        }
    }

    /// Writes a field in Java's string form.
    pub fn put<T: FieldValue>(&mut self, field: &str, value: &T) {
        self.insert(field, value.to_field());
    }

    /// Writes an optional field; `None` writes nothing (Java omits null fields).
    pub fn put_opt<T: FieldValue>(&mut self, field: &str, value: Option<&T>) {
        if let Some(value) = value {
            self.put(field, value);
        }
    }
}

impl FromIterator<(String, String)> for ExtFields {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self { entries: iter.into_iter().collect() }
    }
}

impl<'a> IntoIterator for &'a ExtFields {
    type Item = (&'a String, &'a String);
    type IntoIter = std::collections::btree_map::Iter<'a, String, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

/// A type that travels as one `extFields` value, in Java's string form (`remoting.md` §10.1).
pub trait FieldValue: Sized {
    /// Type name used in error messages.
    const TYPE_NAME: &'static str;
    /// Parses the wire text; `None` when it is not a valid value of the type.
    fn parse_field(text: &str) -> Option<Self>;
    /// Renders the wire text.
    fn to_field(&self) -> String;
}

impl FieldValue for String {
    const TYPE_NAME: &'static str = "string";
    fn parse_field(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
    fn to_field(&self) -> String {
        self.clone()
    }
}

macro_rules! integer_field {
    ($($ty:ty),*) => {$(
        impl FieldValue for $ty {
            const TYPE_NAME: &'static str = stringify!($ty);
            fn parse_field(text: &str) -> Option<Self> {
                // Java's parseInt/parseLong accept a leading '+'; Rust's parse does too.
                text.trim().parse().ok()
            }
            fn to_field(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
integer_field!(i8, i16, i32, i64, u8, u16, u32, u64);

impl FieldValue for bool {
    const TYPE_NAME: &'static str = "bool";
    /// Java's `Boolean.parseBoolean`: true iff the text is "true" ignoring case, false otherwise.
    fn parse_field(text: &str) -> Option<Self> {
        Some(text.eq_ignore_ascii_case("true"))
    }
    fn to_field(&self) -> String {
        self.to_string()
    }
}

impl FieldValue for f64 {
    const TYPE_NAME: &'static str = "f64";
    fn parse_field(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }
    /// Java's `Double.toString` for the common cases: whole numbers keep a `.0`.
    fn to_field(&self) -> String {
        if self.is_finite() && self.fract() == 0.0 && self.abs() < 1e7 {
            format!("{self:.1}")
        } else {
            self.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_access_names_the_field() {
        let mut fields = ExtFields::new();
        fields.put("queueId", &3i32);
        fields.insert("offset", "abc");
        assert_eq!(fields.required::<i32>("queueId"), Ok(3));
        assert_eq!(fields.required::<i64>("missing"), Err(HeaderError::Missing { field: "missing" }));
        let err = fields.required::<i64>("offset").unwrap_err();
        assert!(err.to_string().contains("offset"), "{err}");
        assert_eq!(fields.optional::<i64>("missing"), Ok(None));
    }

    #[test]
    fn booleans_follow_java() {
        assert_eq!(bool::parse_field("TRUE"), Some(true));
        assert_eq!(bool::parse_field("yes"), Some(false));
        assert_eq!(1.0f64.to_field(), "1.0");
        assert_eq!(0.25f64.to_field(), "0.25");
    }
}
