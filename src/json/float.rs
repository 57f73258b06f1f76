//! JSON number text to the nearest `f64`, ties to even: what `str::parse::<f64>` gives, without
//! std's 10 KB table of powers of five (14 KB gzip less in the panel's wasm).
//!
//! Up to 15 significant digits and a power of ten up to 10²² read exactly with one float
//! operation. Other numbers start from a float a few units in the last place off, then step to
//! the right one by comparing the decimal with the halfway points around it in exact integers.

use std::cmp::Ordering;

/// Significant digits kept. A halfway point between two floats has at most 767, so the digits
/// beyond only break a tie (`sticky`).
const MAX_DIGITS: usize = 800;

/// The value of `text`, a JSON number; `None` when it is beyond the range of `f64`.
pub(super) fn parse_f64(text: &str) -> Option<f64> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], exponent(&text[at + 1..])),
        None => (text, 0),
    };
    let decimal = Decimal::new(mantissa, exponent);
    let magnitude = decimal.nearest()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// The exponent's value, saturated far beyond where a float overflows or underflows.
fn exponent(text: &str) -> i64 {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = digits
        .bytes()
        .fold(0i64, |n, d| (n * 10 + i64::from(d - b'0')).min(1 << 40));
    if negative {
        -value
    } else {
        value
    }
}

/// `digits × 10^exponent`, with `sticky` set when non-zero digits were dropped past `MAX_DIGITS`.
struct Decimal {
    digits: Vec<u8>,
    exponent: i64,
    sticky: bool,
}

impl Decimal {
    fn new(mantissa: &str, exponent: i64) -> Self {
        let mut digits = Vec::new();
        let mut sticky = false;
        // Digits kept after the point lower the exponent; integer digits dropped raise it.
        let mut shift = 0i64;
        let mut after_point = false;
        for b in mantissa.bytes() {
            if b == b'.' {
                after_point = true;
                continue;
            }
            let d = b - b'0';
            if digits.is_empty() && d == 0 {
                shift -= i64::from(after_point);
            } else if digits.len() < MAX_DIGITS {
                digits.push(d);
                shift -= i64::from(after_point);
            } else {
                sticky |= d != 0;
                shift += i64::from(!after_point);
            }
        }
        while digits.last() == Some(&0) {
            digits.pop();
            shift += 1;
        }
        Decimal {
            digits,
            exponent: exponent + shift,
            sticky,
        }
    }

    /// The float nearest to the decimal, ties to even; `None` past `f64::MAX`'s rounding range.
    fn nearest(&self) -> Option<f64> {
        let magnitude = self.digits.len() as i64 + self.exponent;
        if self.digits.is_empty() || magnitude < -330 {
            return Some(0.0);
        }
        if magnitude > 310 {
            return None;
        }
        if self.digits.len() <= 15 && self.exponent.abs() <= 22 {
            let d = self.leading(self.digits.len()) as f64;
            let p = 10f64.powi(self.exponent.unsigned_abs() as i32);
            return Some(if self.exponent < 0 { d / p } else { d * p });
        }
        let kept = self.digits.len().min(19);
        let scale = self.exponent + (self.digits.len() - kept) as i64;
        let mut z = approximate(self.leading(kept), scale as i32).min(f64::MAX);
        loop {
            let (m, e) = parts(z);
            match self.cmp_binary(2 * m + 1, e - 1) {
                Ordering::Greater if z == f64::MAX => return None,
                Ordering::Greater => z = next_up(z),
                // The tie above `f64::MAX` (whose mantissa is odd) rounds to infinity.
                Ordering::Equal => {
                    let even = if m % 2 == 0 { z } else { next_up(z) };
                    return even.is_finite().then_some(even);
                }
                Ordering::Less if z == 0.0 => return Some(z),
                Ordering::Less => {
                    // Below the smallest float of a binade, the gap to the next one down is half.
                    let narrower = m == 1 << 52 && e > -1074;
                    let below = if narrower {
                        self.cmp_binary(4 * m - 1, e - 2)
                    } else {
                        self.cmp_binary(2 * m - 1, e - 1)
                    };
                    match below {
                        Ordering::Less => z = next_down(z),
                        Ordering::Equal => return Some(if m % 2 == 0 { z } else { next_down(z) }),
                        Ordering::Greater => return Some(z),
                    }
                }
            }
        }
    }

