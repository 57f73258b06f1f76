//! The v2 removal run: one synchronous `POST …/v2/users/remove` per batch, no upload, no job.

use crate::run::outcome::PlanEntry;
use crate::run::{BatchStage, Clock, Http, Outcome, RunEvent, UserResult};

use super::batch::{BatchReport, Stamp};
use super::call::{classify, Answer};
use super::lost::lost_answer_stage;
use super::run::Api;
use super::service::Epm;
use super::v2::{is_unclear, map_v2, parse_v2, remove_v2_request};

impl<H: Http, C: Clock> Epm<'_, H, C> {
    /// Removes the plan's users with "Remove Users from an Identity Domain (v2)", batch after
    /// batch. Emits `Batch` stages (`Queued`, `JobRunning` while the request is out, then
    /// `Done` or `Failed`), notes, and exactly one `Result` per user; returns the results.
    pub async fn remove_v2(
        &self,
        plan: &[PlanEntry],
        emit: &mut impl FnMut(RunEvent),
    ) -> Vec<UserResult> {
        self.remove_in_batches(Api::V2, plan, emit).await
    }

    /// Sends one batch. Repeated only when the service surely did not act (401/403, 429): an
    /// unanswered removal is reported, never sent twice.
    pub(super) async fn v2_batch(
        &self,
        index: usize,
        users: &[PlanEntry],
        emit: &mut impl FnMut(RunEvent),
    ) -> BatchReport {
        let stage = |emit: &mut dyn FnMut(RunEvent), stage| {
            emit(RunEvent::Batch {
                index,
                users: users.len(),
                stage,
            })
        };
        stage(emit, BatchStage::JobRunning);
        let mut backoff = self.backoff();
        let mut throttled = 0;
        let (outcome, message, http_status) = loop {
            let sent = self
                .send(|auth| {
                    remove_v2_request(self.base, users.iter().map(|u| u.user.as_str()), auth)
                })
                .await;
            match classify(sent, parse_v2) {
                Answer::Body { body, http_status } => {
                    let stamp = Stamp {
                        http_status: Some(http_status),
                        attempts: 1,
                        at_ms: self.now(),
                    };
                    // Counts that disagree with the named failures: List Users says who is gone.
                    let gone = if is_unclear(users, &body) {
                        self.gone_now(users, emit).await
                    } else {
                        None
                    };
                    let listed = gone.as_deref().map(|gone| self.listed(gone));
                    let mut report = map_v2(index, users, &body, stamp, listed.as_ref());
                    self.settle_earlier_unknowns(&mut report.results);
                    let removed = report
                        .results
                        .iter()
                        .filter(|r| r.outcome == Outcome::Removed)
                        .count();
                    match (removed, report.results.first()) {
                        (0, Some(first))
                            if first.outcome == Outcome::Failed && !body.has_details =>
                        {
                            stage(emit, BatchStage::Failed(first.message.clone()))
                        }
                        _ => stage(
                            emit,
                            BatchStage::Done(format!("{removed} of {} removed", users.len())),
                        ),
                    }
                    return report;
                }
                Answer::CredentialRefused(status) => {
                    if !self.await_credential(status, emit).await {
                        break (
                            Outcome::NotStarted,
                            "not started: the run was cancelled".to_string(),
                            None,
                        );
                    }
                }
                Answer::Throttled { wait_ms } => {
                    throttled += 1;
                    if throttled >= self.config.max_attempts {
                        let why =
                            "the service kept answering 429 Too Many Requests; no removal was done";
                        break (Outcome::Failed, why.to_string(), Some(429));
                    }
                    let wait = wait_ms.unwrap_or_else(|| backoff.next_ms());
                    emit(RunEvent::Throttled { wait_ms: wait });
                    self.clock.sleep(wait).await;
                }
                Answer::Refused {
                    http_status,
                    message,
                } => {
                    break (
                        Outcome::Failed,
                        format!("the removal request was refused: {message}"),
                        Some(http_status),
                    );
                }
                Answer::Transient(why) => {
                    let why = format!("no usable answer to the removal request ({why}); check the EPM console: these users may have been removed");
                    return self.lost_v2_answer(index, users, why, None, emit).await;
                }
                Answer::Unreadable { http_status, error } => {
                    let why = format!("the answer could not be read (HTTP {http_status}: {error}); check the EPM console: these users may have been removed");
                    return self
                        .lost_v2_answer(index, users, why, Some(http_status), emit)
                        .await;
                }
            }
        };
        stage(emit, BatchStage::Failed(message.clone()));
        let attempts = u32::from(outcome != Outcome::NotStarted);
        BatchReport {
            results: self.same_for_all(users, outcome, &message, http_status, attempts),
            notes: Vec::new(),
        }
    }
}

