//! Running a plan of RSA users on the per-user engine: Delete User Now alone, removal in
//! steps, marking for deletion, or an undo.

use std::collections::HashSet;
use std::pin::pin;

use futures::future::{select, Either};

use super::api::{connection_test_without_credential, is_user_id};
use super::base_url::ApiBase;
use super::connection::{confirm_credential_checked, ConnectionCheck};
use super::steps::{RsaJob, RsaMode};
use crate::run::engine::{run_per_user_resuming, ResumePlan, RunSettings};
use crate::run::outcome::{Outcome, PlanEntry, UserResult};
use crate::run::{Clock, Control, Http, NetError, RunEvent};

/// Shown for a plan entry that is not a user ID (nothing is sent for it).
pub const NOT_A_USER_ID: &str =
    "Not sent: this is not an RSA user ID (8-4-4-4-12 hexadecimal characters).";

/// Removes every user of `plan` (user IDs) from the tenant at `base`, sending DELETEs through
/// `http` with the credential in `control`. Entries that are not user IDs are reported failed
/// without any request. Returns every entry's result in plan order; see
/// [`crate::run::run_per_user`] for the guarantees.
pub async fn run_rsa_removal<H: Http, C: Clock, F: FnMut(RunEvent)>(
    plan: &[PlanEntry],
    base: &ApiBase,
    http: &H,
    clock: &C,
    control: &Control,
    settings: &RunSettings,
    on_event: &mut F,
) -> Vec<UserResult> {
    let none = HashSet::new();
    let work = ResumePlan {
        plan,
        unanswered: &none,
    };
    run_rsa_removal_resuming(work, base, http, clock, control, settings, on_event).await
}

/// [`run_rsa_removal`] for a resumed run: a user of `work.unanswered` (sent before the page was
/// closed, no answer heard) whose re-sent DELETE finds no such user is reported removed, with
/// [`super::delete::REMOVED_EARLIER`].
pub async fn run_rsa_removal_resuming<H: Http, C: Clock, F: FnMut(RunEvent)>(
    work: ResumePlan<'_>,
    base: &ApiBase,
    http: &H,
    clock: &C,
    control: &Control,
    settings: &RunSettings,
    on_event: &mut F,
) -> Vec<UserResult> {
    let job = RsaJob {
        base: base.clone(),
        mode: RsaMode::delete_only(),
    };
    run_rsa(work, &job, http, clock, control, settings, on_event).await
}

/// Runs `job` (its mode at its tenant: removal in steps, marking for deletion, or an undo) on
/// every user of `work.plan` (user IDs). Entries that are not user IDs are reported failed
/// without any request. In a resumed run the users of `work.unanswered` start as "sent before,
/// answer unknown", and every user starts again at its first step (see
/// [`crate::run::journal`]). Returns every entry's result in plan order; see
/// [`crate::run::run_per_user`] for the guarantees.
pub async fn run_rsa<H: Http, C: Clock, F: FnMut(RunEvent)>(
    work: ResumePlan<'_>,
    job: &RsaJob,
    http: &H,
    clock: &C,
    control: &Control,
    settings: &RunSettings,
    on_event: &mut F,
) -> Vec<UserResult> {
    let plan = work.plan;
    let (valid, invalid): (Vec<usize>, Vec<usize>) =
        (0..plan.len()).partition(|&i| is_user_id(plan[i].user.trim()));
    let mut results: Vec<Option<UserResult>> = vec![None; plan.len()];
    for i in invalid {
        let result = UserResult::unsent(&plan[i], Outcome::Failed, NOT_A_USER_ID, clock.now_ms());
        on_event(RunEvent::Result(result.clone()));
        results[i] = Some(result);
    }
    let subset: Vec<PlanEntry> = valid.iter().map(|i| plan[*i].clone()).collect();
    let subset_work = ResumePlan {
        plan: &subset,
        unanswered: work.unanswered,
    };
    // Checking and copying a large plan takes a while: the page gets a turn before the booking.
    clock.sleep(0).await;
    let done =
        run_per_user_resuming(subset_work, job, http, clock, control, settings, on_event).await;
    for (i, result) in valid.into_iter().zip(done) {
        results[i] = Some(result);
    }
    results.into_iter().flatten().collect()
}

/// How long [`run_rsa_checked`] waits for its check, ms.
const CHECK_TIMEOUT_MS: u64 = 20_000;

/// Why a run sends nothing to an address that answers without a credential (see [`run_rsa_checked`]).
pub const ADDRESS_CHECKS_NO_CREDENTIAL: &str = "not started: the address answered a request sent without any \
    credential as the API never does, so it is not the Cloud Administration API, and every removal sent there would \
    have read \"not found\". Check the address on the Connect step (Test connection says what answers there).";

/// [`run_rsa`], once the address has shown that it checks credentials: the lookup of "Test
/// connection" is sent without one, and the API refuses it. When it is answered instead (a gateway,
/// or a proxy path leading elsewhere, where every user would read "not found"), nothing else is
/// sent: every user is "not started", and a note says why. An address that gives no answer to
/// the check is left to the run, which has its own ways with outages.
pub async fn run_rsa_checked<H: Http, C: Clock, F: FnMut(RunEvent)>(
    work: ResumePlan<'_>,
    job: &RsaJob,
    http: &H,
    clock: &C,
    control: &Control,
    settings: &RunSettings,
    on_event: &mut F,
) -> Vec<UserResult> {
    let check = pin!(http.send(connection_test_without_credential(&job.base)));
    let waited = pin!(clock.sleep(settings.request_timeout_ms.min(CHECK_TIMEOUT_MS)));
    let answer = match select(check, waited).await {
        Either::Left((answer, _)) => answer,
        Either::Right(_) => Err(NetError::Timeout),
    };
    if let ConnectionCheck::CredentialUnchecked(status) =
        confirm_credential_checked(ConnectionCheck::Connected, &answer)
    {
        on_event(RunEvent::Note(format!(
            "Nobody was sent: {} answered HTTP {status} to a lookup sent without any credential, which the Cloud \
             Administration API refuses. Check the address on the Connect step.",
            job.base
        )));
        let at_ms = clock.now_ms();
        return work
            .plan
            .iter()
            .map(|e| {
                let result =
                    UserResult::unsent(e, Outcome::NotStarted, ADDRESS_CHECKS_NO_CREDENTIAL, at_ms);
                on_event(RunEvent::Result(result.clone()));
                result
            })
            .collect();
    }
    run_rsa(work, job, http, clock, control, settings, on_event).await
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
