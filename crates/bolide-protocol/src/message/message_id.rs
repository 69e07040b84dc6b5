//! Message ids (message-format.md §4), both rendered as uppercase hex without separators.
//!
//! - [`OffsetMessageId`] ("offsetMsgId"): store host and commit log offset,
//!   `[ip 4|16][port i32][offset i64]`, 32 or 56 hex characters. Built by the broker after an
//!   append, recomputed by clients, resolved by `VIEW_MESSAGE_BY_ID`.
//! - [`UniqueId`] (the `UNIQ_KEY` property, the user-visible msgId):
//!   `[ip 4|16][pid u16][class loader hash i32][ms since month start i32][counter u16]`.
//!   The broker treats it as opaque; [`UniqueIdGenerator`] makes new ones.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

/// Hex length of an id built on an IPv4 address.
pub const IPV4_ID_HEX_LEN: usize = 32;
/// Hex length of an id built on an IPv6 address.
pub const IPV6_ID_HEX_LEN: usize = 56;

/// A message id string that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageIdError {
    /// Ids are 32 (IPv4) or 56 (IPv6) hex characters.
    #[error("message id has {length} characters; expected 32 (IPv4) or 56 (IPv6)")]
    InvalidLength {
        /// The length received.
        length: usize,
    },
    /// A character is not a hex digit.
    #[error("message id has a non-hex character at position {position}")]
    InvalidHex {
        /// Its position.
        position: usize,
    },
    /// The port is outside 0..=65535.
    #[error("message id port {port} is out of range")]
    InvalidPort {
        /// The value decoded.
        port: i32,
    },
    /// The commit log offset is negative.
    #[error("message id commit log offset {offset} is negative")]
    NegativeOffset {
        /// The value decoded.
        offset: i64,
    },
}

/// The offset message id: where a record is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OffsetMessageId {
    /// The record's store host (broker address).
    pub store_host: SocketAddr,
    /// The record's commit log offset.
    pub commit_log_offset: u64,
}

impl OffsetMessageId {
    /// Length of the hex form: 32 for an IPv4 store host, 56 for IPv6.
    #[must_use]
    pub fn hex_len(&self) -> usize {
        if self.store_host.is_ipv6() {
            IPV6_ID_HEX_LEN
        } else {
            IPV4_ID_HEX_LEN
        }
    }

    /// Decodes the hex form (either case): 32 characters mean IPv4, 56 IPv6.
    ///
    /// # Errors
    /// [`MessageIdError`] for a wrong length, a non-hex character, an out-of-range port or a
    /// negative offset.
    pub fn parse(text: &str) -> Result<Self, MessageIdError> {
        let mut bytes = [0u8; IPV6_ID_HEX_LEN / 2];
        let bytes = decode_hex(text, &mut bytes)?;
        let ip_len = bytes.len() - 12;
        let port = i32::from_be_bytes(bytes[ip_len..ip_len + 4].try_into().expect("4 bytes"));
        let port = u16::try_from(port).map_err(|_| MessageIdError::InvalidPort { port })?;
        let offset = i64::from_be_bytes(bytes[ip_len + 4..].try_into().expect("8 bytes"));
        let commit_log_offset = u64::try_from(offset).map_err(|_| MessageIdError::NegativeOffset { offset })?;
        Ok(Self { store_host: SocketAddr::new(ip_from(&bytes[..ip_len]), port), commit_log_offset })
    }
}

impl fmt::Display for OffsetMessageId {
    /// Uppercase hex. The offset is written as a Java long; offsets beyond `i64::MAX` do not
    /// occur (stores keep them in Java's range).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (octets, ip_len) = ip_octets(self.store_host.ip());
        write_hex(f, &octets[..ip_len])?;
        write_hex(f, &i32::from(self.store_host.port()).to_be_bytes())?;
        write_hex(f, &self.commit_log_offset.to_be_bytes())
    }
}

impl FromStr for OffsetMessageId {
    type Err = MessageIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// A client unique message id (`UNIQ_KEY`), 16 or 28 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UniqueId {
    bytes: [u8; IPV6_ID_HEX_LEN / 2],
    len: u8,
}

impl UniqueId {
    /// Decodes the hex form (either case).
    ///
    /// # Errors
    /// [`MessageIdError::InvalidLength`] or [`MessageIdError::InvalidHex`].
    pub fn parse(text: &str) -> Result<Self, MessageIdError> {
        let mut bytes = [0u8; IPV6_ID_HEX_LEN / 2];
        let len = decode_hex(text, &mut bytes)?.len();
        Ok(Self { bytes, len: u8::try_from(len).expect("at most 28 bytes") })
    }

