//! The pre-pass that turns fastjson's output into standard JSON (`remoting.md` §11.1–11.2).
//!
//! It is a validating scanner: the input is checked against the JSON grammar (plus the two
//! fastjson key forms) as it is read, so `Ok` output is always syntactically valid JSON. Rewrites
//! are copied lazily: until the first key needs changing nothing is allocated, and input that
//! needs no change comes back borrowed.
//!
//! - A bare integer key `0:` becomes `"0":`.
//! - An object key `{"brokerName":"b","queueId":0,"topic":"T"}:` becomes a string key holding the
//!   object's compact text: `"{\"brokerName\":\"b\",\"queueId\":0,\"topic\":\"T\"}":`.

use std::borrow::Cow;

use super::JsonError;

/// Deepest nesting of arrays and objects accepted. serde_json refuses 128 levels, so output of
/// this pass never trips its recursion limit.
pub const MAX_DEPTH: usize = 100;

/// Rewrites fastjson's non-standard map keys into standard JSON.
///
/// Returns the input unchanged (borrowed) when it is already standard JSON.
///
/// # Errors
/// [`JsonError::Syntax`] with the byte offset when the input is neither standard JSON nor
/// fastjson's dialect, is not UTF-8 inside strings, or nests deeper than [`MAX_DEPTH`].
pub fn to_standard(input: &[u8]) -> Result<Cow<'_, [u8]>, JsonError> {
    let mut scanner = Scanner { input, pos: 0, out: None, copied: 0 };
    scanner.skip_whitespace();
    scanner.value(0)?;
    scanner.skip_whitespace();
    if scanner.pos != input.len() {
        return Err(scanner.error("trailing characters after the JSON value"));
    }
    Ok(match scanner.out {
        None => Cow::Borrowed(input),
        Some(mut out) => {
            out.extend_from_slice(&input[scanner.copied..]);
            Cow::Owned(out)
        }
    })
}

struct Scanner<'a> {
    input: &'a [u8],
    pos: usize,
    /// The rewritten output so far; `None` while nothing has needed rewriting.
    out: Option<Vec<u8>>,
    /// Input before this index has been copied into `out` (or replaced).
    copied: usize,
}

impl Scanner<'_> {
    fn error(&self, reason: &'static str) -> JsonError {
        JsonError::Syntax { offset: self.pos, reason }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, reason: &'static str) -> Result<(), JsonError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(reason))
        }
    }

    /// Replaces `input[start..self.pos]` with `replacement` in the output.
    fn replace(&mut self, start: usize, replacement: &[u8]) {
        let out = self.out.get_or_insert_with(|| Vec::with_capacity(self.input.len() + 64));
        out.extend_from_slice(&self.input[self.copied..start]);
        out.extend_from_slice(replacement);
        self.copied = self.pos;
    }

    fn value(&mut self, depth: usize) -> Result<(), JsonError> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("unexpected end of input, expected a value")),
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), JsonError> {
        if self.input[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.expect(b'{', "expected '{'")?;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.key(depth)?;
            self.skip_whitespace();
            self.expect(b':', "expected ':' after an object key")?;
            self.skip_whitespace();
            self.value(depth)?;
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error("expected ',' or '}' in an object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.expect(b'[', "expected '['")?;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.value(depth)?;
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error("expected ',' or ']' in an array")),
            }
        }
    }

    /// An object key in any of the three forms.
    fn key(&mut self, depth: usize) -> Result<(), JsonError> {
        let start = self.pos;
        match self.peek() {
            Some(b'"') => self.string(),
            Some(b'-' | b'0'..=b'9') => {
                self.integer()?;
                let mut quoted = Vec::with_capacity(self.pos - start + 2);
                quoted.push(b'"');
                quoted.extend_from_slice(&self.input[start..self.pos]);
                quoted.push(b'"');
                self.replace(start, &quoted);
                Ok(())
            }
            Some(b'{') => self.object_key(start, depth),
            _ => Err(self.error("expected an object key")),
        }
    }

    /// An object used as a key: scanned on its own (it may contain rewrites itself), compacted
    /// and written as a JSON string.
    fn object_key(&mut self, start: usize, depth: usize) -> Result<(), JsonError> {
        let mut inner = Scanner { input: &self.input[start..], pos: 0, out: None, copied: 0 };
        inner.object(depth + 1).map_err(|err| err.shifted(start))?;
        self.pos = start + inner.pos;
        let text: &[u8] = match &mut inner.out {
            None => &self.input[start..self.pos],
            Some(out) => {
                out.extend_from_slice(&inner.input[inner.copied..inner.pos]);
                out
            }
        };
        let quoted = compact_as_string(text);
        self.replace(start, &quoted);
        Ok(())
    }

    fn integer(&mut self) -> Result<(), JsonError> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.digits();
        if digits == 0 {
            return Err(self.error("expected digits"));
        }
        Ok(())
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// A number in the strict JSON grammar.
    fn number(&mut self) -> Result<(), JsonError> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("expected digits")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("expected digits after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("expected exponent digits"));
            }
        }
        Ok(())
    }

    fn string(&mut self) -> Result<(), JsonError> {
        self.expect(b'"', "expected '\"'")?;
        let start = self.pos;
        loop {
            // Skip plain bytes in one go; only quotes, backslashes and controls need a look.
            let rest = &self.input[self.pos..];
            let Some(special) = rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20) else {
                self.pos = self.input.len();
                return Err(self.error("unterminated string"));
            };
            self.pos += special;
            match rest[special] {
                b'"' => break,
                b'\\' => self.escape()?,
                _ => return Err(self.error("control character in string")),
            }
        }
        if let Err(err) = std::str::from_utf8(&self.input[start..self.pos]) {
            return Err(JsonError::Syntax { offset: start + err.valid_up_to(), reason: "string is not UTF-8" });
        }
        self.pos += 1;
        Ok(())
    }

    /// An escape sequence; `self.pos` is at the backslash.
    fn escape(&mut self) -> Result<(), JsonError> {
        self.pos += 1;
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.pos += 1,
            Some(b'u') => {
                self.pos += 1;
                for _ in 0..4 {
                    match self.peek() {
                        Some(b) if b.is_ascii_hexdigit() => self.pos += 1,
                        _ => return Err(self.error("expected four hex digits after \\u")),
                    }
                }
            }
            _ => return Err(self.error("invalid escape in string")),
        }
        Ok(())
    }
}

