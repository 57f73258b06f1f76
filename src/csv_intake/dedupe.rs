//! Finding repeated identifiers, case-insensitively, without a `String` per row.
//!
//! Keys are hashed from their case-folded bytes (ASCII folded eight bytes at a time); the table stores only row
//! indexes and compares candidates with [`fold_eq`], so a hash collision can never merge two different values.

/// Whether `a` and `b` are equal ignoring case (ASCII fast path, Unicode lower-casing otherwise).
pub fn fold_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
    }
}

/// A hash of `value` case-folded: equal under [`fold_eq`] implies equal hashes.
pub fn fold_hash(value: &str) -> u64 {
    if value.is_ascii() {
        hash_lower(value.as_bytes())
    } else {
        let folded: String = value.chars().flat_map(char::to_lowercase).collect();
        hash_lower(folded.as_bytes())
    }
}

/// FxHash-style over 8-byte words, each with its ASCII capitals lowered, then a final avalanche.
fn hash_lower(bytes: &[u8]) -> u64 {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut h = bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        h = (h.rotate_left(5) ^ lower_word(w)).wrapping_mul(K);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ lower_word(u64::from_le_bytes(last))).wrapping_mul(K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Lowers `A`..=`Z` in each byte of the word. Exact for ASCII bytes; deterministic for the others.
fn lower_word(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let seven = w & (0x7f * ONES);
    let at_least_a = seven + (0x80 - b'A' as u64) * ONES;
    let past_z = seven + (0x80 - b'Z' as u64 - 1) * ONES;
    let upper = at_least_a & !past_z & !w & (0x80 * ONES);
    w | (upper >> 2)
}

/// Open-addressing set of rows by key: each slot holds a row index + 1 (0 = empty) and the hash's top half.
pub struct Seen {
    slots: Vec<(u32, u32)>,
    mask: usize,
}

impl Seen {
    /// Room for `expected` keys without growing.
    pub fn with_capacity(expected: usize) -> Seen {
        let size = (expected * 2).max(16).next_power_of_two();
        Seen { slots: vec![(0, 0); size], mask: size - 1 }
    }

    /// The row that first had this key, or `None` after recording `row` as its first. `same(r)` tells whether
    /// row `r`'s key equals the one being looked up.
    pub fn first_or_insert(&mut self, hash: u64, row: u32, same: impl Fn(u32) -> bool) -> Option<u32> {
        let tag = (hash >> 32) as u32;
        let mut i = hash as usize & self.mask;
        loop {
            let (slot, slot_tag) = self.slots[i];
            if slot == 0 {
                self.slots[i] = (row + 1, tag);
                return None;
            }
            if slot_tag == tag && same(slot - 1) {
                return Some(slot - 1);
            }
            i = (i + 1) & self.mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_ascii_and_unicode_case() {
        assert!(fold_eq("JDoe@Example.com", "jdoe@example.COM"));
        assert!(fold_eq("ÉLODIE", "élodie"));
        assert!(!fold_eq("jdoe", "jdoe2"));
        assert_eq!(fold_hash("JDoe@Example.COM"), fold_hash("jdoe@example.com"));
        assert_eq!(fold_hash("ÉLODIE.Martin"), fold_hash("élodie.martin"));
        assert_eq!(fold_hash("\u{212A}elvin"), fold_hash("KELVIN"));
        assert!(fold_eq("\u{212A}elvin", "KELVIN"));
        assert_ne!(fold_hash("jdoe"), fold_hash("jdoe2"));
    }

    #[test]
    fn lowering_a_word_touches_only_capitals() {
        let w = u64::from_le_bytes(*b"AZaz@[`{");
        assert_eq!(lower_word(w).to_le_bytes(), *b"azaz@[`{");
    }

    #[test]
    fn first_occurrence_wins_and_collisions_do_not_merge_values() {
        let values = ["a", "b", "A", "c", "B"];
        let mut seen = Seen::with_capacity(values.len());
        let found: Vec<Option<u32>> = (0..values.len())
            .map(|i| seen.first_or_insert(0, i as u32, |r| fold_eq(values[r as usize], values[i])))
            .collect();
        assert_eq!(found, [None, None, Some(0), None, Some(1)]);
    }
}