impl<H: Http, C: Clock> Epm<'_, H, C> {
    /// The report of a batch whose removal answer was lost (`why`): List Users says who the
    /// request removed; without it, every user is failed as `why` says.
    async fn lost_v2_answer(
        &self,
        index: usize,
        users: &[PlanEntry],
        why: String,
        http_status: Option<u16>,
        emit: &mut impl FnMut(RunEvent),
    ) -> BatchReport {
        let wait = self.lost_answer_wait(users.len(), None);
        let (results, stage) = match self.gone_after_lost_answer(users, wait, emit).await {
            Some(gone) => {
                let results = self.lost_answer_results(users, &gone, &why, http_status, 1);
                let stage = lost_answer_stage(&results, why);
                (results, stage)
            }
            None => (
                self.same_for_all(users, Outcome::Failed, &why, http_status, 1),
                BatchStage::Failed(why),
            ),
        };
        emit(RunEvent::Batch {
            index,
            users: users.len(),
            stage,
        });
        BatchReport {
            results,
            notes: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use crate::epm::service::EpmConfig;
    use crate::epm::testing::{assert_one_result_each, plan, FakeEpm};
    use crate::epm::url::EpmBase;
    use crate::run::testing::{block_on, VirtualClock};
    use crate::run::{Auth, BatchStage, Control, NetError, Outcome, RunEvent, UserResult};

    use super::super::service::Epm;

    /// Removes `logins` with v2 in batches of `batch_size` as the Basic admin; every user gets one result.
    fn remove(
        clock: &VirtualClock,
        fake: &FakeEpm,
        batch_size: usize,
        logins: &[&str],
    ) -> (Vec<UserResult>, Vec<RunEvent>) {
        let control = Control::new(Auth::Basic {
            user: "admin@example.com".into(),
            password: "pw".into(),
        });
        let base = EpmBase::parse("https://epm.example.com").unwrap();
        let cfg = EpmConfig {
            batch_size,
            ..EpmConfig::default()
        };
        let epm = Epm {
            http: fake,
            clock,
            control: &control,
            base: &base,
            config: &cfg,
            outage: Default::default(),
        };
        let p = plan(logins);
        let events = RefCell::new(Vec::new());
        let results = block_on(
            clock,
            1e9,
            epm.remove_v2(&p, &mut |e| events.borrow_mut().push(e)),
        );
        let events = events.into_inner();
        assert_one_result_each(&p, &results, &events);
        (results, events)
    }

    #[test]
    fn batches_are_removed_synchronously_with_per_user_outcomes() {
        let clock = VirtualClock::new();
        let fake = FakeEpm::new(&clock, &["a", "b", "d", "e"]);
        fake.poison("d");
        fake.fail(
            1,
            |r| {
                r.url.ends_with("/v2/users/remove")
                    && r.body
                        .as_deref()
                        .is_some_and(|b| b.windows(3).any(|w| w == b"\"e\""))
            },
            Err(NetError::Timeout),
        );
        let (results, events) = remove(&clock, &fake, 2, &["a", "ghost", "d", "A2", "e"]);
        let outcomes: Vec<_> = results.iter().map(|r| r.outcome.clone()).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Removed,
                Outcome::NotFound,
                Outcome::Failed,
                Outcome::Failed,
                Outcome::Failed
            ]
        );
        assert_eq!(results[2].message, "EPMCSS-00001: Unexpected error.");
        assert!(
            results[4].message.contains("may have been removed"),
            "{}",
            results[4].message
        );
        assert_eq!(
            fake.removal_requests(),
            3,
            "an unanswered batch is not sent again"
        );
        assert!(
            fake.log()
                .iter()
                .all(|r| !r.url.contains("applicationsnapshots")),
            "v2 uploads nothing"
        );
        assert!(events.iter().any(|e| matches!(e, RunEvent::Batch { index: 1, stage: BatchStage::Failed(m), .. } if m.contains("EPMCSS-00001"))));
    }

    #[test]
    fn users_a_request_removed_before_its_answer_was_lost_read_removed() {
        let clock = VirtualClock::new();
        let fake = FakeEpm::new(&clock, &["a", "b"]);
        fake.lose_answers(1, |r| r.url.ends_with("/v2/users/remove"));
        let (results, _) = remove(&clock, &fake, 1_000, &["a", "b"]);
        for r in &results {
            assert_eq!(r.outcome, Outcome::Removed, "{}: {}", r.user, r.message);
            assert_eq!(r.message, crate::epm::lost::GONE_AFTER_LOST_ANSWER);
        }
        assert_eq!(fake.removal_requests(), 1);
    }

    #[test]
    fn counts_that_disagree_with_the_named_failures_are_settled_by_list_users() {
        let clock = VirtualClock::new();
        let fake = FakeEpm::new(&clock, &["a", "b", "c"]);
        let answer = r#"{"status":0,"error":null,"details":{"processed":3,"succeeded":1,"failed":2,"faileditems":null}}"#;
        fake.answer_after(
            1,
            |r| r.url.ends_with("/v2/users/remove"),
            Ok(crate::run::Response::new(200, answer)),
        );
        let (results, _) = remove(&clock, &fake, 1_000, &["a", "b", "c"]);
        for r in &results {
            assert_eq!(
                r.outcome,
                Outcome::Removed,
                "the service removed all three; its counts said one: {}",
                r.message
            );
            assert!(
                r.message.contains("List Users no longer has it"),
                "{}",
                r.message
            );
        }
    }
}