    /// The first `n` digits as an integer.
    fn leading(&self, n: usize) -> u64 {
        self.digits[..n]
            .iter()
            .fold(0, |v, &d| v * 10 + u64::from(d))
    }

    /// The decimal against `m × 2^e`, in exact integers.
    fn cmp_binary(&self, m: u64, e: i32) -> Ordering {
        let mut left = Big::from_digits(&self.digits);
        let mut right = Big::from_u64(m);
        if self.exponent >= 0 {
            left.mul_pow10(self.exponent as u32);
        } else {
            right.mul_pow10(self.exponent.unsigned_abs() as u32);
        }
        if e >= 0 {
            right.shl(e as u32);
        } else {
            left.shl(e.unsigned_abs());
        }
        left.cmp(&right).then(if self.sticky {
            Ordering::Greater
        } else {
            Ordering::Equal
        })
    }
}

/// `leading × 10^scale` within a few units in the last place, or 0 or infinity near the ends.
fn approximate(leading: u64, scale: i32) -> f64 {
    let start = leading as f64;
    if scale < -300 {
        start * 10f64.powi(scale + 300) * 1e-300
    } else {
        start * 10f64.powi(scale)
    }
}

/// `z` (finite, not negative) as `m × 2^e` with `m` an integer below 2⁵³.
fn parts(z: f64) -> (u64, i32) {
    let bits = z.to_bits();
    let fraction = bits & ((1 << 52) - 1);
    match (bits >> 52) as i32 {
        0 => (fraction, -1074),
        biased => (fraction | 1 << 52, biased - 1075),
    }
}

fn next_up(z: f64) -> f64 {
    f64::from_bits(z.to_bits() + 1)
}

fn next_down(z: f64) -> f64 {
    f64::from_bits(z.to_bits() - 1)
}

