//! Narrowing the results table, and counts per outcome that add up to the rows read.

use crate::run::Outcome;
use crate::search::Needle;

use super::row::{RowOutcome, SKIP_KINDS};

/// The classes the table filters by and counts: one per [`Outcome`], failed results whose
/// outcome is unknown (a request may have acted, [`crate::run::UserResult::outcome_unknown`]), and
/// skipped rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutcomeClass {
    Removed,
    Marked,
    Restored,
    DisabledOnly,
    Unchanged,
    NotFound,
    NotAllowed,
    Conflict,
    Failed,
    Unknown,
    NotStarted,
    Skipped,
}

impl OutcomeClass {
    /// Every class, in the order the table shows them.
    pub const ALL: [OutcomeClass; 12] = [
        OutcomeClass::Removed,
        OutcomeClass::Marked,
        OutcomeClass::Restored,
        OutcomeClass::DisabledOnly,
        OutcomeClass::Unchanged,
        OutcomeClass::NotFound,
        OutcomeClass::NotAllowed,
        OutcomeClass::Conflict,
        OutcomeClass::Failed,
        OutcomeClass::Unknown,
        OutcomeClass::NotStarted,
        OutcomeClass::Skipped,
    ];

    /// The class of a row.
    pub fn of(row: &RowOutcome) -> OutcomeClass {
        match row {
            RowOutcome::Skipped(_) => OutcomeClass::Skipped,
            RowOutcome::Processed(r) if r.outcome_unknown() => OutcomeClass::Unknown,
            RowOutcome::Processed(r) => OutcomeClass::of_outcome(&r.outcome),
        }
    }

    /// The class of an outcome.
    pub fn of_outcome(outcome: &Outcome) -> OutcomeClass {
        match outcome {
            Outcome::Removed => OutcomeClass::Removed,
            Outcome::Marked => OutcomeClass::Marked,
            Outcome::Restored => OutcomeClass::Restored,
            Outcome::DisabledOnly => OutcomeClass::DisabledOnly,
            Outcome::Unchanged => OutcomeClass::Unchanged,
            Outcome::NotFound => OutcomeClass::NotFound,
            Outcome::NotAllowed => OutcomeClass::NotAllowed,
            Outcome::Conflict => OutcomeClass::Conflict,
            Outcome::Failed => OutcomeClass::Failed,
            Outcome::NotStarted => OutcomeClass::NotStarted,
        }
    }

    /// The outcome of the class (failed for an unknown one); `None` for skipped rows.
    pub fn outcome(self) -> Option<Outcome> {
        if self == OutcomeClass::Unknown {
            return Some(Outcome::Failed);
        }
        Outcome::ALL
            .into_iter()
            .find(|o| OutcomeClass::of_outcome(o) == self)
    }

    /// The label shown for the class, also the export's `outcome` column: the outcome's words,
    /// and "outcome unknown" for failed rows whose outcome is unknown.
    pub fn label(self) -> &'static str {
        match self {
            OutcomeClass::Unknown => "outcome unknown",
            _ => self.outcome().map_or("skipped", |o| o.label()),
        }
    }

    /// The class a [`OutcomeClass::label`] names, as the export writes it (ignoring case and
    /// surrounding spaces).
    pub fn from_label(label: &str) -> Option<OutcomeClass> {
        let label = label.trim();
        OutcomeClass::ALL
            .into_iter()
            .find(|c| c.label().eq_ignore_ascii_case(label))
    }

    fn index(self) -> usize {
        OutcomeClass::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or(0)
    }
}

/// What the table shows: one class (or all) and rows containing a text (or all).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub class: Option<OutcomeClass>,
    /// Matched case-insensitively against the user, outcome and message, or equal to the row number.
    pub text: String,
}

impl Filter {
    /// Whether a row passes.
    pub fn matches(&self, row: &RowOutcome) -> bool {
        self.passes(row, &Needle::new(&self.text))
    }

    fn passes(&self, row: &RowOutcome, needle: &Needle) -> bool {
        if self.class.is_some_and(|c| c != OutcomeClass::of(row)) {
            return false;
        }
        needle.is_empty()
            || needle.is_row(row.row() as u64)
            || needle.found_in(row.user())
            || needle.found_in(row.label())
            || match row {
                RowOutcome::Processed(r) => needle.found_in(&r.message),
                RowOutcome::Skipped(s) => needle.found_in(&s.reason.message()),
            }
    }

