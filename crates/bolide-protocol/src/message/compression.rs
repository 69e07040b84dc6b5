//! Body compression (message-format.md §7). Only producers compress and only consumers
//! decompress; the broker stores and returns bodies untouched, with the sysflag bits that say
//! how they were compressed.
//!
//! | Type | sysflag bits 8-10 | Format |
//! |------|-------------------|--------|
//! | ZLIB | 3, or 0 (legacy)  | zlib stream (RFC 1950), Java `Deflater` |
//! | LZ4  | 1                 | LZ4 frame format (magic `0x184D2204`), lz4-java frame stream |
//! | ZSTD | 2                 | standard zstd frame |
//!
//! Decompression takes a size limit so that a small hostile body cannot expand without bound.

use std::io::{Read, Write};

/// Java producers compress single-message bodies of at least this many bytes
/// (`compressMsgBodyOverHowmuch`).
pub const DEFAULT_COMPRESS_OVER_BYTES: usize = 4096;
/// Java producers' default compression level (`rocketmq.message.compressLevel`).
pub const DEFAULT_LEVEL: i32 = 5;

/// A body compression algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompressionType {
    /// LZ4 frame format, type 1.
    Lz4,
    /// Zstandard, type 2.
    Zstd,
    /// zlib (RFC 1950), type 3; the Java default.
    Zlib,
}

impl CompressionType {
    /// The value written into sysflag bits 8-10.
    #[must_use]
    pub const fn type_bits(self) -> i32 {
        match self {
            Self::Lz4 => 1,
            Self::Zstd => 2,
            Self::Zlib => 3,
        }
    }

    /// Reads sysflag bits 8-10 (already shifted down). Type 0 is zlib: producers older than the
    /// typed compression set only the compressed bit. Types 4-7 are reserved.
    #[must_use]
    pub const fn from_type_bits(bits: i32) -> Option<Self> {
        match bits {
            0 | 3 => Some(Self::Zlib),
            1 => Some(Self::Lz4),
            2 => Some(Self::Zstd),
            _ => None,
        }
    }

    /// The name Java uses (`rocketmq.message.compressType`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Lz4 => "LZ4",
            Self::Zstd => "ZSTD",
            Self::Zlib => "ZLIB",
        }
    }
}

/// A body that cannot be compressed or decompressed.
#[derive(Debug, thiserror::Error)]
pub enum CompressionError {
    /// The decompressed body would exceed the caller's limit.
    #[error("decompressed body exceeds the limit of {max_bytes} bytes")]
    TooLarge {
        /// The limit.
        max_bytes: usize,
    },
    /// The compressed data is invalid (or the compressor failed).
    #[error("{compression:?} data is invalid: {source}")]
    Invalid {
        /// The algorithm.
        compression: CompressionType,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
}

/// Decompresses a body, refusing to produce more than `max_bytes`.
///
/// # Errors
/// [`CompressionError::TooLarge`] past the limit; [`CompressionError::Invalid`] for data the
/// algorithm cannot decode.
pub fn decompress(data: &[u8], compression: CompressionType, max_bytes: usize) -> Result<Vec<u8>, CompressionError> {
    let invalid = |source| CompressionError::Invalid { compression, source };
    let mut out = Vec::new();
    // One byte beyond the limit tells "exactly at the limit" from "over it".
    let take = u64::try_from(max_bytes).unwrap_or(u64::MAX).saturating_add(1);
    match compression {
        CompressionType::Zlib => flate2::read::ZlibDecoder::new(data).take(take).read_to_end(&mut out),
        CompressionType::Lz4 => lz4_flex::frame::FrameDecoder::new(data).take(take).read_to_end(&mut out),
        CompressionType::Zstd => {
            zstd::stream::read::Decoder::with_buffer(data).map_err(invalid)?.take(take).read_to_end(&mut out)
        }
    }
    .map_err(invalid)?;
    if out.len() > max_bytes {
        return Err(CompressionError::TooLarge { max_bytes });
    }
    Ok(out)
}

/// Length of `data` as one LZ4 block: a cheap measure (a few hundred nanoseconds a kilobyte) of
/// how much repetition it holds, since LZ4 shrinks nothing but repeated sequences.
pub fn lz4_block_len(data: &[u8]) -> usize {
    lz4_flex::block::compress(data).len()
}

/// Compresses a body the way a Java producer does. `level` is used by zlib (clamped to 0-9) and
/// zstd; LZ4 ignores it, as lz4-java's frame stream does.
///
/// # Errors
/// [`CompressionError::Invalid`] if the compressor fails (it does not for in-memory output).
pub fn compress(data: &[u8], compression: CompressionType, level: i32) -> Result<Vec<u8>, CompressionError> {
    let invalid = |source| CompressionError::Invalid { compression, source };
    match compression {
        CompressionType::Zlib => {
            let level = u32::try_from(level.clamp(0, 9)).expect("clamped to 0..=9");
            let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
            encoder.write_all(data).map_err(invalid)?;
            encoder.finish().map_err(invalid)
        }
        CompressionType::Lz4 => {
            let mut encoder = lz4_flex::frame::FrameEncoder::new(Vec::new());
            encoder.write_all(data).map_err(invalid)?;
            encoder.finish().map_err(|err| invalid(std::io::Error::other(err)))
        }
        CompressionType::Zstd => zstd::bulk::compress(data, level).map_err(invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [CompressionType; 3] = [CompressionType::Zlib, CompressionType::Lz4, CompressionType::Zstd];

    #[test]
    fn round_trips_every_algorithm() {
        let body: Vec<u8> = (0..10_000u32).flat_map(|i| (i % 97).to_be_bytes()).collect();
        for compression in ALL {
            let packed = compress(&body, compression, DEFAULT_LEVEL).expect("compress");
            assert!(packed.len() < body.len(), "{compression:?} did not shrink a repetitive body");
            assert_eq!(decompress(&packed, compression, body.len()).expect("decompress"), body);
            assert!(matches!(
                decompress(&packed, compression, body.len() - 1),
                Err(CompressionError::TooLarge { max_bytes }) if max_bytes == body.len() - 1
            ));
        }
    }

    #[test]
    fn formats_have_their_magic() {
        let zlib = compress(b"hello", CompressionType::Zlib, 5).expect("zlib");
        assert_eq!(zlib[0], 0x78, "zlib header CMF");
        let lz4 = compress(b"hello", CompressionType::Lz4, 5).expect("lz4");
        assert_eq!(lz4[..4], 0x184D_2204u32.to_le_bytes());
        let zstd = compress(b"hello", CompressionType::Zstd, 5).expect("zstd");
        assert_eq!(zstd[..4], 0xFD2F_B528u32.to_le_bytes());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for compression in ALL {
            for garbage in [&b""[..], b"\x00", b"\x78\x9c\xff\xff", b"not compressed at all"] {
                let result = decompress(garbage, compression, 1024);
                // An empty zstd/lz4 input may decode to nothing; anything else must fail cleanly.
                if let Ok(out) = result {
                    assert!(out.is_empty(), "{compression:?} decoded garbage {garbage:?}");
                }
            }
        }
    }

    #[test]
    fn type_bits() {
        for compression in ALL {
            assert_eq!(CompressionType::from_type_bits(compression.type_bits()), Some(compression));
        }
        assert_eq!(CompressionType::from_type_bits(0), Some(CompressionType::Zlib));
        assert_eq!(CompressionType::from_type_bits(4), None);
        assert_eq!(CompressionType::Zstd.name(), "ZSTD");
    }
}
