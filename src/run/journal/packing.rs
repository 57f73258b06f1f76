//! Bytes packed 15 to a character, for `localStorage`.
//!
//! A browser counts `localStorage` in characters (Chromium: about 5.24 million per site,
//! whatever the characters), and a journal's text is almost all ASCII: one byte per
//! character. Packed 15 bits to a character, the same journal takes 8/15 of the room, so a
//! run about twice as large can be saved. Every character is one UTF-16 code unit from
//! U+0800 to U+87FF: no control character, no surrogate, nothing a browser could change, and
//! three bytes of UTF-8 each. The bits end with a 1 and as many 0s as fill the last
//! character, so a piece says itself where it ends.

/// The code unit that carries the bits `0`.
const FIRST: u32 = 0x800;

/// The characters that hold `bytes`.
pub fn pack(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity((bytes.len() * 8 / 15 + 1) * 3);
    let mut bits: u32 = 0;
    let mut held = 0;
    for &byte in bytes {
        bits = bits << 8 | u32::from(byte);
        held += 8;
        if held >= 15 {
            held -= 15;
            push_unit(&mut out, bits >> held);
            bits &= (1 << held) - 1;
        }
    }
    // The end mark: a 1, then 0s to the end of the character (`held` is at most 14).
    push_unit(&mut out, (bits << 1 | 1) << (14 - held));
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the UTF-8 of the character for the low 15 bits of `bits`.
fn push_unit(out: &mut Vec<u8>, bits: u32) {
    let unit = FIRST + (bits & 0x7fff);
    out.extend_from_slice(&[
        0xe0 | (unit >> 12) as u8,
        0x80 | (unit >> 6 & 0x3f) as u8,
        0x80 | (unit & 0x3f) as u8,
    ]);
}

/// Appends to `out` the bytes [`pack`] packed into `text`; `None` if `text` is not such a
/// packing (a character out of its range, or no end mark).
pub fn unpack(text: &str, out: &mut Vec<u8>) -> Option<()> {
    let text = text.as_bytes();
    if text.is_empty() || !text.len().is_multiple_of(3) {
        return None;
    }
    let unit = |c: &[u8]| {
        let unit =
            u32::from(c[0] & 0x0f) << 12 | u32::from(c[1] & 0x3f) << 6 | u32::from(c[2] & 0x3f);
        (c[0] & 0xf0 == 0xe0 && (FIRST..=FIRST + 0x7fff).contains(&unit)).then(|| unit - FIRST)
    };
    let (body, end) = text.split_at(text.len() - 3);
    let end = unit(end)?;
    if end == 0 {
        return None;
    }
    // Every character holds 15 bits but the last, whose bits end before its end mark.
    let fill = end.trailing_zeros() + 1;
    let last = std::iter::once(Some((end >> fill, 15 - fill)));
    let mut bits: u32 = 0;
    let mut held = 0;
    for unit in body
        .chunks_exact(3)
        .map(|c| unit(c).map(|u| (u, 15)))
        .chain(last)
    {
        let (unit, width) = unit?;
        bits = bits << width | unit;
        held += width;
        while held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
        }
        bits &= (1 << held) - 1;
    }
    (held == 0).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::rng::Rng;

    fn unpacked(text: &str) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        unpack(text, &mut out).map(|()| out)
    }

    #[test]
    fn any_bytes_of_any_length_come_back_whole() {
        let mut rng = Rng::new(5);
        for len in (0..64).chain([1000, 65_536, 65_537]) {
            let bytes: Vec<u8> = (0..len).map(|_| rng.up_to(255) as u8).collect();
            let text = pack(&bytes);
            assert_eq!(unpacked(&text).as_deref(), Some(&bytes[..]), "{len} bytes");
            assert_eq!(
                text.chars().count(),
                (len * 8 + 1_usize).div_ceil(15),
                "{len} bytes take 8/15 of a character each, and the end mark"
            );
        }
    }

    #[test]
    fn every_character_is_a_plain_code_unit_of_its_range() {
        let bytes: Vec<u8> = (0..=255).chain((0..=255).rev()).chain([0xff; 30]).collect();
        for c in pack(&bytes).chars() {
            assert!(('\u{800}'..='\u{87ff}').contains(&c), "{:x}", u32::from(c));
        }
    }

    #[test]
    fn a_text_that_is_not_a_packing_is_refused() {
        assert_eq!(unpacked(""), None, "no end mark");
        assert_eq!(unpacked("{\"v\":1}"), None, "plain text");
        assert_eq!(unpacked("\u{800}"), None, "only zeros");
        assert_eq!(
            unpacked("\u{4100}\u{100}"),
            None,
            "a character of another range"
        );
        let mut cut = pack(b"a journal");
        cut.pop();
        assert_eq!(unpacked(&cut), None, "its last character lost");
        let mut odd = pack(b"ab");
        odd.insert(0, '\u{4800}');
        assert_eq!(unpacked(&odd), None, "bits that are not whole bytes");
    }
}
