//! "Retry failed": a new plan of the users whose outcome may change if tried again.

use crate::run::outcome::PlanEntry;

use super::row::RowOutcome;

/// The failed and not-started users, with their original row numbers, in row order.
pub fn retry_plan(rows: &[RowOutcome]) -> Vec<PlanEntry> {
    let mut plan: Vec<PlanEntry> = rows
        .iter()
        .filter_map(|r| match r {
            RowOutcome::Processed(result) if result.outcome.is_retryable() => Some(PlanEntry {
                row: result.row,
                user: result.user.clone(),
            }),
            _ => None,
        })
        .collect();
    plan.sort_by_key(|e| e.row);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::row::{rows, SkipReason, Skipped};
    use crate::run::{Outcome, UserResult};

    #[test]
    fn only_failed_and_not_started_users_are_retried_keeping_their_rows() {
        let r = |row, user: &str, outcome| UserResult {
            row,
            user: user.into(),
            outcome,
            http_status: None,
            message: String::new(),
            attempts: 1,
            at_ms: 0.0,
        };
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
}
