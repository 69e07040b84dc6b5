//! A JSON reader for the shape of a command header: one object of scalars plus the `extFields`
//! object of scalars. Strings without escapes are borrowed from the input and ext values are
//! appended straight into the map's text buffer, so a header costs no allocation per field.
//!
//! It accepts exactly standard JSON (RFC 8259) and reports errors as `serde_json::Error`, the
//! error type of the serde-based decoder it replaces.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::de::Error as _;

/// Nesting depth at which skipping an unknown value gives up (serde_json's limit too).
const MAX_DEPTH: usize = 128;

/// A scalar value, or the start of an object or array (the `{` or `[` is consumed).
pub(super) enum Value<'a> {
    Null,
    Bool(bool),
    /// A number's text, checked against the JSON grammar.
    Number(Number<'a>),
    String(Cow<'a, str>),
    ObjectStart,
    ArrayStart,
}

/// A number's text and whether it has a fraction or an exponent.
pub(super) struct Number<'a> {
    pub(super) text: &'a str,
    pub(super) is_integer: bool,
}

impl Number<'_> {
    /// The value as serde_json would hand it to a visitor: `i64` for negative integers, `u64`
    /// for other integers, `f64` for the rest and for integers beyond 64 bits.
    pub(super) fn write_display(&self, out: &mut String) {
        let written = if !self.is_integer {
            Err(())
        } else if self.text.starts_with('-') {
            self.text.parse::<i64>().map(|v| write!(out, "{v}")).map_err(drop)
        } else {
            self.text.parse::<u64>().map(|v| write!(out, "{v}")).map_err(drop)
        };
        if written.is_err() {
            let value: f64 = self.text.parse().unwrap_or(f64::NAN);
            let _ = write!(out, "{value}");
        }
    }

    /// The value as an `i64` when it is an integer that fits.
    pub(super) fn as_i64(&self) -> Option<i64> {
        if self.is_integer {
            self.text.parse().ok()
        } else {
            None
        }
    }
}

pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

