//! Why a file or pasted text could not be taken in at all.

use std::fmt;

use super::{MAX_BYTES, MAX_CELLS, MAX_ROWS};

/// A reason the whole input is refused. Each message says what is wrong, where, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntakeError {
    /// Zero bytes, or an empty paste.
    Empty { pasted: bool },
    /// Nothing but blank lines.
    OnlyBlankLines,
    /// Larger than [`MAX_BYTES`].
    TooLarge { bytes: usize },
    /// A known binary format, named by what it looks like (`"a ZIP archive …"`).
    NotText { looks_like: &'static str },
    /// A NUL byte (or U+0000) in what should be text.
    NulByte { line: u32 },
    /// UTF-16 (by its BOM or byte pattern) with an odd number of bytes.
    TruncatedUtf16 { bytes: usize },
    /// UTF-16 holding a broken surrogate pair.
    InvalidUtf16 { line: u32 },
    /// Starts with a UTF-8 BOM but is not valid UTF-8 after it.
    InvalidUtf8 { line: u32 },
    /// A quote opened on `line` (in spreadsheet row `row`) is never closed.
    UnclosedQuote { line: u32, row: u32 },
    /// More than [`MAX_ROWS`] data rows.
    TooManyRows,
    /// More than [`MAX_CELLS`] fields in all, reached at spreadsheet row `row`.
    TooManyCells { row: u32 },
    /// A header (at spreadsheet row `header_row`) and no data row below it.
    HeaderOnly { header_row: u32 },
    /// The chosen identifier column does not exist.
    NoSuchColumn { column: usize, width: usize },
}

impl fmt::Display for IntakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntakeError::Empty { pasted: true } => write!(f, "Nothing was pasted."),
            IntakeError::Empty { pasted: false } => write!(f, "The file is empty (0 bytes)."),
            IntakeError::OnlyBlankLines => write!(f, "There are no rows: every line is blank."),
            IntakeError::TooLarge { bytes } => write!(
                f,
                "The file is {} MB; the limit is {} MB. Split it into smaller files.",
                megabytes(*bytes),
                MAX_BYTES / 1_000_000
            ),
            IntakeError::NotText { looks_like } => write!(
                f,
                "This is not a text file: it looks like {looks_like}. Save the list as CSV and use that file."
            ),
            IntakeError::NulByte { line } => write!(
                f,
                "This is not a text file: line {} contains a NUL byte. Save the list as CSV and use that file.",
                thousands(*line as usize)
            ),
            IntakeError::TruncatedUtf16 { bytes } => write!(
                f,
                "The file is UTF-16 but has an odd number of bytes ({}): it is cut short. Export it again.",
                thousands(*bytes)
            ),
            IntakeError::InvalidUtf16 { line } => write!(
                f,
                "The file is UTF-16 but line {} holds a broken character (an unpaired surrogate). Export it again.",
                thousands(*line as usize)
            ),
            IntakeError::InvalidUtf8 { line } => write!(
                f,
                "The file is marked as UTF-8 but line {} is not valid UTF-8. Export it again as UTF-8.",
                thousands(*line as usize)
            ),
            IntakeError::UnclosedQuote { line, row } => write!(
                f,
                "Line {} (row {}): the quote that opens there is never closed, so the rest of the file would be \
                 one value. Close or remove that quote and try again.",
                thousands(*line as usize),
                thousands(*row as usize)
            ),
            IntakeError::TooManyRows => write!(
                f,
                "The file has more than {} data rows, the most one run takes. Split it into smaller files.",
                thousands(MAX_ROWS)
            ),
            IntakeError::TooManyCells { row } => write!(
                f,
                "Row {} takes the file past {} cells (rows × columns). Keep only the columns you need (the \
                 identifier column is enough) and try again.",
                thousands(*row as usize),
                thousands(MAX_CELLS)
            ),
            IntakeError::HeaderOnly { header_row } => write!(
                f,
                "Row {header_row} is a header and there are no data rows below it."
            ),
            IntakeError::NoSuchColumn { column, width } => write!(
                f,
                "There is no column {} (the widest row has {width}).",
                column + 1
            ),
        }
    }
}

impl std::error::Error for IntakeError {}

/// `1234567` → `"1,234,567"`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes as megabytes with one decimal, rounded up so a file just over the limit never reads as equal to it.
fn megabytes(bytes: usize) -> String {
    let tenths = bytes.div_ceil(100_000);
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_messages_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_000_001), "1,000,001");
    }

    #[test]
    fn a_file_just_over_the_limit_does_not_read_as_the_limit() {
        let message = IntakeError::TooLarge {
            bytes: MAX_BYTES + 1,
        }
        .to_string();
        assert_eq!(
            message,
            "The file is 100.1 MB; the limit is 100 MB. Split it into smaller files."
        );
    }
}
