//! Splitting decoded text into rows and fields.
//!
//! RFC 4180 with the leniencies real files need: LF, CRLF or CR-only line ends; spaces (and tabs, unless tab is
//! the delimiter) around a value are dropped outside quotes; a quote inside an unquoted value is literal; text
//! after a closing quote is kept. Every line end outside quotes ends a row, so blank lines are rows (stored
//! without fields) and row numbers match what a spreadsheet shows.
//!
//! A row without a quote is only located (eight bytes at a time, counting its delimiters for the width and the
//! limit on cells); [`Table`] splits it when asked. A row with a quote is read field by field at once.

use super::sniff::sniff;
use super::table::{is_blank_line, is_space, Quoted, Span, Table};
use super::words::{exact_zero_bytes, find_byte, load, splat, zero_bytes};
use super::{Delimiter, Encoding, IntakeError, MAX_CELLS, MAX_ROWS};

/// Parses `text` with a sniffed delimiter. Fails on an unclosed quote, on more rows or cells than allowed, and
/// when every row is blank.
/// A list on one line is read one value per row (`super::one_line`).
pub fn parse(text: String, encoding: Encoding) -> Result<Table, IntakeError> {
    let table = parse_with(text, encoding, MAX_CELLS)?;
    match super::one_line::relisted(&table) {
        Some(mut listing) => {
            while !listing.step(usize::MAX)? {}
            listing.finish()
        }
        None => Ok(table),
    }
}

/// A parse, a piece at a time, of text this app wrote (UTF-8), split at `delimiter`, with no sniffing. Fails as
/// [`parse`], but takes [`MAX_ROWS`] and two header rows, and any number of cells.
pub(crate) fn parse_written(text: String, delimiter: Delimiter) -> Parsing {
    let limits = Limits {
        rows: MAX_ROWS + 1,
        cells: usize::MAX,
    };
    Parsing::with_delimiter(text, Encoding::Utf8, Some(delimiter), limits)
}

/// Excel's `sep=;` first line, which names the delimiter and which Excel does not show as a row: the
/// delimiter, and the line's length with its line end.
fn sep_line(text: &str) -> Option<(Delimiter, usize)> {
    let rest = text
        .strip_prefix("sep=")
        .or_else(|| text.strip_prefix("SEP="))?;
    let byte = *rest.as_bytes().first()?;
    let delimiter = Delimiter::ALL.into_iter().find(|d| d.byte() == byte)?;
    let end = match &rest.as_bytes()[1..] {
        [b'\r', b'\n', ..] => 2,
        [b'\r' | b'\n', ..] => 1,
        [] => 0,
        _ => return None,
    };
    Some((delimiter, "sep=".len() + 1 + end))
}

/// How many rows and cells a parse takes before it refuses the text.
#[derive(Clone, Copy, Debug)]
struct Limits {
    /// Rows after the first (a header): the text is refused when more remain.
    rows: usize,
    cells: usize,
}

/// [`parse`] with a limit on cells.
fn parse_with(text: String, encoding: Encoding, max_cells: usize) -> Result<Table, IntakeError> {
    let mut parsing = Parsing::with_max_cells(text, encoding, max_cells);
    while !parsing.step(usize::MAX)? {}
    parsing.finish()
}

/// A parse that goes a piece at a time: [`Parsing::step`] reads whole rows until it has passed a number of bytes,
/// so the work can be spread over several calls. The rows are the same however it is cut.
pub(crate) struct Parsing {
    text: String,
    encoding: Encoding,
    delimiter: Option<Delimiter>,
    /// The delimiter of the one line whose values these rows are (`super::one_line`).
    listed: Option<Delimiter>,
    rows: Rows,
}

/// What a parse keeps between pieces.
struct Rows {
    pos: usize,
    line: u32,
    separator: u8,
    stop: [bool; 256],
    starts: Vec<u32>,
    quoted: Quoted,
    /// Whether rows without a quote are kept as their start alone (split when asked for); when false every row
    /// is read field by field, the reference the tests compare against.
    plain_rows: bool,
    /// Fields in the rows read so far, blank rows not counted.
    cells: usize,
    width: usize,
    limits: Limits,
}