pub(super) fn error(reason: &str, at: usize) -> serde_json::Error {
    serde_json::Error::custom(format_args!("{reason} at byte {at}"))
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    pub(super) fn error(&self, reason: &str) -> serde_json::Error {
        error(reason, self.at)
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// Skips whitespace and consumes `byte` if it comes next.
    pub(super) fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// Skips whitespace and consumes `byte`, which must come next.
    pub(super) fn expect(&mut self, byte: u8, reason: &str) -> Result<(), serde_json::Error> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.error(reason))
        }
    }

    /// Whether only whitespace is left.
    pub(super) fn at_end(&mut self) -> bool {
        self.skip_whitespace();
        self.at == self.bytes.len()
    }

    /// After `{` or `[` and its first member: consumes `,` (true, another member follows) or the
    /// closing byte (false).
    pub(super) fn next_member(&mut self, close: u8) -> Result<bool, serde_json::Error> {
        if self.eat(b',') {
            Ok(true)
        } else if self.eat(close) {
            Ok(false)
        } else {
            Err(self.error("expected `,` or the end of the object or array"))
        }
    }

    /// An object key and the `:` after it.
    pub(super) fn key(&mut self) -> Result<Cow<'a, str>, serde_json::Error> {
        self.expect(b'"', "expected a key string")?;
        let key = self.string_body()?;
        self.expect(b':', "expected `:`")?;
        Ok(key)
    }

    /// The next value; objects and arrays are only opened.
    pub(super) fn value(&mut self) -> Result<Value<'a>, serde_json::Error> {
        self.skip_whitespace();
        let Some(&first) = self.bytes.get(self.at) else {
            return Err(self.error("expected a value, found the end"));
        };
        match first {
            b'"' => {
                self.at += 1;
                self.string_body().map(Value::String)
            }
            b'{' => {
                self.at += 1;
                Ok(Value::ObjectStart)
            }
            b'[' => {
                self.at += 1;
                Ok(Value::ArrayStart)
            }
            b'n' => self.literal(b"null", Value::Null),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'-' | b'0'..=b'9' => self.number().map(Value::Number),
            _ => Err(self.error("expected a value")),
        }
    }

    /// Appends a string value's text to `out`, unescaping it there (no intermediate buffer).
    /// The opening quote has been consumed.
    pub(super) fn string_into(&mut self, out: &mut String) -> Result<(), serde_json::Error> {
        loop {
            let run = self.plain_run()?;
            out.push_str(run);
            match self.bytes.get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.at += 1;
                    out.push(self.escape()?);
                }
                _ => return Err(self.error("unterminated string")),
            }
        }
    }

    /// A string whose opening quote has been consumed, borrowed unless it has escapes.
    fn string_body(&mut self) -> Result<Cow<'a, str>, serde_json::Error> {
        let run = self.plain_run()?;
        if self.bytes.get(self.at) == Some(&b'"') {
            self.at += 1;
            return Ok(Cow::Borrowed(run));
        }
        let mut owned = String::with_capacity(run.len() + 16);
        owned.push_str(run);
        self.string_into(&mut owned)?;
        Ok(Cow::Owned(owned))
    }

    /// The bytes up to the next quote or backslash, which must be valid UTF-8 without control
    /// characters.
    fn plain_run(&mut self) -> Result<&'a str, serde_json::Error> {
        let start = self.at;
        let rest = &self.bytes[start..];
        let length = rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(rest.len());
        self.at += length;
        if rest.get(length).is_some_and(|&b| b < 0x20) {
            return Err(self.error("control character in a string"));
        }
        std::str::from_utf8(&rest[..length]).map_err(|_| error("invalid UTF-8 in a string", start))
    }

    /// One escape sequence after its backslash.
    fn escape(&mut self) -> Result<char, serde_json::Error> {
        let Some(&byte) = self.bytes.get(self.at) else {
            return Err(self.error("unterminated escape"));
        };
        self.at += 1;
        Ok(match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(),
            _ => return Err(self.error("invalid escape")),
        })
    }

    /// `\uXXXX`, or a surrogate pair of two; a lone surrogate is an error, as in serde_json.
    fn unicode_escape(&mut self) -> Result<char, serde_json::Error> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                    return Err(self.error("lone leading surrogate in hex escape"));
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("lone leading surrogate in hex escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("lone trailing surrogate in hex escape")),
            code => code,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid unicode escape"))
    }

    fn hex4(&mut self) -> Result<u32, serde_json::Error> {
        let digits = self.bytes.get(self.at..self.at + 4).ok_or_else(|| self.error("truncated unicode escape"))?;
        let mut code = 0;
        for &digit in digits {
            let value = char::from(digit).to_digit(16).ok_or_else(|| self.error("invalid unicode escape"))?;
            code = code * 16 + value;
        }
        self.at += 4;
        Ok(code)
    }

    fn literal(&mut self, text: &[u8], value: Value<'a>) -> Result<Value<'a>, serde_json::Error> {
        if self.bytes.get(self.at..self.at + text.len()) == Some(text) {
            self.at += text.len();
            Ok(value)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Result<Number<'a>, serde_json::Error> {
        let start = self.at;
        self.eat_byte(b'-');
        match self.bytes.get(self.at) {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("invalid number")),
        }
        let mut is_integer = true;
        if self.eat_byte(b'.') {
            is_integer = false;
            self.required_digits()?;
        }
        if self.eat_byte(b'e') || self.eat_byte(b'E') {
            is_integer = false;
            let _ = self.eat_byte(b'+') || self.eat_byte(b'-');
            self.required_digits()?;
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| self.error("invalid number"))?;
        Ok(Number { text, is_integer })
    }

    fn eat_byte(&mut self, byte: u8) -> bool {
        let found = self.bytes.get(self.at) == Some(&byte);
        self.at += usize::from(found);
        found
    }

    fn digits(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), serde_json::Error> {
        let start = self.at;
        self.digits();
        if self.at == start {
            return Err(self.error("expected a digit"));
        }
        Ok(())
    }

    /// Skips the rest of an object or array whose opening byte [`Reader::value`] consumed.
    pub(super) fn skip_container(&mut self, value: &Value<'a>, depth: usize) -> Result<(), serde_json::Error> {
        if depth >= MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        match value {
            Value::ObjectStart => {
                if self.eat(b'}') {
                    return Ok(());
                }
                loop {
                    self.key()?;
                    self.skip_value(depth + 1)?;
                    if !self.next_member(b'}')? {
                        return Ok(());
                    }
                }
            }
            Value::ArrayStart => {
                if self.eat(b']') {
                    return Ok(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    if !self.next_member(b']')? {
                        return Ok(());
                    }
                }
            }
            _ => Ok(()),
        }
    }

    /// Skips one whole value.
    pub(super) fn skip_value(&mut self, depth: usize) -> Result<(), serde_json::Error> {
        let value = self.value()?;
        self.skip_container(&value, depth)
    }
}
