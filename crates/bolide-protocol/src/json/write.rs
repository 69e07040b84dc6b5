//! The encoder side: a `serde_json` formatter that writes what fastjson writes.
//!
//! serde_json writes an integer map key as `begin_string`, `write_i64`, `end_string`, all between
//! `begin_object_key` and `end_object_key`. In [`KeyStyle::Fastjson`] the formatter holds the
//! opening quote back until it sees what the key is made of, and drops both quotes when it is a
//! number. `MessageQueue` keys arrive as strings holding the object's JSON, flagged by
//! [`super::mq_map`]; those are written raw, unescaped, without quotes.

use std::io::{self, Write};

use serde_json::ser::{CharEscape, Formatter};

use super::mq_map::take_raw_key_flag;
use super::KeyStyle;

/// The largest integer a JavaScript number holds exactly; fastjson's browser-compatible mode
/// quotes longs beyond it.
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// What the formatter knows about the key being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyState {
    /// Not inside a key string.
    Outside,
    /// A key string began; its opening quote is held back.
    Pending,
    /// The key is a number and is written bare.
    Bare,
    /// The key is an ordinary quoted string.
    Quoted,
    /// The key is a `MessageQueue` object written raw.
    Raw,
}

/// Compact output with fastjson's key forms.
pub(super) struct FastjsonFormatter {
    style: KeyStyle,
    in_key: bool,
    key: KeyState,
}

impl FastjsonFormatter {
    pub(super) fn new(style: KeyStyle) -> Self {
        FastjsonFormatter { style, in_key: false, key: KeyState::Outside }
    }

    /// Writes the held-back opening quote of a key once it turns out to be a string.
    fn open_pending_key<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        if self.key == KeyState::Pending {
            self.key = KeyState::Quoted;
            writer.write_all(b"\"")?;
        }
        Ok(())
    }

    fn write_integer<W: ?Sized + Write>(&mut self, writer: &mut W, text: &str, magnitude: u64) -> io::Result<()> {
        if self.key == KeyState::Pending {
            self.key = KeyState::Bare;
            return writer.write_all(text.as_bytes());
        }
        let quote = self.style == KeyStyle::Standard && self.key == KeyState::Outside && magnitude > MAX_SAFE_INTEGER;
        if quote {
            write!(writer, "\"{text}\"")
        } else {
            writer.write_all(text.as_bytes())
        }
    }
}

/// Characters fastjson's browser-compatible mode writes unescaped.
fn browser_safe(ch: char) -> bool {
    ch < '\u{7f}' && ch != '/'
}

impl Formatter for FastjsonFormatter {
    fn write_i8<W: ?Sized + Write>(&mut self, writer: &mut W, value: i8) -> io::Result<()> {
        self.write_integer(writer, &value.to_string(), value.unsigned_abs().into())
    }

    fn write_i16<W: ?Sized + Write>(&mut self, writer: &mut W, value: i16) -> io::Result<()> {
        self.write_integer(writer, &value.to_string(), value.unsigned_abs().into())
    }

    fn write_i32<W: ?Sized + Write>(&mut self, writer: &mut W, value: i32) -> io::Result<()> {
        self.write_integer(writer, &value.to_string(), value.unsigned_abs().into())
    }

    fn write_i64<W: ?Sized + Write>(&mut self, writer: &mut W, value: i64) -> io::Result<()> {
        self.write_integer(writer, &value.to_string(), value.unsigned_abs())
    }

    fn write_u8<W: ?Sized + Write>(&mut self, writer: &mut W, value: u8) -> io::Result<()> {
        self.write_integer(writer, &value.to_string(), value.into())
    }

    fn write_u16<W: ?Sized + Write>(&mut self, writer: &mut W, value: u16) -> io::Result<()> {
        self.write_integer(writer, &value.to_string(), value.into())
    }

    fn write_u32<W: ?Sized + Write>(&mut self, writer: &mut W, value: u32) -> io::Result<()> {
        self.write_integer(writer, &value.to_string(), value.into())
    }

