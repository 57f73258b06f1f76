//! New plans from earlier results: "retry failed", "undo marks" and "enable again", each
//! keeping the users' original row numbers.

use crate::run::action::RunAction;
use crate::run::outcome::{Outcome, PlanEntry, UserResult};

use super::row::RowOutcome;

/// What an RSA run did, as its results show it: a row removed, marked, changed back, or left as
/// it was by a change, tells. `None` when no row tells (every one failed, not started, not found
/// or not allowed): a retry then cannot tell deleting from marking for deletion.
pub fn action_shown(results: &[UserResult]) -> Option<RunAction> {
    use crate::rsa::steps::single::{
        ALREADY_ENABLED, ALREADY_MARKED, ENABLED, NOT_MARKED, UNMARKED,
    };
    let begins = |r: &UserResult, text: &str| r.message.starts_with(text);
    results.iter().find_map(|r| match r.outcome {
        Outcome::Removed | Outcome::DisabledOnly | Outcome::Conflict => Some(RunAction::Remove),
        Outcome::Marked => Some(RunAction::Mark),
        Outcome::Unchanged if begins(r, ALREADY_MARKED) => Some(RunAction::Mark),
        Outcome::Unchanged if begins(r, NOT_MARKED) => Some(RunAction::Unmark),
        Outcome::Unchanged if begins(r, ALREADY_ENABLED) => Some(RunAction::Reenable),
        Outcome::Restored if begins(r, UNMARKED) => Some(RunAction::Unmark),
        Outcome::Restored if begins(r, ENABLED) => Some(RunAction::Reenable),
        _ => None,
    })
}

/// The users whose outcome may change if tried again (failed, not started, disabled only),
/// in row order; never a user the service refused to remove because it is the caller's own
/// account (see [`refused_as_own_account`]): trying again would fail the same way.
pub fn retry_plan(rows: &[RowOutcome]) -> Vec<PlanEntry> {
    plan_of_results(rows, is_retryable)
}

/// Whether "retry failed" sends this user again: [`Outcome::is_retryable`], unless the failure
/// was the service refusing to remove the caller's own account.
pub fn is_retryable(result: &UserResult) -> bool {
    result.outcome.is_retryable()
        && !(result.outcome == Outcome::Failed && refused_as_own_account(&result.message))
}

/// Whether a failure message is the service refusing to remove the account that makes the
/// request (EPM: "User … cannot be removed. It is the account of the user who executes this
/// command."). With an OAuth token the panel cannot know the admin's own login unless it is
/// entered, so such a row can reach the service; it always fails again.
pub fn refused_as_own_account(message: &str) -> bool {
    let m = crate::case::to_lowercase(message);
    [
        "account of the user who executes this command",
        "user who is executing this command",
        "account of the user executing this command",
    ]
    .iter()
    .any(|p| m.contains(p))
}

/// The users this app marked for deletion ([`Outcome::Marked`]), in row order: the plan of an
/// undo (unmark). Users that were marked before the run are not among them, nor those found
/// marked after a request that got no clear answer ([`uncertain_marks`]): an undo changes only
/// what the run is known to have changed.
pub fn undo_plan(rows: &[RowOutcome]) -> Vec<PlanEntry> {
    plan_of_results(rows, |r| {
        r.outcome == Outcome::Marked && !is_uncertain_mark(r)
    })
}

/// The users found marked after a request that got no clear answer, in row order: the run most
/// likely marked them, but they may have been marked before it, so [`undo_plan`] leaves them
/// for the admin to check.
pub fn uncertain_marks(rows: &[RowOutcome]) -> Vec<PlanEntry> {
    plan_of_results(rows, is_uncertain_mark)
}

fn is_uncertain_mark(result: &UserResult) -> bool {
    use crate::rsa::steps::single::MARKED_EARLIER_START;
    result.outcome == Outcome::Marked && result.message.starts_with(MARKED_EARLIER_START)
}

/// The users this app disabled but did not delete ([`Outcome::DisabledOnly`]), in row order:
/// the plan of "enable again".
pub fn reenable_plan(rows: &[RowOutcome]) -> Vec<PlanEntry> {
    plan_of(rows, |o| *o == Outcome::DisabledOnly)
}

