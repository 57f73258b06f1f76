//! The v1 removal run: for each batch, upload the file, start the removal job, follow its
//! `Job Status` link until it finishes, map its outcome to every user, delete the file.

use crate::run::outcome::PlanEntry;
use crate::run::{BatchStage, Clock, Http, Outcome, RunEvent, UserResult};

use super::batch::{all_users, map_job, split, BatchReport, Stamp};
use super::job::JobState;
use super::job_follow::{JobEnd, Removal};
use super::service::Epm;
use super::upload::logins_csv;
use super::upload_file::UploadEnd;

/// Which removal API a run uses.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Api<'a> {
    /// Upload a file, then run and poll a job; `run_id` makes the file names unique.
    V1 { run_id: &'a str },
    /// One synchronous request per batch.
    V2,
}

impl<H: Http, C: Clock> Epm<'_, H, C> {
    /// Removes the plan's users with "Remove Users from an Identity Domain (v1)", batch after
    /// batch. Emits `Batch` stages, notes, and exactly one `Result` per user of the plan, and
    /// returns the same results. `run_id` makes the uploaded file names unique.
    pub async fn remove_v1(
        &self,
        run_id: &str,
        plan: &[PlanEntry],
        emit: &mut impl FnMut(RunEvent),
    ) -> Vec<UserResult> {
        self.remove_in_batches(Api::V1 { run_id }, plan, emit).await
    }

    /// The batch loop both APIs share: queue every batch, then send them in turn, waiting while
    /// paused; once cancelled, the batches left are reported "not started".
    pub(crate) async fn remove_in_batches(
        &self,
        api: Api<'_>,
        plan: &[PlanEntry],
        emit: &mut impl FnMut(RunEvent),
    ) -> Vec<UserResult> {
        let (to_remove, mut all) = self.set_aside_own_login(plan, emit);
        let batches = split(&to_remove, self.config.batch_size);
        for (index, users) in batches.iter().enumerate() {
            emit(RunEvent::Batch {
                index,
                users: users.len(),
                stage: BatchStage::Queued,
            });
        }
        for (index, users) in batches.iter().enumerate() {
            let started = self.wait_while_paused().await;
            let report = if started {
                match api {
                    Api::V1 { run_id } => self.v1_batch(index, users, run_id, emit).await,
                    Api::V2 => self.v2_batch(index, users, emit).await,
                }
            } else {
                self.not_started(&batches[index..], emit)
            };
            publish(report, &mut all, emit);
            if !started {
                break;
            }
        }
        all
    }

    /// Removes the admin's own login from the plan, reporting it as not allowed.
    pub(crate) fn set_aside_own_login(
        &self,
        plan: &[PlanEntry],
        emit: &mut impl FnMut(RunEvent),
    ) -> (Vec<PlanEntry>, Vec<UserResult>) {
        let (own, rest): (Vec<PlanEntry>, Vec<PlanEntry>) = plan
            .iter()
            .cloned()
            .partition(|u| self.is_own_login(&u.user));
        let message = "never removed: this is the signed-in admin's own account";
        let results = self.same_for_all(&own, Outcome::NotAllowed, message, None, 0);
        for r in &results {
            emit(RunEvent::Result(r.clone()));
        }
        (rest, results)
    }

    /// Every user of these batches as not started, with one note.
    pub(crate) fn not_started(
        &self,
        batches: &[&[PlanEntry]],
        emit: &mut impl FnMut(RunEvent),
    ) -> BatchReport {
        let users: Vec<PlanEntry> = batches.iter().flat_map(|b| b.iter().cloned()).collect();
        emit(RunEvent::Note(format!(
            "Run cancelled: {} batch(es) with {} user(s) were not started.",
            batches.len(),
            users.len()
        )));
        BatchReport {
            results: self.same_for_all(
                &users,
                Outcome::NotStarted,
                "not started: the run was cancelled",
                None,
                0,
            ),
            notes: Vec::new(),
        }
    }

    /// One outcome and message for every user of a batch, stamped now.
    pub(super) fn same_for_all(
        &self,
        users: &[PlanEntry],
        outcome: Outcome,
        message: &str,
        http_status: Option<u16>,
        attempts: u32,
    ) -> Vec<UserResult> {
        let stamp = Stamp {
            http_status,
            attempts,
            at_ms: self.now(),
        };
        all_users(users, outcome, message, stamp)
    }

    async fn v1_batch(
        &self,
        index: usize,
        users: &[PlanEntry],
        run_id: &str,
        emit: &mut impl FnMut(RunEvent),
    ) -> BatchReport {
        const CANCELLED: &str = "not started: the run was cancelled";
        let stage = |emit: &mut dyn FnMut(RunEvent), stage| {
            emit(RunEvent::Batch {
                index,
                users: users.len(),
                stage,
            })
        };
        let left_behind = |name: &str| {
            format!(
                "Batch {}: the uploaded file {name} was left on the service, since a job may still use it.",
                index + 1
            )
        };
        let mut notes = Vec::new();

        stage(emit, BatchStage::Uploading);
        let file = logins_csv(
            users.iter().map(|u| u.user.as_str()),
            self.config.line_ending,
        );
        let name = match self.upload(index, run_id, &file, emit).await {
            Ok(name) => name,
            Err(UploadEnd::Cancelled) => {
                let why = "cancelled during upload: no user of this batch was removed";
                stage(emit, BatchStage::Failed(why.into()));
                let results = self.same_for_all(users, Outcome::NotStarted, CANCELLED, None, 0);
                return BatchReport { results, notes };
            }
            Err(UploadEnd::Failed {
                message,
                http_status,
            }) => {
                stage(emit, BatchStage::Failed(message.clone()));
                let results = self.same_for_all(users, Outcome::Failed, &message, http_status, 0);
                return BatchReport { results, notes };
            }
        };

        let ended = match self.request_removal(&name, emit).await {
            Removal::Finished(job, status) => Ok((job, status)),
            Removal::Running(href) => {
                stage(emit, BatchStage::JobRunning);
                match self.follow_job(index, &href, emit).await {
                    JobEnd::Finished(job, status) => Ok((job, status)),
                    JobEnd::Unknown(why) => {
                        notes.push(left_behind(&name));
                        Err((Outcome::Failed, why, None, 1))
                    }
                }
            }
            Removal::NotSent => {
                notes.extend(self.delete_file(index, &name, emit).await);
                Err((Outcome::NotStarted, CANCELLED.to_string(), None, 0))
            }
            Removal::Failed {
                message,
                http_status,
                may_have_run,
            } => {
                if may_have_run {
                    notes.push(left_behind(&name));
                } else {
                    notes.extend(self.delete_file(index, &name, emit).await);
                }
                Err((Outcome::Failed, message, http_status, 1))
            }
        };
        let (job, http_status) = match ended {
            Ok(finished) => finished,
            Err((outcome, message, http_status, attempts)) => {
                stage(emit, BatchStage::Failed(message.clone()));
                let results = self.same_for_all(users, outcome, &message, http_status, attempts);
                return BatchReport { results, notes };
            }
        };

        let stamp = Stamp {
            http_status: Some(http_status),
            attempts: 1,
            at_ms: self.now(),
        };
        let mut report = map_job(index, users, &job, stamp);
        match job.state() {
            JobState::Failed(_) => stage(emit, BatchStage::Failed(job.details_or_status())),
            _ => stage(
                emit,
                BatchStage::Done(job.details.clone().unwrap_or_else(|| "finished".into())),
            ),
        }
        report
            .notes
            .extend(self.delete_file(index, &name, emit).await);
        report
    }
}

/// Emits a batch's notes and results, and keeps the results.
pub(crate) fn publish(
    report: BatchReport,
    all: &mut Vec<UserResult>,
    emit: &mut impl FnMut(RunEvent),
) {
    for note in report.notes {
        emit(RunEvent::Note(note));
    }
    for r in report.results {
        emit(RunEvent::Result(r.clone()));
        all.push(r);
    }
}
