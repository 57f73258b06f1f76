//! Batches of a plan, and what a finished job means for each user of its batch.

use std::collections::{HashMap, HashSet};

use crate::run::outcome::PlanEntry;
use crate::run::outcome::OUTCOME_UNKNOWN;
use crate::run::{Outcome, UserResult};

use super::job::{Counts, FailedItem, StatusBody};
use super::job_follow::CHECK_CONSOLE;
use super::lost::Listed;

/// Users per removal job by default. One job per 1,000 logins keeps a job well inside the
/// default 30-minute job timeout even at a slow second per user, gives progress a step every
/// batch, and confines a whole-job failure to 1,000 users, while the per-job overhead
/// (upload, polling, clean-up: seconds) stays small against the job itself.
pub const DEFAULT_BATCH_SIZE: usize = 1_000;

/// The largest batch size the panel takes.
pub const MAX_BATCH_SIZE: usize = 100_000;

/// A batch size the admin typed, brought within 1 and [`MAX_BATCH_SIZE`].
pub fn batch_size_within_limits(n: usize) -> usize {
    n.clamp(1, MAX_BATCH_SIZE)
}

/// Splits a plan into consecutive batches of at most `size` users (at least 1).
pub fn split(plan: &[PlanEntry], size: usize) -> Vec<&[PlanEntry]> {
    plan.chunks(size.max(1)).collect()
}

/// Every user's outcome for one batch, and anything the admin must be told about it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchReport {
    /// One result per user of the batch, in batch order.
    pub results: Vec<UserResult>,
    /// Disagreements and oddities (counts that do not add up, unknown names), to show.
    pub notes: Vec<String>,
}

/// Facts about the answer that decided a batch, copied into each result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stamp {
    /// The HTTP status of that answer, if one arrived.
    pub http_status: Option<u16>,
    /// Removal requests that carried these users (0 if none was sent).
    pub attempts: u32,
    /// When the outcome became known (ms since the Unix epoch).
    pub at_ms: f64,
}

/// Gives every user of a batch the same outcome and message.
pub fn all_users(
    users: &[PlanEntry],
    outcome: Outcome,
    message: &str,
    stamp: Stamp,
) -> Vec<UserResult> {
    users
        .iter()
        .map(|u| result(u, outcome.clone(), message.to_string(), stamp))
        .collect()
}

fn result(user: &PlanEntry, outcome: Outcome, message: String, stamp: Stamp) -> UserResult {
    UserResult {
        row: user.row,
        user: user.user.clone(),
        outcome,
        http_status: stamp.http_status,
        message,
        attempts: stamp.attempts,
        at_ms: stamp.at_ms,
    }
}

/// EPM compares logins without regard to case; so do we, folding case as the intake does
/// (letter by letter, a final sigma read as sigma).
pub fn login_key(login: &str) -> String {
    let login = login.trim();
    if login.is_ascii() {
        login.to_ascii_lowercase()
    } else {
        crate::csv_intake::folded(login).collect()
    }
}

/// The message of a login whose earlier outcome was unknown and that a new job did not find.
pub const REMOVED_EARLIER: &str = "Removed: an earlier removal of this login had an unknown outcome, and \
    this job no longer found it, so that earlier removal most likely went through (the service cannot \
    tell that from a login it never had).";

/// Results of a retry: a login in `unknown_before` (whose earlier outcome was unknown, as
/// [`login_key`]s) that the new job reports not found was removed by that earlier attempt,
/// unless "Check who exists" found it missing before (`absent_before`).
pub fn settle_earlier_unknowns(
    results: &mut [UserResult],
    unknown_before: &HashSet<String>,
    absent_before: Option<&HashSet<String>>,
) {
    if unknown_before.is_empty() {
        return;
    }
    for r in results {
        let key = login_key(&r.user);
        let missing_before = absent_before.is_some_and(|absent| absent.contains(&key));
        if r.outcome == Outcome::NotFound && unknown_before.contains(&key) && !missing_before {
            r.outcome = Outcome::Removed;
            r.message = REMOVED_EARLIER.to_string();
        }
    }
}

/// Whether a failure message says the login does not exist.
pub fn says_not_found(message: &str) -> bool {
    let m = crate::case::to_lowercase(message);
    ["not found", "not exist", "doesn't exist", "no such user"]
        .iter()
        .any(|p| m.contains(p))
}

/// One user's failure as the service reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserFailure {
    pub login: String,
    pub message: String,
}

impl From<&FailedItem> for UserFailure {
    fn from(item: &FailedItem) -> Self {
        UserFailure {
            login: item.user_name.clone(),
            message: item.error_details.clone(),
        }
    }
}