impl Parsing {
    /// Sniffs the delimiter and sizes the buffers; no row is read yet.
    pub(crate) fn new(text: String, encoding: Encoding) -> Parsing {
        Parsing::with_max_cells(text, encoding, MAX_CELLS)
    }

    fn with_max_cells(text: String, encoding: Encoding, max_cells: usize) -> Parsing {
        let limits = Limits {
            rows: MAX_ROWS,
            cells: max_cells,
        };
        match sep_line(&text) {
            Some((delimiter, len)) => {
                let mut parsing = Parsing::with_delimiter(text, encoding, Some(delimiter), limits);
                parsing.rows.pos = len;
                parsing.rows.line = 2;
                parsing
            }
            None => {
                let delimiter = sniff(&text, encoding.prefers_tab());
                Parsing::with_delimiter(text, encoding, delimiter, limits)
            }
        }
    }

    /// A parse of the values of a list on one line, split at `delimiter`, written one per line (quoted where
    /// needed) in `text`: a table of one column that remembers the delimiter.
    pub(crate) fn listing(text: String, encoding: Encoding, delimiter: Delimiter) -> Parsing {
        let limits = Limits {
            rows: MAX_ROWS,
            cells: MAX_CELLS,
        };
        let mut parsing = Parsing::with_delimiter(text, encoding, Some(Delimiter::Comma), limits);
        parsing.delimiter = None;
        parsing.listed = Some(delimiter);
        parsing
    }

    /// A parse split at `delimiter` (a comma when `None`), with no sniffing.
    fn with_delimiter(
        text: String,
        encoding: Encoding,
        delimiter: Option<Delimiter>,
        limits: Limits,
    ) -> Parsing {
        let separator = delimiter.unwrap_or(Delimiter::Comma).byte();
        let rows = estimate(&text);
        Parsing {
            text,
            encoding,
            delimiter,
            listed: None,
            rows: Rows {
                pos: 0,
                line: 1,
                separator,
                stop: stop_table(separator),
                starts: Vec::with_capacity(rows),
                quoted: Quoted::default(),
                plain_rows: true,
                cells: 0,
                width: 0,
                limits,
            },
        }
    }

    /// Reads rows until at least `bytes` bytes of text are behind (a row is never cut); `Ok(true)` once the text
    /// is read to its end.
    pub(crate) fn step(&mut self, bytes: usize) -> Result<bool, IntakeError> {
        let Parsing { text, rows, .. } = self;
        let limit = rows.pos.saturating_add(bytes.max(1));
        let mut parser = Parser {
            bytes: text.as_bytes(),
            text,
            rows,
        };
        parser.run(limit)?;
        Ok(self.rows.pos >= self.text.len())
    }

    /// How many bytes of the text are read.
    pub(crate) fn position(&self) -> usize {
        self.rows.pos
    }

    /// The length of the text.
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    /// The table, once [`Parsing::step`] said the text is read; refuses a text of blank lines only.
    pub(crate) fn finish(self) -> Result<Table, IntakeError> {
        let Rows {
            starts,
            quoted,
            separator,
            cells,
            width,
            ..
        } = self.rows;
        if cells == 0 {
            return Err(IntakeError::OnlyBlankLines);
        }
        Ok(Table {
            text: self.text,
            starts,
            quoted,
            separator,
            encoding: self.encoding,
            delimiter: self.delimiter,
            listed: self.listed,
            width,
            ready: Default::default(),
        })
    }
}

/// One piece of a parse: the text, and the rows so far.
struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    rows: &'a mut Rows,
}

