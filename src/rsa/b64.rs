//! Base64 as JWTs (URL-safe, unpadded) and PEM files (standard, padded) use it.

const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Encodes as base64url without padding (RFC 7515 §2).
pub fn encode_url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(URL_SAFE[(n >> (18 - 6 * i)) as usize & 63] as char);
        }
    }
    out
}

/// Decodes base64url (padding optional). `None` if any character is outside the alphabet.
pub fn decode_url(text: &str) -> Option<Vec<u8>> {
    decode_with(text, |c| match c {
        b'-' => Some(62),
        b'_' => Some(63),
        _ => common_value(c),
    })
}

/// Decodes standard base64, ignoring whitespace (as in a PEM body).
pub fn decode_standard(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    decode_with(&compact, |c| match c {
        b'+' => Some(62),
        b'/' => Some(63),
        _ => common_value(c),
    })
}

fn common_value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        _ => None,
    }
}

fn decode_with(text: &str, value: impl Fn(u8) -> Option<u32>) -> Option<Vec<u8>> {
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_safe_round_trips_every_length_and_uses_no_padding() {
        let data: Vec<u8> = (0..=255u8).collect();
        for len in 0..40 {
            let encoded = encode_url(&data[200..200 + len]);
            assert!(
                !encoded.contains('=') && !encoded.contains('+') && !encoded.contains('/'),
                "{encoded}"
            );
            assert_eq!(decode_url(&encoded).as_deref(), Some(&data[200..200 + len]));
        }
        assert_eq!(encode_url(b"\xfb\xff"), "-_8");
    }

    #[test]
    fn standard_decoding_matches_rfc_4648_vectors_and_skips_line_breaks() {
        assert_eq!(
            decode_standard("Zm9v\nYmFy").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(decode_standard("Zm9vYg==").as_deref(), Some(&b"foob"[..]));
        assert_eq!(decode_standard("Zm9vYmE=").as_deref(), Some(&b"fooba"[..]));
        assert_eq!(decode_standard("+/8=").as_deref(), Some(&[0xfb, 0xff][..]));
    }

    #[test]
    fn rejects_foreign_characters_and_impossible_lengths() {
        assert_eq!(decode_url("ab$d"), None);
        assert_eq!(decode_url("abcde"), None);
        assert_eq!(decode_standard("-_8="), None);
        assert_eq!(decode_url("a==="), None);
    }
}
