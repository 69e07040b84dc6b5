//! Bounds-checked big-endian field reads inside a record whose total size is already known.

use super::error::DecodeError;

/// Reads fields inside a record whose length is known; running past its end is corruption.
pub(crate) struct Reader<'a> {
    pub(crate) record: &'a [u8],
    pub(crate) at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, field: &'static str, need: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.at.checked_add(need).filter(|&end| end <= self.record.len());
        let Some(end) = end else {
            return Err(DecodeError::PastRecordEnd { field, offset: self.at, need, record_end: self.record.len() });
        };
        let bytes = &self.record[self.at..end];
        self.at = end;
        Ok(bytes)
    }

    pub(crate) fn skip(&mut self, field: &'static str, need: usize) -> Result<(), DecodeError> {
        self.take(field, need).map(drop)
    }

    pub(crate) fn i32(&mut self, field: &'static str) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.take(field, 4)?.try_into().expect("4 bytes")))
    }

    pub(crate) fn i64(&mut self, field: &'static str) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(self.take(field, 8)?.try_into().expect("8 bytes")))
    }

    /// A signed big-endian length field of `width` bytes (2 or 4).
    pub(crate) fn length(&mut self, field: &'static str, width: usize) -> Result<usize, DecodeError> {
        let at = self.at;
        let length = match width {
            2 => i64::from(i16::from_be_bytes(self.take(field, 2)?.try_into().expect("2 bytes"))),
            _ => i64::from(self.i32(field)?),
        };
        usize::try_from(length).map_err(|_| DecodeError::NegativeLength { field, length, offset: at })
    }

    pub(crate) fn host(&mut self, field: &'static str, v6: bool) -> Result<(), DecodeError> {
        self.skip(field, if v6 { 16 } else { 4 })?;
        let at = self.at;
        let port = self.i32(field)?;
        if u16::try_from(port).is_err() {
            return Err(DecodeError::InvalidPort { field, port, offset: at });
        }
        Ok(())
    }
}

/// Reads an i32 at `at` from a buffer of unknown length: running out is a truncation.
pub(crate) fn read_i32_checked(buf: &[u8], at: usize, field: &'static str) -> Result<i32, DecodeError> {
    match buf.get(at..at + 4) {
        Some(bytes) => Ok(i32::from_be_bytes(bytes.try_into().expect("4 bytes"))),
        None => Err(DecodeError::Truncated { field, offset: at, need: 4, have: buf.len().saturating_sub(at) }),
    }
}
