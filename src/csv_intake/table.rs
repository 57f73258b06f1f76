//! The parsed rows, stored compactly: the decoded text and where each row starts in it. A row without a quote is
//! split into fields when asked for (most rows: four bytes each, whatever their width); a row with a quote was
//! read field by field when parsed, and its fields are kept.

use std::sync::Mutex;

use super::words::find_byte;
use super::{Delimiter, Encoding, Options, Plan};

/// Where a quoted row's field's text is: `start..end` in the decoded text, or in the side buffer of unescaped
/// values when the top bit of `start` is set (a quoted field with doubled quotes). Eight bytes per field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    pub(crate) const UNESCAPED: u32 = 1 << 31;
}

/// The rows holding a quote (a quoted value can hold delimiters, doubled quotes and line ends), with their
/// fields as read. Which rows they are is a bit per row, with a count per 64 rows to find a row's fields at once.
#[derive(Clone, Debug, Default)]
pub(crate) struct Quoted {
    /// Bit `r % 64` of word `r / 64` is set when row `r` holds a quote.
    pub(crate) bits: Vec<u64>,
    /// `before[w]`: how many rows before row `64 * w` hold a quote.
    pub(crate) before: Vec<u32>,
    pub(crate) unescaped: String,
    pub(crate) fields: Vec<Span>,
    /// `ends[i]` is one past the index in `fields` of the `i`-th quoted row's last field (none for a blank row).
    pub(crate) ends: Vec<u32>,
}

impl Quoted {
    /// Records whether row index `row` holds a quote (rows are added in order, each once), before a quoted row's
    /// end is pushed to `ends`.
    #[inline(always)]
    pub(crate) fn add_row(&mut self, row: usize, quoted: bool) {
        if row.is_multiple_of(64) {
            self.bits.push(0);
            self.before.push(self.ends.len() as u32);
        }
        if quoted {
            if let Some(word) = self.bits.last_mut() {
                *word |= 1 << (row % 64);
            }
        }
    }

    /// The index among quoted rows of row index `row`, if it holds a quote.
    #[inline(always)]
    fn index(&self, row: usize) -> Option<usize> {
        let word = self.bits[row / 64];
        let bit = 1u64 << (row % 64);
        (word & bit != 0)
            .then(|| self.before[row / 64] as usize + (word & (bit - 1)).count_ones() as usize)
    }

    fn spans(&self, index: usize) -> &[Span] {
        let start = if index == 0 {
            0
        } else {
            self.ends[index - 1] as usize
        };
        &self.fields[start..self.ends[index] as usize]
    }
}

/// Every row of the input, in order, as text. Row `i` (from 0) is spreadsheet row `i + 1`: blank lines are rows
/// too, and a quoted value spanning several lines is one row. Values are never interpreted.
#[derive(Clone, Debug)]
pub struct Table {
    pub(crate) text: String,
    /// Where each row starts in `text`.
    pub(crate) starts: Vec<u32>,
    pub(crate) quoted: Quoted,
    /// The byte fields are split at (the delimiter, or a comma when there is none).
    pub(crate) separator: u8,
    pub(crate) encoding: Encoding,
    pub(crate) delimiter: Option<Delimiter>,
    pub(crate) listed: Option<Delimiter>,
    pub(crate) width: usize,
    /// A plan the intake built while reading, handed out once by [`super::plan`] for the same options.
    pub(crate) ready: Ready,
}

/// A plan built ahead of being asked for. A copy of the table starts without one.
#[derive(Debug, Default)]
pub(crate) struct Ready(Mutex<Option<Plan>>);

impl Clone for Ready {
    fn clone(&self) -> Ready {
        Ready::default()
    }
}

impl Ready {
    pub(crate) fn put(&self, plan: Plan) {
        if let Ok(mut ready) = self.0.lock() {
            *ready = Some(plan);
        }
    }

    /// The plan, if one was built for exactly these options.
    pub(crate) fn take(&self, options: &Options) -> Option<Plan> {
        let mut ready = self.0.lock().ok()?;
        if ready.as_ref()?.options() == options {
            ready.take()
        } else {
            None
        }
    }
}

impl Table {
    /// How the text was decoded (or [`Encoding::Pasted`]).
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The sniffed delimiter; `None` when no line holds one (a single column).
    pub fn delimiter(&self) -> Option<Delimiter> {
        self.delimiter
    }

    /// When the input was a list on one line, the delimiter between its values: each value is then a row, in
    /// order, after the title line if there was one (`one_line`).
    pub fn listed(&self) -> Option<Delimiter> {
        self.listed
    }

    /// Rows read, blank ones included.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether there are no rows (never true for a table returned by the `read_*` functions).
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The number of fields in the widest row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether row `row` holds nothing but empty fields.
    #[inline]
    pub fn is_blank(&self, row: usize) -> bool {
        match self.quoted.index(row) {
            Some(index) => self.quoted.spans(index).is_empty(),
            None => self.blank_line(self.line(row)),
        }
    }

    /// The value of column `column` (from 0) in row `row` (from 0), with surrounding spaces outside quotes removed;
    /// `None` when the row is shorter.
    #[inline]
    pub fn field(&self, row: usize, column: usize) -> Option<&str> {
        self.field_inlined(row, column)
    }

    /// [`Table::field`], inlined into the loops that ask for it on every row.
    #[inline(always)]
    pub(crate) fn field_inlined(&self, row: usize, column: usize) -> Option<&str> {
        match self.quoted.index(row) {
            Some(index) => {
                let span = self.quoted.spans(index).get(column)?;
                Some(self.resolve(*span))
            }
            None => self.plain_field(row, column),
        }
    }

