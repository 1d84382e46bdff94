//! The byte-level encodings of links and of the archive of past catalog versions: content
//! hashes (SHA-256, from the `sha2` crate, so anyone can recompute one with `sha256sum`), a
//! lower-case base32 for the short pins in links, base64url (the `base64` crate, whose decoder is
//! strict about padding and trailing bits, which matters for text from a mail), and raw deflate
//! (`miniz_oxide`, pure Rust, so it builds for wasm32) with a cap on the output checked while it
//! inflates, so a small input that expands without end is an error and not an out-of-memory tab.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use miniz_oxide::inflate::TINFLStatus;
use sha2::{Digest, Sha256};

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The content hash of a file, as the archive names its versions: the first 16 hex digits
/// (64 bits) of the SHA-256 of its bytes.
pub fn file_hash(text: &str) -> String {
    hex(&sha256(text.as_bytes())[..8])
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// The first `chars` characters of the RFC 4648 base32 spelling of `bytes`, in lower case, 5
/// bits a character: at most the whole characters the bytes hold.
pub fn base32(bytes: &[u8], chars: usize) -> String {
    let mut out = String::with_capacity(chars);
    for i in 0..chars.min(bytes.len() * 8 / 5) {
        let bit = i * 5;
        let word = (u16::from(bytes[bit / 8]) << 8) | u16::from(bytes.get(bit / 8 + 1).copied().unwrap_or(0));
        let v = (word >> (11 - bit % 8)) & 31;
        out.push(BASE32[v as usize] as char);
    }
    out
}

/// Whether `s` is spelled in the base32 alphabet of [`base32`] (either case).
pub fn is_base32(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
}

pub fn base64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url; None for any other character, a padding, or a length or final
/// character that no encoder writes.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Raw deflate at the best compression: the encoder is deterministic, so the same input always
/// gives the same bytes (the archive's files are stable under `archive update`).
pub fn deflate(bytes: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(bytes, 10)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InflateError {
    /// The output would be larger than the cap.
    TooLarge { max: usize },
    /// Not a complete deflate stream.
    Corrupt,
}

/// Inflates raw deflate, stopping with [`InflateError::TooLarge`] as soon as the output would
/// pass `max` bytes.
pub fn inflate(bytes: &[u8], max: usize) -> Result<Vec<u8>, InflateError> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(bytes, max).map_err(|e| match e.status {
        TINFLStatus::HasMoreOutput => InflateError::TooLarge { max },
        _ => InflateError::Corrupt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_standard_vector() {
        assert_eq!(hex(&sha256(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(file_hash("abc"), "ba7816bf8f01cfea");
    }

    #[test]
    fn base32_spells_rfc4648_in_lower_case() {
        // RFC 4648 §10: BASE32("foobar") = "MZXW6YTBOI======"; only whole characters of the
        // 48 bits are spelled.
        assert_eq!(base32(b"foobar", 13), "mzxw6ytbo");
        assert_eq!(base32(b"foobar", 4), "mzxw");
        assert_eq!(base32(b"fo", 3), "mzx");
        assert!(is_base32("mzxw6ytboi") && is_base32("MZXW") && !is_base32("abc1") && !is_base32("ab-"));
    }

    #[test]
    fn base64url_round_trips_and_rejects_padding_and_foreign_characters() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = base64url_encode(&bytes);
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(base64url_decode(&text).unwrap(), bytes);
        assert_eq!(base64url_decode("AA=="), None);
        assert_eq!(base64url_decode("A+/A"), None);
        assert_eq!(base64url_decode("A"), None);
        // "AB" encodes one byte whose low bits would be lost: no encoder writes it.
        assert_eq!(base64url_decode("AB"), None);
    }

    #[test]
    fn inflate_stops_at_the_cap() {
        let zeros = vec![0u8; 1 << 20];
        let packed = deflate(&zeros);
        assert!(packed.len() < 2048, "{} bytes", packed.len());
        assert_eq!(inflate(&packed, 1 << 20).unwrap(), zeros);
        assert_eq!(inflate(&packed, 1000), Err(InflateError::TooLarge { max: 1000 }));
        assert_eq!(inflate(&packed[..packed.len() / 2], 1 << 20), Err(InflateError::Corrupt));
        assert_eq!(inflate(b"\xff\xff\xff", 100), Err(InflateError::Corrupt));
    }
}
