//! Typed request and response headers, one file each, converted to and from `extFields`
//! (`codes.md` §3–9). Each file's doc names its request codes and gives its fields.

use crate::error::HeaderError;
use crate::ext_fields::ExtFields;

/// A typed header carried as `extFields`.
///
/// # Correctness
/// `read_fields(write_fields(h)) == h` for every value, and `read_fields` names the field in
/// every error it returns. Unknown keys are ignored on read (clients add `bname`, `ns`, ACL keys).
pub trait CommandHeader: Sized {
    /// Writes every non-null field in Java's string form.
    fn write_fields(&self, fields: &mut ExtFields);

    /// Reads the header.
    ///
    /// # Errors
    /// [`HeaderError`] naming the missing or malformed field.
    fn read_fields(fields: &ExtFields) -> Result<Self, HeaderError>;
}

/// A command with no header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EmptyHeader;

impl CommandHeader for EmptyHeader {
    fn write_fields(&self, _fields: &mut ExtFields) {}

    fn read_fields(_fields: &ExtFields) -> Result<Self, HeaderError> {
        Ok(EmptyHeader)
    }
}