    /// Positions in `rows` of the rows that pass, in order.
    pub fn apply(&self, rows: &[RowOutcome]) -> Vec<usize> {
        let needle = Needle::new(&self.text);
        rows.iter()
            .enumerate()
            .filter(|(_, r)| self.passes(r, &needle))
            .map(|(i, _)| i)
            .collect()
    }
}

/// Rows per class. The classes add up to [`Tally::total`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    counts: [usize; OutcomeClass::ALL.len()],
    /// Rows "retry failed" sends again ([`super::retry::is_retryable`]).
    retryable: usize,
    /// Skipped rows per kind of reason ([`SKIP_KINDS`]).
    skipped: [usize; SKIP_KINDS.len()],
}

impl Tally {
    /// Counts the rows.
    pub fn of(rows: &[RowOutcome]) -> Tally {
        let mut counts = [0; OutcomeClass::ALL.len()];
        let mut retryable = 0;
        let mut skipped = [0; SKIP_KINDS.len()];
        for r in rows {
            counts[OutcomeClass::of(r).index()] += 1;
            match r {
                RowOutcome::Processed(result) => {
                    retryable += usize::from(super::retry::is_retryable(result));
                }
                RowOutcome::Skipped(s) => skipped[s.reason.kind()] += 1,
            }
        }
        Tally {
            counts,
            retryable,
            skipped,
        }
    }

    /// The skipped rows by kind of reason, in the order of [`SKIP_KINDS`]: the kinds with rows.
    pub fn skipped_by_kind(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        SKIP_KINDS
            .iter()
            .zip(self.skipped)
            .filter(|(_, n)| *n > 0)
            .map(|(kind, n)| (*kind, n))
    }

    /// Rows of one class.
    pub fn get(&self, class: OutcomeClass) -> usize {
        self.counts[class.index()]
    }