impl Parser<'_> {
    /// Reads rows until `pos` reaches `limit` or the end of the text.
    fn run(&mut self, limit: usize) -> Result<(), IntakeError> {
        while self.rows.pos < self.bytes.len() && self.rows.pos < limit {
            if self.rows.starts.len() > self.rows.limits.rows {
                return Err(IntakeError::TooManyRows);
            }
            let start = self.rows.pos;
            let (stop, separators) = self.scan_row(start);
            if !self.rows.plain_rows || self.bytes.get(stop) == Some(&b'"') {
                self.quoted_row(start)?;
                continue;
            }
            let blank = is_blank_line(&self.bytes[start..stop], self.rows.separator);
            self.add_cells(separators + 1, blank)?;
            self.rows.quoted.add_row(self.rows.starts.len(), false);
            self.rows.starts.push(start as u32);
            self.rows.pos = self.line_end(stop);
        }
        Ok(())
    }

    /// Counts a row's `fields` (unless it is `blank`) against the limit on cells, and towards the width.
    fn add_cells(&mut self, fields: usize, blank: bool) -> Result<(), IntakeError> {
        self.check_cells(fields)?;
        if !blank {
            self.rows.cells += fields;
            self.rows.width = self.rows.width.max(fields);
        }
        Ok(())
    }

    /// Refuses the file when the current row's first `fields` fields take it past the limit on cells.
    fn check_cells(&self, fields: usize) -> Result<(), IntakeError> {
        if self.rows.cells.saturating_add(fields) > self.rows.limits.cells {
            return Err(IntakeError::TooManyCells {
                row: self.rows.starts.len() as u32 + 1,
            });
        }
        Ok(())
    }

    /// The position after the line end at `at` (or the end of the text), counting the line.
    #[inline(always)]
    fn line_end(&mut self, at: usize) -> usize {
        match self.bytes.get(at) {
            Some(b'\r') if self.bytes.get(at + 1) == Some(&b'\n') => {
                self.rows.line += 1;
                at + 2
            }
            Some(_) => {
                self.rows.line += 1;
                at + 1
            }
            None => at,
        }
    }

    /// Reads a row that holds a quote field by field from its start, keeping its fields.
    fn quoted_row(&mut self, start: usize) -> Result<(), IntakeError> {
        self.rows.pos = start;
        let first = self.rows.quoted.fields.len();
        let mut blank = true;
        loop {
            let span = self.field()?;
            blank &= span.start & !Span::UNESCAPED == span.end;
            self.rows.quoted.fields.push(span);
            self.check_cells(self.rows.quoted.fields.len() - first)?;
            match self.bytes.get(self.rows.pos) {
                Some(&b) if b == self.rows.separator => self.rows.pos += 1,
                Some(_) => {
                    self.rows.pos = self.line_end(self.rows.pos);
                    break;
                }
                None => break,
            }
        }
        let fields = self.rows.quoted.fields.len() - first;
        if blank {
            self.rows.quoted.fields.truncate(first);
        }
        self.add_cells(fields, blank)?;
        let row = self.rows.starts.len();
        self.rows.quoted.add_row(row, true);
        self.rows
            .quoted
            .ends
            .push(self.rows.quoted.fields.len() as u32);
        self.rows.starts.push(start as u32);
        Ok(())
    }

    /// The first line end or quote at or after `from` (or the end of the text), with the number of delimiters
    /// before it; eight bytes at a time.
    #[inline(always)]
    fn scan_row(&self, from: usize) -> (usize, usize) {
        let bytes = self.bytes;
        let separators = splat(self.rows.separator);
        let (mut pos, mut count) = (from, 0);
        while let Some(word) = bytes.get(pos..pos + 8) {
            let w = load(word);
            let stops = zero_bytes(w ^ splat(b'\n'))
                | zero_bytes(w ^ splat(b'\r'))
                | zero_bytes(w ^ splat(b'"'));
            let found = exact_zero_bytes(w ^ separators);
            if stops != 0 {
                let before = (1u64 << (stops.trailing_zeros() & !7)) - 1;
                count += (found & before).count_ones() as usize;
                return (pos + (stops.trailing_zeros() / 8) as usize, count);
            }
            count += found.count_ones() as usize;
            pos += 8;
        }
        while let Some(&b) = bytes.get(pos) {
            if b == b'\n' || b == b'\r' || b == b'"' {
                break;
            }
            count += usize::from(b == self.rows.separator);
            pos += 1;
        }
        (pos, count)
    }

    /// Reads one field, leaving `pos` on the delimiter, the line end or the end of the text.
    fn field(&mut self) -> Result<Span, IntakeError> {
        self.skip_spaces();
        if self.bytes.get(self.rows.pos) == Some(&b'"') {
            return self.quoted();
        }
        let start = self.rows.pos;
        self.rows.pos = self.scan(start);
        let end = self.trim_end(start, self.rows.pos);
        Ok(Span {
            start: start as u32,
            end: end as u32,
        })
    }

    /// Reads a quoted field from its opening quote: doubled quotes are unescaped into the side buffer, and text
    /// after the closing quote is appended to the value.
    fn quoted(&mut self) -> Result<Span, IntakeError> {
        let opened_on = self.rows.line;
        self.rows.pos += 1;
        let mut segment = self.rows.pos;
        let mut owned: Option<usize> = None;
        let close = loop {
            let Some(offset) = find_byte(&self.bytes[self.rows.pos..], b'"') else {
                return Err(IntakeError::UnclosedQuote {
                    line: opened_on,
                    row: self.rows.starts.len() as u32 + 1,
                });
            };
            let quote = self.rows.pos + offset;
            self.count_lines(self.rows.pos, quote);
            if self.bytes.get(quote + 1) == Some(&b'"') {
                owned.get_or_insert(self.rows.quoted.unescaped.len());
                self.rows
                    .quoted
                    .unescaped
                    .push_str(&self.text[segment..=quote]);
                self.rows.pos = quote + 2;
                segment = self.rows.pos;
            } else {
                self.rows.pos = quote + 1;
                break quote;
            }
        };
        self.skip_spaces();
        let tail_start = close + 1;
        let has_tail =
            self.rows.pos < self.bytes.len() && !self.rows.stop[self.bytes[self.rows.pos] as usize];
        if has_tail {
            self.rows.pos = self.scan(self.rows.pos);
        }
        if owned.is_none() && !has_tail {
            return Ok(Span {
                start: segment as u32,
                end: close as u32,
            });
        }
        let start = *owned.get_or_insert(self.rows.quoted.unescaped.len());
        self.rows
            .quoted
            .unescaped
            .push_str(&self.text[segment..close]);
        if has_tail {
            let tail_end = self.trim_end(tail_start, self.rows.pos);
            self.rows
                .quoted
                .unescaped
                .push_str(&self.text[tail_start..tail_end]);
        }
        Ok(Span {
            start: start as u32 | Span::UNESCAPED,
            end: self.rows.quoted.unescaped.len() as u32,
        })
    }

    /// The position of the first delimiter or line end at or after `from` (or the end of the text), testing
    /// eight bytes at a time.
    #[inline(always)]
    fn scan(&self, from: usize) -> usize {
        let bytes = self.bytes;
        let separators = splat(self.rows.separator);
        let mut pos = from;
        while let Some(word) = bytes.get(pos..pos + 8) {
            let w = load(word);
            let found = zero_bytes(w ^ separators)
                | zero_bytes(w ^ splat(b'\n'))
                | zero_bytes(w ^ splat(b'\r'));
            if found != 0 {
                return pos + (found.trailing_zeros() / 8) as usize;
            }
            pos += 8;
        }
        while pos < bytes.len() && !self.rows.stop[bytes[pos] as usize] {
            pos += 1;
        }
        pos
    }

    #[inline(always)]
    fn is_space(&self, b: u8) -> bool {
        is_space(b, self.rows.separator)
    }

    #[inline(always)]
    fn skip_spaces(&mut self) {
        while self.rows.pos < self.bytes.len() && self.is_space(self.bytes[self.rows.pos]) {
            self.rows.pos += 1;
        }
    }

    #[inline(always)]
    fn trim_end(&self, start: usize, mut end: usize) -> usize {
        while end > start && self.is_space(self.bytes[end - 1]) {
            end -= 1;
        }
        end
    }

    /// Advances `line` over the line ends in `from..to` (inside quotes).
    fn count_lines(&mut self, from: usize, to: usize) {
        let inside = &self.bytes[from..to];
        for (i, &b) in inside.iter().enumerate() {
            if b == b'\n' || (b == b'\r' && inside.get(i + 1) != Some(&b'\n')) {
                self.rows.line += 1;
            }
        }
    }
}