    /// The id's bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    fn ip_len(&self) -> usize {
        usize::from(self.len) - 12
    }

    /// The producer host address.
    #[must_use]
    pub fn ip(&self) -> IpAddr {
        ip_from(&self.as_bytes()[..self.ip_len()])
    }

    /// Low 16 bits of the producer's process id.
    #[must_use]
    pub fn pid(&self) -> u16 {
        let at = self.ip_len();
        u16::from_be_bytes(self.bytes[at..at + 2].try_into().expect("2 bytes"))
    }

    /// The per-process random int (Java: the class loader's hash code).
    #[must_use]
    pub fn class_loader_hash(&self) -> i32 {
        let at = self.ip_len() + 2;
        i32::from_be_bytes(self.bytes[at..at + 4].try_into().expect("4 bytes"))
    }

    /// Milliseconds since the start of the producer's month, read as unsigned like Java does.
    #[must_use]
    pub fn ms_since_month_start(&self) -> u32 {
        let at = self.ip_len() + 6;
        u32::from_be_bytes(self.bytes[at..at + 4].try_into().expect("4 bytes"))
    }

    /// The rolling counter.
    #[must_use]
    pub fn counter(&self) -> u16 {
        let at = self.ip_len() + 10;
        u16::from_be_bytes(self.bytes[at..at + 2].try_into().expect("2 bytes"))
    }

    /// Approximate creation time, epoch ms, as Java's `getNearlyTimeFromID`: the offset is
    /// applied to the start of the month of `now_ms`, or of the month before when that would
    /// not be in the past. Months are taken in UTC here (Java uses the local time zone).
    #[must_use]
    pub fn nearly_time_ms(&self, now_ms: i64) -> i64 {
        let span = i64::from(self.ms_since_month_start());
        let (start, previous) = month_starts_ms(now_ms);
        if start + span >= now_ms {
            previous + span
        } else {
            start + span
        }
    }
}

impl fmt::Display for UniqueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, self.as_bytes())
    }
}

impl fmt::Debug for UniqueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UniqueId({self})")
    }
}

impl FromStr for UniqueId {
    type Err = MessageIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// Makes unique ids for one process: a constant prefix (ip, pid, random int) plus the time since
/// the start of the month and a rolling counter. Shareable across threads.
#[derive(Debug)]
pub struct UniqueIdGenerator {
    prefix: [u8; 22],
    prefix_len: usize,
    counter: AtomicU32,
}

impl UniqueIdGenerator {
    /// A generator for a process on `ip` with process id `pid` (low 16 bits are used) and a
    /// per-process random `seed` (Java uses its class loader's hash code).
    #[must_use]
    pub fn new(ip: IpAddr, pid: u32, seed: i32) -> Self {
        let mut prefix = [0u8; 22];
        let (octets, ip_len) = ip_octets(ip);
        prefix[..ip_len].copy_from_slice(&octets[..ip_len]);
        prefix[ip_len..ip_len + 2].copy_from_slice(&(pid as u16).to_be_bytes());
        prefix[ip_len + 2..ip_len + 6].copy_from_slice(&seed.to_be_bytes());
        Self { prefix, prefix_len: ip_len + 6, counter: AtomicU32::new(0) }
    }

    /// The next id at wall clock `now_ms` (epoch ms; months in UTC).
    #[must_use]
    pub fn next_id(&self, now_ms: i64) -> UniqueId {
        let (month_start, _) = month_starts_ms(now_ms);
        // Java stores the difference as an int; it always fits, a month has < 2^32 ms.
        let span = (now_ms - month_start) as u32;
        let counter = self.counter.fetch_add(1, Ordering::Relaxed) as u16;
        let mut bytes = [0u8; IPV6_ID_HEX_LEN / 2];
        let at = self.prefix_len;
        bytes[..at].copy_from_slice(&self.prefix[..at]);
        bytes[at..at + 4].copy_from_slice(&span.to_be_bytes());
        bytes[at + 4..at + 6].copy_from_slice(&counter.to_be_bytes());
        UniqueId { bytes, len: u8::try_from(at + 6).expect("at most 28 bytes") }
    }
}

/// The address bytes, without allocating: a buffer and the used length (4 or 16).
fn ip_octets(ip: IpAddr) -> ([u8; 16], usize) {
    let mut octets = [0u8; 16];
    match ip {
        IpAddr::V4(v4) => {
            octets[..4].copy_from_slice(&v4.octets());
            (octets, 4)
        }
        IpAddr::V6(v6) => (v6.octets(), 16),
    }
}

fn ip_from(bytes: &[u8]) -> IpAddr {
    match bytes.len() {
        4 => IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(bytes).expect("4 bytes"))),
        _ => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).expect("16 bytes"))),
    }
}

/// Uppercase hex, written a chunk of up to 28 bytes (the longest id) at a time rather than
/// with a call per digit.
fn write_hex(f: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for chunk in bytes.chunks(IPV6_ID_HEX_LEN / 2) {
        let mut text = [0u8; IPV6_ID_HEX_LEN];
        for (pair, &byte) in text.chunks_exact_mut(2).zip(chunk) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0xF)];
        }
        f.write_str(std::str::from_utf8(&text[..chunk.len() * 2]).expect("hex digits are ASCII"))?;
    }
    Ok(())
}

