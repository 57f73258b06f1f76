//! New plans from earlier results: "retry failed", "undo marks" and "enable again", each
//! keeping the users' original row numbers.

use crate::run::outcome::{Outcome, PlanEntry};

use super::row::RowOutcome;

/// The users whose outcome may change if tried again (failed, not started, disabled only),
/// in row order.
pub fn retry_plan(rows: &[RowOutcome]) -> Vec<PlanEntry> {
    plan_of(rows, Outcome::is_retryable)
}

/// The users this app marked for deletion ([`Outcome::Marked`]), in row order: the plan of an
/// undo (unmark). Users that were marked before the run are not among them.
pub fn undo_plan(rows: &[RowOutcome]) -> Vec<PlanEntry> {
    plan_of(rows, |o| *o == Outcome::Marked)
}

/// The users this app disabled but did not delete ([`Outcome::DisabledOnly`]), in row order:
/// the plan of "enable again".
pub fn reenable_plan(rows: &[RowOutcome]) -> Vec<PlanEntry> {
    plan_of(rows, |o| *o == Outcome::DisabledOnly)
}

fn plan_of(rows: &[RowOutcome], wanted: impl Fn(&Outcome) -> bool) -> Vec<PlanEntry> {
    let mut plan: Vec<PlanEntry> = rows
        .iter()
        .filter_map(|r| match r {
            RowOutcome::Processed(result) if wanted(&result.outcome) => Some(PlanEntry {
                row: result.row,
                user: result.user.clone(),
            }),
            _ => None,
        })
        .collect();
    crate::sort::sort_by_key(&mut plan, |e| e.row as u64);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::row::{rows, SkipReason, Skipped};
    use crate::run::{Outcome, UserResult};

    fn r(row: usize, user: &str, outcome: Outcome) -> UserResult {
        UserResult {
            row,
            user: user.into(),
            outcome,
            http_status: None,
            message: String::new(),
            attempts: 1,
            at_ms: 0.0,
        }
    }

    fn users(plan: &[PlanEntry]) -> Vec<(usize, &str)> {
        plan.iter().map(|e| (e.row, e.user.as_str())).collect()
    }

    #[test]
    fn only_failed_and_not_started_users_are_retried_keeping_their_rows() {
        let all = rows(
            [
                r(9, "later", Outcome::NotStarted),
                r(2, "gone", Outcome::Removed),
                r(3, "ghost", Outcome::NotFound),
                r(4, "scim", Outcome::NotAllowed),
                r(5, "enabled", Outcome::Conflict),
                r(6, "flaky", Outcome::Failed),
            ],
            [Skipped {
                row: 7,
                value: "bad value".into(),
                reason: SkipReason::Invalid("space".into()),
            }],
        );
        let plan = retry_plan(&all);
        assert_eq!(
            plan,
            [
                PlanEntry {
                    row: 6,
                    user: "flaky".into()
                },
                PlanEntry {
                    row: 9,
                    user: "later".into()
                }
            ]
        );
    }

    #[test]
    fn undo_takes_only_users_this_run_marked_and_enable_again_only_users_left_disabled() {
        let all = rows(
            [
                r(5, "marked-later", Outcome::Marked),
                r(2, "marked", Outcome::Marked),
                r(3, "marked-before", Outcome::Unchanged),
                r(4, "half-done", Outcome::DisabledOnly),
                r(6, "gone", Outcome::Removed),
                r(7, "flaky", Outcome::Failed),
            ],
            [],
        );
        assert_eq!(
            users(&undo_plan(&all)),
            [(2, "marked"), (5, "marked-later")]
        );
        assert_eq!(users(&reenable_plan(&all)), [(4, "half-done")]);
        assert_eq!(
            users(&retry_plan(&all)),
            [(4, "half-done"), (7, "flaky")],
            "a user only disabled is finished by a retry"
        );
    }
}
