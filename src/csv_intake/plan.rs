//! The removal plan: every row of a [`Table`] in exactly one class, with counts that add up.

use std::borrow::Cow;
use std::fmt;

use super::column::{header_kind, Detection};
use super::dedupe::{fold_eq, fold_hash, fold_hash_ascii, Repeats, Search};
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
    /// The own account is the EPM Basic sign-in name (none was entered): its classic
    /// identity-domain form also keeps the login without the domain out
    /// ([`super::exclude::classic_domain_user`]).
    pub own_is_sign_in: bool,
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
            own_is_sign_in: false,
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
    /// The login the EPM sign-in name would be in a classic identity domain: perhaps the admin's own
    /// account (counted with it).
    ExcludedSelfGuess,
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
            Class::ExcludedSelfGuess => write!(
                f,
                "excluded: perhaps your own account (your sign-in name after its first dot, as a classic \
                 identity domain writes it); if it is someone else's, enter your own login on step 1"
            ),
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

    #[inline(always)]
    fn add(&mut self, class: Class) {
        let count = match class {
            Class::Target => &mut self.targets,
            Class::Duplicate { .. } => &mut self.duplicates,
            Class::Invalid { .. } => &mut self.invalid,
            Class::Blank => &mut self.blank,
            Class::Header => &mut self.header,
            Class::ExcludedSelf | Class::ExcludedSelfGuess => &mut self.excluded_self,
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
    if let Some(ready) = table.ready.take(options) {
        return Ok(ready);
    }
    let mut planner = Planner::new(table, options)?;
    while !planner.step(table, usize::MAX) {}
    Ok(planner.finish())
}

/// A plan built a piece at a time: [`Planner::step`] classifies a number of rows, then looks for repeats a few
/// thousand values at a time. The plan is the same however the work is cut.
pub(crate) struct Planner {
    plan: Plan,
    header_row: Option<usize>,
    /// The header's identifier, with its [`fold_hash`]: a later row holding it is a copy of the header.
    header_text: Option<(u64, Box<str>)>,
    exclusions: Exclusions,
    next_row: usize,
    repeats: Repeats,
    /// Once every row is classified.
    search: Option<Search>,
}

impl Planner {
    /// Checks that a plan can be made (the column exists, there are data rows, not too many).
    pub(crate) fn new(table: &Table, options: &Options) -> Result<Planner, IntakeError> {
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
            .map(|text| (fold_hash(text), text.into()));
        let exclusions = Exclusions::new(
            options.target,
            options.own_account.as_deref(),
            options.own_is_sign_in,
            &options.protected,
        );
        Ok(Planner {
            plan: Plan {
                options: options.clone(),
                classes: Vec::with_capacity(table.len()),
                notes: Vec::new(),
                cleaned: Vec::new(),
                counts: Counts::default(),
                emails: 0,
            },
            header_row,
            header_text,
            exclusions,
            next_row: 0,
            repeats: Repeats::with_capacity(table.len()),
            search: None,
        })
    }

    /// Classifies about `rows` more rows, or looks for repeats among about as many values once every row is
    /// classified; `true` when the plan is complete. `table` must be the one given to [`Planner::new`].
    pub(crate) fn step(&mut self, table: &Table, rows: usize) -> bool {
        let Planner {
            plan,
            header_row,
            header_text,
            exclusions,
            next_row,
            repeats,
            search,
        } = self;
        if let Some(search) = search {
            return search.step(|row| plan.value(table, row as usize), rows);
        }
        let end = next_row.saturating_add(rows.max(1)).min(table.len());
        let header_text = header_text.as_ref().map(|(hash, text)| (*hash, &**text));
        for row in *next_row..end {
            // A blank row has no fields: only a row without this column can be one.
            let raw = table.field_inlined(row, plan.options.column);
            let class = if raw.is_none() && table.is_blank(row) {
                Class::Blank
            } else if Some(row) == *header_row {
                Class::Header
            } else {
                classify(
                    raw.unwrap_or(""),
                    row,
                    plan,
                    exclusions,
                    header_text,
                    repeats,
                )
            };
            plan.classes.push(class);
            plan.counts.add(class);
        }
        *next_row = end;
        if end == table.len() {
            *search = Some(std::mem::take(repeats).search());
        }
        false
    }

    /// How far the plan is, from 0 to 1.
    pub(crate) fn progress(&self, table: &Table) -> f64 {
        match &self.search {
            None => 0.8 * self.next_row as f64 / table.len().max(1) as f64,
            Some(search) => 0.8 + 0.2 * search.progress(),
        }
    }

    /// The plan, once [`Planner::step`] said it is complete.
    pub(crate) fn finish(self) -> Plan {
        let mut plan = self.plan;
        let found = self.search.map(Search::found).unwrap_or_default();
        for (row, first) in found {
            plan.classes[row as usize] = Class::Duplicate {
                of_row: row_number(first as usize),
            };
            plan.counts.targets -= 1;
            plan.counts.duplicates += 1;
        }
        debug_assert_eq!(plan.counts.total(), plan.classes.len());
        plan
    }
}

/// The class of a non-blank data row whose identifier cell holds `raw`, before repeats are found; records its notes and cleaned value in `plan`,
/// and a target's value in `repeats`.
#[inline(always)]
fn classify(
    raw: &str,
    row: usize,
    plan: &mut Plan,
    exclusions: &Exclusions,
    header_text: Option<(u64, &str)>,
    repeats: &mut Repeats,
) -> Class {
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
    let hash = if checked.ascii {
        fold_hash_ascii(value)
    } else {
        fold_hash(value)
    };
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
        (Some(Exclusion::OwnAccountGuess), _) => Class::ExcludedSelfGuess,
        (Some(Exclusion::Protected(pattern)), _) => Class::Protected { pattern },
        (None, Err(reason)) => Class::Invalid { reason },
        (None, Ok(())) => {
            repeats.push(index, hash);
            Class::Target
        }
    }
}
