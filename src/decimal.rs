//! Decimal text of `f64` values from integer arithmetic: the same text as the standard formatter,
//! without its float code and tables (a sizeable part of the wasm build).

/// The most digits after the point [`fixed`] writes.
pub const MAX_DECIMALS: u32 = 3;

/// `value` with `decimals` digits after the point: the same text as `format!("{value:.decimals$}")`
/// for every `f64`. Ties round to even on the exact binary value, as std does; negative values and
/// `-0.0` keep their `-` also when they round to zero; NaN is `NaN`, infinities are `inf` and
/// `-inf`. `decimals` above [`MAX_DECIMALS`] is taken as [`MAX_DECIMALS`].
pub fn fixed(value: f64, decimals: u32) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    let mut out = String::new();
    if value.is_sign_negative() {
        out.push('-');
    }
    if value.is_infinite() {
        out.push_str("inf");
        return out;
    }
    let decimals = decimals.min(MAX_DECIMALS);
    let bits = value.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) = match biased {
        0 => (fraction, -1074),
        _ => (fraction | 1 << 52, biased - 1075),
    };
    if exponent >= 0 {
        push_power_multiple(&mut out, mantissa, exponent.unsigned_abs());
        if decimals > 0 {
            out.push('.');
            push_padded(&mut out, 0, decimals);
        }
        return out;
    }
    // value = mantissa / 2^shift; mantissa · 10^decimals < 2^53 · 1000 < 2^63.
    let shift = exponent.unsigned_abs();
    let scaled = mantissa * 10u64.pow(decimals);
    let units = if shift >= 64 {
        0
    } else {
        let whole = scaled >> shift;
        let rest = scaled & ((1 << shift) - 1);
        let half = 1 << (shift - 1);
        whole + u64::from(rest > half || (rest == half && whole & 1 == 1))
    };
    let scale = 10u64.pow(decimals);
    out.push_str(&(units / scale).to_string());
    if decimals > 0 {
        out.push('.');
        push_padded(&mut out, units % scale, decimals);
    }
    out
}

/// `tenths / 10` as `format!("{}", tenths as f64 / 10.0)` writes it for `tenths` up to 10¹⁵:
/// `333` is `33.3`, `750` is `75`.
pub fn tenths(tenths: u64) -> String {
    let mut out = (tenths / 10).to_string();
    if !tenths.is_multiple_of(10) {
        out.push('.');
        push_padded(&mut out, tenths % 10, 1);
    }
    out
}

/// A count as the panel shows it: a comma between each group of three digits (`39985` is `39,985`),
/// so that 40,000 leavers read at a glance. Row numbers, statuses and the results file keep plain digits.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A count and its noun, [`grouped`]: `1 row`, `2 rows` (`noun` takes an `s` when the count is not one).
pub fn counted(n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", grouped(n))
}

/// Writes `value` with exactly `width` digits, zeros in front.
fn push_padded(out: &mut String, value: u64, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (value / 10u64.pow(place) % 10) as u8));
    }
}

/// Writes the integer `mantissa · 2^exponent` in decimal, however large, in base-10⁹ limbs.
fn push_power_multiple(out: &mut String, mantissa: u64, exponent: u32) {
    const BASE: u64 = 1_000_000_000;
    let mut limbs = vec![
        mantissa % BASE,
        mantissa / BASE % BASE,
        mantissa / BASE / BASE,
    ];
    let mut left = exponent;
    while left > 0 {
        let step = left.min(32);
        left -= step;
        let mut carry = 0;
        for limb in &mut limbs {
            let v = (*limb << step) + carry;
            *limb = v % BASE;
            carry = v / BASE;
        }
        while carry > 0 {
            limbs.push(carry % BASE);
            carry /= BASE;
        }
    }
    while limbs.len() > 1 && limbs.last() == Some(&0) {
        limbs.pop();
    }
    let mut from_top = limbs.iter().rev();
    if let Some(top) = from_top.next() {
        out.push_str(&top.to_string());
    }
    for limb in from_top {
        push_padded(out, *limb, 9);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn std_fixed(value: f64, decimals: u32) -> String {
        format!("{value:.*}", decimals as usize)
    }

    fn assert_like_std(value: f64) {
        for decimals in 0..=MAX_DECIMALS {
            assert_eq!(
                fixed(value, decimals),
                std_fixed(value, decimals),
                "{value:e} to {decimals}"
            );
        }
    }

    #[test]
    fn special_values_are_written_like_std() {
        for value in [
            0.0,
            -0.0,
            -0.01,
            -0.04,
            0.05,
            0.25,
            0.35,
            0.125,
            0.375,
            0.5,
            1.5,
            2.5,
            -2.5,
            9.95,
            99.95,
            999.9996,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9_007_199_254_740_993.0,
            1e22,
            1e23,
        ] {
            assert_like_std(value);
        }
        assert_eq!(fixed(1.25, 9), std_fixed(1.25, 3));
    }

    #[test]
    fn shown_ranges_are_written_like_std() {
        for i in 0..200_000u32 {
            assert_like_std(f64::from(i) / 1000.0);
            assert_like_std(f64::from(i) / 8.0);
            assert_like_std(f64::from(i) * 0.37);
            assert_like_std(600.0 * f64::from(i) / 199_999.0);
        }
    }

    #[test]
    fn random_values_of_every_magnitude_are_written_like_std() {
        let mut random = crate::run::rng::Rng::new(0x2545_f491_4f6c_dd1d);
        for _ in 0..100_000 {
            let value = f64::from_bits(random.next_u64());
            assert_like_std(value);
        }
        for _ in 0..100_000 {
            let value = (random.next_u64() % 100_000_000) as f64
                / (1u64 << (random.next_u64() % 40)) as f64;
            assert_like_std(value);
            assert_like_std(-value);
        }
    }

    /// The grouping built from the other end: thousands peeled off by division.
    fn grouped_by_division(n: usize) -> String {
        match n {
            0..1000 => n.to_string(),
            _ => format!("{},{:03}", grouped_by_division(n / 1000), n % 1000),
        }
    }

    #[test]
    fn a_count_of_one_takes_the_noun_alone() {
        assert_eq!(counted(1, "row"), "1 row");
        assert_eq!(counted(0, "row"), "0 rows");
        assert_eq!(counted(40_000, "row"), "40,000 rows");
    }

    #[test]
    fn counts_are_grouped_in_threes() {
        assert_eq!(grouped(39_985), "39,985");
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(grouped(999), "999");
        let mut random = crate::run::rng::Rng::new(7);
        let edges = (1..20)
            .filter_map(|p| 10usize.checked_pow(p))
            .flat_map(|power| [power - 1, power, power + 1]);
        let randoms = (0..10_000).map(|_| random.next_u64() as usize >> (random.next_u64() % 64));
        for n in (0..20_000).chain(edges).chain(randoms).chain([usize::MAX]) {
            let text = grouped(n);
            assert_eq!(text, grouped_by_division(n), "{n}");
            assert_eq!(text.replace(',', ""), n.to_string(), "{n}");
        }
    }

    #[test]
    fn tenths_are_written_like_std_display() {
        for n in (0..=100_000).chain([1_000_000_000_000_000 - 1, 123_456_789_012_345]) {
            assert_eq!(tenths(n), format!("{}", n as f64 / 10.0), "{n}");
        }
    }
}
