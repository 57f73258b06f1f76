//! The parsed rows, stored compactly: one text buffer and the start and end of each field in it.

use std::sync::Mutex;

use super::{Delimiter, Encoding, Options, Plan};

/// Where a field's text is: `start..end` in the decoded text, or in the side buffer of unescaped values when
/// the top bit of `start` is set (a quoted field with doubled quotes). Eight bytes per field, no allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    pub(crate) const UNESCAPED: u32 = 1 << 31;
}

/// Every row of the input, in order, as text. Row `i` (from 0) is spreadsheet row `i + 1`: blank lines are rows
/// too, and a quoted value spanning several lines is one row. Values are never interpreted.
#[derive(Clone, Debug)]
pub struct Table {
    pub(crate) text: String,
    pub(crate) unescaped: String,
    pub(crate) fields: Vec<Span>,
    /// `row_ends[i]` is one past the index in `fields` of row `i`'s last field.
    pub(crate) row_ends: Vec<u32>,
    pub(crate) encoding: Encoding,
    pub(crate) delimiter: Option<Delimiter>,
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

    /// Rows read, blank ones included.
    pub fn len(&self) -> usize {
        self.row_ends.len()
    }

    /// Whether there are no rows (never true for a table returned by the `read_*` functions).
    pub fn is_empty(&self) -> bool {
        self.row_ends.is_empty()
    }

    /// The number of fields in the widest row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether row `row` holds nothing but empty fields.
    #[inline(always)]
    pub fn is_blank(&self, row: usize) -> bool {
        self.spans(row).is_empty()
    }

    /// The value of column `column` (from 0) in row `row` (from 0), with surrounding spaces outside quotes removed;
    /// `None` when the row is shorter.
    #[inline(always)]
    pub fn field(&self, row: usize, column: usize) -> Option<&str> {
        let spans = self.spans(row);
        if column < spans.len() {
            Some(self.resolve(spans[column]))
        } else {
            None
        }
    }

    /// All fields of row `row` (none for a blank row).
    pub fn fields(&self, row: usize) -> impl Iterator<Item = &str> + '_ {
        self.spans(row).iter().map(|span| self.resolve(*span))
    }

    #[inline(always)]
    fn spans(&self, row: usize) -> &[Span] {
        let ends = self.row_ends.as_slice();
        let start = if row == 0 { 0 } else { ends[row - 1] as usize };
        &self.fields.as_slice()[start..ends[row] as usize]
    }

    #[inline(always)]
    fn resolve(&self, span: Span) -> &str {
        if span.start & Span::UNESCAPED != 0 {
            &self.unescaped[(span.start & !Span::UNESCAPED) as usize..span.end as usize]
        } else {
            &self.text[span.start as usize..span.end as usize]
        }
    }
}

/// The spreadsheet row number of row index `row` (from 0): the first row is row 1.
pub fn row_number(row: usize) -> u32 {
    row as u32 + 1
}
