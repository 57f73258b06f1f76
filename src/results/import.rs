//! Reading back a results file this app exported, so that an undo (or "enable again") can
//! start from an earlier run's results.

use std::collections::HashMap;
use std::fmt;

use crate::run::UserResult;

use super::export::{restore, COLUMNS};
use super::filter::OutcomeClass;
use super::row::{RowOutcome, SkipReason, Skipped};
use super::time::parse_iso8601_utc;
use crate::csv_intake::{Delimiter, IntakeError, Table, Written};

/// Why a results file cannot be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    /// The line of the file (from 1) where the problem starts.
    pub line: u64,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Line {}: {}", self.line, self.message)
    }
}

/// Reads an exported results CSV (`row,user,outcome,http_status,message,time`, with or without
/// its byte-order mark) back into rows, in file order: formula neutralising is undone, the
/// time is read back; the attempt count is not in the file and reads 0. Blank lines are passed
/// over. Fails on the first line that this app would not have written, naming it.
pub fn import_results(text: &str) -> Result<Vec<RowOutcome>, ImportError> {
    ResultsImport::new(text.to_string()).finish()
}

/// [`import_results`] a piece at a time, so a page can read the results of a large run without freezing: each
/// [`ResultsImport::step`] parses about a megabyte or reads a few thousand rows.
pub struct ResultsImport {
    stage: Stage,
}

enum Stage {
    Parsing(Box<Written>),
    Reading(Box<Reader>),
    Done(Result<Vec<RowOutcome>, ImportError>),
    Taken,
}

/// Text bytes parsed per step.
const PARSE_BYTES: usize = 1 << 20;
/// Records read into rows per step.
const READ_ROWS: usize = 1 << 13;

impl ResultsImport {
    /// Starts reading a results file's text.
    pub fn new(text: String) -> ResultsImport {
        let stage = match Written::new(text, Delimiter::Comma) {
            Ok(written) => Stage::Parsing(Box::new(written)),
            Err(e) => Stage::Done(Err(intake_error(&e))),
        };
        ResultsImport { stage }
    }

    /// Does one piece of work; `true` once the file is read (or refused): then call [`ResultsImport::finish`].
    pub fn step(&mut self) -> bool {
        self.stage = match std::mem::replace(&mut self.stage, Stage::Taken) {
            Stage::Parsing(mut written) => match written.step(PARSE_BYTES) {
                Ok(false) => Stage::Parsing(written),
                Ok(true) => match (*written).finish() {
                    Ok(table) => match Reader::new(table) {
                        Ok(reader) => Stage::Reading(Box::new(reader)),
                        Err(e) => Stage::Done(Err(e)),
                    },
                    Err(e) => Stage::Done(Err(intake_error(&e))),
                },
                Err(e) => Stage::Done(Err(intake_error(&e))),
            },
            Stage::Reading(mut reader) => match reader.step(READ_ROWS) {
                Ok(false) => Stage::Reading(reader),
                Ok(true) => Stage::Done(Ok(reader.rows)),
                Err(e) => Stage::Done(Err(e)),
            },
            done => done,
        };
        matches!(self.stage, Stage::Done(_) | Stage::Taken)
    }

    /// How far the reading is, from 0 to 1 (parsing the text three fifths, reading its rows the rest).
    pub fn progress(&self) -> f64 {
        match &self.stage {
            Stage::Parsing(written) => 0.6 * written.progress(),
            Stage::Reading(reader) => {
                0.6 + 0.4 * reader.next as f64 / reader.table.len().max(1) as f64
            }
            Stage::Done(_) | Stage::Taken => 1.0,
        }
    }

    /// The rows, or the first line that is not one this app wrote. Steps until the end if
    /// [`ResultsImport::step`] has not said so.
    pub fn finish(mut self) -> Result<Vec<RowOutcome>, ImportError> {
        while !self.step() {}
        match self.stage {
            Stage::Done(result) => result,
            _ => Err(error(1, "the file is empty.")),
        }
    }
}

/// The rows of a parsed results file, read in order after its header.
struct Reader {
    table: Table,
    lines: Lines,
    /// The next record to read.
    next: usize,
    rows: Vec<RowOutcome>,
    /// The line each row number was read on, to name both when one appears twice.
    seen: HashMap<usize, u64>,
}

