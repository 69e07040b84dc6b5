//! The SEND_BATCH_MESSAGE request body (message-format.md §5.1), also the body of 5.x
//! inner-batch records: one entry per message, back to back.
//!
//! ```text
//! total size i32 | magic i32 (0, ignored) | body CRC i32 (0, ignored) | flag i32
//! | body length i32 | body | properties length i16 | properties
//! ```
//! The topic, queue and the other shared fields travel in the request header.
//!
//! Decoding is zero-copy: [`entries`] borrows, [`shared_entries`] hands out bodies and
//! properties as [`Bytes`] slices of the request body.
//!
//! Unlike the Java broker, which reads the field lengths and ignores the total size, the decoder
//! requires the total size to match the fields: every known client writes it consistently, and
//! a mismatch means the stream position can no longer be trusted.

use bytes::{BufMut, Bytes, BytesMut};

use super::error::{DecodeError, EncodeError};
use super::properties::{self, MAX_PROPERTIES_BYTES};
use super::reader::{read_i32_checked, Reader};

/// Bytes of an entry besides its body and properties.
pub const ENTRY_OVERHEAD_BYTES: usize = 4 + 4 + 4 + 4 + 4 + 2;

/// One batch entry, borrowed from the body it was decoded from (or to be encoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchEntry<'a> {
    /// The message's opaque user flag.
    pub flag: i32,
    /// The message body.
    pub body: &'a [u8],
    /// The message's own raw properties string.
    pub properties: &'a [u8],
}

impl<'a> BatchEntry<'a> {
    /// Decodes the entry at the start of `buf` (which may continue past it); returns the entry
    /// and its total size.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`] if `buf` ends before the entry does; other variants for a
    /// corrupt entry. Offsets count from the start of `buf`.
    pub fn decode(buf: &'a [u8]) -> Result<(Self, usize), DecodeError> {
        let total_size = read_i32_checked(buf, 0, "total size")?;
        let size = match usize::try_from(total_size) {
            Ok(size) if size >= ENTRY_OVERHEAD_BYTES => size,
            _ => return Err(DecodeError::InvalidTotalSize { total_size, offset: 0 }),
        };
        let Some(entry) = buf.get(..size) else {
            return Err(DecodeError::Truncated { field: "batch entry", offset: 0, need: size, have: buf.len() });
        };
        let mut reader = Reader { record: entry, at: 12 };
        let flag = reader.i32("flag")?;
        let body_length = reader.length("body", 4)?;
        let body = reader.take("body", body_length)?;
        let properties_length = reader.length("properties", 2)?;
        let properties = reader.take("properties", properties_length)?;
        if reader.at != size {
            return Err(DecodeError::LengthMismatch { total_size: size, computed: reader.at, offset: 0 });
        }
        Ok((Self { flag, body, properties }, size))
    }

    /// Looks a property up without allocating; `None` also when its value is not UTF-8.
    #[must_use]
    pub fn property(&self, name: &str) -> Option<&'a str> {
        properties::find_property_bytes(self.properties, name).and_then(|value| std::str::from_utf8(value).ok())
    }

    /// The entry's encoded size.
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] for properties beyond 32767 bytes or a body beyond `i32::MAX`;
    /// [`EncodeError::RecordTooLarge`] if the entry exceeds `i32::MAX` bytes.
    pub fn encoded_len(&self) -> Result<usize, EncodeError> {
        if self.properties.len() > MAX_PROPERTIES_BYTES {
            return Err(EncodeError::TooLong {
                field: "properties",
                length: self.properties.len(),
                max_bytes: MAX_PROPERTIES_BYTES,
            });
        }
        let length = ENTRY_OVERHEAD_BYTES + self.body.len() + self.properties.len();
        if length > i32::MAX as usize {
            return Err(EncodeError::RecordTooLarge { length });
        }
        Ok(length)
    }

    /// Appends the entry to `out` as the Java client writes it (magic and CRC 0); returns its
    /// size.
    ///
    /// # Errors
    /// As [`Self::encoded_len`]; nothing is written on error.
    pub fn encode_into(&self, out: &mut BytesMut) -> Result<usize, EncodeError> {
        let length = self.encoded_len()?;
        out.reserve(length);
        // Both casts were range-checked by encoded_len.
        out.put_i32(length as i32);
        out.put_i32(0);
        out.put_i32(0);
        out.put_i32(self.flag);
        out.put_i32(self.body.len() as i32);
        out.put_slice(self.body);
        out.put_i16(self.properties.len() as i16);
        out.put_slice(self.properties);
        Ok(length)
    }
}

/// Iterates the entries of a batch body, borrowing. After the first error it yields that error
/// once and stops; error offsets count from the start of `body`.
#[must_use]
pub fn entries(body: &[u8]) -> Entries<'_> {
    Entries { body, at: 0 }
}

/// Iterator returned by [`entries`].
#[derive(Debug, Clone)]
pub struct Entries<'a> {
    body: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<BatchEntry<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.body.get(self.at..).filter(|rest| !rest.is_empty())?;
        match BatchEntry::decode(rest) {
            Ok((entry, size)) => {
                self.at += size;
                Some(Ok(entry))
            }
            Err(err) => {
                let err = err.shifted(self.at);
                self.at = self.body.len();
                Some(Err(err))
            }
        }
    }
}

