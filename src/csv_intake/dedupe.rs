//! Finding repeated identifiers, case-insensitively, without a `String` per row.
//!
//! Keys are hashed from their case-folded bytes (ASCII folded eight bytes at a time); candidates with equal hashes
//! are compared with [`fold_eq`], so a hash collision can never merge two different values.

use super::words::{load, splat, HIGH};
use crate::hash::{avalanche, mix};

/// Whether `a` and `b` are equal ignoring case (ASCII fast path, Unicode lower-casing otherwise).
#[inline]
pub fn fold_eq(a: &str, b: &str) -> bool {
    if let (Some(x), Some(y)) = (a.as_bytes().first(), b.as_bytes().first()) {
        if x.is_ascii() && y.is_ascii() && !x.eq_ignore_ascii_case(y) {
            return false;
        }
    }
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        folded(a).eq(folded(b))
    }
}

/// `value` lower-cased letter by letter, with a final sigma `ς` read as `σ`: `ΝΙΚΟΣ`, `νικος` and `νικοσ`
/// fold alike (`str::to_lowercase` writes a final `Σ` as `ς`).
pub fn folded(value: &str) -> impl Iterator<Item = char> + '_ {
    value
        .chars()
        .flat_map(crate::case::lower)
        .map(|c| if c == 'ς' { 'σ' } else { c })
}

/// A hash of `value` case-folded: equal under [`fold_eq`] implies equal hashes.
pub fn fold_hash(value: &str) -> u64 {
    if value.is_ascii() {
        hash_lower(value.as_bytes())
    } else {
        let lower: String = folded(value).collect();
        hash_lower(lower.as_bytes())
    }
}

/// [`fold_hash`] of an ASCII value.
#[inline(always)]
pub fn fold_hash_ascii(value: &str) -> u64 {
    debug_assert!(value.is_ascii());
    hash_lower(value.as_bytes())
}

/// [`crate::hash`]'s steps over 8-byte words, each with its ASCII capitals lowered.
#[inline(always)]
fn hash_lower(bytes: &[u8]) -> u64 {
    let mut h = bytes.len() as u64;
    let mut at = 0;
    while let Some(word) = bytes.get(at..at + 8) {
        h = mix(h, lower_word(load(word)));
        at += 8;
    }
    let rest = bytes.len() - at;
    if rest != 0 {
        // The last bytes, zero-padded: from the last eight bytes shifted down, or a byte at a time when the value
        // is shorter (a copy into a padded buffer calls `memcpy`).
        let last = match bytes.len().checked_sub(8) {
            Some(from) => load(&bytes[from..]) >> (8 * (8 - rest)),
            None => {
                let mut word = 0;
                for at in (0..rest).rev() {
                    word = (word << 8) | u64::from(bytes[at]);
                }
                word
            }
        };
        h = mix(h, lower_word(last));
    }
    avalanche(h)
}

/// Lowers `A`..=`Z` in each byte of the word. Exact for ASCII bytes; deterministic for the others.
#[inline(always)]
fn lower_word(w: u64) -> u64 {
    let seven = w & !HIGH;
    let at_least_a = seven + splat(0x80 - b'A');
    let past_z = seven + splat(0x80 - b'Z' - 1);
    let upper = at_least_a & !past_z & !w & HIGH;
    w | (upper >> 2)
}

/// Bits of a packed key that hold the row index (rows are at most `MAX_ROWS + 1` < 2^21).
const ROW_BITS: u32 = 21;
const ROW_MASK: u64 = (1 << ROW_BITS) - 1;

/// Rows with their folded-value hashes, collected in row order; [`Repeats::find`] then says which rows repeat
/// which. Memory is touched sequentially: one scatter pass by the hash's top bits into partitions small enough to
/// stay in cache, then a small hash table per partition. (A single table over a million rows is bound by memory
/// latency, several times slower.)
#[derive(Default)]
pub struct Repeats {
    keys: Vec<u64>,
}

impl Repeats {
    /// Room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Repeats {
        Repeats {
            keys: Vec::with_capacity(rows),
        }
    }

    /// Adds row index `row` (added in increasing order) whose identifier has the [`fold_hash`] `hash`.
    #[inline(always)]
    pub fn push(&mut self, row: u32, hash: u64) {
        debug_assert!(u64::from(row) <= ROW_MASK);
        self.keys.push((hash & !ROW_MASK) | u64::from(row));
    }

    /// Every repeated row with the first row holding the same value (per [`fold_eq`]); `value(row)` gives a
    /// pushed row's value.
    #[cfg(test)]
    pub fn find<'a>(self, value: impl Fn(u32) -> &'a str) -> Vec<(u32, u32)> {
        let mut search = self.search();
        while !search.step(&value, usize::MAX) {}
        search.found
    }

    /// [`Repeats::find`] a piece at a time: the keys are partitioned now, then [`Search::step`] looks at whole
    /// partitions.
    pub fn search(self) -> Search {
        let (parted, bounds) = partition(self.keys);
        Search {
            parted,
            bounds,
            next_part: 0,
            slots: Vec::new(),
            found: Vec::new(),
        }
    }
}

/// Repeats being found, partition after partition.
pub struct Search {
    parted: Vec<u64>,
    bounds: Vec<usize>,
    next_part: usize,
    slots: Vec<u32>,
    found: Vec<(u32, u32)>,
}