    /// Every row counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Rows that "retry failed" would send again (failed, not started, disabled only; not the
    /// service refusing the caller's own account): as many as [`super::retry_plan`] holds.
    pub fn retryable(&self) -> usize {
        self.retryable
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::row::{rows, SkipReason, Skipped};
    use crate::run::UserResult;

    fn sample() -> Vec<RowOutcome> {
        let r = |row, user: &str, outcome, message: &str| UserResult {
            row,
            user: user.into(),
            outcome,
            http_status: None,
            message: message.into(),
            attempts: 1,
            at_ms: 0.0,
        };
        rows(
            [
                r(2, "Jane.Doe@example.com", Outcome::Removed, "removed"),
                r(
                    3,
                    "ghost@example.com",
                    Outcome::NotFound,
                    "User ghost is not found",
                ),
                r(4, "chris@example.com", Outcome::Failed, "timeout"),
                r(5, "pat@example.com", Outcome::NotStarted, "not started"),
                r(6, "sam@example.com", Outcome::Removed, "removed"),
                r(
                    8,
                    "kim@example.com",
                    Outcome::DisabledOnly,
                    "Disabled, not deleted: timeout",
                ),
                r(9, "lee@example.com", Outcome::Marked, "Marked for deletion"),
                r(
                    10,
                    "max@example.com",
                    Outcome::Failed,
                    "Outcome unknown after 7 attempts: at least one request got no clear answer",
                ),
            ],
            [
                Skipped {
                    row: 1,
                    value: "User Login".into(),
                    reason: SkipReason::Header,
                },
                Skipped {
                    row: 7,
                    value: "jane.doe@example.com".into(),
                    reason: SkipReason::Duplicate { of_row: 2 },
                },
            ],
        )
    }

    #[test]
    fn counts_per_class_add_up_to_the_rows_read() {
        let all = sample();
        let t = Tally::of(&all);
        assert_eq!(t.total(), all.len());
        assert_eq!(t.get(OutcomeClass::Removed), 2);
        assert_eq!(t.get(OutcomeClass::Skipped), 2);
        assert_eq!(t.get(OutcomeClass::Conflict), 0);
        assert_eq!(t.get(OutcomeClass::Marked), 1);
        assert_eq!(
            (t.get(OutcomeClass::Failed), t.get(OutcomeClass::Unknown)),
            (1, 1),
            "a failure whose outcome is unknown is counted apart"
        );
        assert_eq!(OutcomeClass::Unknown.label(), "outcome unknown");
        assert_eq!(
            t.retryable(),
            4,
            "failed, unknown, not started and disabled only"
        );
        assert_eq!(
            OutcomeClass::ALL.iter().map(|c| t.get(*c)).sum::<usize>(),
            t.total()
        );
    }

    #[test]
    fn skipped_rows_are_counted_by_kind_of_reason() {
        let skipped = |row, reason| Skipped {
            row,
            value: format!("v{row}"),
            reason,
        };
        let all = rows(
            [],
            [
                skipped(1, SkipReason::Header),
                skipped(2, SkipReason::NotInTenant("no user".into())),
                skipped(3, SkipReason::LeftOut),
                skipped(4, SkipReason::NotInTenant("List Users".into())),
                skipped(5, SkipReason::Duplicate { of_row: 4 }),
            ],
        );
        let t = Tally::of(&all);
        assert_eq!(
            t.skipped_by_kind().collect::<Vec<_>>(),
            [
                ("duplicates", 1),
                ("header", 1),
                ("not in the tenant", 2),
                ("left out by you", 1)
            ]
        );
        assert_eq!(
            t.skipped_by_kind().map(|(_, n)| n).sum::<usize>(),
            t.get(OutcomeClass::Skipped)
        );
        assert_eq!(Tally::of(&sample()).skipped_by_kind().count(), 2);
    }

    #[test]
    fn the_table_filters_by_class_and_by_text() {
        let all = sample();
        let rows_of = |f: Filter| {
            f.apply(&all)
                .into_iter()
                .map(|i| all[i].row())
                .collect::<Vec<_>>()
        };
        assert_eq!(rows_of(Filter::default()).len(), 10);
        assert_eq!(
            rows_of(Filter {
                class: Some(OutcomeClass::Unknown),
                text: String::new()
            }),
            [10]
        );
        assert_eq!(
            rows_of(Filter {
                class: Some(OutcomeClass::DisabledOnly),
                text: String::new()
            }),
            [8]
        );
        assert_eq!(
            rows_of(Filter {
                class: Some(OutcomeClass::Removed),
                text: String::new()
            }),
            [2, 6]
        );
        assert_eq!(
            rows_of(Filter {
                class: None,
                text: "JANE".into()
            }),
            [2, 7]
        );
        assert_eq!(
            rows_of(Filter {
                class: Some(OutcomeClass::Skipped),
                text: "jane".into()
            }),
            [7]
        );
        assert_eq!(
            rows_of(Filter {
                class: None,
                text: "duplicate of row 2".into()
            }),
            [7]
        );
        assert_eq!(
            rows_of(Filter {
                class: None,
                text: " 4 ".into()
            }),
            [4]
        );
        assert_eq!(
            rows_of(Filter {
                class: None,
                text: "not found".into()
            }),
            [3]
        );
        assert!(rows_of(Filter {
            class: None,
            text: "nobody".into()
        })
        .is_empty());
    }

    #[test]
    fn every_class_has_a_distinct_label() {
        let labels: std::collections::HashSet<_> =
            OutcomeClass::ALL.iter().map(|c| c.label()).collect();
        assert_eq!(labels.len(), OutcomeClass::ALL.len());
        for o in Outcome::ALL {
            assert_eq!(OutcomeClass::of_outcome(&o).outcome(), Some(o));
        }
    }

    #[test]
    fn every_label_reads_back_as_its_class_and_outcome() {
        for c in OutcomeClass::ALL {
            assert_eq!(
                OutcomeClass::from_label(&format!(" {} ", c.label().to_uppercase())),
                Some(c)
            );
        }
        let outcome = |label: &str| OutcomeClass::from_label(label).and_then(OutcomeClass::outcome);
        for o in Outcome::ALL {
            assert_eq!(outcome(&format!(" {} ", o.label().to_uppercase())), Some(o));
        }
        assert_eq!(outcome("outcome unknown"), Some(Outcome::Failed));
        assert_eq!(outcome("skipped"), None);
        assert_eq!(OutcomeClass::from_label("gone"), None);
    }
}
