//! Asking List Users what an unclear end did. A removal request whose answer was lost may still
//! have removed its users (a v1 request may have started a job, a v2 request may have done the
//! removal); a job that failed may have removed some users first; a job whose counts disagree with
//! its named failures leaves the others in doubt. Reporting them all "failed" made a retry send
//! them again, and the service then said "not found" of users it had removed; reporting them all
//! "removed" counted users the job did not remove. The run asks List Users instead: a user it no
//! longer has is reported removed, the others failed. A login "Check who exists" found missing
//! before the run is reported not found, not removed.

use std::collections::HashSet;

use super::batch::{login_key, settle_earlier_unknowns};
use super::list::match_plan;
use super::poll::Pace;
use super::service::Epm;
use crate::run::outcome::{PlanEntry, OUTCOME_UNKNOWN};
use crate::run::{BatchStage, Clock, Http, Outcome, RunEvent, UserResult};

/// The message of a user List Users no longer had after its removal request got no clear answer
/// (none, a server error, an unreadable one).
pub const GONE_AFTER_LOST_ANSWER: &str = "Removed: the removal request got no clear answer, and \
    List Users no longer has this login (that request removed it, or the login never existed).";

/// The message of a login List Users lacked both before the run and after an unclear end.
pub const ABSENT_BEFORE: &str =
    "Not found: Check who exists found no such login before the run, and List Users still has none.";

/// What List Users said of a batch's users after an unclear end.
#[derive(Clone, Copy, Debug)]
pub struct Listed<'a> {
    /// Per user of the batch, in order: List Users no longer has it.
    pub gone: &'a [bool],
    /// The [`login_key`]s "Check who exists" found missing before the run, when it ran.
    pub absent_before: Option<&'a HashSet<String>>,
}

impl Listed<'_> {
    /// User `i` of the batch (`user`): when List Users no longer has it, not found if it was
    /// missing before the run, otherwise removed with `removed` (or, when nothing is known of
    /// before the run and the caller gives `unproven`, failed with that "outcome unknown"
    /// message); when List Users still has it, failed with `failed`.
    pub fn outcome(
        &self,
        i: usize,
        user: &PlanEntry,
        removed: &str,
        failed: &str,
        unproven: Option<&str>,
    ) -> (Outcome, String) {
        if self.gone.get(i) != Some(&true) {
            return (Outcome::Failed, failed.to_string());
        }
        match (self.absent_before, unproven) {
            (Some(absent), _) if absent.contains(&login_key(&user.user)) => {
                (Outcome::NotFound, ABSENT_BEFORE.to_string())
            }
            (None, Some(unproven)) => (Outcome::Failed, unproven.to_string()),
            _ => (Outcome::Removed, removed.to_string()),
        }
    }
}

/// The last stage of a batch whose removal answer was lost (`why`), from its users' results:
/// done when none failed.
pub(super) fn lost_answer_stage(results: &[UserResult], why: String) -> BatchStage {
    if results.iter().any(|r| r.outcome == Outcome::Failed) {
        return BatchStage::Failed(why);
    }
    let removed = results
        .iter()
        .filter(|r| r.outcome == Outcome::Removed)
        .count();
    let not_found = results.len() - removed;
    let also = if not_found > 0 {
        format!(", {not_found} not found")
    } else {
        String::new()
    };
    BatchStage::Done(format!(
        "{removed} of {} removed{also} (no clear answer to the removal request; List Users no longer has them)",
        results.len()
    ))
}

/// The shortest wait before List Users is asked, in ms.
const MIN_WAIT_MS: u64 = 1_000;

/// The longest wait between two List Users.
const MAX_WAIT_MS: u64 = 15_000;

/// How long the users left must stay the same before they are taken as not removed.
const STILL_MS: u64 = 60_000;

