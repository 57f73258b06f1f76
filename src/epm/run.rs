//! The v1 removal run: for each batch, upload the file, start the removal job, follow its
//! `Job Status` link until it finishes, map its outcome to every user, delete the file. The
//! next batch's upload overlaps the current job, and the next job starts before the current
//! batch is cleaned up; jobs themselves run one at a time.

use std::cell::RefCell;

use futures::future::join;

use crate::run::journal::{InterruptedJob, JOB_FOLLOWED};
use crate::run::outcome::{PlanEntry, OUTCOME_UNKNOWN};
use crate::run::{BatchStage, Clock, Http, Mode, Outcome, RunEvent, UserResult};

use super::batch::{all_users, is_unclear, login_key, map_job, split, BatchReport, Stamp};
use super::job::{JobState, StatusBody};
use super::job_follow::{JobEnd, Removal};
use super::lost::lost_answer_stage;
use super::poll::Pace;
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

    /// Follows a job that was running when the page closed ([`InterruptedJob`]) to its end: one
    /// result per user, each message ending with [`JOB_FOLLOWED`], and the job's file deleted.
    /// `Err` (what became of the job, as "the job … {why}") when its end cannot be read, or leaves
    /// its users' outcomes in doubt (it failed part-way, or its counts disagree): its users are
    /// then left to List Users, as they are after such a job in a run.
    pub async fn settle_interrupted_job(
        &self,
        job: &InterruptedJob,
        emit: &mut impl FnMut(RunEvent),
    ) -> Result<BatchReport, String> {
        let mut pace = None;
        let users = job.users.len();
        let (body, status) = match self
            .follow_job(job.batch, &job.href, users, &mut pace, emit)
            .await
        {
            JobEnd::Finished(body, status) => (body, status),
            JobEnd::Unknown(why) => return Err(format!("could not be followed ({why})")),
        };
        if is_unclear(&job.users, &body) {
            return Err(format!(
                "ended without saying who it removed ({})",
                body.details_or_status()
            ));
        }
        let stamp = Stamp {
            http_status: Some(status),
            attempts: 1,
            at_ms: self.now(),
        };
        let mut report = map_job(job.batch, &job.users, &body, stamp, None);
        for r in &mut report.results {
            r.message = format!("{} {JOB_FOLLOWED}", r.message.trim_end());
        }
        let note = self.delete_file(job.batch, &job.file, emit).await;
        report.notes.extend(note);
        Ok(report)
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
        if let Api::V1 { run_id } = api {
            self.v1_batches(run_id, &batches, &mut all, emit).await;
            return all;
        }
        for (index, users) in batches.iter().enumerate() {
            let started = self.wait_while_paused().await;
            let report = if started {
                self.v2_batch(index, users, emit).await
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
        let own_keys = self.own_login_keys();
        let (own, rest): (Vec<PlanEntry>, Vec<PlanEntry>) = plan
            .iter()
            .cloned()
            .partition(|u| own_keys.contains(&login_key(&u.user)));
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
            crate::decimal::grouped(batches.len()),
            crate::decimal::grouped(users.len())
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

    /// The v1 batches in turn: upload, job, results, clean-up. Jobs never overlap, but while a
    /// job runs the next batch's file is uploaded, and once it ends the next job is requested
    /// before this one's file is deleted and its results published, so the service waits for
    /// nothing between jobs. The polls follow the pace of the previous job. Each batch keeps its
    /// own file, job and results, so every user still gets exactly the outcome its job reported;
    /// a batch's results wait for the next batch's upload (one request below 50 MB) to finish,
    /// and a cancel before the next job starts deletes its file and reports it "not started".
    async fn v1_batches(
        &self,
        run_id: &str,
        batches: &[&[PlanEntry]],
        all: &mut Vec<UserResult>,
        emit: &mut impl FnMut(RunEvent),
    ) {
        let emit = RefCell::new(emit);
        let out = || |event: RunEvent| (emit.borrow_mut())(event);
        let running = || self.control.mode() == Mode::Running;
        let mut pace: Option<Pace> = None;
        let mut ahead = Ahead::Nothing;
        for (index, &users) in batches.iter().enumerate() {
            // A job started ahead was saved (`JobStarted`) as soon as it started.
            let (name, removal, saved) = match std::mem::replace(&mut ahead, Ahead::Nothing) {
                Ahead::Requested(name, removal) => (name, removal, true),
                Ahead::Failed(report) => {
                    publish(report, all, &mut out());
                    continue;
                }
                prepared => {
                    if !self.wait_while_paused().await {
                        if let Ahead::Uploaded(name) = prepared {
                            let note = self.delete_file(index, &name, &mut out()).await;
                            note.into_iter().for_each(|n| out()(RunEvent::Note(n)));
                        }
                        publish(
                            self.not_started(&batches[index..], &mut out()),
                            all,
                            &mut out(),
                        );
                        break;
                    }
                    let name = match prepared {
                        Ahead::Uploaded(name) => name,
                        _ => match self.upload_batch(index, users, run_id, &mut out()).await {
                            Ok(name) => name,
                            Err(end) => {
                                let report = self.upload_report(index, users, end, &mut out());
                                publish(report, all, &mut out());
                                continue;
                            }
                        },
                    };
                    let removal = self
                        .request_removal(index, users.len(), &name, &mut out())
                        .await;
                    (name, removal, false)
                }
            };

            // The job, and meanwhile the next batch's upload.
            let next = batches.get(index + 1).copied().filter(|_| running());
            let (ended, uploaded) = match Ended::job_link(removal) {
                Ok(href) => {
                    if !saved {
                        job_started(&mut out(), index, &href, &name);
                    }
                    let mut out1 = out();
                    let follow = self.follow_job(index, &href, users.len(), &mut pace, &mut out1);
                    match next {
                        Some(next_users) => {
                            let mut out2 = out();
                            let upload =
                                self.upload_batch(index + 1, next_users, run_id, &mut out2);
                            let (end, up) = join(follow, upload).await;
                            (end.into(), Some((next_users, up)))
                        }
                        None => (follow.await.into(), None),
                    }
                }
                Err(ended) => (ended, None),
            };
            // A lost answer, a failed job or counts that disagree: List Users says who is gone.
            let ended = self
                .check_unclear(index, users, ended, pace, &mut out())
                .await;
            ahead = match uploaded {
                None | Some((_, Err(UploadEnd::Cancelled))) => Ahead::Nothing,
                Some((_, Ok(name))) => Ahead::Uploaded(name),
                Some((next_users, Err(end))) => {
                    Ahead::Failed(self.upload_report(index + 1, next_users, end, &mut out()))
                }
            };

            // This batch's results; the next job starts before they are published.
            let mut report = self.job_report(index, users, &name, ended, &mut out());
            let clean_up = async {
                if report.delete_file {
                    let note = self.delete_file(index, &name, &mut out()).await;
                    report.report.notes.extend(note);
                }
                publish(report.report, all, &mut out());
            };
            match std::mem::replace(&mut ahead, Ahead::Nothing) {
                Ahead::Uploaded(next_name) if running() => {
                    let mut out2 = out();
                    let next_users = batches[index + 1].len();
                    let start = async {
                        let removal = self
                            .request_removal(index + 1, next_users, &next_name, &mut out2)
                            .await;
                        if let Removal::Running(href) = &removal {
                            job_started(&mut out2, index + 1, href, &next_name);
                        }
                        removal
                    };
                    let (removal, ()) = join(start, clean_up).await;
                    ahead = Ahead::Requested(next_name, removal);
                }
                other => {
                    clean_up.await;
                    ahead = other;
                }
            }
        }
    }

    /// Uploads a batch's file, announcing the stage.
    async fn upload_batch(
        &self,
        index: usize,
        users: &[PlanEntry],
        run_id: &str,
        emit: &mut impl FnMut(RunEvent),
    ) -> Result<String, UploadEnd> {
        stage(emit, index, users, BatchStage::Uploading);
        let file = logins_csv(
            users.iter().map(|u| u.user.as_str()),
            self.config.line_ending,
        );
        let uploaded = self.upload(index, run_id, &file, emit).await;
        if uploaded.is_ok() {
            stage(emit, index, users, BatchStage::Uploaded);
        }
        uploaded
    }

    /// The report of a batch whose upload did not complete.
    fn upload_report(
        &self,
        index: usize,
        users: &[PlanEntry],
        end: UploadEnd,
        emit: &mut impl FnMut(RunEvent),
    ) -> BatchReport {
        let (outcome, message, http_status, why) = match end {
            UploadEnd::Cancelled => (
                Outcome::NotStarted,
                CANCELLED.to_string(),
                None,
                "cancelled during upload: no user of this batch was removed".to_string(),
            ),
            UploadEnd::Failed {
                message,
                http_status,
            } => (Outcome::Failed, message.clone(), http_status, message),
        };
        stage(emit, index, users, BatchStage::Failed(why));
        let results = self.same_for_all(users, outcome, &message, http_status, 0);
        BatchReport {
            results,
            notes: Vec::new(),
        }
    }

    /// What a batch's job came to, for each of its users; announces the batch's last stage.
    fn job_report(
        &self,
        index: usize,
        users: &[PlanEntry],
        name: &str,
        ended: Ended,
        emit: &mut impl FnMut(RunEvent),
    ) -> JobReport {
        let left_behind = || {
            format!(
                "Batch {}: the uploaded file {name} was left on the service, since a job may still use it.",
                index + 1
            )
        };
        let (job, http_status, gone) = match ended {
            Ended::Finished(job, status) => (job, status, None),
            Ended::Listed { job, status, gone } => (job, status, Some(gone)),
            Ended::Checked {
                gone,
                message,
                http_status,
                attempts,
            } => {
                let results =
                    self.lost_answer_results(users, &gone, &message, http_status, attempts);
                let all_gone = gone.iter().all(|&g| g);
                stage(emit, index, users, lost_answer_stage(&results, message));
                return JobReport {
                    report: BatchReport {
                        results,
                        notes: if all_gone {
                            Vec::new()
                        } else {
                            vec![left_behind()]
                        },
                    },
                    delete_file: all_gone,
                };
            }
            Ended::Failed {
                outcome,
                message,
                http_status,
                attempts,
                may_have_run,
            } => {
                stage(emit, index, users, BatchStage::Failed(message.clone()));
                let message = match (&outcome, may_have_run) {
                    (Outcome::Failed, true) => format!("{OUTCOME_UNKNOWN}: {message}"),
                    _ => message,
                };
                let results = self.same_for_all(users, outcome, &message, http_status, attempts);
                return JobReport {
                    report: BatchReport {
                        results,
                        notes: if may_have_run {
                            vec![left_behind()]
                        } else {
                            Vec::new()
                        },
                    },
                    delete_file: !may_have_run,
                };
            }
        };
        let stamp = Stamp {
            http_status: Some(http_status),
            attempts: 1,
            at_ms: self.now(),
        };
        let listed = gone.as_deref().map(|gone| self.listed(gone));
        let mut report = map_job(index, users, &job, stamp, listed.as_ref());
        self.settle_earlier_unknowns(&mut report.results);
        let last = match job.state() {
            JobState::Failed(_) => BatchStage::Failed(job.details_or_status()),
            _ => BatchStage::Done(job.details.clone().unwrap_or_else(|| "finished".into())),
        };
        stage(emit, index, users, last);
        JobReport {
            report,
            delete_file: true,
        }
    }
}

const CANCELLED: &str = "not started: the run was cancelled";

impl<H: Http, C: Clock> Epm<'_, H, C> {
    /// An unclear end checked with List Users: a removal whose answer was lost (or whose job's
    /// end could not be read), once its job would have ended at `pace`; a job that failed or
    /// whose counts disagree with its named failures, at once. Any other end as it is, and
    /// this one too when List Users fails.
    async fn check_unclear(
        &self,
        index: usize,
        users: &[PlanEntry],
        ended: Ended,
        pace: Option<Pace>,
        emit: &mut dyn FnMut(RunEvent),
    ) -> Ended {
        if let Ended::Finished(job, status) = ended {
            if !is_unclear(users, &job) {
                return Ended::Finished(job, status);
            }
            return match self.gone_now(users, emit).await {
                Some(gone) => Ended::Listed { gone, job, status },
                None => Ended::Finished(job, status),
            };
        }
        let Ended::Failed {
            outcome: Outcome::Failed,
            message,
            http_status,
            attempts,
            may_have_run: true,
        } = ended
        else {
            return ended;
        };
        emit(RunEvent::Note(format!(
            "Batch {}: no clear answer to the removal request; List Users is asked who is gone until that stops \
             changing (a job may be running), then each user gets an outcome.",
            index + 1
        )));
        let wait = self.lost_answer_wait(users.len(), pace);
        match self.gone_after_lost_answer(users, wait, emit).await {
            Some(gone) => Ended::Checked {
                gone,
                message,
                http_status,
                attempts,
            },
            None => Ended::Failed {
                outcome: Outcome::Failed,
                message,
                http_status,
                attempts,
                may_have_run: true,
            },
        }
    }
}

/// Saves batch `index`'s running job (its link and file) the moment it started.
fn job_started(emit: &mut impl FnMut(RunEvent), index: usize, href: &str, file: &str) {
    emit(RunEvent::JobStarted {
        index,
        href: href.to_string(),
        file: file.to_string(),
    });
}

fn stage(emit: &mut impl FnMut(RunEvent), index: usize, users: &[PlanEntry], stage: BatchStage) {
    emit(RunEvent::Batch {
        index,
        users: users.len(),
        stage,
    })
}

/// What has been done for the batch after the current one.
enum Ahead {
    Nothing,
    /// Its file is on the service under this name.
    Uploaded(String),
    /// Its upload failed: its report.
    Failed(BatchReport),
    /// Its job was requested: the file's name and the answer.
    Requested(String, Removal),
}

/// How a batch's removal ended.
enum Ended {
    Finished(StatusBody, u16),
    /// A job whose end was unclear; List Users then no longer had the users `gone`.
    Listed {
        job: StatusBody,
        status: u16,
        gone: Vec<bool>,
    },
    /// Its answer was lost (`message` says how); List Users then no longer had the users `gone`.
    Checked {
        gone: Vec<bool>,
        message: String,
        http_status: Option<u16>,
        attempts: u32,
    },
    Failed {
        outcome: Outcome,
        message: String,
        http_status: Option<u16>,
        /// Removal requests sent.
        attempts: u32,
        /// Whether a job may have used the file (it is then left on the service).
        may_have_run: bool,
    },
}

impl Ended {
    /// The link of the job to follow, or how the removal ended without one.
    fn job_link(removal: Removal) -> Result<String, Ended> {
        Err(match removal {
            Removal::Running(href) => return Ok(href),
            Removal::Finished(job, status) => Ended::Finished(job, status),
            Removal::NotSent => Ended::Failed {
                outcome: Outcome::NotStarted,
                message: CANCELLED.to_string(),
                http_status: None,
                attempts: 0,
                may_have_run: false,
            },
            Removal::Failed {
                message,
                http_status,
                may_have_run,
            } => Ended::Failed {
                outcome: Outcome::Failed,
                message,
                http_status,
                attempts: 1,
                may_have_run,
            },
        })
    }
}

impl From<JobEnd> for Ended {
    fn from(end: JobEnd) -> Ended {
        match end {
            JobEnd::Finished(job, status) => Ended::Finished(job, status),
            JobEnd::Unknown(why) => Ended::Failed {
                outcome: Outcome::Failed,
                message: why,
                http_status: None,
                attempts: 1,
                may_have_run: true,
            },
        }
    }
}

/// A batch's report, and whether its file is to be deleted.
struct JobReport {
    report: BatchReport,
    delete_file: bool,
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