/// Maps a finished v1 job (status other than -1) to one outcome per user of its batch, with
/// what List Users said afterwards when the job's end was unclear ([`is_unclear`]).
/// `batch_index` counts from 0; notes number batches from 1.
pub fn map_job(
    batch_index: usize,
    users: &[PlanEntry],
    job: &StatusBody,
    stamp: Stamp,
    listed: Option<&Listed>,
) -> BatchReport {
    if job.status != 0 {
        let reason = job.details_or_status();
        return match listed {
            Some(listed) => {
                failed_job_listed(batch_index, users, "the job", &reason, listed, stamp)
            }
            None => whole_batch_failed(batch_index, users, &reason, job.counts(), stamp),
        };
    }
    let failures: Vec<UserFailure> = job.items.iter().map(UserFailure::from).collect();
    map_failures(batch_index, users, &failures, job.counts(), stamp, listed)
}

/// Whether a finished job leaves its users' outcomes in doubt: it failed (it may have removed
/// some users first), or its counts disagree with the failures it named.
pub fn is_unclear(users: &[PlanEntry], job: &StatusBody) -> bool {
    if job.status != 0 {
        return true;
    }
    let failures: Vec<UserFailure> = job.items.iter().map(UserFailure::from).collect();
    failures_disagree(users, &failures, job.counts())
}

/// Whether `counts` disagree with the batch and the failures named.
pub(super) fn failures_disagree(
    users: &[PlanEntry],
    failures: &[UserFailure],
    counts: Option<Counts>,
) -> bool {
    counts_disagree(users, &failures_by_login(failures), counts).is_some()
}

/// Every user failed with the service's reason; a count of successes in the same answer is
/// surfaced, since those users may in fact be gone.
pub fn whole_batch_failed(
    batch_index: usize,
    users: &[PlanEntry],
    reason: &str,
    counts: Option<Counts>,
    stamp: Stamp,
) -> BatchReport {
    let mut notes = Vec::new();
    let mut message = reason.to_string();
    if let Some(c) = counts.filter(|c| c.succeeded > 0) {
        notes.push(format!(
            "Batch {}: the job failed as a whole but counted {} removed ({c}); \
             some of its users may have been removed.",
            batch_index + 1,
            c.succeeded
        ));
        message.push_str(" (the job also counted some users as removed: check the EPM console)");
    }
    BatchReport {
        results: all_users(users, Outcome::Failed, &message, stamp),
        notes,
    }
}

/// A failed job's users after List Users: those it no longer has were removed before the job
/// failed; the others failed with the job's reason. `what` names what failed ("the job", or a v2
/// run's "the removal request").
pub(super) fn failed_job_listed(
    batch_index: usize,
    users: &[PlanEntry],
    what: &str,
    reason: &str,
    listed: &Listed,
    stamp: Stamp,
) -> BatchReport {
    let removed_message =
        format!("Removed: {what} failed ({reason}), but List Users no longer has this login.");
    let unproven = format!(
        "{OUTCOME_UNKNOWN}: {what} failed ({reason}), and List Users no longer has this login: \
         {what} removed it before failing, or the tenant never had it (Check who exists before \
         the run tells them apart)."
    );
    let results: Vec<UserResult> = users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let (outcome, message) =
                listed.outcome(i, u, &removed_message, reason, Some(&unproven));
            result(u, outcome, message, stamp)
        })
        .collect();
    let removed = results
        .iter()
        .filter(|r| r.outcome == Outcome::Removed)
        .count();
    let notes = (removed > 0)
        .then(|| {
            format!(
                "Batch {}: {what} failed, but List Users no longer has {removed} of its {} users: \
                 they are reported removed.",
                batch_index + 1,
                users.len()
            )
        })
        .into_iter()
        .collect();
    BatchReport { results, notes }
}

/// The failures by [`login_key`], the first one of each login.
fn failures_by_login(failures: &[UserFailure]) -> HashMap<String, &UserFailure> {
    let mut by_login: HashMap<String, &UserFailure> = HashMap::new();
    for f in failures {
        by_login.entry(login_key(&f.login)).or_insert(f);
    }
    by_login
}

/// The counts, when they disagree with the batch and its named failures.
fn counts_disagree(
    users: &[PlanEntry],
    named: &HashMap<String, &UserFailure>,
    counts: Option<Counts>,
) -> Option<Counts> {
    let listed = users
        .iter()
        .filter(|u| named.contains_key(&login_key(&u.user)))
        .count();
    let unlisted = users.len() - listed;
    counts.filter(|c| {
        c.processed != users.len() as u64
            || c.failed != listed as u64
            || c.succeeded != unlisted as u64
    })
}

