//! Unicode lower case, as `char::to_lowercase` maps it, from a table of 185 runs
//! ([`table::RUNS`]): std's own tables cost about 8 KB gzip of the panel's wasm.

mod table;

use table::RUNS;

/// The lower case of `c`: one character, or two for `İ` (`i` and a combining dot above), as
/// `char::to_lowercase` gives.
pub fn lower(c: char) -> impl Iterator<Item = char> {
    let (first, second) = match c {
        'A'..='Z' => (c.to_ascii_lowercase(), None),
        '\u{0}'..='\u{7f}' => (c, None),
        '\u{130}' => ('i', Some('\u{307}')),
        _ => (lower_one(c), None),
    };
    std::iter::once(first).chain(second)
}

/// `text` lower-cased character by character. Unlike `str::to_lowercase`, a final `Σ` becomes
/// `σ`, not `ς`; compare texts with [`fold`], which reads every `ς` as `σ`.
pub fn to_lowercase(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.chars().flat_map(lower).collect()
}

/// `text` in the form two texts are compared in regardless of case: lower-cased, with the final
/// sigma `ς` read as `σ` (`ΝΙΚΟΣ`, `νικος` and `νικοσ` fold alike).
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.chars()
        .flat_map(lower)
        .map(|c| if c == 'ς' { 'σ' } else { c })
        .collect()
}

/// Whether `haystack` holds `needle` with ASCII letters in any case (bytes: a response body need
/// not be UTF-8).
pub fn contains_ascii_ignoring_case(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn lower_one(c: char) -> char {
    let code = u32::from(c);
    let at = RUNS.partition_point(|&(first, ..)| first <= code);
    let Some(&(first, count, stride, delta)) = at.checked_sub(1).map(|i| &RUNS[i]) else {
        return c;
    };
    let offset = code - first;
    let stride = u32::from(stride);
    if offset % stride != 0 || offset / stride >= u32::from(count) {
        return c;
    }
    char::from_u32(code.wrapping_add_signed(delta)).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::{contains_ascii_ignoring_case, fold, lower, to_lowercase};

    #[test]
    fn ascii_letters_are_found_in_any_case() {
        assert!(contains_ascii_ignoring_case(
            b"User is in Enabled State.",
            "enabled state"
        ));
        assert!(!contains_ascii_ignoring_case(b"enabled", "enabled state"));
        assert!(!contains_ascii_ignoring_case(
            "ÉNABLED".as_bytes(),
            "enabled"
        ));
    }

    #[test]
    fn every_character_lowers_as_std_lowers_it() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            assert!(
                lower(c).eq(c.to_lowercase()),
                "{c:?} (U+{:04X})",
                u32::from(c)
            );
        }
    }

    #[test]
    fn texts_lower_as_std_lowers_them_but_for_a_final_sigma() {
        for text in [
            "JDOE@CORP.COM",
            "José.Müller@Ünï.DE",
            "İSTANBUL",
            "ΑΘΗΝΑ",
            "Straße",
            "ǅemal",
        ] {
            assert_eq!(to_lowercase(text), text.to_lowercase(), "{text}");
        }
        assert_eq!(to_lowercase("ΝΙΚΟΣ"), "νικοσ");
        assert_eq!("ΝΙΚΟΣ".to_lowercase(), "νικος");
        for text in ["ΝΙΚΟΣ", "νικος", "Νικοσ"] {
            assert_eq!(fold(text), "νικοσ", "{text}");
        }
        assert_eq!(fold("JDOE@Corp.COM"), "jdoe@corp.com");
    }
}
