//! Just enough DER to check a PKCS#1 RSA private key and wrap it as PKCS#8, which WebCrypto imports.

/// `rsaEncryption` (1.2.840.113549.1.1.1) with NULL parameters, as a DER AlgorithmIdentifier.
const RSA_ALGORITHM: [u8; 15] = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;

/// Reads one TLV at the start of `input`: (tag, value, rest).
fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

fn encode_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
}

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    encode_len(value.len(), &mut out);
    out.extend_from_slice(value);
    out
}

/// Checks that `der` is a two-prime PKCS#1 `RSAPrivateKey` and returns the modulus size in bits.
pub fn pkcs1_modulus_bits(der: &[u8]) -> Option<usize> {
    let (tag, body, rest) = read_tlv(der)?;
    if tag != SEQUENCE || !rest.is_empty() {
        return None;
    }
    let mut fields = Vec::with_capacity(9);
    let mut cursor = body;
    while !cursor.is_empty() {
        let (tag, value, rest) = read_tlv(cursor)?;
        if tag != INTEGER || value.is_empty() {
            return None;
        }
        fields.push(value);
        cursor = rest;
    }
    if fields.len() != 9 || fields[0] != [0] {
        return None;
    }
    let modulus = fields[1];
    let significant: Vec<u8> = modulus.iter().copied().skip_while(|b| *b == 0).collect();
    let top = *significant.first()?;
    Some((significant.len() - 1) * 8 + (8 - top.leading_zeros() as usize))
}

/// Wraps PKCS#1 key bytes in a PKCS#8 `PrivateKeyInfo` (version 0, rsaEncryption, the key as an OCTET STRING).
pub fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Vec<u8> {
    let mut body = vec![INTEGER, 0x01, 0x00];
    body.extend_from_slice(&RSA_ALGORITHM);
    body.extend(tlv(OCTET_STRING, pkcs1));
    tlv(SEQUENCE, &body)
}

/// If `der` is a PKCS#8 `PrivateKeyInfo` for an RSA key, the PKCS#1 key inside it.
pub fn pkcs8_inner_rsa(der: &[u8]) -> Option<&[u8]> {
    let (tag, body, rest) = read_tlv(der)?;
    if tag != SEQUENCE || !rest.is_empty() {
        return None;
    }
    let (tag, version, body) = read_tlv(body)?;
    if tag != INTEGER || version != [0] || !body.starts_with(&RSA_ALGORITHM) {
        return None;
    }
    let (tag, key, _attributes) = read_tlv(&body[RSA_ALGORITHM.len()..])?;
    (tag == OCTET_STRING).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_use_short_and_long_form() {
        assert_eq!(tlv(OCTET_STRING, &[7; 3]), [4, 3, 7, 7, 7]);
        let long = tlv(OCTET_STRING, &[0; 300]);
        assert_eq!(&long[..4], &[4, 0x82, 0x01, 0x2c]);
        assert_eq!(
            read_tlv(&long).map(|(t, v, r)| (t, v.len(), r.len())),
            Some((4, 300, 0))
        );
    }

    #[test]
    fn truncated_or_foreign_structures_are_not_keys() {
        assert_eq!(pkcs1_modulus_bits(&[]), None);
        assert_eq!(pkcs1_modulus_bits(&[0x30, 0x05, 0x02, 0x01]), None);
        assert_eq!(
            pkcs1_modulus_bits(&tlv(SEQUENCE, &tlv(INTEGER, &[0]))),
            None
        );
        assert_eq!(pkcs8_inner_rsa(&tlv(SEQUENCE, &[])), None);
    }

    #[test]
    fn wrapping_then_unwrapping_returns_the_same_bytes() {
        let fake: Vec<u8> = (0..200).map(|i| i as u8).collect();
        assert_eq!(pkcs8_inner_rsa(&pkcs1_to_pkcs8(&fake)), Some(&fake[..]));
    }
}