/// A batch entry whose body and properties share the request body's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedBatchEntry {
    /// The message's opaque user flag.
    pub flag: i32,
    /// The message body: a slice of the request body.
    pub body: Bytes,
    /// The message's own raw properties: a slice of the request body.
    pub properties: Bytes,
}

impl SharedBatchEntry {
    /// The borrowed form, e.g. to re-encode or to look properties up.
    #[must_use]
    pub fn as_entry(&self) -> BatchEntry<'_> {
        BatchEntry { flag: self.flag, body: &self.body, properties: &self.properties }
    }
}

/// Iterates the entries of a batch body, handing out [`Bytes`] slices of it (no copy). Same
/// error behaviour as [`entries`].
#[must_use]
pub fn shared_entries(body: &Bytes) -> SharedEntries {
    SharedEntries { body: body.clone(), at: 0 }
}

/// Iterator returned by [`shared_entries`].
#[derive(Debug, Clone)]
pub struct SharedEntries {
    body: Bytes,
    at: usize,
}

impl Iterator for SharedEntries {
    type Item = Result<SharedBatchEntry, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.body.get(self.at..).filter(|rest| !rest.is_empty())?;
        match BatchEntry::decode(rest) {
            Ok((entry, size)) => {
                let shared = SharedBatchEntry {
                    flag: entry.flag,
                    body: self.body.slice_ref(entry.body),
                    properties: self.body.slice_ref(entry.properties),
                };
                self.at += size;
                Some(Ok(shared))
            }
            Err(err) => {
                let err = err.shifted(self.at);
                self.at = self.body.len();
                Some(Err(err))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROPS: &[u8] = b"TAGS\x01A\x02UNIQ_KEY\x01ID1\x02";

    /// One entry written by hand from the table in message-format.md §5.1.
    fn golden() -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&(22 + 5 + PROPS.len() as i32).to_be_bytes());
        bytes.extend_from_slice(&[0; 8]);
        bytes.extend_from_slice(&7i32.to_be_bytes());
        bytes.extend_from_slice(&5i32.to_be_bytes());
        bytes.extend_from_slice(b"Hello");
        bytes.extend_from_slice(&(PROPS.len() as i16).to_be_bytes());
        bytes.extend_from_slice(PROPS);
        bytes
    }

    #[test]
    fn encodes_the_java_layout() {
        let mut out = BytesMut::new();
        let entry = BatchEntry { flag: 7, body: b"Hello", properties: PROPS };
        assert_eq!(entry.encode_into(&mut out), Ok(golden().len()));
        assert_eq!(&out[..], &golden()[..]);
    }

    #[test]
    fn decodes_entries_as_slices() {
        let mut body = BytesMut::new();
        for (flag, text) in [(1, &b"one"[..]), (2, b""), (3, b"three")] {
            BatchEntry { flag, body: text, properties: PROPS }.encode_into(&mut body).expect("encode");
        }
        let body = body.freeze();
        let shared: Vec<_> = shared_entries(&body).collect::<Result<_, _>>().expect("decode");
        assert_eq!(shared.len(), 3);
        assert_eq!((shared[2].flag, &shared[2].body[..]), (3, &b"three"[..]));
        assert_eq!(shared[0].as_entry().property("UNIQ_KEY"), Some("ID1"));
        // The slices point into the request body: no copy was made.
        let start = body.as_ptr() as usize;
        let body_at = shared[0].body.as_ptr() as usize;
        assert!(body_at > start && body_at < start + body.len());
        let borrowed: Vec<_> = entries(&body).collect::<Result<_, _>>().expect("decode");
        assert_eq!(borrowed[1], BatchEntry { flag: 2, body: b"", properties: PROPS });
    }

    #[test]
    fn truncation_at_every_byte_is_an_error() {
        let whole = golden();
        for cut in 1..whole.len() {
            let mut items = entries(&whole[..cut]);
            let err = items.next().expect("an item").expect_err("truncated");
            assert!(err.is_truncation(), "cut {cut}: {err}");
            assert!(items.next().is_none());
        }
    }

    #[test]
    fn inconsistent_lengths_are_errors() {
        let mut bad = golden();
        bad[3] += 1; // total size one larger than the fields
        bad.push(0);
        assert!(matches!(entries(&bad).next(), Some(Err(DecodeError::LengthMismatch { .. }))));
        let mut bad = golden();
        bad[16..20].copy_from_slice(&(-1i32).to_be_bytes());
        assert!(matches!(entries(&bad).next(), Some(Err(DecodeError::NegativeLength { field: "body", .. }))));
        let mut bad = golden();
        bad[16..20].copy_from_slice(&1000i32.to_be_bytes());
        assert!(matches!(entries(&bad).next(), Some(Err(DecodeError::PastRecordEnd { field: "body", .. }))));
        let bad = 21i32.to_be_bytes();
        assert!(matches!(entries(&bad).next(), Some(Err(DecodeError::InvalidTotalSize { total_size: 21, .. }))));
        let mut two = golden();
        two.extend_from_slice(&[0, 0, 0]);
        let errors: Vec<_> = entries(&two).filter_map(Result::err).collect();
        assert_eq!(errors.len(), 1);
        assert!(matches!(errors[0], DecodeError::Truncated { offset, .. } if offset == golden().len()));
    }
}
