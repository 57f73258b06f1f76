//! A removal request whose answer was lost may still have removed its users: a v1 request may have
//! started a job, a v2 request may have done the removal. Reporting them all "failed" made a retry
//! send them again, and the service then said "not found" of users it had removed. The run asks
//! List Users instead, once such a job would have ended: a user it no longer has is reported
//! removed, the others failed as before.

use super::list::match_plan;
use super::poll::Pace;
use super::service::Epm;
use crate::run::outcome::PlanEntry;
use crate::run::{BatchStage, Clock, Http, Outcome, RunEvent, UserResult};

/// The message of a user List Users no longer had after its removal request's answer was lost.
pub const GONE_AFTER_LOST_ANSWER: &str =
    "Removed: the answer to the removal request was lost, and \
    List Users no longer has this login (that request removed it, or the login never existed).";

/// The last stage of a batch whose removal answer was lost (`why`), from which of its users List
/// Users no longer has: done when it has none of them.
pub(super) fn lost_answer_stage(gone: &[bool], why: String) -> BatchStage {
    if gone.iter().all(|&g| g) {
        BatchStage::Done(format!(
            "{0} of {0} removed (the answer was lost; List Users no longer has them)",
            gone.len()
        ))
    } else {
        BatchStage::Failed(why)
    }
}

/// The shortest wait before List Users is asked, in ms.
const MIN_WAIT_MS: u64 = 1_000;

/// The longest wait between two List Users.
const MAX_WAIT_MS: u64 = 15_000;

/// How long the users left must stay the same before they are taken as not removed.
const STILL_MS: u64 = 60_000;

impl<H: Http, C: Clock> Epm<'_, H, C> {
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
            let listed = self.list_users(emit).await.ok()?;
            let now_gone: Vec<bool> = match_plan(users, &listed)
                .iter()
                .map(|p| p.user.is_none())
                .collect();
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
    /// no longer has it ([`GONE_AFTER_LOST_ANSWER`]), otherwise failed as `why` says.
    pub(super) fn lost_answer_results(
        &self,
        users: &[PlanEntry],
        gone: &[bool],
        why: &str,
        http_status: Option<u16>,
        attempts: u32,
    ) -> Vec<UserResult> {
        let at_ms = self.now();
        let still_there = format!("{why} List Users still had this login afterwards.");
        users
            .iter()
            .zip(gone)
            .map(|(u, &gone)| {
                let (outcome, message) = if gone {
                    (Outcome::Removed, GONE_AFTER_LOST_ANSWER)
                } else {
                    (Outcome::Failed, still_there.as_str())
                };
                UserResult {
                    row: u.row,
                    user: u.user.clone(),
                    outcome,
                    http_status,
                    message: message.to_string(),
                    attempts,
                    at_ms,
                }
            })
            .collect()
    }
}
