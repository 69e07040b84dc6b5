//! Tag hash codes (message-format.md §8.1): what the consume queue stores as "tags code" for an
//! ordinary topic, and what broker-side tag filtering compares.

/// Java's `String.hashCode()`: `h = 31 * h + unit` over the UTF-16 code units, wrapping at 32
/// bits, starting from 0.
#[must_use]
pub fn java_string_hash(text: &str) -> i32 {
    text.encode_utf16().fold(0i32, |hash, unit| hash.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// The consume-queue tags code of a `TAGS` value: its Java hash code sign-extended to 64 bits.
/// No tag (absent or empty) is 0.
#[must_use]
pub fn tags_code(tag: Option<&str>) -> i64 {
    tag.map_or(0, |tag| i64::from(java_string_hash(tag)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_java_values() {
        assert_eq!(tags_code(Some("A")), 65);
        assert_eq!(tags_code(Some("TagA")), 2_598_919);
        assert_eq!(tags_code(Some("")), 0);
        assert_eq!(tags_code(None), 0);
        // "hello world".hashCode() == 1794106052; "polygenelubricants".hashCode() == Integer.MIN_VALUE.
        assert_eq!(java_string_hash("hello world"), 1_794_106_052);
        assert_eq!(tags_code(Some("polygenelubricants")), i64::from(i32::MIN));
        // Negative hashes are sign-extended, not read as unsigned.
        assert_eq!(tags_code(Some("polygenelubricants")), -2_147_483_648);
        assert_eq!(java_string_hash("zzzzzzzzzzzz"), 1_097_476_992);
    }

    #[test]
    fn hashes_utf16_units_not_bytes() {
        // U+00E9 is one UTF-16 unit (233); U+1F600 is the surrogate pair D83D DE00.
        assert_eq!(java_string_hash("\u{e9}"), 233);
        assert_eq!(java_string_hash("\u{1F600}"), 0xD83D * 31 + 0xDE00);
    }
}
