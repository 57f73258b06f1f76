//! CSV intake: from the bytes of a dropped file (or pasted text) to a removal plan, accounting for every row.
//!
//! Pure Rust: no browser APIs, so it is tested natively and runs unchanged in wasm.
//!
//! # Use
//! ```
//! use offboard::csv_intake::{self, Class, Options};
//! use offboard::target::Target;
//!
//! // 1. Read: decode, sniff the delimiter, parse. Fails only when the input cannot be read at all.
//! let table = csv_intake::read_bytes(b"User Login;Name\njdoe;John\nJDOE;John\n\nme;Me\n".to_vec()).unwrap();
//! assert_eq!(table.encoding().name(), "UTF-8");
//!
//! // 2. Detect: header or not, candidate identifier columns (the admin may pick another).
//! let detection = csv_intake::detect(&table, Target::Epm);
//! let mut options = Options::detected(Target::Epm, &detection);
//! options.own_account = Some("me".into());
//!
//! // 3. Plan: every row in exactly one class. Picking another column re-runs only this step.
//! let plan = csv_intake::plan(&table, &options).unwrap();
//! assert_eq!(plan.classes(), [Class::Header, Class::Target, Class::Duplicate { of_row: 2 }, Class::Blank,
//!                             Class::ExcludedSelf]);
//! assert_eq!(plan.counts().total(), table.len());
//! assert_eq!(plan.targets(&table).collect::<Vec<_>>(), [(2, "jdoe")]);
//! ```
//!
//! Row numbers are spreadsheet rows: the first row of the input is row 1 (the header, when there is one), blank
//! lines are rows, and a quoted value spanning lines is one row. Row indexes (from 0) are row number − 1. A list
//! on one line (`id1, id2, id3`) is read one value per row, in order ([`Table::listed`]).
//!
//! Limits, each refused with a message naming what and where: [`MAX_BYTES`], [`MAX_ROWS`], [`MAX_CELLS`], an
//! unclosed quote (its line), a header with no rows, a file that is not text. Memory: the decoded text once,
//! 8 bytes per cell, 8 bytes per row for the plan.
//!
//! A page reads large files with [`Intake`] instead: the same work cut into pieces of a few milliseconds, with the
//! plan for the detected options built along the way.
//!
//! One file per concern: `decode` (encodings), `sniff` (delimiter), `parse` (rows and fields), `one_line` (a list
//! on one line), `table` (compact storage), `column` (identifier column), `validate` (one value), `exclude` (own
//! and protected accounts), `dedupe` (repeats), `plan` (classes and counts), `intake` (all of it in pieces),
//! `error` (messages).

mod column;
mod decode;
mod dedupe;
mod error;
mod exclude;
mod intake;
mod one_line;
mod parse;
mod plan;
mod protected_list;
mod sniff;
mod table;
mod validate;
mod words;

pub use column::{detect, detect_as, header_kind, Column, Detection, HeaderKind};
pub use decode::{check_size, decode, Encoding};
pub use dedupe::{fold_eq, folded};
pub use error::IntakeError;
pub use exclude::classic_domain_user;
pub use intake::{Intake, Pieces};
pub use one_line::{identifiers_beside, side_by_side};
pub use plan::{plan, Class, Counts, Options, Plan};
pub use protected_list::{
    parse_protected, protected_match, protected_text, ProtectedList, ProtectedMatcher,
};
pub use sniff::Delimiter;
pub use table::{row_number, Table};
pub use validate::{email_address, is_user_id, looks_like_email, Invalid, Note, MAX_LOGIN_CHARS};

/// The largest file taken in: 100 MB.
pub const MAX_BYTES: usize = 100 * 1_000_000;

/// The most data rows (rows after the header) taken in.
pub const MAX_ROWS: usize = 1_000_000;

/// The most cells (fields of all rows) taken in: each takes 8 bytes of memory.
pub const MAX_CELLS: usize = 16_000_000;

/// Reads a file's bytes: decodes them (reporting the encoding), sniffs the delimiter and parses every row.
/// Takes the bytes by value so UTF-8 text is not copied.
pub fn read_bytes(bytes: Vec<u8>) -> Result<Table, IntakeError> {
    let (text, encoding) = decode::decode(bytes)?;
    parse::parse(text, encoding)
}

/// Reads text pasted into a box: no decoding ([`Encoding::Pasted`]), otherwise as [`read_bytes`].
pub fn read_pasted(text: &str) -> Result<Table, IntakeError> {
    let text = unmarked(text, true)?;
    check_size(text.len())?;
    parse::parse(text.to_string(), Encoding::Pasted)
}

/// Reads text this app wrote (a results file), split at `delimiter`: no decoding (it is UTF-8), no sniffing, and
/// no limit on size; it may hold [`MAX_ROWS`] rows and two header rows (the input's and its own).
pub fn read_written(text: &str, delimiter: Delimiter) -> Result<Table, IntakeError> {
    Written::new(text.to_string(), delimiter)?.finish()
}

/// [`read_written`] a piece at a time, so a page can read a large results file without freezing.
pub struct Written(parse::Parsing);

impl Written {
    /// Starts reading `text` (its byte-order mark dropped); refused when empty.
    pub fn new(mut text: String, delimiter: Delimiter) -> Result<Written, IntakeError> {
        let mark = text.len() - unmarked(&text, false)?.len();
        text.drain(..mark);
        Ok(Written(parse::parse_written(text, delimiter)))
    }

    /// Reads whole rows until at least `bytes` more bytes are behind; `Ok(true)` once the text is read.
    pub fn step(&mut self, bytes: usize) -> Result<bool, IntakeError> {
        self.0.step(bytes)
    }

    /// How far the reading is, from 0 to 1.
    pub fn progress(&self) -> f64 {
        self.0.position() as f64 / self.0.len().max(1) as f64
    }

    /// The table, or why the text cannot be read. Reads what [`Written::step`] has left, if anything.
    pub fn finish(mut self) -> Result<Table, IntakeError> {
        while !self.step(usize::MAX)? {}
        self.0.finish()
    }
}

/// Text already decoded, without its byte-order mark; refused when empty.
fn unmarked(text: &str, pasted: bool) -> Result<&str, IntakeError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if text.is_empty() {
        return Err(IntakeError::Empty { pasted });
    }
    Ok(text)
}

#[cfg(test)]
mod tests;