/// Users named in `failures` failed (or were not found); the rest were removed, cross-checked
/// against the counts. When the counts disagree, the others' outcomes follow List Users
/// (`listed`); without it they are unknown (failed, "check the EPM console"). Logins match
/// case-insensitively.
pub fn map_failures(
    batch_index: usize,
    users: &[PlanEntry],
    failures: &[UserFailure],
    counts: Option<Counts>,
    stamp: Stamp,
    listed: Option<&Listed>,
) -> BatchReport {
    let number = batch_index + 1;
    let by_login = failures_by_login(failures);
    let in_batch: HashSet<String> = users.iter().map(|u| login_key(&u.user)).collect();
    let mut notes = Vec::new();

    let (unnamed, named): (Vec<&UserFailure>, Vec<&UserFailure>) =
        failures.iter().partition(|f| f.login.trim().is_empty());
    if !unnamed.is_empty() {
        let reasons: Vec<&str> = unnamed.iter().map(|f| f.message.as_str()).collect();
        notes.push(format!(
            "Batch {number}: the job reported {} failure(s) that name no login: {}.",
            unnamed.len(),
            name_list(&reasons)
        ));
    }
    let strangers: Vec<&str> = named
        .iter()
        .filter(|f| !in_batch.contains(&login_key(&f.login)))
        .map(|f| f.login.as_str())
        .collect();
    if !strangers.is_empty() {
        notes.push(format!(
            "Batch {number}: the service reported failures for logins that were not in this batch: {}.",
            name_list(&strangers)
        ));
    }

    let disagreement = counts_disagree(users, &by_login, counts);
    let listed_count = users
        .iter()
        .filter(|u| by_login.contains_key(&login_key(&u.user)))
        .count();
    match (counts, disagreement, listed) {
        (None, ..) => notes.push(format!(
            "Batch {number}: the job's details carried no counts; outcomes follow its list of failures."
        )),
        (_, Some(c), Some(_)) => notes.push(format!(
            "Batch {number}: the job counted {c}, but {} users were sent and {listed_count} were named as failed. \
             The others' outcomes follow List Users.",
            users.len()
        )),
        (_, Some(c), None) => notes.push(format!(
            "Batch {number}: the job counted {c}, but {} users were sent and {listed_count} were named as failed. \
             The others' outcomes are unknown: check the EPM console.",
            users.len()
        )),
        (_, None, _) => {}
    }

    let results = users
        .iter()
        .enumerate()
        .map(|(i, u)| match by_login.get(&login_key(&u.user)) {
            Some(f) => {
                let outcome = if says_not_found(&f.message) { Outcome::NotFound } else { Outcome::Failed };
                let message = if f.message.trim().is_empty() {
                    "the job reported a failure without a reason".to_string()
                } else {
                    f.message.clone()
                };
                result(u, outcome, message, stamp)
            }
            None => match (disagreement, listed) {
                (Some(c), Some(listed)) => {
                    let removed = format!(
                        "removed: not among the job's named failures, and List Users no longer has it (the job's counts disagree: {c})"
                    );
                    let failed = format!(
                        "not removed: not among the job's named failures, but List Users still has it (the job counted {c})"
                    );
                    let (outcome, message) = listed.outcome(i, u, &removed, &failed, None);
                    result(u, outcome, message, stamp)
                }
                (Some(c), None) if c.succeeded == 0 => result(
                    u,
                    Outcome::Failed,
                    format!("the job counted no user as removed ({c}) but did not name this one"),
                    stamp,
                ),
                (Some(c), None) => result(
                    u,
                    Outcome::Failed,
                    format!("{OUTCOME_UNKNOWN}: not among the job's named failures, but its counts disagree ({c}); {CHECK_CONSOLE}"),
                    stamp,
                ),
                (None, _) => result(u, Outcome::Removed, "removed".to_string(), stamp),
            },
        })
        .collect();
    BatchReport { results, notes }
}