/// Decodes 32 or 56 hex characters into the front of `out`.
fn decode_hex<'a>(text: &str, out: &'a mut [u8; 28]) -> Result<&'a [u8], MessageIdError> {
    if text.len() != IPV4_ID_HEX_LEN && text.len() != IPV6_ID_HEX_LEN {
        return Err(MessageIdError::InvalidLength { length: text.len() });
    }
    let digit = |position: usize| {
        char::from(text.as_bytes()[position]).to_digit(16).ok_or(MessageIdError::InvalidHex { position })
    };
    let len = text.len() / 2;
    for (i, byte) in out[..len].iter_mut().enumerate() {
        *byte = u8::try_from(digit(2 * i)? << 4 | digit(2 * i + 1)?).expect("two hex digits");
    }
    Ok(&out[..len])
}

const MS_PER_DAY: i64 = 86_400_000;

/// Start of the UTC month containing `now_ms`, and of the month before, both epoch ms.
fn month_starts_ms(now_ms: i64) -> (i64, i64) {
    let (year, month, _) = civil_from_days(now_ms.div_euclid(MS_PER_DAY));
    let (prev_year, prev_month) = if month == 1 { (year - 1, 12) } else { (year, month - 1) };
    (days_from_civil(year, month, 1) * MS_PER_DAY, days_from_civil(prev_year, prev_month, 1) * MS_PER_DAY)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_id_matches_the_spec_example() {
        let id = OffsetMessageId { store_host: "192.168.0.20:10911".parse().expect("addr"), commit_log_offset: 0 };
        assert_eq!(id.to_string(), "C0A8001400002A9F0000000000000000");
        assert_eq!(OffsetMessageId::parse("c0a8001400002a9f0000000000000000"), Ok(id));
        let id =
            OffsetMessageId { store_host: "192.168.0.20:10911".parse().expect("addr"), commit_log_offset: 1 << 40 };
        assert_eq!(id.to_string().parse::<OffsetMessageId>(), Ok(id));
    }

    #[test]
    fn offset_id_ipv6() {
        let id = OffsetMessageId { store_host: "[fe80::1:2]:10911".parse().expect("addr"), commit_log_offset: 4096 };
        let text = id.to_string();
        assert_eq!(text.len(), 56);
        assert_eq!(text, "FE80000000000000000000000001000200002A9F0000000000001000");
        assert_eq!(text.parse(), Ok(id));
    }

    #[test]
    fn offset_id_errors() {
        assert_eq!(OffsetMessageId::parse("ABC"), Err(MessageIdError::InvalidLength { length: 3 }));
        assert_eq!(
            OffsetMessageId::parse("C0A8001400002A9F000000000000000G"),
            Err(MessageIdError::InvalidHex { position: 31 })
        );
        assert_eq!(
            OffsetMessageId::parse("C0A80014FFFFFFFF0000000000000000"),
            Err(MessageIdError::InvalidPort { port: -1 })
        );
        assert_eq!(
            OffsetMessageId::parse("C0A8001400002A9F8000000000000000"),
            Err(MessageIdError::NegativeOffset { offset: i64::MIN })
        );
        // Multi-byte UTF-8 of the right byte length is not hex and must not panic.
        assert!(OffsetMessageId::parse(&"é".repeat(16)).is_err());
    }

    #[test]
    fn unique_id_layout() {
        let generator = UniqueIdGenerator::new("10.0.0.7".parse().expect("ip"), 0x0001_2345, -2);
        // 2023-11-14T22:13:20Z; the month started at 2023-11-01T00:00:00Z = 1_698_796_800_000.
        let now = 1_700_000_000_000;
        let first = generator.next_id(now);
        let second = generator.next_id(now);
        assert_eq!(first.to_string(), "0A0000072345FFFFFFFE47B760000000");
        assert_eq!(second.counter(), 1);
        assert_eq!(first.ip(), "10.0.0.7".parse::<IpAddr>().expect("ip"));
        assert_eq!(first.pid(), 0x2345);
        assert_eq!(first.class_loader_hash(), -2);
        assert_eq!(first.ms_since_month_start(), 1_203_200_000);
        assert_eq!(first.nearly_time_ms(now + 5), now);
        assert_eq!(UniqueId::parse(&first.to_string()), Ok(first));
    }

    #[test]
    fn unique_id_ipv6_and_month_wrap() {
        let generator = UniqueIdGenerator::new("2001:db8::1".parse().expect("ip"), 7, 42);
        let id = generator.next_id(1_700_000_000_000);
        assert_eq!(id.to_string().len(), 56);
        assert_eq!(id.ip(), "2001:db8::1".parse::<IpAddr>().expect("ip"));
        assert_eq!((id.pid(), id.class_loader_hash(), id.counter()), (7, 42, 0));
        // Read back early in the next month: the id belongs to the month before.
        let december_first = 1_701_388_800_000; // 2023-12-01T00:00:00Z
        assert_eq!(id.nearly_time_ms(december_first + 1000), 1_700_000_000_000);
    }

    #[test]
    fn calendar_round_trips() {
        for days in [-800_000, -1, 0, 59, 10_956, 19_675, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_675), (2023, 11, 14));
        assert_eq!(month_starts_ms(1_700_000_000_000), (1_698_796_800_000, 1_696_118_400_000));
        assert_eq!(month_starts_ms(1_704_067_200_000 + 5).1, 1_701_388_800_000);
    }
}