/// Drops whitespace outside strings from valid JSON `text` and returns it as a quoted JSON
/// string. Valid JSON has no raw control characters in strings, so only `"` and `\` need escaping.
fn compact_as_string(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 16);
    out.push(b'"');
    let mut in_string = false;
    let mut escaped = false;
    for &byte in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else if byte == b'"' {
            in_string = true;
        } else if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            continue;
        }
        if byte == b'"' || byte == b'\\' {
            out.push(b'\\');
        }
        out.push(byte);
    }
    out.push(b'"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard(input: &str) -> String {
        String::from_utf8(to_standard(input.as_bytes()).expect("valid input").into_owned()).expect("UTF-8")
    }

    #[test]
    fn standard_json_is_borrowed() {
        let input = br#"{"a":[1,2.5e3,-0.0,true,false,null,"x\"\u00e9"],"b":{}} "#;
        assert!(matches!(to_standard(input), Ok(Cow::Borrowed(_))));
    }

    #[test]
    fn bare_integer_keys_are_quoted() {
        assert_eq!(standard(r#"{0:"a", -1 : "b",12:{3:4}}"#), r#"{"0":"a", "-1" : "b","12":{"3":4}}"#);
    }

    #[test]
    fn object_keys_become_compact_strings() {
        assert_eq!(
            standard(r#"{{"brokerName":"b", "queueId":0,"topic":"T\"q"}:5}"#),
            r#"{"{\"brokerName\":\"b\",\"queueId\":0,\"topic\":\"T\\\"q\"}":5}"#
        );
        // An object key that itself has integer keys is standardised first.
        assert_eq!(standard(r#"{{1:2}:3}"#), r#"{"{\"1\":2}":3}"#);
    }

    #[test]
    fn malformed_input_is_rejected_with_an_offset() {
        for (input, offset) in [
            ("{", 1),
            ("{\"a\":1,}", 7),
            ("[1 2]", 3),
            ("{\"a\" 1}", 5),
            ("01", 1),
            ("\"\u{1}\"", 1),
            ("{1.5:2}", 2),
            ("nul", 0),
            ("{}x", 2),
        ] {
            match to_standard(input.as_bytes()) {
                Err(JsonError::Syntax { offset: at, .. }) => assert_eq!(at, offset, "{input:?}"),
                other => panic!("{input:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn invalid_utf8_in_strings_is_rejected() {
        assert!(to_standard(b"[\"\xff\"]").is_err());
        assert!(to_standard(b"[\xc3]").is_err());
    }

    #[test]
    fn deep_nesting_is_refused_before_serde_would() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(to_standard(deep.as_bytes()).is_err());
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(to_standard(ok.as_bytes()).is_ok());
    }
}