fn stop_table(separator: u8) -> [bool; 256] {
    let mut stop = [false; 256];
    stop[separator as usize] = true;
    stop[b'\r' as usize] = true;
    stop[b'\n' as usize] = true;
    stop
}

/// Rows in `text`, estimated from its first 64 KiB, so the row starts are allocated once.
fn estimate(text: &str) -> usize {
    let sample = &text.as_bytes()[..text.len().min(64 * 1024)];
    let count = |byte: u8| sample.iter().filter(|&&b| b == byte).count();
    let ends = count(b'\n').max(count(b'\r'));
    let scale = text.len() as f64 / sample.len().max(1) as f64
        * if sample.len() == text.len() {
            1.0
        } else {
            1.05
        };
    (((ends + 1) as f64 * scale) as usize).min(MAX_ROWS + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        let table = parse(text.to_string(), Encoding::Utf8).unwrap();
        (0..table.len())
            .map(|r| table.fields(r).map(str::to_string).collect())
            .collect()
    }

    fn err(text: &str) -> IntakeError {
        parse(text.to_string(), Encoding::Utf8).unwrap_err()
    }

    #[test]
    fn every_delimiter_splits_fields() {
        for d in [",", ";", "\t", "|"] {
            let text = format!("login{d}name\njdoe{d}John\n");
            assert_eq!(
                rows(&text),
                [["login", "name"], ["jdoe", "John"]],
                "delimiter {d:?}"
            );
        }
    }

    #[test]
    fn lf_crlf_and_cr_only_line_ends_give_the_same_rows() {
        let expected = [["a", "b"], ["c", "d"], ["e", "f"]];
        assert_eq!(rows("a,b\nc,d\ne,f"), expected);
        assert_eq!(rows("a,b\r\nc,d\r\ne,f\r\n"), expected);
        assert_eq!(rows("a,b\rc,d\re,f\r"), expected);
    }

    #[test]
    fn quoted_fields_keep_delimiters_doubled_quotes_and_newlines() {
        let text = "login,name\n\"jdoe\",\"Doe, \"\"JD\"\" John\"\nasmith,\"two\r\nlines\"\n";
        assert_eq!(
            rows(text),
            [
                ["login", "name"],
                ["jdoe", "Doe, \"JD\" John"],
                ["asmith", "two\r\nlines"]
            ]
        );
    }

    #[test]
    fn cr_only_file_with_a_quoted_newline() {
        assert_eq!(rows("a,\"x\ry\"\rb,c\r"), [["a", "x\ry"], ["b", "c"]]);
    }

    #[test]
    fn blank_lines_are_rows_so_numbers_match_the_file() {
        let table = parse("login\n\njdoe\n\n\nasmith\n".into(), Encoding::Utf8).unwrap();
        assert_eq!(table.len(), 6);
        let blank: Vec<bool> = (0..6).map(|r| table.is_blank(r)).collect();
        assert_eq!(blank, [false, true, false, true, true, false]);
        assert_eq!(table.field(5, 0), Some("asmith"));
    }

    #[test]
    fn trailing_blank_lines_are_blank_rows_and_the_final_line_end_adds_none() {
        let table = parse("login\r\njdoe\r\n\r\n\r\n".into(), Encoding::Utf8).unwrap();
        assert_eq!(table.len(), 4);
        assert!(table.is_blank(2) && table.is_blank(3));
        assert_eq!(
            parse("login\njdoe\n".into(), Encoding::Utf8).unwrap().len(),
            2
        );
    }

    #[test]
    fn rows_of_only_delimiters_or_spaces_are_blank() {
        let table = parse("a,b\n,,\n  \n\"\",\n".into(), Encoding::Utf8).unwrap();
        assert_eq!((1..4).filter(|&r| table.is_blank(r)).count(), 3);
    }

    #[test]
    fn surrounding_whitespace_is_trimmed_outside_quotes_only() {
        assert_eq!(
            rows("  a ,\t b\t\n c , \" q \" \n"),
            [["a", "b"], ["c", " q "]]
        );
        assert_eq!(rows(" a \t b \n c\t d \n"), [["a", "b"], ["c", "d"]]);
    }

    #[test]
    fn a_quote_inside_an_unquoted_value_is_literal_and_text_after_a_closing_quote_is_kept() {
        assert_eq!(
            rows("a,b\n5'11\",x\"y\n\"ab\"cd,e\n"),
            [["a", "b"], ["5'11\"", "x\"y"], ["abcd", "e"]]
        );
    }

    #[test]
    fn an_unclosed_quote_names_the_line_where_it_opened() {
        let error = err("login,name\njdoe,John\n\"asmith,Anna\nbob,Bob\n");
        assert_eq!(error, IntakeError::UnclosedQuote { line: 3, row: 3 });
        assert_eq!(
            error.to_string(),
            "Line 3 (row 3): the quote that opens there is never closed, so the rest of the file would be one \
             value. Close or remove that quote and try again."
        );
    }

    #[test]
    fn the_unclosed_quote_line_counts_lines_inside_earlier_quoted_values() {
        let error = err("a,b\r\n1,\"x\r\ny\ry\"\r\n2,\"open\r\n3,4\r\n");
        assert_eq!(error, IntakeError::UnclosedQuote { line: 5, row: 3 });
    }

    #[test]
    fn a_file_of_blank_lines_is_refused() {
        assert_eq!(err("\n\r\n  \n,,\n"), IntakeError::OnlyBlankLines);
    }

    #[test]
    fn more_rows_than_allowed_is_refused_with_the_limit() {
        let mut text = String::from("login\n");
        text.push_str(&"a\n".repeat(MAX_ROWS));
        assert_eq!(
            parse(text.clone(), Encoding::Utf8).unwrap().len(),
            MAX_ROWS + 1
        );
        text.push_str("b\n");
        let error = err(&text);
        assert_eq!(error, IntakeError::TooManyRows);
        assert_eq!(
            error.to_string(),
            "The file has more than 1,000,000 data rows, the most one run takes. Split it into smaller files."
        );
    }

    #[test]
    fn text_this_app_wrote_holds_the_most_rows_and_both_headers_at_any_size() {
        let row = format!("2,{},removed,200,ok,\n", "x".repeat(100));
        let mut text = String::from(
            "row,user,outcome,http_status,message,time\nheader,,skipped,,header row,\n",
        );
        text.push_str(&row.repeat(MAX_ROWS));
        assert!(text.len() > crate::csv_intake::MAX_BYTES);
        let read = |text: String| {
            let mut parsing = parse_written(text, Delimiter::Comma);
            while !parsing.step(usize::MAX)? {}
            parsing.finish()
        };
        let table = read(text.clone()).unwrap();
        assert_eq!((table.len(), table.width()), (MAX_ROWS + 2, 6));
        text.push_str(&row);
        let refused = read(text).map(|t| t.len());
        assert_eq!(refused, Err(IntakeError::TooManyRows));
    }

    #[test]
    fn excels_sep_line_names_the_delimiter_and_is_not_a_row() {
        for text in [
            "sep=,\r\nlogin,name\njdoe,x\n",
            "sep=,\nlogin,name\njdoe,x\n",
        ] {
            let table = parse(text.to_string(), Encoding::Utf8).unwrap();
            assert_eq!(table.delimiter(), Some(Delimiter::Comma));
            assert_eq!(table.len(), 2, "{text:?}");
            assert_eq!(table.field(0, 0), Some("login"));
        }
        let tab = parse("sep=\t\na\tb;c\n".to_string(), Encoding::Utf8).unwrap();
        assert_eq!(
            (tab.delimiter(), tab.field(0, 1)),
            (Some(Delimiter::Tab), Some("b;c"))
        );
        let e = parse("sep=;\nlogin;name\n\"jdoe;x\n".to_string(), Encoding::Utf8).unwrap_err();
        assert!(
            matches!(e, IntakeError::UnclosedQuote { line: 3, .. }),
            "{e:?}"
        );
        for not_one in ["sep=x\na\n", "sep=;;\na;b\n", "xsep=;\na;b\n"] {
            let table = parse(not_one.to_string(), Encoding::Utf8).unwrap();
            assert!(table.field(0, 0).unwrap().contains("sep="), "{not_one:?}");
        }
    }

    #[test]
    fn long_values_are_split_at_the_right_byte() {
        let long = "abcdefghijklmnopqrstuvwxyz0123456789";
        for cut in 0..long.len() {
            let (a, b) = long.split_at(cut);
            let text = format!("{a};{b}\r\n{b}|x;{a}\n");
            assert_eq!(rows(&text), [[a, b], [&format!("{b}|x"), a]], "{text:?}");
        }
    }

    #[test]
    fn more_cells_than_allowed_is_refused_naming_the_row() {
        let text = format!("{}\n", ["x"; 8].join(",")).repeat(4);
        assert_eq!(
            parse_with(text.clone(), Encoding::Utf8, 32).unwrap().len(),
            4
        );
        let error = parse_with(text, Encoding::Utf8, 31).unwrap_err();
        assert_eq!(error, IntakeError::TooManyCells { row: 4 });
        let error = IntakeError::TooManyCells { row: 2_000_001 };
        assert_eq!(
            error.to_string(),
            "Row 2,000,001 takes the file past 16,000,000 cells (rows × columns). Keep only the columns you \
             need (the identifier column is enough) and try again."
        );
    }

    #[test]
    fn a_wide_first_line_does_not_inflate_the_allocation() {
        let text = format!("{}\n{}", ",a".repeat(5_000), "b\n".repeat(50_000));
        let table = parse(text, Encoding::Utf8).unwrap();
        assert_eq!(table.len(), 50_001);
        assert_eq!(table.width(), 5_001);
        assert!(
            table.starts.capacity() < 100_000,
            "{}",
            table.starts.capacity()
        );
    }

    #[test]
    fn rows_without_quotes_keep_no_fields_and_rows_with_one_keep_theirs() {
        let table = parse(
            "login,name\njdoe,John\n\"a,b\",x\n,\nc\n".into(),
            Encoding::Utf8,
        )
        .unwrap();
        assert_eq!(table.quoted.fields.len(), 2);
        assert_eq!(table.field(2, 0), Some("a,b"));
        assert_eq!(table.field(1, 1), Some("John"));
        assert_eq!(table.field(1, 2), None);
        assert!(table.is_blank(3));
        assert_eq!(table.field(3, 0), None);
        assert_eq!(table.field(4, 0), Some("c"));
    }

    /// One row as the table shows it: blank or not, its fields, and `field` for every column.
    type Described = (bool, Vec<String>, Vec<Option<String>>);

    /// Everything the table says about its rows: how many, the width, and each row.
    fn described(table: &Table) -> (usize, usize, Vec<Described>) {
        let rows = (0..table.len())
            .map(|r| {
                let fields = table.fields(r).map(str::to_string).collect();
                let by_column = (0..=table.width())
                    .map(|c| table.field(r, c).map(str::to_string))
                    .collect();
                (table.is_blank(r), fields, by_column)
            })
            .collect();
        (table.len(), table.width(), rows)
    }

    /// The table (or error) with every row read field by field.
    fn field_by_field(text: &str, max_cells: usize) -> Result<Table, IntakeError> {
        let mut parsing = Parsing::with_max_cells(text.to_string(), Encoding::Utf8, max_cells);
        parsing.rows.plain_rows = false;
        while !parsing.step(usize::MAX)? {}
        parsing.finish()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

        #[test]
        fn rows_split_when_asked_match_rows_read_field_by_field(
            text in "[ab\u{e9} \t,;|:\\-\"\r\n]{0,80}",
            max_cells in 1usize..40,
            piece in 1usize..16,
        ) {
            let mut parsing = Parsing::with_max_cells(text.clone(), Encoding::Utf8, max_cells);
            let plain = loop {
                match parsing.step(piece) {
                    Ok(true) => break parsing.finish(),
                    Ok(false) => {}
                    Err(e) => break Err(e),
                }
            };
            let reference = field_by_field(&text, max_cells);
            match (plain, reference) {
                (Ok(plain), Ok(reference)) => {
                    proptest::prop_assert_eq!(described(&plain), described(&reference));
                }
                (plain, reference) => proptest::prop_assert_eq!(plain.err(), reference.err()),
            }
        }
    }

    #[test]
    fn single_column_without_delimiter_keeps_quoted_commas() {
        let table = parse("\"a,b\"\nc\n".into(), Encoding::Utf8).unwrap();
        assert_eq!(table.delimiter(), None);
        assert_eq!(table.field(0, 0), Some("a,b"));
        assert_eq!(table.width(), 1);
    }
}