impl<H: Http, C: Clock> Epm<'_, H, C> {
    /// Per user of `users`, in order: whether List Users lacks its login now. `None` when List
    /// Users fails.
    pub(super) async fn gone_now(
        &self,
        users: &[PlanEntry],
        emit: &mut dyn FnMut(RunEvent),
    ) -> Option<Vec<bool>> {
        let listed = self.list_users(emit).await.ok()?;
        Some(
            match_plan(users, &listed)
                .iter()
                .map(|p| p.user.is_none())
                .collect(),
        )
    }

    /// What List Users said of a batch (`gone`), with what Check who exists found before the run.
    pub(super) fn listed<'a>(&'a self, gone: &'a [bool]) -> Listed<'a> {
        Listed {
            gone,
            absent_before: self.config.absent_before.as_ref(),
        }
    }

    /// A retry's results: [`settle_earlier_unknowns`] with this run's settings.
    pub(super) fn settle_earlier_unknowns(&self, results: &mut [UserResult]) {
        settle_earlier_unknowns(
            results,
            &self.config.unknown_before,
            self.config.absent_before.as_ref(),
        );
    }

    /// How long to wait before first asking List Users about `users` users whose removal answer
    /// was lost: as long as their job would take at the run's `pace`, and at least a second.
    pub(super) fn lost_answer_wait(&self, users: usize, pace: Option<Pace>) -> u64 {
        let expected = pace.map_or(0.0, |p| p.expected_ms(users));
        (expected as u64).max(MIN_WAIT_MS)
    }

    /// Which of `users` the tenant no longer has, their removal request's answer being lost. A job
    /// the request started may still be running (or, for v2, the service still working), so List
    /// Users is asked after `wait_ms`, then at growing intervals (up to [`MAX_WAIT_MS`]) until every
    /// user is gone, until the users left have not changed for [`STILL_MS`] (and for twice
    /// `wait_ms`), or once the job timeout has passed. `None` when List Users fails.
    pub(super) async fn gone_after_lost_answer(
        &self,
        users: &[PlanEntry],
        wait_ms: u64,
        emit: &mut dyn FnMut(RunEvent),
    ) -> Option<Vec<bool>> {
        let started = self.clock.now_ms();
        let settled_ms = STILL_MS.max(2 * wait_ms) as f64;
        let (mut wait, mut gone, mut unchanged_since) = (wait_ms, Vec::new(), started);
        loop {
            self.clock.sleep(wait).await;
            let now_gone = self.gone_now(users, emit).await?;
            let now = self.clock.now_ms();
            if now_gone != gone {
                unchanged_since = now;
                gone = now_gone;
            }
            let over = gone.iter().all(|&g| g)
                || now - unchanged_since >= settled_ms
                || now - started >= self.config.job_timeout_ms as f64;
            if over {
                return Some(gone);
            }
            wait = (wait * 2).min(MAX_WAIT_MS);
        }
    }

    /// One result per user of a batch whose removal answer was lost: removed when List Users
    /// no longer has it ([`GONE_AFTER_LOST_ANSWER`]), not found when it was missing before the
    /// run ([`ABSENT_BEFORE`]), otherwise failed as `why` says. When List Users still has some of
    /// the batch and nothing is known of before the run, a login it no longer has is an outcome
    /// unknown: removed, or never there.
    pub(super) fn lost_answer_results(
        &self,
        users: &[PlanEntry],
        gone: &[bool],
        why: &str,
        http_status: Option<u16>,
        attempts: u32,
    ) -> Vec<UserResult> {
        let at_ms = self.now();
        let still_there = format!(
            "{}. List Users still had this login afterwards.",
            why.trim_end_matches('.')
        );
        // Users still listed show the request did not go through for everyone: a login gone then may
        // be one the tenant never had, as much as one the request removed.
        let unproven = gone.contains(&false).then(|| {
            format!(
                "{OUTCOME_UNKNOWN}: {}, and List Users no longer has this login but still has others \
                 of its batch: the request removed it, or the tenant never had it (Check who exists \
                 before the run tells them apart).",
                why.trim_end_matches('.')
            )
        });
        let listed = self.listed(gone);
        users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let (outcome, message) = listed.outcome(
                    i,
                    u,
                    GONE_AFTER_LOST_ANSWER,
                    &still_there,
                    unproven.as_deref(),
                );
                UserResult {
                    row: u.row,
                    user: u.user.clone(),
                    outcome,
                    http_status,
                    message,
                    attempts,
                    at_ms,
                }
            })
            .collect()
    }
}
