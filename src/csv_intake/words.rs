//! Eight bytes at a time: the word tricks the intake's scans share. Written as index loops, which the release
//! build (opt-level z) inlines, where iterator adapters would stay a call per word.

/// `0x01` in every byte of a word.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte of a word.
pub(crate) const HIGH: u64 = ONES << 7;

/// The first eight bytes of `bytes` as a little-endian word (zero when there are fewer).
#[inline(always)]
pub(crate) fn load(bytes: &[u8]) -> u64 {
    match *bytes {
        [a, b, c, d, e, f, g, h, ..] => u64::from_le_bytes([a, b, c, d, e, f, g, h]),
        _ => 0,
    }
}

/// `byte` in every byte of a word.
#[inline(always)]
pub(crate) fn splat(byte: u8) -> u64 {
    ONES * u64::from(byte)
}

/// The high bit of each zero byte of `x`. The lowest set bit is exact; a borrow may also mark bytes above it.
#[inline(always)]
pub(crate) fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGH
}

/// The high bit of each zero byte of `x`, exactly.
#[inline(always)]
pub(crate) fn exact_zero_bytes(x: u64) -> u64 {
    !(((x & !HIGH) + !HIGH) | x | !HIGH)
}

/// The position of the first `byte` in `bytes`.
#[inline(always)]
pub(crate) fn find_byte(bytes: &[u8], byte: u8) -> Option<usize> {
    let mut at = 0;
    while let Some(word) = bytes.get(at..at + 8) {
        let found = exact_zero_bytes(load(word) ^ splat(byte));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    while let Some(&b) = bytes.get(at) {
        if b == byte {
            return Some(at);
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_bytes_mark_the_first_zero_byte_and_exact_ones_every_zero_byte_only() {
        for at in 0..8 {
            for other in [None, Some((at + 3) % 8)] {
                let mut bytes = [0x41u8; 8];
                bytes[at] = 0;
                if let Some(o) = other {
                    bytes[o] = 0;
                }
                let w = u64::from_le_bytes(bytes);
                let first = bytes.iter().position(|&b| b == 0).unwrap_or(8);
                assert_eq!(zero_bytes(w).trailing_zeros() / 8, first as u32);
                let exact: Vec<usize> = (0..8)
                    .filter(|&i| exact_zero_bytes(w) >> (8 * i + 7) & 1 == 1)
                    .collect();
                let zeros: Vec<usize> = (0..8).filter(|&i| bytes[i] == 0).collect();
                assert_eq!(exact, zeros);
            }
        }
        assert_eq!(zero_bytes(splat(0x80)), 0);
        assert_eq!(exact_zero_bytes(splat(0x80) | 1), 0);
    }

    #[test]
    fn find_byte_finds_the_first_in_words_and_in_the_tail() {
        let text = b"abcdefghijklmnopq,rs,";
        for len in 0..=text.len() {
            assert_eq!(
                find_byte(&text[..len], b','),
                text[..len].iter().position(|&b| b == b','),
                "{len}"
            );
        }
        assert_eq!(find_byte(b"\x80\xAC,", b','), Some(2));
    }
}
