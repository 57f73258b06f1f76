//! One line of the results table for every input row: a run result, or why it was skipped.

use crate::run::UserResult;

/// Why a row is not in the plan: intake's reasons, and what a lookup (RSA User Details, EPM List
/// Users) found out before the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The same identifier (ignoring case) as this earlier row, which was kept.
    Duplicate {
        of_row: usize,
    },
    /// Not an identifier of the right shape; why.
    Invalid(String),
    Blank,
    Header,
    /// The signed-in admin's own account.
    ExcludedSelf,
    /// The login the admin's EPM sign-in name would be in a classic identity domain: perhaps the
    /// admin's own account.
    ExcludedSelfGuess,
    /// A protected account; the pattern it matched.
    Protected(String),
    /// The tenant has no such user (an e-mail address no user has, a login List Users lacks); how
    /// that was found out.
    NotInTenant(String),
    /// Its e-mail address got no answer from the lookup (refused, failed, cancelled); why.
    NotLookedUp(String),
    /// The admin left the row out on the Preview.
    LeftOut,
}

/// The kinds of reason ([`SkipReason::kind`]), as summaries name them (the Preview's count labels).
pub const SKIP_KINDS: [&str; 9] = [
    "duplicates",
    "invalid",
    "blank",
    "header",
    "your own account",
    "protected",
    "not in the tenant",
    "not looked up",
    "left out by you",
];

/// [`SkipReason::ExcludedSelfGuess`] in the admin's words.
const OWN_GUESS: &str = "perhaps your own account: never removed (your EPM sign-in name after its first dot, \
    as a classic identity domain writes it; if it is someone else's, enter your own login on step 1)";

/// [`SkipReason::LeftOut`] in the admin's words.
const LEFT_OUT: &str = "left out by you on the Preview";

impl SkipReason {
    /// The reason's kind: its position in [`SKIP_KINDS`].
    pub fn kind(&self) -> usize {
        match self {
            SkipReason::Duplicate { .. } => 0,
            SkipReason::Invalid(_) => 1,
            SkipReason::Blank => 2,
            SkipReason::Header => 3,
            SkipReason::ExcludedSelf | SkipReason::ExcludedSelfGuess => 4,
            SkipReason::Protected(_) => 5,
            SkipReason::NotInTenant(_) => 6,
            SkipReason::NotLookedUp(_) => 7,
            SkipReason::LeftOut => 8,
        }
    }

    /// The reason in the admin's words.
    pub fn message(&self) -> String {
        match self {
            SkipReason::Duplicate { of_row } => format!("duplicate of row {of_row}"),
            SkipReason::Invalid(why) if why.trim().is_empty() => "invalid".to_string(),
            SkipReason::Invalid(why) => format!("invalid: {why}"),
            SkipReason::Blank => "blank row".to_string(),
            SkipReason::Header => "header row".to_string(),
            SkipReason::ExcludedSelf => "your own account: never removed".to_string(),
            SkipReason::ExcludedSelfGuess => OWN_GUESS.to_string(),
            SkipReason::Protected(pattern) if pattern.trim().is_empty() => {
                "protected account: never removed".to_string()
            }
            SkipReason::Protected(pattern) => {
                format!("protected account (matches {pattern}): never removed")
            }
            SkipReason::NotInTenant(how) if how.trim().is_empty() => {
                "not in the tenant".to_string()
            }
            SkipReason::NotInTenant(how) => format!("not in the tenant: {how}"),
            SkipReason::NotLookedUp(why) if why.trim().is_empty() => "not looked up".to_string(),
            SkipReason::NotLookedUp(why) => format!("not looked up: {why}"),
            SkipReason::LeftOut => LEFT_OUT.to_string(),
        }
    }
}

impl SkipReason {
    /// The reason a [`SkipReason::message`] words, if it is one.
    pub fn from_message(message: &str) -> Option<SkipReason> {
        let m = message.trim();
        let reason = match m {
            "invalid" => SkipReason::Invalid(String::new()),
            "blank row" => SkipReason::Blank,
            "header row" => SkipReason::Header,
            "your own account: never removed" => SkipReason::ExcludedSelf,
            OWN_GUESS => SkipReason::ExcludedSelfGuess,
            "protected account: never removed" => SkipReason::Protected(String::new()),
            "not in the tenant" => SkipReason::NotInTenant(String::new()),
            "not looked up" => SkipReason::NotLookedUp(String::new()),
            LEFT_OUT => SkipReason::LeftOut,
            _ => {
                if let Some(row) = m.strip_prefix("duplicate of row ") {
                    SkipReason::Duplicate {
                        of_row: row.parse().ok()?,
                    }
                } else if let Some(why) = m.strip_prefix("invalid: ") {
                    SkipReason::Invalid(why.to_string())
                } else if let Some(how) = m.strip_prefix("not in the tenant: ") {
                    SkipReason::NotInTenant(how.to_string())
                } else if let Some(why) = m.strip_prefix("not looked up: ") {
                    SkipReason::NotLookedUp(why.to_string())
                } else {
                    let pattern = m
                        .strip_prefix("protected account (matches ")?
                        .strip_suffix("): never removed")?;
                    SkipReason::Protected(pattern.to_string())
                }
            }
        };
        Some(reason)
    }
}

/// A row intake set aside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The row of the input file (as a spreadsheet numbers it).
    pub row: usize,
    /// The value of the identifier column, as read.
    pub value: String,
    pub reason: SkipReason,
}

/// What became of one input row.
#[derive(Clone, Debug, PartialEq)]
pub enum RowOutcome {
    /// The row was in the plan; the run's result for it.
    Processed(UserResult),
    /// The row was never in the plan.
    Skipped(Skipped),
}

impl RowOutcome {
    pub fn row(&self) -> usize {
        match self {
            RowOutcome::Processed(r) => r.row,
            RowOutcome::Skipped(s) => s.row,
        }
    }

    /// The identifier (or the skipped row's value).
    pub fn user(&self) -> &str {
        match self {
            RowOutcome::Processed(r) => &r.user,
            RowOutcome::Skipped(s) => &s.value,
        }
    }

    /// The outcome's short label (`removed`, `not found`, … or `skipped`).
    pub fn label(&self) -> &'static str {
        match self {
            RowOutcome::Processed(r) => r.outcome.label(),
            RowOutcome::Skipped(_) => "skipped",
        }
    }

    /// What the service said, or why the row was skipped.
    pub fn message(&self) -> String {
        match self {
            RowOutcome::Processed(r) => r.message.clone(),
            RowOutcome::Skipped(s) => s.reason.message(),
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self {
            RowOutcome::Processed(r) => r.http_status,
            RowOutcome::Skipped(_) => None,
        }
    }

    /// When the outcome became known (ms since the Unix epoch); none for skipped rows.
    pub fn at_ms(&self) -> Option<f64> {
        match self {
            RowOutcome::Processed(r) => Some(r.at_ms),
            RowOutcome::Skipped(_) => None,
        }
    }
}

/// Every row, in input order: the run's results and intake's skipped rows together.
pub fn rows(
    results: impl IntoIterator<Item = UserResult>,
    skipped: impl IntoIterator<Item = Skipped>,
) -> Vec<RowOutcome> {
    let mut all: Vec<RowOutcome> = results
        .into_iter()
        .map(RowOutcome::Processed)
        .chain(skipped.into_iter().map(RowOutcome::Skipped))
        .collect();
    crate::sort::sort_by_key(&mut all, |r| r.row() as u64);
    all
}
