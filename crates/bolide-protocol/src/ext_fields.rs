//! `extFields`: the string map that carries every request and response header field
//! (`remoting.md` §10).

use std::fmt::Write as _;
use std::ops::Range;

use crate::error::HeaderError;

/// A command's custom header fields, keyed by Java field name, every value a string.
///
/// Kept sorted by key so that encoded headers are deterministic (fastjson sorts keys too).
///
/// Every key and value lives in one text buffer and a sorted entry list holds their ranges, so a
/// decoded header costs three allocations (the box holding both, the buffer and the list) however
/// many fields it has, and an empty map none. Boxing keeps the map one pointer wide, and with it
/// every `RemotingCommand`. Replaced and removed text stays in the buffer until the map is dropped.
#[derive(Clone, Default)]
pub struct ExtFields {
    inner: Option<Box<Table>>,
}

#[derive(Clone, Default)]
struct Table {
    text: String,
    entries: Vec<Entry>,
}

/// One field: the ranges of its key and value in the table's text buffer.
#[derive(Debug, Clone)]
struct Entry {
    key: Range<usize>,
    value: Range<usize>,
}

impl Table {
    /// Where `key` is, or where it would go. Decoders append keys mostly in order, so the last
    /// entry is checked first.
    fn find(&self, key: &str) -> Result<usize, usize> {
        match self.entries.last() {
            None => return Err(0),
            Some(last) => {
                if self.text[last.key.clone()] < *key {
                    return Err(self.entries.len());
                }
            }
        }
        self.entries.binary_search_by(|entry| self.text[entry.key.clone()].cmp(key))
    }

    /// Points `key` at `value`, a range of the buffer, adding the key if it is new.
    fn set(&mut self, key: &str, value: Range<usize>) {
        match self.find(key) {
            Ok(index) => self.entries[index].value = value,
            Err(index) => {
                let key_start = self.text.len();
                self.text.push_str(key);
                let entry = Entry { key: key_start..self.text.len(), value };
                self.entries.insert(index, entry);
            }
        }
    }
}

impl ExtFields {
    /// An empty map.
    pub const fn new() -> Self {
        ExtFields { inner: None }
    }

    /// An empty map with room for `fields` entries holding `text_bytes` bytes of keys and values.
    pub fn with_capacity(fields: usize, text_bytes: usize) -> Self {
        let table = Table { text: String::with_capacity(text_bytes), entries: Vec::with_capacity(fields) };
        Self { inner: Some(Box::new(table)) }
    }

    /// Makes room for `fields` more entries holding `text_bytes` more bytes of keys and values.
    pub fn reserve(&mut self, fields: usize, text_bytes: usize) {
        let table = self.table();
        table.text.reserve(text_bytes);
        table.entries.reserve(fields);
    }

    fn table(&mut self) -> &mut Table {
        self.inner.get_or_insert_with(Box::default)
    }

    /// The raw text of a field.
    pub fn get(&self, key: &str) -> Option<&str> {
        let table = self.inner.as_deref()?;
        table.find(key).ok().map(|index| &table.text[table.entries[index].value.clone()])
    }

    /// Sets a field, replacing an earlier value (on decode, the last occurrence of a key wins).
    pub fn insert(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) {
        self.insert_with(key.as_ref(), |text| text.push_str(value.as_ref()));
    }

    /// Sets a field whose value `write` appends to the given buffer, replacing an earlier value.
    pub(crate) fn insert_with(&mut self, key: &str, write: impl FnOnce(&mut String)) {
        let table = self.table();
        let start = table.text.len();
        write(&mut table.text);
        let end = table.text.len();
        table.set(key, start..end);
    }

    /// Sets a field whose value `write` appends to the buffer; when `write` returns `Ok(false)`
    /// (a null value) or an error, the map is left as it was.
    pub(crate) fn try_insert_with<E>(
        &mut self,
        key: &str,
        write: impl FnOnce(&mut String) -> Result<bool, E>,
    ) -> Result<(), E> {
        let table = self.table();
        let start = table.text.len();
        let written = write(&mut table.text);
        if let Ok(true) = written {
            let end = table.text.len();
            table.set(key, start..end);
        } else {
            table.text.truncate(start);
        }
        written.map(drop)
    }

    /// Removes a field, returning its text.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let table = self.inner.as_deref_mut()?;
        let index = table.find(key).ok()?;
        let entry = table.entries.remove(index);
        Some(table.text[entry.value].to_owned())
    }

    /// Whether the map holds a field.
    pub fn contains(&self, key: &str) -> bool {
        self.inner.as_deref().is_some_and(|table| table.find(key).is_ok())
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.inner.as_deref().map_or(0, |table| table.entries.len())
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fields in key order.
    pub fn iter(&self) -> Iter<'_> {
        match self.inner.as_deref() {
            Some(table) => Iter { text: &table.text, entries: table.entries.iter() },
            None => Iter { text: "", entries: [].iter() },
        }
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
        parse_optional(self.get(field), field)
    }

    /// Writes a field in Java's string form.
    pub fn put<T: FieldValue>(&mut self, field: &str, value: &T) {
        self.insert_with(field, |text| value.write_field(text));
    }

    /// Writes an optional field; `None` writes nothing (Java omits null fields).
    pub fn put_opt<T: FieldValue>(&mut self, field: &str, value: Option<&T>) {
        if let Some(value) = value {
            self.put(field, value);
        }
    }
}