/// A natural number in base 2³², least significant limb first.
#[derive(PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(n: u64) -> Self {
        Big(vec![n as u32, (n >> 32) as u32])
    }

    fn from_digits(digits: &[u8]) -> Self {
        let mut big = Big(Vec::with_capacity(digits.len() / 9 + 1));
        for chunk in digits.chunks(9) {
            let value = chunk.iter().fold(0, |v, &d| v * 10 + u32::from(d));
            big.mul_add(10u32.pow(chunk.len() as u32), value);
        }
        big
    }

    /// `self × factor + carry`.
    fn mul_add(&mut self, factor: u32, mut carry: u32) {
        for limb in &mut self.0 {
            let product = u64::from(*limb) * u64::from(factor) + u64::from(carry);
            *limb = product as u32;
            carry = (product >> 32) as u32;
        }
        if carry > 0 {
            self.0.push(carry);
        }
    }

    fn mul_pow10(&mut self, mut n: u32) {
        while n > 0 {
            let step = n.min(9);
            self.mul_add(10u32.pow(step), 0);
            n -= step;
        }
    }

    fn shl(&mut self, n: u32) {
        let (limbs, bits) = ((n / 32) as usize, n % 32);
        if bits > 0 {
            self.mul_add(1 << bits, 0);
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
    }

    fn significant(&self) -> &[u32] {
        let end = self.0.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1);
        &self.0[..end]
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.significant(), other.significant());
        a.len()
            .cmp(&b.len())
            .then_with(|| a.iter().rev().cmp(b.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_f64;
    use proptest::prelude::*;

    fn std(text: &str) -> Option<f64> {
        text.parse::<f64>().ok().filter(|f| f.is_finite())
    }

    fn same(text: &str) {
        let (ours, theirs) = (parse_f64(text), std(text));
        assert_eq!(
            ours.map(f64::to_bits),
            theirs.map(f64::to_bits),
            "{text}: {ours:?} against std's {theirs:?}"
        );
    }

    /// The exact decimal of `x` plus half its gap to the next float up, as plain digits; with
    /// `short_of_it`, a hair less (the half gap's last significant digit lowered by one).
    fn halfway_above(x: f64, short_of_it: bool) -> String {
        let up = f64::from_bits(x.to_bits() + 1);
        let mut half_gap = halve(&format!("{:.1100}", up - x)).into_bytes();
        if short_of_it {
            let last = half_gap.iter().rposition(|&d| d > b'0').unwrap();
            half_gap[last] -= 1;
        }
        add_decimals(&format!("{x:.1100}"), &String::from_utf8(half_gap).unwrap())
    }

    /// Half a non-negative decimal whose last digit is 0 (so the half is exact at that width).
    fn halve(decimal: &str) -> String {
        let mut remainder = 0;
        let digits = decimal.bytes().map(|d| {
            if d == b'.' {
                return '.';
            }
            let n = remainder * 10 + (d - b'0');
            remainder = n % 2;
            (b'0' + n / 2) as char
        });
        digits.collect()
    }

    /// The sum of two non-negative decimals written with the same number of fraction digits.
    fn add_decimals(a: &str, b: &str) -> String {
        let width = a.len().max(b.len());
        let (a, b) = (format!("{a:0>width$}"), format!("{b:0>width$}"));
        let mut out = Vec::with_capacity(width + 1);
        let mut carry = 0;
        for (x, y) in a.bytes().rev().zip(b.bytes().rev()) {
            if x == b'.' {
                out.push(b'.');
                continue;
            }
            let sum = (x - b'0') + (y - b'0') + carry;
            out.push(b'0' + sum % 10);
            carry = sum / 10;
        }
        if carry > 0 {
            out.push(b'1');
        }
        out.reverse();
        let text = String::from_utf8(out).unwrap();
        text.trim_start_matches('0').to_string()
    }

    #[test]
    fn reads_the_hard_cases_as_std_does() {
        for text in [
            "0.0",
            "-0.0",
            "0e999999999999999999999",
            "1e-400",
            "-1e-400",
            "1e400",
            "1e309",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9999",
            "2.2250738585072011e-308",
            "2.2250738585072012e-308",
            "2.2250738585072014e-308",
            "4.9406564584124654e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "5e-324",
            "9007199254740993",
            "9007199254740995",
            "9007199254740993.0000000000000000000000000000001",
            "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203124",
            "1.000000000000000111022302462515654042363166809082031250000000000000000000000001",
            "0.1",
            "0.30000000000000004",
            "123456789012345678901234567890",
            "1732450123456.789",
            "1e22",
            "1e23",
            "8.98846567431158e307",
            "1E+2",
            "12.5e-1",
            "0.000000000000000000000000000000000000000000001e45",
        ] {
            same(text);
        }
    }

    #[test]
    fn the_halfway_point_above_the_largest_float_is_out_of_range() {
        let half_gap = halve(&format!("{:.1100}", 2f64.powi(971)));
        let halfway = add_decimals(&format!("{:.1100}", f64::MAX), &half_gap);
        assert_eq!(parse_f64(&halfway), None);
        same(&halfway);
        let mut below = halfway.clone().into_bytes();
        let last = below.iter().rposition(|&d| d > b'0').unwrap();
        below[last] -= 1;
        same(&String::from_utf8(below).unwrap());
    }

    #[test]
    fn a_tie_goes_to_the_even_float_even_past_800_digits() {
        for x in [1.0, 3.0e-310, 1.0e300, 2.2250738585072014e-308, 123.456] {
            let halfway = halfway_above(x, false);
            same(&halfway);
            same(&format!("{halfway}{}1", "0".repeat(900)));
            same(&halfway_above(x, true));
        }
    }

    proptest! {
        #[test]
        fn any_float_written_any_way_reads_back_as_std_reads_it(
            bits in any::<u64>(),
            precision in 0usize..40,
        ) {
            let x = f64::from_bits(bits).abs();
            prop_assume!(x.is_finite());
            same(&format!("{x:e}"));
            same(&format!("{x:.precision$e}"));
            same(&format!("{x:?}"));
        }

        #[test]
        fn digit_strings_read_as_std_reads_them(
            int in "[1-9][0-9]{0,30}|0",
            fraction in "[0-9]{0,40}",
            exponent in -360i32..330,
        ) {
            let text = if fraction.is_empty() {
                format!("{int}e{exponent}")
            } else {
                format!("{int}.{fraction}e{exponent}")
            };
            same(&text);
        }

        #[test]
        fn halfway_points_between_floats_round_to_even(bits in any::<u64>()) {
            let x = f64::from_bits(bits).abs();
            prop_assume!(x.is_finite() && x < f64::MAX);
            same(&halfway_above(x, false));
            same(&halfway_above(x, true));
        }
    }
}