/// The first few names of a list, then how many more.
fn name_list(names: &[&str]) -> String {
    const SHOWN: usize = 5;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epm::job::parse_status;

    fn plan(logins: &[&str]) -> Vec<PlanEntry> {
        logins
            .iter()
            .enumerate()
            .map(|(i, l)| PlanEntry {
                row: i + 2,
                user: l.to_string(),
            })
            .collect()
    }

    const STAMP: Stamp = Stamp {
        http_status: Some(200),
        attempts: 1,
        at_ms: 1_000.0,
    };

    fn job(body: &str) -> StatusBody {
        parse_status(body.as_bytes()).unwrap()
    }

    #[test]
    fn batches_cover_the_plan_in_order() {
        let p = plan(&["a", "b", "c", "d", "e"]);
        let b = split(&p, 2);
        assert_eq!(b.iter().map(|b| b.len()).collect::<Vec<_>>(), [2, 2, 1]);
        assert_eq!(b[2][0].user, "e");
        assert_eq!(split(&p, 0).len(), 5);
        assert!(split(&[], 10).is_empty());
    }

    #[test]
    fn named_failures_fail_and_the_rest_are_removed_matching_any_case() {
        let users = plan(&["Jane.Doe@Example.com", "jdoe", "chris"]);
        let done = job(
            r#"{"status":0,"details":"Processed - 3, Succeeded - 1, Failed - 2.","items":[
              {"UserName":"jane.doe@example.com","Error_Details":"User jane.doe@example.com is not found. Verify that the user exists."},
              {"UserName":"CHRIS","Error_Details":"Cannot remove the service administrator."}]}"#,
        );
        let report = map_job(0, &users, &done, STAMP, None);
        let outcomes: Vec<_> = report.results.iter().map(|r| r.outcome.clone()).collect();
        assert_eq!(
            outcomes,
            [Outcome::NotFound, Outcome::Removed, Outcome::Failed]
        );
        assert_eq!(
            report.results[2].message,
            "Cannot remove the service administrator."
        );
        assert_eq!(report.results[0].row, 2);
        assert!(report.notes.is_empty(), "{:?}", report.notes);
    }

    #[test]
    fn every_user_gets_exactly_one_outcome() {
        let users = plan(&["a", "b", "c", "d"]);
        let done = job(
            r#"{"status":0,"details":"Processed - 4, Succeeded - 3, Failed - 1.","items":[
              {"UserName":"c","Error_Details":"x"},{"UserName":"c","Error_Details":"x again"}]}"#,
        );
        let report = map_job(0, &users, &done, STAMP, None);
        let logins: Vec<_> = report.results.iter().map(|r| r.user.as_str()).collect();
        assert_eq!(logins, ["a", "b", "c", "d"]);
    }

    #[test]
    fn counts_that_disagree_with_the_named_failures_are_noted() {
        let users = plan(&["a", "b", "c"]);
        let done =
            job(r#"{"status":0,"details":"Processed - 3, Succeeded - 2, Failed - 1.","items":[]}"#);
        let report = map_job(4, &users, &done, STAMP, None);
        assert_eq!(report.notes.len(), 1);
        assert!(
            report.notes[0].starts_with("Batch 5:"),
            "{}",
            report.notes[0]
        );
        assert!(report.notes[0].contains("Processed - 3, Succeeded - 2, Failed - 1"));
        assert!(
            report.results.iter().all(|r| r.outcome == Outcome::Failed),
            "two of three removed, but which is unknown: none is reported removed"
        );
        assert!(
            report.results.iter().all(UserResult::outcome_unknown),
            "{report:?}"
        );
        assert!(report.results[0].message.contains("counts disagree"));
        assert!(is_unclear(&users, &done));
    }

    #[test]
    fn counts_that_disagree_are_settled_by_list_users() {
        let users = plan(&["a", "b", "c", "d"]);
        let done = job(
            r#"{"status":0,"details":"Processed - 4, Succeeded - 1, Failed - 3.","items":[
              {"UserName":"a","Error_Details":"denied"}]}"#,
        );
        let absent_before = HashSet::from([login_key("d")]);
        let listed = Listed {
            gone: &[true, true, false, true],
            absent_before: Some(&absent_before),
        };
        let report = map_job(0, &users, &done, STAMP, Some(&listed));
        let outcomes: Vec<_> = report.results.iter().map(|r| r.outcome.clone()).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Failed,
                Outcome::Removed,
                Outcome::Failed,
                Outcome::NotFound
            ],
            "a named failure stays failed; b is gone; c is still there; d was never there"
        );
        assert_eq!(report.results[0].message, "denied");
        assert!(report.results[2]
            .message
            .contains("List Users still has it"));
        assert!(
            report.notes[0].contains("follow List Users"),
            "{:?}",
            report.notes
        );
    }

    #[test]
    fn a_failed_job_reports_removed_the_users_list_users_no_longer_has() {
        let users = plan(&["a", "b", "c"]);
        let failed = job(
            r#"{"status":1,"details":"Failed to remove users. An internal error occurred after processing 2 of 3 users."}"#,
        );
        assert!(is_unclear(&users, &failed));
        let none_missing = HashSet::new();
        let listed = Listed {
            gone: &[true, true, false],
            absent_before: Some(&none_missing),
        };
        let report = map_job(2, &users, &failed, STAMP, Some(&listed));
        let outcomes: Vec<_> = report.results.iter().map(|r| r.outcome.clone()).collect();
        assert_eq!(
            outcomes,
            [Outcome::Removed, Outcome::Removed, Outcome::Failed]
        );
        assert!(report.results[0]
            .message
            .contains("the job failed (Failed to remove users."));
        assert!(report.results[2]
            .message
            .contains("after processing 2 of 3 users"));
        assert_eq!(report.notes.len(), 1);
        assert!(report.notes[0]
            .starts_with("Batch 3: the job failed, but List Users no longer has 2 of its 3 users"));

        // Without Check who exists, a login List Users lacks may never have existed: unknown.
        let unchecked = Listed {
            gone: &[true, true, false],
            absent_before: None,
        };
        let report = map_job(2, &users, &failed, STAMP, Some(&unchecked));
        assert!(
            report.results[..2].iter().all(|r| r.outcome_unknown()),
            "{report:?}"
        );
        assert!(report.results[0]
            .message
            .contains("or the tenant never had it"));
        assert_eq!(report.results[2].outcome, Outcome::Failed);
        assert!(!report.results[2].outcome_unknown());
        assert!(report.notes.is_empty(), "{:?}", report.notes);
    }

    #[test]
    fn a_clean_job_is_not_unclear() {
        let users = plan(&["a", "b"]);
        let done = job(
            r#"{"status":0,"details":"Processed - 2, Succeeded - 1, Failed - 1.","items":[
              {"UserName":"B","Error_Details":"denied"}]}"#,
        );
        assert!(!is_unclear(&users, &done));
    }

    #[test]
    fn a_job_that_counted_no_success_fails_users_it_did_not_name() {
        let users = plan(&["a", "b"]);
        let done = job(
            r#"{"status":0,"details":"Processed - 2, Succeeded - 0, Failed - 2.","items":[
            {"UserName":"a","Error_Details":"denied"}]}"#,
        );
        let report = map_job(0, &users, &done, STAMP, None);
        assert_eq!(report.results[1].outcome, Outcome::Failed);
        assert_eq!(report.notes.len(), 1);
    }

    #[test]
    fn missing_counts_and_strangers_in_items_are_noted() {
        let users = plan(&["a"]);
        let done =
            job(r#"{"status":0,"details":null,"items":[{"UserName":"zed","Error_Details":"x"}]}"#);
        let report = map_job(0, &users, &done, STAMP, None);
        assert_eq!(report.results[0].outcome, Outcome::Removed);
        assert_eq!(report.notes.len(), 2, "{:?}", report.notes);
        assert!(report.notes.iter().any(|n| n.contains("\"zed\"")));
        assert!(report.notes.iter().any(|n| n.contains("no counts")));
    }

    #[test]
    fn a_whole_job_failure_fails_every_user_with_its_details() {
        let users = plan(&["a", "b"]);
        let failed = job(
            r#"{"status":1,"details":"Failed to remove users. Input file f.csv is not found.","items":null}"#,
        );
        let report = map_job(0, &users, &failed, STAMP, None);
        assert!(report.results.iter().all(|r| r.outcome == Outcome::Failed));
        assert!(report
            .results
            .iter()
            .all(|r| r.message.contains("Input file f.csv is not found")));
        assert!(report.notes.is_empty());

        let odd = job(r#"{"status":1,"details":"Processed - 2, Succeeded - 1, Failed - 1."}"#);
        let report = map_job(0, &users, &odd, STAMP, None);
        assert!(report.results.iter().all(|r| r.outcome == Outcome::Failed));
        assert_eq!(report.notes.len(), 1);
    }

    #[test]
    fn not_found_is_recognised_in_its_usual_wordings() {
        assert!(says_not_found(
            "User jdoe is not found. Verify that the user exists."
        ));
        assert!(says_not_found("The user does not exist"));
        assert!(!says_not_found("Insufficient privileges"));
    }

    #[test]
    fn long_lists_of_unknown_names_are_shortened() {
        let names = ["a", "b", "c", "d", "e", "f", "g"];
        assert_eq!(
            name_list(&names),
            "\"a\", \"b\", \"c\", \"d\", \"e\" and 2 more"
        );
    }
}
