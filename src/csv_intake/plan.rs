//! The removal plan: every row of a [`Table`] in exactly one class, with counts that add up.

use std::borrow::Cow;
use std::fmt;

use super::column::{header_kind, Detection};
use super::dedupe::{fold_eq, fold_hash, Repeats};
use super::exclude::{Exclusion, Exclusions};
use super::table::{row_number, Table};
use super::validate::{check, Invalid, Note};
use super::{IntakeError, MAX_ROWS};
use crate::target::Target;

/// What the admin chose (or detection suggested) for building a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub target: Target,
    /// The identifier column, from 0.
    pub column: usize,
    /// Whether the first non-blank row is a header.
    pub header: bool,
    /// The admin's own account, never removed.
    pub own_account: Option<String>,
    /// Protected accounts, `*` as wildcard, case-insensitive; never removed.
    pub protected: Vec<String>,
}

impl Options {
    /// The detected header and suggested column, with no own account and nothing protected.
    pub fn detected(target: Target, detection: &Detection) -> Options {
        Options {
            target,
            column: detection.suggested(),
            header: detection.header,
            own_account: None,
            protected: Vec::new(),
        }
    }
}

/// What happens to one row. Every row has exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// Will be removed.
    Target,
    /// Same identifier (ignoring case) as an earlier row, which is the one kept.
    Duplicate { of_row: u32 },
    /// Not an identifier of the target's shape.
    Invalid { reason: Invalid },
    /// Nothing in it.
    Blank,
    /// The header row, or a later copy of it.
    Header,
    /// The admin's own account.
    ExcludedSelf,
    /// Matches the protected pattern with this index in [`Options::protected`].
    Protected { pattern: u32 },
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Class::Target => write!(f, "will be removed"),
            Class::Duplicate { of_row } => write!(f, "duplicate of row {of_row}"),
            Class::Invalid { reason } => write!(f, "invalid: {reason}"),
            Class::Blank => write!(f, "blank row"),
            Class::Header => write!(f, "header row"),
            Class::ExcludedSelf => write!(f, "excluded: your own account"),
            Class::Protected { .. } => write!(f, "excluded: protected account"),
        }
    }
}

/// How many rows are in each class. Only a plan builds it, counting its classes (one per row read), so
/// [`Counts::total`] is the rows read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub targets: usize,
    pub duplicates: usize,
    pub invalid: usize,
    pub blank: usize,
    pub header: usize,
    pub excluded_self: usize,
    pub protected: usize,
}

impl Counts {
    /// The sum over all classes.
    pub fn total(&self) -> usize {
        self.targets
            + self.duplicates
            + self.invalid
            + self.blank
            + self.header
            + self.excluded_self
            + self.protected
    }

    fn add(&mut self, class: Class) {
        let count = match class {
            Class::Target => &mut self.targets,
            Class::Duplicate { .. } => &mut self.duplicates,
            Class::Invalid { .. } => &mut self.invalid,
            Class::Blank => &mut self.blank,
            Class::Header => &mut self.header,
            Class::ExcludedSelf => &mut self.excluded_self,
            Class::Protected { .. } => &mut self.protected,
        };
        *count += 1;
    }
}

/// Every row of a table classified for one target and column. Values stay in the [`Table`]; the plan keeps a
/// class per row and, for the few rows that had invisible characters, the cleaned value.
#[derive(Clone, Debug)]
pub struct Plan {
    options: Options,
    classes: Vec<Class>,
    notes: Vec<(u32, Note)>,
    cleaned: Vec<(u32, Box<str>)>,
    counts: Counts,
    emails: usize,
}

impl Plan {
    /// The options it was built with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Rows per class; `counts().total() == table.len()`.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// The class of every row, by row index (row number − 1).
    pub fn classes(&self) -> &[Class] {
        &self.classes
    }

    /// The class of row index `row`.
    pub fn class(&self, row: usize) -> Class {
        self.classes[row]
    }

    /// The identifier of row index `row` as it will be used: trimmed, invisible characters removed
    /// (empty for blank rows). `table` must be the one the plan was built from.
    pub fn value<'a>(&'a self, table: &'a Table, row: usize) -> &'a str {
        match self
            .cleaned
            .binary_search_by_key(&(row as u32), |(r, _)| *r)
        {
            Ok(i) => &self.cleaned[i].1,
            Err(_) => table.field(row, self.options.column).unwrap_or("").trim(),
        }
    }