fn plan_of(rows: &[RowOutcome], wanted: impl Fn(&Outcome) -> bool) -> Vec<PlanEntry> {
    plan_of_results(rows, |r| wanted(&r.outcome))
}

fn plan_of_results(rows: &[RowOutcome], wanted: impl Fn(&UserResult) -> bool) -> Vec<PlanEntry> {
    let mut plan: Vec<PlanEntry> = rows
        .iter()
        .filter_map(|r| match r {
            RowOutcome::Processed(result) if wanted(result) => Some(PlanEntry {
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
    fn the_service_refusing_to_remove_the_callers_own_account_is_not_retried() {
        let mut own = r(3, "admin@example.com", Outcome::Failed);
        own.message = "User admin@example.com cannot be removed. It is the account of the user who executes this command.".into();
        let mut own_v2 = r(4, "ADMIN@example.com", Outcome::Failed);
        own_v2.message = "EPMCSS-21149: User ADMIN@example.com cannot be removed. It is the account of the user who executes this command.".into();
        let all = rows(
            [
                own.clone(),
                own_v2.clone(),
                r(5, "flaky", Outcome::Failed),
                r(6, "later", Outcome::NotStarted),
            ],
            [],
        );
        assert_eq!(users(&retry_plan(&all)), [(5, "flaky"), (6, "later")]);
        assert_eq!(
            crate::results::Tally::of(&all).retryable(),
            2,
            "the button counts what the retry sends"
        );
        assert!(!is_retryable(&own) && !is_retryable(&own_v2));
        assert!(refused_as_own_account(&own.message));
        assert!(!refused_as_own_account(
            "User x is not found. Verify that the user exists."
        ));
        assert!(!refused_as_own_account("timeout"));
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

    #[test]
    fn undo_leaves_users_found_marked_after_an_unclear_answer() {
        use crate::rsa::steps::single::{MARKED, MARKED_EARLIER};
        let with = |row, user: &str, message: &str| UserResult {
            message: message.into(),
            ..r(row, user, Outcome::Marked)
        };
        let earlier_version = "Marked for deletion: an earlier request got no clear answer and the user is \
            marked now, most likely by that request. The service removes the user within seven days; until \
            then this can be undone.";
        let all = rows(
            [
                with(2, "marked", MARKED),
                with(3, "unclear", MARKED_EARLIER),
                with(4, "unclear-in-an-older-file", earlier_version),
                with(5, "marked-too", MARKED),
            ],
            [],
        );
        assert_eq!(users(&undo_plan(&all)), [(2, "marked"), (5, "marked-too")]);
        assert_eq!(
            users(&uncertain_marks(&all)),
            [(3, "unclear"), (4, "unclear-in-an-older-file")]
        );
    }

    #[test]
    fn the_action_of_an_earlier_run_is_read_from_rows_that_show_it() {
        use crate::rsa::steps::single::{ALREADY_MARKED, ENABLED};
        let with = |outcome, message: &str| UserResult {
            message: message.into(),
            ..r(2, "u", outcome)
        };
        let failed = with(Outcome::Failed, "Outcome unknown after 7 attempts");
        let not_found = with(Outcome::NotFound, "Not found");
        assert_eq!(
            action_shown(&[failed.clone(), not_found.clone()]),
            None,
            "nothing tells"
        );
        assert_eq!(
            action_shown(&[failed.clone(), with(Outcome::Marked, "Marked")]),
            Some(RunAction::Mark)
        );
        assert_eq!(
            action_shown(&[with(Outcome::Unchanged, ALREADY_MARKED), failed.clone()]),
            Some(RunAction::Mark)
        );
        assert_eq!(
            action_shown(&[not_found, with(Outcome::Removed, "Removed")]),
            Some(RunAction::Remove)
        );
        assert_eq!(
            action_shown(&[with(Outcome::Restored, ENABLED), failed]),
            Some(RunAction::Reenable)
        );
    }
}
