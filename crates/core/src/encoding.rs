//! The byte encodings the CLI's files, the services and OAuth use: lower-case hex, base64 (RFC
//! 4648 §4, padded), base64url (§5, unpadded, as JWTs and PKCE), percent-encoding (RFC 3986's
//! unreserved set, as botocore) and its decoding. One copy for every crate.
//!
//! ```
//! use awscred_core::encoding::{base64, base64_decode, base64url, hex, percent_decode_query, percent_encode};
//!
//! assert_eq!(hex(&[0x0f, 0xa0]), "0fa0");
//! assert_eq!(base64(b"fo"), "Zm8=");
//! assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
//! assert_eq!(base64_decode("Zm8=").unwrap().as_slice(), b"fo");
//! assert_eq!(percent_encode("a b/c~"), "a%20b%2Fc~");
//! assert_eq!(percent_decode_query("a%20b+c"), "a b c");
//! ```

use zeroize::Zeroizing;

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Lower-case hex of `bytes` (Python's `hexdigest()`).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Standard base64 with padding (RFC 4648 §4), as PEM and HTTP basic authentication.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    base64_into(bytes, &mut out);
    out
}

/// [`base64`], appended to `out` (no copy of the text for secrets being assembled in place).
pub fn base64_into(bytes: &[u8], out: &mut String) {
    encode_with(bytes, BASE64, true, out);
}

/// base64url without padding (RFC 4648 §5), as JWTs and PKCE's code challenge.
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    encode_with(bytes, BASE64URL, false, &mut out);
    out
}

fn encode_with(bytes: &[u8], alphabet: &[u8; 64], pad: bool, out: &mut String) {
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
        }
        if pad {
            out.push_str(&"=="[..4 - chars]);
        }
    }
}

/// Decodes standard base64 as Python's `base64.b64decode` does by default: characters outside
/// the alphabet are skipped, and the data must be padded to a multiple of four. `None` when it
/// is not base64 (bad padding, data after padding). The bytes are zeroized on drop: they are
/// often key material.
pub fn base64_decode(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() / 4 * 3));
    let (mut acc, mut bits, mut sextets, mut padding) = (0u32, 0u32, 0usize, 0usize);
    for c in text.bytes() {
        if c == b'=' {
            padding += 1;
            continue;
        }
        let Some(v) = base64_value(c) else { continue };
        if padding > 0 {
            // Data after padding: Python stops at the first complete padded quantum; a key
            // never has this shape, so refuse it rather than guess.
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        sextets += 1;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    let complete = (sextets + padding) % 4 == 0 && padding <= 2;
    (sextets % 4 != 1 && (sextets % 4 == 0 || complete)).then_some(out)
}

/// The value of a standard base64 character.
pub fn base64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Appends `value` to `out` percent-encoded: every byte but RFC 3986's unreserved characters
/// (`A-Z a-z 0-9 - _ . ~`) as `%XX`, as botocore's query serializer and `percent_encode` do.
pub fn percent_encode_into(value: &str, out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(DIGITS[usize::from(byte & 15)]));
        }
    }
}

/// `value` percent-encoded as [`percent_encode_into`] does.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    percent_encode_into(value, &mut out);
    out
}

/// `%XX` escapes decoded; a `%` not followed by two hex digits stays as it is (URL user info).
pub fn percent_decode(text: &str) -> Vec<u8> {
    decode(text, false)
}

/// A query component decoded as Python's `parse_qsl`: `%XX` escapes and `+` for a space;
/// invalid escapes kept, invalid UTF-8 replaced.
pub fn percent_decode_query(text: &str) -> String {
    String::from_utf8_lossy(&decode(text, true)).into_owned()
}

fn decode(text: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            // Two hex digits: at most 255.
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(if plus_is_space && bytes[i] == b'+' {
                b' '
            } else {
                bytes[i]
            });
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain), encoded);
            assert_eq!(base64_decode(encoded).unwrap().as_slice(), plain);
            assert_eq!(base64url(plain), encoded.trim_end_matches('='));
        }
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[]), "");
        assert_eq!(hex(&[0, 9, 0xab, 0xff]), "0009abff");
    }

    #[test]
    fn percent_decoding_keeps_invalid_escapes() {
        assert_eq!(percent_decode("a%20b%2f%zz%4"), b"a b/%zz%4");
        assert_eq!(percent_decode("a+b"), b"a+b");
        assert_eq!(percent_decode_query("a+b%2B%"), "a b+%");
        // An escape needs two hex digits (`u8::from_str_radix` would take "+1").
        assert_eq!(percent_decode_query("%+1"), "% 1");
        for text in ["", "a b/c+d~", "\u{e9}\u{1f600}", "%25"] {
            assert_eq!(percent_decode_query(&percent_encode(text)), text);
        }
    }
}