/// Equal when the same keys hold the same values, whatever text the buffers keep besides.
impl PartialEq for ExtFields {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for ExtFields {}

impl std::fmt::Debug for ExtFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for ExtFields {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut fields = ExtFields::new();
        for (key, value) in iter {
            fields.insert(key, value);
        }
        fields
    }
}

impl<'a> IntoIterator for &'a ExtFields {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Parses the text of a required field found by the caller (`None`: absent).
///
/// # Errors
/// [`HeaderError::Missing`] when absent, [`HeaderError::Invalid`] when unparsable.
pub fn parse_required<T: FieldValue>(text: Option<&str>, field: &'static str) -> Result<T, HeaderError> {
    parse_optional(text, field)?.ok_or(HeaderError::Missing { field })
}

/// Parses the text of an optional field found by the caller (`None`: absent).
///
/// # Errors
/// [`HeaderError::Invalid`] when present but unparsable.
pub fn parse_optional<T: FieldValue>(text: Option<&str>, field: &'static str) -> Result<Option<T>, HeaderError> {
    match text {
        None => Ok(None),
        Some(text) => T::parse_field(text).map(Some).ok_or_else(|| HeaderError::Invalid {
            field,
            value: text.to_owned(),
            expected: T::TYPE_NAME,
        }),
    }
}

/// The fields of an [`ExtFields`] in key order.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    text: &'a str,
    entries: std::slice::Iter<'a, Entry>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let entry = self.entries.next()?;
        Some((&self.text[entry.key.clone()], &self.text[entry.value.clone()]))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// A type that travels as one `extFields` value, in Java's string form (`remoting.md` §10.1).
pub trait FieldValue: Sized {
    /// Type name used in error messages.
    const TYPE_NAME: &'static str;
    /// Parses the wire text; `None` when it is not a valid value of the type.
    fn parse_field(text: &str) -> Option<Self>;
    /// Renders the wire text.
    fn to_field(&self) -> String;
    /// Appends the wire text to `out`; override to skip the intermediate `String`.
    fn write_field(&self, out: &mut String) {
        out.push_str(&self.to_field());
    }
    /// About how many bytes the wire text takes (for allocating a header's text once); the
    /// default fits any number.
    fn text_len_hint(&self) -> usize {
        20
    }
}

impl FieldValue for String {
    const TYPE_NAME: &'static str = "string";
    fn parse_field(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
    fn to_field(&self) -> String {
        self.clone()
    }
    fn write_field(&self, out: &mut String) {
        out.push_str(self);
    }
    fn text_len_hint(&self) -> usize {
        self.len()
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
            fn write_field(&self, out: &mut String) {
                write!(out, "{self}").expect("writing to a String cannot fail");
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
    fn write_field(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
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
    fn keys_stay_sorted_and_the_last_value_wins() {
        let mut fields = ExtFields::new();
        for (key, value) in [("m", "1"), ("b", "2"), ("z", "3"), ("b", "4"), ("a", ""), ("m", "5")] {
            fields.insert(key, value);
        }
        let pairs: Vec<_> = fields.iter().collect();
        assert_eq!(pairs, [("a", ""), ("b", "4"), ("m", "5"), ("z", "3")]);
        assert_eq!(fields.remove("m").as_deref(), Some("5"));
        assert!(!fields.contains("m") && fields.contains("z"));
        let same: ExtFields = [("z", "3"), ("a", ""), ("b", "4")].into_iter().collect();
        assert_eq!(fields, same, "leftover text in the buffer does not count");
        assert_eq!(format!("{same:?}"), r#"{"a": "", "b": "4", "z": "3"}"#);
    }

    #[test]
    fn typed_puts_write_java_text() {
        let mut fields = ExtFields::new();
        fields.put("i", &-17i64);
        fields.put("b", &true);
        fields.put("s", &"x".to_owned());
        fields.put("f", &2.0f64);
        assert_eq!(fields.iter().collect::<Vec<_>>(), [("b", "true"), ("f", "2.0"), ("i", "-17"), ("s", "x")]);
    }

    #[test]
    fn booleans_follow_java() {
        assert_eq!(bool::parse_field("TRUE"), Some(true));
        assert_eq!(bool::parse_field("yes"), Some(false));
        assert_eq!(1.0f64.to_field(), "1.0");
        assert_eq!(0.25f64.to_field(), "0.25");
    }
}
