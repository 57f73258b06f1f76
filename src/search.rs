//! The search box of the preview and of the results: what was typed, matched against many
//! values without copying them.

/// A search as typed, trimmed and lower-cased once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Needle {
    lower: String,
    /// The search read as a row number, if it is one.
    number: Option<u64>,
}

impl Needle {
    pub fn new(typed: &str) -> Needle {
        let lower = crate::case::fold(typed.trim());
        let number = lower
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| lower.parse().ok())
            .flatten();
        Needle { lower, number }
    }

    /// Whether nothing (but spaces) was typed: everything matches.
    pub fn is_empty(&self) -> bool {
        self.lower.is_empty()
    }

    /// Whether `text` contains the search, ignoring case. ASCII text is compared where it lies;
    /// other text is lower-cased first.
    pub fn found_in(&self, text: &str) -> bool {
        let needle = self.lower.as_bytes();
        if text.is_ascii() && self.lower.is_ascii() {
            let Some((&first, rest)) = needle.split_first() else {
                return true;
            };
            let (bytes, upper) = (text.as_bytes(), first.to_ascii_uppercase());
            let Some(last_start) = bytes.len().checked_sub(needle.len()) else {
                return false;
            };
            let mut at = 0;
            while let Some(k) = bytes[at..=last_start]
                .iter()
                .position(|&b| b == first || b == upper)
            {
                at += k + 1;
                if bytes[at..at + rest.len()].eq_ignore_ascii_case(rest) {
                    return true;
                }
                if at > last_start {
                    break;
                }
            }
            false
        } else {
            crate::case::fold(text).contains(&self.lower)
        }
    }

    /// Whether the search holds the byte `b` (once lower-cased).
    pub fn holds(&self, b: u8) -> bool {
        self.lower.as_bytes().contains(&b)
    }

    /// Whether the search is the number `row` (leading zeros allowed).
    pub fn is_row(&self, row: u64) -> bool {
        self.number == Some(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_text_in_any_case_anywhere_in_a_value() {
        let n = Needle::new("  JDoe ");
        for hit in ["jdoe", "x-JDOE@corp.io", "before jDoE"] {
            assert!(n.found_in(hit), "{hit}");
        }
        for miss in ["", "jdo", "j doe", "jd-oe"] {
            assert!(!n.found_in(miss), "{miss}");
        }
    }

    #[test]
    fn non_ascii_text_and_searches_are_lower_cased_fully() {
        assert!(Needle::new("ÉLO").found_in("Mme élodie"));
        assert!(Needle::new("elo").found_in("ÉLODIE ELOÏSE"));
        assert!(!Needle::new("elo").found_in("ÉLODIE"));
        assert!(Needle::new("straße").found_in("STRASSE straße"));
    }

    #[test]
    fn matches_the_plain_lower_case_search_on_generated_text() {
        let mut random = crate::run::rng::Rng::new(7);
        let alphabet = ['a', 'B', 'b', 'A', '-', ' ', 'é', 'É'];
        let pick = |random: &mut crate::run::rng::Rng, len: u64| -> String {
            (0..random.next_u64() % len)
                .map(|_| alphabet[(random.next_u64() % alphabet.len() as u64) as usize])
                .collect()
        };
        for _ in 0..5_000 {
            let (text, typed) = (pick(&mut random, 12), pick(&mut random, 4));
            let expected = text.to_lowercase().contains(&typed.trim().to_lowercase());
            assert_eq!(
                Needle::new(&typed).found_in(&text),
                expected,
                "{typed:?} in {text:?}"
            );
        }
    }

    #[test]
    fn greek_final_sigma_matches_either_way() {
        assert!(Needle::new("νικος").found_in("ΝΙΚΟΣ"));
        assert!(Needle::new("ΝΙΚΟΣ").found_in("Νίκος, νικος@corp.gr"));
        assert!(Needle::new("κοσ").found_in("ΝΙΚΟΣ"));
    }

    #[test]
    fn a_number_is_also_a_row_number() {
        assert!(Needle::new(" 042 ").is_row(42));
        assert!(!Needle::new("42").is_row(420));
        assert!(!Needle::new("+42").is_row(42));
        assert!(!Needle::new("4 2").is_row(42));
        assert!(!Needle::new("").is_row(0));
        assert!(Needle::new("").is_empty() && Needle::new("   ").is_empty());
    }
}