    fn write_u64<W: ?Sized + Write>(&mut self, writer: &mut W, value: u64) -> io::Result<()> {
        self.write_integer(writer, &value.to_string(), value)
    }

    fn write_i128<W: ?Sized + Write>(&mut self, writer: &mut W, value: i128) -> io::Result<()> {
        let magnitude = u64::try_from(value.unsigned_abs()).unwrap_or(u64::MAX);
        self.write_integer(writer, &value.to_string(), magnitude)
    }

    fn write_u128<W: ?Sized + Write>(&mut self, writer: &mut W, value: u128) -> io::Result<()> {
        self.write_integer(writer, &value.to_string(), u64::try_from(value).unwrap_or(u64::MAX))
    }

    fn write_bool<W: ?Sized + Write>(&mut self, writer: &mut W, value: bool) -> io::Result<()> {
        self.open_pending_key(writer)?;
        writer.write_all(if value { b"true" } else { b"false" })
    }

    /// Java writes every double with a fraction or an exponent (`0.0`, `1.0E20`); Rust's debug
    /// form does the same except that it omits the `.0` before an exponent.
    fn write_f64<W: ?Sized + Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        self.open_pending_key(writer)?;
        let text = format!("{value:?}");
        match text.find('e') {
            Some(at) if !text[..at].contains('.') => write!(writer, "{}.0{}", &text[..at], &text[at..]),
            _ => writer.write_all(text.as_bytes()),
        }
    }

    fn write_f32<W: ?Sized + Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(writer, f64::from(value))
    }

    fn begin_string<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        if self.in_key && self.key == KeyState::Outside {
            if take_raw_key_flag() {
                self.key = KeyState::Raw;
                return Ok(());
            }
            if self.style == KeyStyle::Fastjson {
                self.key = KeyState::Pending;
                return Ok(());
            }
            self.key = KeyState::Quoted;
        }
        writer.write_all(b"\"")
    }

    fn end_string<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        let state = self.key;
        if self.in_key {
            self.key = KeyState::Outside;
        }
        match state {
            KeyState::Bare | KeyState::Raw => Ok(()),
            KeyState::Pending => writer.write_all(b"\"\""),
            KeyState::Outside | KeyState::Quoted => writer.write_all(b"\""),
        }
    }

    fn write_string_fragment<W: ?Sized + Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        self.open_pending_key(writer)?;
        if self.key == KeyState::Raw || self.style == KeyStyle::Fastjson || fragment.chars().all(browser_safe) {
            return writer.write_all(fragment.as_bytes());
        }
        // fastjson's browser-compatible mode: `/` as `\/`, DEL and everything beyond ASCII as
        // UTF-16 escapes.
        let mut units = [0u16; 2];
        for ch in fragment.chars() {
            if ch == '/' {
                writer.write_all(b"\\/")?;
            } else if browser_safe(ch) {
                writer.write_all(&[ch as u8])?;
            } else {
                for unit in ch.encode_utf16(&mut units).iter() {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }

    fn write_char_escape<W: ?Sized + Write>(&mut self, writer: &mut W, escape: CharEscape) -> io::Result<()> {
        self.open_pending_key(writer)?;
        if self.key != KeyState::Raw {
            return serde_json::ser::CompactFormatter.write_char_escape(writer, escape);
        }
        // A raw key is JSON text that serde_json escaped as a string; undo that.
        let byte = match escape {
            CharEscape::Quote => b'"',
            CharEscape::ReverseSolidus => b'\\',
            CharEscape::Solidus => b'/',
            CharEscape::Backspace => 0x08,
            CharEscape::FormFeed => 0x0c,
            CharEscape::LineFeed => b'\n',
            CharEscape::CarriageReturn => b'\r',
            CharEscape::Tab => b'\t',
            CharEscape::AsciiControl(byte) => byte,
        };
        writer.write_all(&[byte])
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.in_key = true;
        self.key = KeyState::Outside;
        if first {
            Ok(())
        } else {
            writer.write_all(b",")
        }
    }

    fn end_object_key<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.in_key = false;
        self.key = KeyState::Outside;
        Ok(())
    }
}
