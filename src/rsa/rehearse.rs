//! Rehearsal: what a removal would report for each looked-up address, before anything is sent.
//!
//! The prediction plays the user's steps against the service's documented rules (the order the
//! sandbox checks them in: unknown user 404, SCIM-managed or Azure AD source 405 to delete and
//! to mark, pending deletion then enabled 409 to delete, "already so" 409 to a change) and
//! judges the answers with the real run's own judges, so it reports what the run would.

use super::api::is_user_id;
use super::lookup::{Blocker, RsaUser};
use super::resolve::{Answer, Resolution};
use super::steps::{conclude_steps, judge_step, steps_for, RemovalOptions, Step, Steps};
use crate::run::http::Response;
use crate::run::outcome::{Outcome, UserResult};
use crate::run::verdict::{AttemptContext, EndCause, Ending, StepDone, Verdict};

/// The predicted result of removing `resolution`'s user with `options`: the outcome the real
/// run would report, and a message starting "Would be …". `user` is the user ID when the
/// lookup found one, else the address; nothing was sent (no status, no attempts).
pub fn rehearse(resolution: &Resolution, options: RemovalOptions, at_ms: f64) -> UserResult {
    let (user, outcome, message) = match &resolution.answer {
        Answer::NotFound => (
            resolution.email.clone(),
            Outcome::NotFound,
            "Would be left out: no user in Cloud Access Service has this e-mail address.".to_string(),
        ),
        Answer::Failed { reason, .. } => (
            resolution.email.clone(),
            Outcome::Failed,
            format!("Would be left out: the lookup gave no answer. {reason}"),
        ),
        Answer::Found(user) if !is_user_id(user.id.trim()) => (
            user.id.clone(),
            Outcome::Failed,
            format!(
                "Would be refused: {} is not an RSA user ID (8-4-4-4-12 hexadecimal characters), so nothing is sent.",
                user.id
            ),
        ),
        Answer::Found(user) => {
            let steps = steps_for(user, options);
            let outcome = predict(user, steps, at_ms);
            let message = would_be(&outcome, user, steps);
            (user.id.clone(), outcome, message)
        }
    };
    UserResult {
        row: resolution.row,
        user,
        outcome,
        http_status: None,
        message,
        attempts: 0,
        at_ms,
    }
}

/// [`rehearse`] for every resolution, in order.
pub fn rehearse_all(
    resolutions: &[Resolution],
    options: RemovalOptions,
    at_ms: f64,
) -> Vec<UserResult> {
    resolutions
        .iter()
        .map(|r| rehearse(r, options, at_ms))
        .collect()
}

/// The user's state as the service keeps it.
struct State {
    managed: bool,
    pending: bool,
    enabled: bool,
}

impl State {
    /// The status the service answers `step` with, applying its change.
    fn answer(&mut self, step: Step) -> u16 {
        match step {
            Step::Unmark if self.managed => 405,
            Step::Unmark if !self.pending => 409,
            Step::Unmark => {
                self.pending = false;
                200
            }
            Step::Disable if !self.enabled => 409,
            Step::Disable => {
                self.enabled = false;
                200
            }
            Step::Delete if self.managed => 405,
            Step::Delete if self.pending || self.enabled => 409,
            Step::Delete => 200,
        }
    }
}

/// The outcome the run reports for `user` taking `steps`.
fn predict(user: &RsaUser, steps: Steps, at_ms: f64) -> Outcome {
    let mut state = State {
        managed: user.blocker() == Some(Blocker::ManagedSource),
        pending: user.mark_deleted,
        enabled: user.is_enabled(),
    };
    let mut done: Vec<StepDone> = Vec::new();
    for (index, step) in steps.list().into_iter().enumerate() {
        let ctx = AttemptContext {
            now_ms: at_ms,
            attempt: index as u32 + 1,
            earlier_unanswered: false,
            resumed: false,
            user: &user.id,
            step: index,
        };
        let reply = Ok(Response::new(state.answer(step), "{}"));
        match judge_step(step, &reply, &ctx) {
            Verdict::Continue { status, message } => done.push(StepDone { status, message }),
            Verdict::Final {
                outcome,
                status,
                message,
            } if !done.is_empty() => {
                let end = Ending {
                    outcome,
                    status,
                    message,
                    cause: EndCause::Answered,
                    sent: 1,
                    unanswered: false,
                    last_error: None,
                };
                return conclude_steps(steps, &done, end).0;
            }
            Verdict::Final { outcome, .. } => return outcome,
            other => unreachable!("the rules answer 200, 405 or 409 only: {other:?}"),
        }
    }
    unreachable!("every list of steps ends with the delete, whose answer is final")
}

