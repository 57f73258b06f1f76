//! ISO-8601 UTC timestamps from milliseconds since the Unix epoch, without a date library.

/// `YYYY-MM-DDTHH:MM:SSZ` for a time in ms since the Unix epoch (before 1970 too); `None`
/// for a value that is not a finite time within years 0–9999.
pub fn iso8601_utc(ms: f64) -> Option<String> {
    let mut text = String::with_capacity(20);
    push_iso8601_utc(&mut text, ms).then_some(text)
}

/// Appends [`iso8601_utc`]'s text for `ms` to `out` (digit by digit: an export writes one per
/// row); `false`, appending nothing, when it has none.
pub fn push_iso8601_utc(out: &mut String, ms: f64) -> bool {
    if !ms.is_finite() {
        return false;
    }
    let secs = (ms / 1_000.0).floor();
    if !(-62_167_219_200.0..=253_402_300_799.0).contains(&secs) {
        return false;
    }
    let secs = secs as i64;
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    let fields = [
        (y as u32, 4, '-'),
        (m, 2, '-'),
        (d, 2, 'T'),
        (of_day / 3_600, 2, ':'),
        (of_day % 3_600 / 60, 2, ':'),
        (of_day % 60, 2, 'Z'),
    ];
    for (value, width, after) in fields {
        for place in (0..width).rev() {
            let digit = value / 10u32.pow(place) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
        out.push(after);
    }
    true
}

/// `YYYY-MM-DD HH:MM` in local time, for people: `ms` since the Unix epoch and the browser's
/// `Date.getTimezoneOffset()` for that instant (minutes from local time to UTC, e.g. `-60` in
/// Paris in winter). `None` when [`iso8601_utc`] has no text for it.
pub fn local_minutes(ms: f64, timezone_offset_min: f64) -> Option<String> {
    let local = ms - timezone_offset_min * 60_000.0;
    iso8601_utc(local).map(|t| format!("{} {}", &t[..10], &t[11..16]))
}

/// Ms since the Unix epoch of a `YYYY-MM-DDTHH:MM:SSZ` time as [`iso8601_utc`] writes it;
/// `None` for anything else (other shapes, impossible dates).
pub fn parse_iso8601_utc(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let shape = b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    let num = |from: usize, to: usize| text[from..to].parse::<i64>().ok();
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hh, mm, ss) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&m) || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let days = days_from_civil(y, m as u32, d as u32);
    if d < 1 || civil_from_days(days) != (y, m as u32, d as u32) {
        return None;
    }
    Some(((days * 86_400 + hh * 3_600 + mm * 60 + ss) * 1_000) as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_is_written_to_the_minute_with_the_browsers_offset() {
        let t = 1_700_000_000_000.0; // 2023-11-14 22:13:20 UTC
        assert_eq!(local_minutes(t, 0.0).as_deref(), Some("2023-11-14 22:13"));
        assert_eq!(
            local_minutes(t, -120.0).as_deref(),
            Some("2023-11-15 00:13")
        );
        assert_eq!(local_minutes(t, 300.0).as_deref(), Some("2023-11-14 17:13"));
        assert_eq!(local_minutes(f64::NAN, 0.0), None);
    }

    #[test]
    fn known_instants_are_written_in_utc() {
        assert_eq!(iso8601_utc(0.0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            iso8601_utc(1_700_000_000_000.0).as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        assert_eq!(
            iso8601_utc(951_782_400_000.0).as_deref(),
            Some("2000-02-29T00:00:00Z")
        );
        assert_eq!(
            iso8601_utc(1_709_251_199_999.0).as_deref(),
            Some("2024-02-29T23:59:59Z")
        );
        assert_eq!(iso8601_utc(-1.0).as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(
            iso8601_utc(253_402_300_799_000.0).as_deref(),
            Some("9999-12-31T23:59:59Z")
        );
        assert_eq!(iso8601_utc(f64::NAN), None);
        assert_eq!(iso8601_utc(1e20), None);
    }

    #[test]
    fn every_day_of_four_centuries_follows_the_previous_one() {
        let mut previous = civil_from_days(-1);
        for day in 0..146_097 {
            let (y, m, d) = civil_from_days(day);
            let next_day = (y, m, d) > previous && (d == previous.2 + 1 || d == 1);
            assert!(next_day, "day {day}: {previous:?} then {:?}", (y, m, d));
            previous = (y, m, d);
        }
        assert_eq!(previous, (2369, 12, 31));
    }

    #[test]
    fn written_times_read_back_and_impossible_ones_do_not() {
        for ms in [
            0.0,
            1_700_000_000_000.0,
            951_782_400_000.0,
            -1_000.0,
            253_402_300_799_000.0,
        ] {
            let text = iso8601_utc(ms).unwrap();
            assert_eq!(parse_iso8601_utc(&text), Some(ms), "{text}");
        }
        for bad in [
            "2023-02-29T00:00:00Z",
            "2023-13-01T00:00:00Z",
            "2023-11-14T24:00:00Z",
            "2023-11-14 22:13:20Z",
            "2023-11-14T22:13:20",
            "",
        ] {
            assert_eq!(parse_iso8601_utc(bad), None, "{bad}");
        }
    }
}