impl Search {
    /// Looks at whole partitions until at least `keys` keys are done; `true` once every partition is. `value`
    /// gives a pushed row's value.
    pub fn step<'a>(&mut self, value: impl Fn(u32) -> &'a str, keys: usize) -> bool {
        let start = self.bounds[self.next_part];
        while self.next_part + 1 < self.bounds.len() {
            let (from, to) = (self.bounds[self.next_part], self.bounds[self.next_part + 1]);
            if from > start && from - start >= keys {
                break;
            }
            self.next_part += 1;
            self.find_in(&value, from, to);
        }
        self.next_part + 1 >= self.bounds.len()
    }

    /// The share of keys looked at, from 0 to 1.
    pub fn progress(&self) -> f64 {
        self.bounds[self.next_part] as f64 / self.parted.len().max(1) as f64
    }

    /// Every repeated row with its first row, once [`Search::step`] said it is done.
    pub fn found(self) -> Vec<(u32, u32)> {
        self.found
    }

    fn find_in<'a>(&mut self, value: impl Fn(u32) -> &'a str, from: usize, to: usize) {
        let part = &self.parted[from..to];
        let size = (part.len() * 2).max(8).next_power_of_two();
        self.slots.clear();
        self.slots.resize(size, u32::MAX);
        let (slots, mask) = (self.slots.as_mut_slice(), size - 1);
        for i in 0..part.len() {
            let key = part[i];
            let (hash, row) = (key >> ROW_BITS, (key & ROW_MASK) as u32);
            let mut slot = hash as usize & mask;
            while slots[slot] != u32::MAX {
                let first = part[slots[slot] as usize];
                let first_row = (first & ROW_MASK) as u32;
                if first >> ROW_BITS == hash && fold_eq(value(first_row), value(row)) {
                    self.found.push((row, first_row));
                    break;
                }
                slot = (slot + 1) & mask;
            }
            if slots[slot] == u32::MAX {
                slots[slot] = i as u32;
            }
        }
    }
}

/// `keys` grouped by their top bits into partitions of about 4,096 keys, each in the original order, with the
/// partitions' bounds in the returned vector.
fn partition(keys: Vec<u64>) -> (Vec<u64>, Vec<usize>) {
    let bits = (keys.len() / 4096)
        .max(1)
        .next_power_of_two()
        .trailing_zeros()
        .min(12);
    let part_of = |key: u64| key.checked_shr(64 - bits).unwrap_or(0) as usize;
    let mut bounds = vec![0usize; (1 << bits) + 1];
    let counts = bounds.as_mut_slice();
    for &key in &keys {
        counts[part_of(key) + 1] += 1;
    }
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    let mut next = bounds.clone();
    let mut parted = vec![0u64; keys.len()];
    let (next_slice, parted_slice) = (next.as_mut_slice(), parted.as_mut_slice());
    for &key in &keys {
        let part = part_of(key);
        parted_slice[next_slice[part]] = key;
        next_slice[part] += 1;
    }
    (parted, bounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_ascii_and_unicode_case() {
        assert!(fold_eq("JDoe@Example.com", "jdoe@example.COM"));
        assert!(fold_eq("ÉLODIE", "élodie"));
        assert!(!fold_eq("jdoe", "jdoe2"));
        assert!(!fold_eq("jdoe", "Kdoe"));
        assert!(!fold_eq("", "a"));
        assert!(fold_eq("", ""));
        assert_eq!(fold_hash("JDoe@Example.COM"), fold_hash("jdoe@example.com"));
        assert_eq!(fold_hash("ÉLODIE.Martin"), fold_hash("élodie.martin"));
        assert_eq!(fold_hash("\u{212A}elvin"), fold_hash("KELVIN"));
        assert!(fold_eq("\u{212A}elvin", "KELVIN"));
        assert!(fold_eq("ΝΙΚΟΣ", "νικος"));
        assert_eq!(fold_hash("ΝΙΚΟΣ"), fold_hash("νικος"));
        assert!(!fold_eq("νικος", "νικοι"));
        assert_ne!(fold_hash("jdoe"), fold_hash("jdoe2"));
    }

    #[test]
    fn the_hash_reads_every_byte_of_values_of_any_length() {
        let long = "abcdefghijklmnopqrstuvwxyz";
        for len in 0..=long.len() {
            let value = &long[..len];
            assert_eq!(
                fold_hash(value),
                fold_hash(&value.to_uppercase()),
                "{value}"
            );
            for at in 0..len {
                let mut other = value.as_bytes().to_vec();
                other[at] = b'_';
                let other = std::str::from_utf8(&other).unwrap();
                assert_ne!(fold_hash(value), fold_hash(other), "{value} / {other}");
            }
        }
    }

    #[test]
    fn lowering_a_word_touches_only_capitals() {
        let w = u64::from_le_bytes(*b"AZaz@[`{");
        assert_eq!(lower_word(w).to_le_bytes(), *b"azaz@[`{");
    }

    #[test]
    fn repeats_name_the_first_row_with_the_same_value_ignoring_case() {
        let values = ["a", "b", "A", "c", "B", "a"];
        let mut repeats = Repeats::with_capacity(values.len());
        for (row, value) in values.iter().enumerate() {
            repeats.push(row as u32, fold_hash(value));
        }
        let mut found = repeats.find(|row| values[row as usize]);
        found.sort_unstable();
        assert_eq!(found, [(2, 0), (4, 1), (5, 0)]);
    }

    #[test]
    fn many_rows_across_partitions_keep_the_first_occurrence() {
        let values: Vec<String> = (0..20_000).map(|i| format!("USER{}", i % 7_000)).collect();
        let mut repeats = Repeats::with_capacity(values.len());
        for (row, value) in values.iter().enumerate() {
            repeats.push(row as u32, fold_hash(&value.to_lowercase()));
        }
        let mut found = repeats.find(|row| values[row as usize].as_str());
        found.sort_unstable();
        let expected: Vec<(u32, u32)> = (7_000..20_000).map(|row| (row, row % 7_000)).collect();
        assert_eq!(found, expected);
    }
}