/// "Would be removed after being disabled: Jo Doe (id)."
fn would_be(outcome: &Outcome, user: &RsaUser, steps: Steps) -> String {
    let who = format!("{} ({})", user.display_name(), user.id);
    match outcome {
        Outcome::Removed => {
            let after = match (steps.unmark, steps.disable) {
                (true, true) => " after being unmarked and disabled",
                (true, false) => " after being unmarked",
                (false, true) => " after being disabled",
                (false, false) => "",
            };
            format!("Would be removed{after}: {who}.")
        }
        Outcome::Conflict if user.mark_deleted => format!(
            "Would be refused (409): {who} is pending deletion. Choose \"unmark and delete now\", or leave it: \
             the service removes it within seven days."
        ),
        Outcome::Conflict => format!(
            "Would be refused (409): {who} is still enabled. Choose \"disable first\", or disable the user yourself."
        ),
        Outcome::NotAllowed => format!(
            "Would be refused (405): {who} comes from a SCIM-managed or Azure AD identity source; remove it in \
             that directory."
        ),
        other => format!("Would be {}: {who}.", other.label()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::rsa::fake_tenant::{FakeTenant, FakeUser, SCIM_SOURCES};
    use crate::rsa::steps::{RsaJob, RsaMode, StepMap};
    use crate::rsa::{run_rsa, ApiBase};
    use crate::run::testing::{block_on, FakeHttp, VirtualClock, EPOCH_START_MS};
    use crate::run::{Auth, Control, ResumePlan, RunSettings};

    const OPTIONS: [RemovalOptions; 4] = [
        RemovalOptions {
            disable_first: false,
            unmark_pending: false,
        },
        RemovalOptions {
            disable_first: true,
            unmark_pending: false,
        },
        RemovalOptions {
            disable_first: false,
            unmark_pending: true,
        },
        RemovalOptions {
            disable_first: true,
            unmark_pending: true,
        },
    ];

    /// Every kind of user the lookup can describe, one per row, with the tenant holding them.
    fn every_kind_of_user() -> (Vec<Resolution>, FakeTenant) {
        let tenant = FakeTenant::default();
        let mut resolutions = Vec::new();
        for source in ["Corp AD", SCIM_SOURCES[0], SCIM_SOURCES[1]] {
            for enabled in [false, true] {
                for pending in [false, true] {
                    let n = resolutions.len();
                    let id = format!("{n:08x}-0000-4000-8000-00000000abcd");
                    tenant.add(
                        &id,
                        FakeUser {
                            enabled,
                            pending,
                            source,
                        },
                    );
                    let user = RsaUser {
                        id,
                        email_address: format!("u{n}@acme.com"),
                        first_name: "Jo".into(),
                        last_name: format!("Doe {n}"),
                        identity_source: source.into(),
                        user_status: if enabled { "Enabled" } else { "Disabled" }.into(),
                        mark_deleted: pending,
                    };
                    resolutions.push(Resolution {
                        row: n + 2,
                        email: user.email_address.clone(),
                        answer: Answer::Found(user),
                    });
                }
            }
        }
        (resolutions, tenant)
    }

    /// What the real run reports for the found users, against the tenant's rules.
    fn real_run(
        resolutions: &[Resolution],
        options: RemovalOptions,
        tenant: FakeTenant,
    ) -> Vec<Outcome> {
        let clock = VirtualClock::new();
        let http = FakeHttp::new(&clock, move |c| tenant.reply(c));
        let control = Control::new(Auth::Bearer("t".into()));
        let plan: Vec<_> = resolutions
            .iter()
            .filter_map(Resolution::plan_entry)
            .collect();
        let none = HashSet::new();
        let job = RsaJob {
            base: ApiBase::parse("https://acme.access.securid.com").unwrap(),
            mode: RsaMode::Remove(StepMap::from_resolutions(resolutions, options)),
        };
        let work = ResumePlan {
            plan: &plan,
            unanswered: &none,
        };
        let settings = RunSettings::default();
        let mut ignore = |_| {};
        let run = run_rsa(work, &job, &http, &clock, &control, &settings, &mut ignore);
        block_on(&clock, 3_600_000.0, run)
            .into_iter()
            .map(|r| r.outcome)
            .collect()
    }

    #[test]
    fn every_prediction_is_what_the_real_run_reports() {
        for options in OPTIONS {
            let (resolutions, tenant) = every_kind_of_user();
            let predicted: Vec<Outcome> = rehearse_all(&resolutions, options, EPOCH_START_MS)
                .into_iter()
                .map(|r| r.outcome)
                .collect();
            assert_eq!(
                predicted,
                real_run(&resolutions, options, tenant),
                "{options:?}"
            );
        }
    }

    #[test]
    fn predictions_say_what_would_happen_and_why() {
        let (resolutions, _) = every_kind_of_user();
        let said = |row: usize, options: RemovalOptions| {
            let r = rehearse(&resolutions[row], options, EPOCH_START_MS);
            assert!(r.message.starts_with("Would be "), "{}", r.message);
            assert_eq!((r.row, r.attempts, r.http_status), (row + 2, 0, None));
            (r.outcome, r.message)
        };
        let [none, disable, unmark, both] = OPTIONS;
        // Rows: 0 disabled, 1 disabled pending, 2 enabled, 3 enabled pending; 4–7 SCIM, 8–11 Azure.
        assert_eq!(said(0, none).0, Outcome::Removed);
        let (outcome, message) = said(2, none);
        assert_eq!(outcome, Outcome::Conflict);
        assert!(
            message.contains("is still enabled. Choose \"disable first\""),
            "{message}"
        );
        assert_eq!(
            said(2, disable),
            (
                Outcome::Removed,
                format!(
                    "Would be removed after being disabled: Jo Doe 2 ({}).",
                    resolutions[2].plan_entry().unwrap().user
                )
            )
        );
        let (outcome, message) = said(1, disable);
        assert_eq!(outcome, Outcome::Conflict);
        assert!(
            message.contains("pending deletion. Choose \"unmark and delete now\""),
            "{message}"
        );
        assert_eq!(said(1, unmark).0, Outcome::Removed);
        assert!(said(3, unmark)
            .1
            .starts_with("Would be removed after being unmarked and disabled: "));
        for row in 4..12 {
            let (outcome, message) = said(row, both);
            assert_eq!(outcome, Outcome::NotAllowed, "row {row}");
            assert!(message.starts_with("Would be refused (405)"), "{message}");
        }
    }

    #[test]
    fn addresses_without_a_user_would_be_left_out() {
        let missing = Resolution {
            row: 2,
            email: "gone@acme.com".into(),
            answer: Answer::NotFound,
        };
        let r = rehearse(&missing, RemovalOptions::default(), 0.0);
        assert_eq!(
            (r.outcome, r.user.as_str()),
            (Outcome::NotFound, "gone@acme.com")
        );
        assert!(
            r.message.starts_with("Would be left out: no user"),
            "{}",
            r.message
        );
        let failed = Resolution {
            row: 3,
            email: "x@acme.com".into(),
            answer: Answer::Failed {
                reason: "Failed after 5 attempts: Server error (HTTP 500).".into(),
                attempts: 5,
            },
        };
        let r = rehearse(&failed, RemovalOptions::default(), 0.0);
        assert_eq!(r.outcome, Outcome::Failed);
        assert!(
            r.message.ends_with("Server error (HTTP 500)."),
            "{}",
            r.message
        );
        let (resolutions, _) = every_kind_of_user();
        let Answer::Found(mut odd) = resolutions[0].answer.clone() else {
            panic!()
        };
        odd.id = "not-an-id".into();
        let r = rehearse(
            &Resolution {
                answer: Answer::Found(odd),
                ..resolutions[0].clone()
            },
            RemovalOptions::default(),
            0.0,
        );
        assert_eq!(r.outcome, Outcome::Failed);
        assert!(r.message.contains("not an RSA user ID"), "{}", r.message);
    }
}
