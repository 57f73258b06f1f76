//! The `Retry-After` header: a number of seconds, or an HTTP-date (RFC 9110 §10.2.3).

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// How long `Retry-After: value` asks us to wait, in ms, given `now_ms` since the Unix epoch.
/// A date in the past means 0. `None` when the value is neither form.
pub fn wait_ms(value: &str, now_ms: f64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return seconds_ms(value);
    }
    let at_ms = http_date_ms(value)?;
    Some((at_ms - now_ms).max(0.0) as u64)
}

/// Decimal seconds (`120`, `1.5`, `.5`, `5.`; one point at most, a digit somewhere) as whole ms,
/// the fraction beyond ms cut off, at most 2⁶³ ms.
fn seconds_ms(value: &str) -> Option<u64> {
    const CAP: u64 = 1 << 63;
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.contains('.') || whole.len() + fraction.len() == 0 {
        return None;
    }
    let digits = whole.bytes().chain(fraction.bytes().chain(*b"000").take(3));
    Some(digits.fold(0u64, |ms, d| {
        ms.saturating_mul(10)
            .saturating_add(u64::from(d - b'0'))
            .min(CAP)
    }))
}

/// Parses IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
/// or asctime (`Sun Nov  6 08:49:37 1994`) to ms since the Unix epoch.
pub fn http_date_ms(value: &str) -> Option<f64> {
    let tokens: Vec<&str> = value
        .split([' ', ',', '-'])
        .filter(|t| !t.is_empty())
        .collect();
    let month = tokens.iter().find_map(|t| {
        MONTHS
            .iter()
            .position(|m| t.len() == 3 && t.eq_ignore_ascii_case(m))
    })?;
    let time: Vec<u32> = tokens
        .iter()
        .find(|t| t.contains(':'))?
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let numbers: Vec<&str> = tokens
        .iter()
        .copied()
        .filter(|t| !t.contains(':') && t.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let [day, year] = numbers[..] else {
        return None;
    };
    let day: u32 = day.parse().ok()?;
    let year: i64 = match (year.len(), year.parse::<i64>().ok()?) {
        (2, y) if y >= 70 => 1900 + y,
        (2, y) => 2000 + y,
        (4, y) => y,
        _ => return None,
    };
    let [h, m, s] = time[..] else { return None };
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(year, month as i64 + 1, i64::from(day));
    Some(((days * 86_400 + i64::from(h * 3600 + m * 60 + s)) * 1000) as f64)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_6_1994: f64 = 784_111_777_000.0;

    #[test]
    fn seconds_are_taken_as_given() {
        assert_eq!(wait_ms("120", 0.0), Some(120_000));
        assert_eq!(wait_ms(" 0 ", 0.0), Some(0));
        assert_eq!(wait_ms("1.5", 0.0), Some(1_500));
    }

    /// What this parser did with `f64` before: parse, times 1000, cut to whole ms, at most 2⁶³.
    fn float_ms(value: &str) -> Option<u64> {
        let seconds: f64 = value.parse().ok()?;
        Some((seconds * 1000.0).min(u64::MAX as f64 / 2.0) as u64)
    }

    #[test]
    fn decimal_seconds_are_read_as_before() {
        for value in [
            "0",
            "7",
            "007",
            "120",
            "1.5",
            ".5",
            "5.",
            "0.25",
            "2.125",
            "1.0009",
            "3.14159",
            "0.000",
            "86400",
            "18446744073709551615",
            "99999999999999999999999999",
        ] {
            assert_eq!(seconds_ms(value), float_ms(value), "{value}");
        }
        for bad in [".", "..", "1..2", "1.2.3"] {
            assert_eq!(seconds_ms(bad), None, "{bad}");
            assert_eq!(float_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn fractions_are_cut_to_whole_ms_exactly() {
        for ms in (0..100_000u64).step_by(7) {
            let text = format!("{}.{:03}", ms / 1000, ms % 1000);
            assert_eq!(seconds_ms(&text), Some(ms), "{text}");
            assert_eq!(seconds_ms(&format!("{text}999")), Some(ms), "{text}999");
        }
        // f64 read 1.001 s as 1000.9999999999999 ms, so 1000: the exact reading is 1001.
        assert_eq!(seconds_ms("1.001"), Some(1_001));
        assert_eq!(float_ms("1.001"), Some(1_000));
    }

    #[test]
    fn all_three_http_date_forms_name_the_same_instant() {
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(http_date_ms(form), Some(NOV_6_1994), "{form}");
        }
        assert_eq!(http_date_ms("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0.0));
        assert_eq!(
            http_date_ms("Tue, 29 Feb 2028 12:00:00 GMT"),
            Some(1_835_438_400_000.0)
        );
    }

    #[test]
    fn a_date_means_the_time_left_until_it() {
        assert_eq!(
            wait_ms("Sun, 06 Nov 1994 08:49:37 GMT", NOV_6_1994 - 7_000.0),
            Some(7_000)
        );
        assert_eq!(
            wait_ms("Sun, 06 Nov 1994 08:49:37 GMT", NOV_6_1994 + 5_000.0),
            Some(0)
        );
    }

    #[test]
    fn garbage_is_not_a_wait() {
        for bad in [
            "",
            "soon",
            "-5",
            "Sun, 06 Nov 1994",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT",
        ] {
            assert_eq!(wait_ms(bad, 0.0), None, "{bad}");
        }
    }
}