    /// Notes on row index `row` (invisible characters removed, possible look-alike letters).
    pub fn notes(&self, row: usize) -> impl Iterator<Item = Note> + '_ {
        let row = row as u32;
        let start = self.notes.partition_point(|(r, _)| *r < row);
        self.notes[start..]
            .iter()
            .take_while(move |(r, _)| *r == row)
            .map(|(_, note)| *note)
    }

    /// Every row that has notes, with them, in row order.
    pub fn noted(&self) -> &[(u32, Note)] {
        &self.notes
    }

    /// The identifiers to remove, in file order, each with its row number.
    pub fn targets<'a>(&'a self, table: &'a Table) -> impl Iterator<Item = (u32, &'a str)> + 'a {
        self.classes
            .iter()
            .enumerate()
            .filter(|(_, class)| **class == Class::Target)
            .map(move |(row, _)| (row_number(row), self.value(table, row)))
    }

    /// How many values in the identifier column are e-mail addresses (for RSA: rows to look up as user IDs).
    pub fn emails(&self) -> usize {
        self.emails
    }

    /// The protected pattern a [`Class::Protected`] row matched.
    pub fn protected_pattern(&self, pattern: u32) -> &str {
        &self.options.protected[pattern as usize]
    }
}

/// Classifies every row of `table` under `options`, without decoding or parsing again.
pub fn plan(table: &Table, options: &Options) -> Result<Plan, IntakeError> {
    let column = options.column;
    if column >= table.width() {
        return Err(IntakeError::NoSuchColumn {
            column,
            width: table.width(),
        });
    }
    let header_row = if options.header {
        (0..table.len()).find(|&r| !table.is_blank(r))
    } else {
        None
    };
    if let Some(h) = header_row {
        if (h + 1..table.len()).all(|r| table.is_blank(r)) {
            return Err(IntakeError::HeaderOnly {
                header_row: row_number(h),
            });
        }
    }
    if table.len() - usize::from(header_row.is_some()) > MAX_ROWS {
        return Err(IntakeError::TooManyRows);
    }
    let header_text = header_row
        .and_then(|h| table.field(h, column))
        .map(str::trim)
        .filter(|text| header_kind(text).is_some())
        .map(|text| (fold_hash(text), text));
    let exclusions = Exclusions::new(
        options.target,
        options.own_account.as_deref(),
        &options.protected,
    );
    let mut repeats = Repeats::with_capacity(table.len());
    let mut plan = Plan {
        options: options.clone(),
        classes: Vec::with_capacity(table.len()),
        notes: Vec::new(),
        cleaned: Vec::new(),
        counts: Counts::default(),
        emails: 0,
    };
    for row in 0..table.len() {
        let class = if table.is_blank(row) {
            Class::Blank
        } else if Some(row) == header_row {
            Class::Header
        } else {
            classify(
                table,
                row,
                &mut plan,
                &exclusions,
                header_text,
                &mut repeats,
            )
        };
        plan.classes.push(class);
    }
    for (row, first) in repeats.find(|row| plan.value(table, row as usize)) {
        plan.classes[row as usize] = Class::Duplicate {
            of_row: row_number(first as usize),
        };
    }
    for class in &plan.classes {
        plan.counts.add(*class);
    }
    debug_assert_eq!(plan.counts.total(), table.len());
    Ok(plan)
}

/// The class of a non-blank data row, before repeats are found; records its notes and cleaned value in `plan`,
/// and a target's value in `repeats`.
fn classify(
    table: &Table,
    row: usize,
    plan: &mut Plan,
    exclusions: &Exclusions,
    header_text: Option<(u64, &str)>,
    repeats: &mut Repeats,
) -> Class {
    let raw = table.field(row, plan.options.column).unwrap_or("");
    let checked = check(raw, plan.options.target);
    let index = row as u32;
    if let Some(note) = checked.invisible {
        plan.notes.push((index, note));
    }
    if let Some(note) = checked.look_alike {
        plan.notes.push((index, note));
    }
    if let Cow::Owned(cleaned) = &checked.value {
        plan.cleaned.push((index, cleaned.as_str().into()));
    }
    plan.emails += usize::from(checked.email);
    let value = checked.value.as_ref();
    let hash = fold_hash(value);
    if header_text
        .is_some_and(|(header_hash, header)| header_hash == hash && fold_eq(header, value))
    {
        return Class::Header;
    }
    let excluded = match checked.shape {
        Ok(()) | Err(Invalid::RsaEmail) => exclusions.check(value, hash),
        Err(_) => None,
    };
    match (excluded, checked.shape) {
        (Some(Exclusion::OwnAccount), _) => Class::ExcludedSelf,
        (Some(Exclusion::Protected(pattern)), _) => Class::Protected { pattern },
        (None, Err(reason)) => Class::Invalid { reason },
        (None, Ok(())) => {
            repeats.push(index, hash);
            Class::Target
        }
    }
}