impl Reader {
    /// Checks the header (the first record that is not blank).
    fn new(table: Table) -> Result<Reader, ImportError> {
        let mut lines = Lines::default();
        let Some(header) = (0..table.len()).find(|&i| !table.is_blank(i)) else {
            return Err(error(1, "the file is empty."));
        };
        let matches = table.fields(header).count() == COLUMNS.len()
            && table
                .fields(header)
                .zip(COLUMNS)
                .all(|(n, c)| n.eq_ignore_ascii_case(c));
        if !matches {
            return Err(error(
                lines.at(table.text(), table.start(header)),
                &format!(
                    "this is not a results file exported by Offboard: the first line should be {}.",
                    COLUMNS.join(",")
                ),
            ));
        }
        Ok(Reader {
            lines,
            next: header + 1,
            rows: Vec::with_capacity(table.len() - header - 1),
            seen: HashMap::new(),
            table,
        })
    }

    /// Reads up to `records` more records; `Ok(true)` once all are read.
    fn step(&mut self, records: usize) -> Result<bool, ImportError> {
        let end = self.next.saturating_add(records).min(self.table.len());
        let mut cells = Vec::with_capacity(COLUMNS.len());
        for record in self.next..end {
            if self.table.is_blank(record) {
                continue;
            }
            let line = self.lines.at(self.table.text(), self.table.start(record));
            cells.clear();
            cells.extend(self.table.fields(record));
            let row = read_row(&cells).map_err(|why| error(line, &why))?;
            if let Some(first) = self.seen.insert(row.row(), line) {
                let why = format!("row {} appears twice (first on line {first}).", row.row());
                return Err(error(line, &why));
            }
            self.rows.push(row);
        }
        self.next = end;
        Ok(end == self.table.len())
    }
}

/// One line's cells as a row, or why they are not one.
fn read_row(cells: &[&str]) -> Result<RowOutcome, String> {
    let [row, user, outcome, status, message, time] = cells else {
        return Err(format!(
            "expected {} columns, found {}.",
            COLUMNS.len(),
            cells.len()
        ));
    };
    let row: usize = row
        .trim()
        .parse()
        .map_err(|_| format!("the row number {row:?} is not a number."))?;
    let (user, message) = (restore(user), restore(message));
    if outcome.trim().eq_ignore_ascii_case("skipped") {
        let reason = SkipReason::from_message(&message).ok_or_else(|| {
            format!("{message:?} is not a reason this app gives for a skipped row.")
        })?;
        return Ok(RowOutcome::Skipped(Skipped {
            row,
            value: user,
            reason,
        }));
    }
    let outcome = OutcomeClass::from_label(outcome)
        .and_then(OutcomeClass::outcome)
        .ok_or_else(|| format!("the outcome {outcome:?} is not one this app writes."))?;
    let http_status = match status.trim() {
        "" => None,
        s => Some(
            s.parse()
                .map_err(|_| format!("the HTTP status {s:?} is not a number."))?,
        ),
    };
    let at_ms = match time.trim() {
        "" => f64::NAN,
        t => parse_iso8601_utc(t)
            .ok_or_else(|| format!("the time {t:?} is not YYYY-MM-DDTHH:MM:SSZ."))?,
    };
    Ok(RowOutcome::Processed(UserResult {
        row,
        user,
        outcome,
        http_status,
        message,
        attempts: 0,
        at_ms,
    }))
}

/// Line numbers (from 1) of byte offsets taken in increasing order, counted once over the text:
/// CR LF, CR and LF each end a line.
struct Lines {
    pos: usize,
    line: u64,
}

impl Default for Lines {
    fn default() -> Self {
        Lines { pos: 0, line: 1 }
    }
}

impl Lines {
    /// The line of the byte at `byte` of `text`, which is not before the one asked last.
    fn at(&mut self, text: &str, byte: usize) -> u64 {
        let text = text.as_bytes();
        let end = byte.clamp(self.pos, text.len());
        let between = &text[self.pos..end];
        let breaks = between
            .iter()
            .enumerate()
            .filter(|&(i, &b)| {
                b == b'\n' || (b == b'\r' && text.get(self.pos + i + 1) != Some(&b'\n'))
            })
            .count();
        self.line += breaks as u64;
        self.pos = end;
        self.line
    }
}