    /// [`Table::field`] of a row without quotes: only the fields up to `column` are looked at.
    #[inline(always)]
    fn plain_field(&self, row: usize, column: usize) -> Option<&str> {
        let (line_start, line_end) = self.line_bounds(row);
        let bytes = &self.text.as_bytes()[line_start..line_end];
        let separator = self.separator;
        let mut start = 0;
        for _ in 0..column {
            start += find_byte(&bytes[start..], separator)? + 1;
        }
        let end = find_byte(&bytes[start..], separator).map_or(bytes.len(), |at| start + at);
        let (start, end) = trim_range(bytes, start, end, separator);
        // A blank row has no fields; only an empty field can be in one.
        if start == end && is_blank_line(bytes, separator) {
            return None;
        }
        // Sliced once, at ASCII bytes (a delimiter, a space or a line end) or the line's ends.
        Some(&self.text[line_start + start..line_start + end])
    }

    /// The text the rows are read from (decoded, without a byte-order mark).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where row `row` starts in the text, in bytes.
    pub fn start(&self, row: usize) -> usize {
        self.starts[row] as usize
    }

    /// All fields of row `row` (none for a blank row).
    pub fn fields(&self, row: usize) -> impl Iterator<Item = &str> + '_ {
        match self.quoted.index(row) {
            Some(index) => Fields::Quoted {
                table: self,
                spans: self.quoted.spans(index).iter(),
            },
            None => {
                let line = self.line(row);
                Fields::Plain {
                    rest: (!self.blank_line(line)).then_some(line),
                    separator: self.separator,
                }
            }
        }
    }

    /// Whether some field of row `row` holds a text `found` finds, where `found` finds nothing that
    /// holds the byte fields are split at ([`Table::separator`]) or a line end: a row without quotes is
    /// then searched as one line, at once, instead of field by field.
    #[inline]
    pub fn any_field(&self, row: usize, found: impl Fn(&str) -> bool) -> bool {
        match self.quoted.index(row) {
            Some(_) => self.fields(row).any(found),
            None => found(self.line(row)),
        }
    }

    /// The byte fields are split at: the delimiter, or a comma when there is none.
    pub fn separator(&self) -> u8 {
        self.separator
    }

    /// The text of row `row`, which holds no quote, without its line end.
    #[inline(always)]
    fn line(&self, row: usize) -> &str {
        let (start, end) = self.line_bounds(row);
        &self.text[start..end]
    }

    /// Where the text of row `row`, which holds no quote, starts and ends (before its line end).
    #[inline(always)]
    fn line_bounds(&self, row: usize) -> (usize, usize) {
        let bytes = self.text.as_bytes();
        let start = self.starts[row] as usize;
        let mut end = self
            .starts
            .get(row + 1)
            .map_or(bytes.len(), |&next| next as usize);
        while end > start && matches!(bytes[end - 1], b'\r' | b'\n') {
            end -= 1;
        }
        (start, end)
    }

    #[inline(always)]
    fn blank_line(&self, line: &str) -> bool {
        is_blank_line(line.as_bytes(), self.separator)
    }

    #[inline(always)]
    fn resolve(&self, span: Span) -> &str {
        if span.start & Span::UNESCAPED != 0 {
            &self.quoted.unescaped[(span.start & !Span::UNESCAPED) as usize..span.end as usize]
        } else {
            &self.text[span.start as usize..span.end as usize]
        }
    }
}

/// Whether a row without quotes holds only delimiters and spaces (then it has no fields).
#[inline(always)]
pub(crate) fn is_blank_line(line: &[u8], separator: u8) -> bool {
    let mut at = 0;
    while at < line.len() && (line[at] == separator || is_space(line[at], separator)) {
        at += 1;
    }
    at == line.len()
}

/// Whether `b` is dropped around a value outside quotes: a space, or a tab unless tab is the delimiter.
#[inline(always)]
pub(crate) fn is_space(b: u8, separator: u8) -> bool {
    b == b' ' || (b == b'\t' && separator != b'\t')
}

/// The fields of one row: kept spans for a row with a quote, split on the delimiter for the others.
enum Fields<'a> {
    Quoted {
        table: &'a Table,
        spans: std::slice::Iter<'a, Span>,
    },
    Plain {
        rest: Option<&'a str>,
        separator: u8,
    },
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        match self {
            Fields::Quoted { table, spans } => spans.next().map(|span| table.resolve(*span)),
            Fields::Plain { rest, separator } => {
                let line = (*rest)?;
                let separator = *separator;
                let (field, after) = match find_byte(line.as_bytes(), separator) {
                    Some(at) => (&line[..at], Some(&line[at + 1..])),
                    None => (line, None),
                };
                *rest = after;
                Some(trim(field, separator))
            }
        }
    }
}

/// `field` without the spaces around it.
#[inline(always)]
fn trim(field: &str, separator: u8) -> &str {
    let (start, end) = trim_range(field.as_bytes(), 0, field.len(), separator);
    &field[start..end]
}

/// `start..end` in `bytes` without the spaces around it.
#[inline(always)]
fn trim_range(bytes: &[u8], mut start: usize, mut end: usize, separator: u8) -> (usize, usize) {
    while start < end && is_space(bytes[start], separator) {
        start += 1;
    }
    while end > start && is_space(bytes[end - 1], separator) {
        end -= 1;
    }
    (start, end)
}

/// The spreadsheet row number of row index `row` (from 0): the first row is row 1.
pub fn row_number(row: usize) -> u32 {
    row as u32 + 1
}