fn error(line: u64, message: &str) -> ImportError {
    ImportError {
        line,
        message: message.to_string(),
    }
}

/// Why the text is not readable as CSV at all, on the line where that shows.
fn intake_error(e: &IntakeError) -> ImportError {
    match e {
        IntakeError::Empty { .. } | IntakeError::OnlyBlankLines => error(1, "the file is empty."),
        IntakeError::UnclosedQuote { line, .. } => error(
            u64::from(*line),
            "a quote opens here and is never closed: the file was cut short or edited.",
        ),
        _ => error(1, &format!("the file cannot be read: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::export::export_csv;
    use crate::results::retry::undo_plan;
    use crate::results::row::rows;
    use crate::run::Outcome;

    fn result(row: usize, user: &str, outcome: Outcome, message: &str) -> UserResult {
        UserResult {
            row,
            user: user.into(),
            outcome,
            http_status: Some(200),
            message: message.into(),
            attempts: 0,
            at_ms: 1_700_000_000_000.0,
        }
    }

    fn every_kind() -> Vec<RowOutcome> {
        let results = Outcome::ALL.into_iter().enumerate().map(|(i, o)| {
            let mut r = result(i + 2, &format!("u{i}"), o, "said, \"this\"\r\nand =more");
            if i % 3 == 0 {
                r.http_status = None;
            }
            r
        });
        let formula = result(20, "=cmd|' /C calc'!A0", Outcome::Failed, "-1");
        let unknown = result(
            21,
            "u21",
            Outcome::Failed,
            "Outcome unknown after 5 attempts: Server error (HTTP 500).",
        );
        let reasons = [
            SkipReason::Duplicate { of_row: 2 },
            SkipReason::Invalid("contains a space".into()),
            SkipReason::Invalid(String::new()),
            SkipReason::Blank,
            SkipReason::Header,
            SkipReason::ExcludedSelf,
            SkipReason::ExcludedSelfGuess,
            SkipReason::Protected("svc-*".into()),
            SkipReason::Protected(String::new()),
            SkipReason::NotInTenant("no user has this e-mail address (lookup)".into()),
            SkipReason::NotInTenant(String::new()),
            SkipReason::NotLookedUp("the lookup was cancelled.".into()),
            SkipReason::NotLookedUp(String::new()),
            SkipReason::LeftOut,
        ];
        let skipped = reasons.into_iter().enumerate().map(|(i, reason)| Skipped {
            row: 30 + i,
            value: format!("@v{i}"),
            reason,
        });
        rows(results.chain([formula, unknown]), skipped)
    }

    #[test]
    fn an_export_reads_back_as_the_same_rows_and_exports_the_same_again() {
        let all = every_kind();
        let text = export_csv(&all);
        let back = import_results(&text).unwrap();
        assert_eq!(back, all);
        assert_eq!(export_csv(&back), text);
        let without_bom = text.trim_start_matches('\u{feff}');
        assert_eq!(import_results(without_bom).unwrap(), all);
    }

    #[test]
    fn a_failure_whose_outcome_is_unknown_says_so_in_the_file_as_on_the_page() {
        let text = export_csv(&every_kind());
        let line = |row: &str| {
            text.lines()
                .find(|l| l.starts_with(&format!("{row},")))
                .unwrap()
                .to_string()
        };
        assert!(
            line("21").starts_with("21,u21,outcome unknown,200,"),
            "{}",
            line("21")
        );
        assert!(line("20").contains(",failed,"), "{}", line("20"));
    }

    #[test]
    fn an_undo_can_start_from_an_earlier_runs_file() {
        let text = export_csv(&rows(
            [
                result(
                    2,
                    "aaaaaaaa-0000-4000-8000-000000000001",
                    Outcome::Marked,
                    "Marked",
                ),
                result(
                    3,
                    "aaaaaaaa-0000-4000-8000-000000000002",
                    Outcome::Unchanged,
                    "Already",
                ),
            ],
            [],
        ));
        let plan = undo_plan(&import_results(&text).unwrap());
        assert_eq!(
            plan.iter()
                .map(|e| (e.row, e.user.as_str()))
                .collect::<Vec<_>>(),
            [(2, "aaaaaaaa-0000-4000-8000-000000000001")]
        );
    }

    #[test]
    fn lines_this_app_would_not_write_are_named() {
        let good = "row,user,outcome,http_status,message,time\r\n";
        let cases = [
            ("", 1, "empty"),
            ("User Login\r\njdoe\r\n", 1, "not a results file"),
            ("row,user,outcome\r\n", 1, "not a results file"),
            ("2,u,removed,200,ok\r\n", 2, "expected 6 columns, found 5"),
            ("x,u,removed,200,ok,\r\n", 2, "row number \"x\""),
            ("2,u,gone,200,ok,\r\n", 2, "outcome \"gone\""),
            ("2,u,removed,OK,ok,\r\n", 2, "HTTP status \"OK\""),
            ("2,u,removed,200,ok,yesterday\r\n", 2, "time \"yesterday\""),
            (
                "2,u,skipped,,because,\r\n",
                2,
                "\"because\" is not a reason",
            ),
            (
                "2,u,removed,,\"a\r\nb\",\r\n2,v,removed,,ok,\r\n",
                4,
                "row 2 appears twice (first on line 2)",
            ),
        ];
        for (body, line, why) in cases {
            let text = if line == 1 {
                body.to_string()
            } else {
                format!("{good}{body}")
            };
            let e = import_results(&text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.to_string().starts_with(&format!("Line {line}: ")), "{e}");
            assert!(e.message.contains(why), "{text:?}: {e}");
        }
    }

    #[test]
    fn a_big_file_reads_back_whole_and_its_last_line_is_named_right() {
        // Every fifth message spans two lines, so lines and rows part ways as the file goes on.
        let all: Vec<RowOutcome> = rows(
            (0..40_000).map(|i| {
                let message = if i % 5 == 0 {
                    "gone\r\nfor good"
                } else {
                    "Removed"
                };
                result(
                    i + 2,
                    &format!("user{i}@corp.example"),
                    Outcome::Removed,
                    message,
                )
            }),
            [],
        );
        let text = export_csv(&all);
        assert_eq!(import_results(&text).unwrap(), all);

        let lines = 1 + 40_000 + 40_000 / 5;
        let e = import_results(&format!("{text}2,again,removed,200,ok,\r\n")).unwrap_err();
        assert_eq!(e.line, lines as u64 + 1, "{e}");
        assert!(e.message.contains("(first on line 2)"), "{e}");
    }

    #[test]
    fn a_large_file_is_read_in_many_small_steps_to_the_same_rows() {
        let all = rows(
            (0..60_000).map(|i| {
                result(
                    i + 2,
                    &format!("user{i}@corp.example"),
                    Outcome::Removed,
                    "Removed",
                )
            }),
            [],
        );
        let text = export_csv(&all);
        assert!(text.len() > 4 * PARSE_BYTES, "{} bytes", text.len());

        let mut import = ResultsImport::new(text.clone());
        let (mut steps, mut last) = (0, 0.0);
        while !import.step() {
            steps += 1;
            let now = import.progress();
            assert!(
                now >= last && now < 1.0,
                "progress went from {last} to {now}"
            );
            last = now;
        }
        assert!(steps >= 10, "{steps} steps");
        assert_eq!(import.finish().unwrap(), all);

        let bad = format!("{text}2,again,removed,200,ok,\r\n");
        let mut import = ResultsImport::new(bad);
        while !import.step() {}
        let e = import.finish().unwrap_err();
        assert_eq!(e.line, 60_002, "{e}");
    }

    #[test]
    fn blank_lines_are_passed_over_and_spaces_at_a_values_ends_are_kept() {
        let mut padded = result(2, "u1", Outcome::Failed, "  timed out ");
        padded.http_status = None;
        let all = rows([padded, result(3, "u2", Outcome::Removed, "\tok")], []);
        let text = export_csv(&all).replace("\r\n", "\r\n\r\n");
        assert_eq!(import_results(&text).unwrap(), all);
    }

    #[test]
    fn a_quote_never_closed_is_named_at_its_line() {
        let text = "row,user,outcome,http_status,message,time\r\n2,u,removed,,ok,\r\n3,v,failed,,\"cut\r\n";
        let e = import_results(text).unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("never closed"), "{e}");
    }
}
