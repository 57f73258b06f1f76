//! The v1 removal run: for each batch, upload the file, start the removal job, follow its
//! `Job Status` link until it finishes, map its outcome to every user, delete the file.

use crate::run::outcome::PlanEntry;
use crate::run::{BatchStage, Clock, Http, Outcome, RunEvent, UserResult};

use super::batch::{all_users, map_job, split, BatchReport, Stamp};
use super::call::{classify, Answer, Backoff};
use super::job::{parse_status, JobState, StatusBody};
use super::service::Epm;
use super::upload::{
    batch_file_name, chunks, delete_file_request, job_status_request, logins_csv,
    remove_users_request, upload_chunk_request,
};

/// Why an upload did not complete.
enum UploadEnd {
    Cancelled,
    Failed { message: String, http_status: Option<u16> },
}

/// What the removal request led to.
enum Removal {
    /// The job runs; poll this link.
    Running(String),
    /// The answer already is the job's end.
    Finished(StatusBody, u16),
    /// The run was cancelled before the request was accepted.
    NotSent,
    /// No job to follow. `may_have_run`: the request may have reached the service.
    Failed { message: String, http_status: Option<u16>, may_have_run: bool },
}

/// How following a job ended.
enum JobEnd {
    Finished(StatusBody, u16),
    /// The job's end is unknown; why.
    Unknown(String),
}

/// Appended to every message about users whose removal may or may not have happened.
const CHECK_CONSOLE: &str = "check the EPM job console: these users may have been removed";

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
        let (to_remove, mut all) = self.set_aside_own_login(plan, emit);
        let batches = split(&to_remove, self.config.batch_size);
        for (index, users) in batches.iter().enumerate() {
            emit(RunEvent::Batch { index, users: users.len(), stage: BatchStage::Queued });
        }
        for (index, users) in batches.iter().enumerate() {
            let started = self.wait_while_paused().await;
            let report = if started {
                self.v1_batch(index, users, run_id, emit).await
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
        let (own, rest): (Vec<PlanEntry>, Vec<PlanEntry>) =
            plan.iter().cloned().partition(|u| self.is_own_login(&u.user));
        let stamp = Stamp { http_status: None, attempts: 0, at_ms: self.now() };
        let message = "never removed: this is the signed-in admin's own account";
        let results = all_users(&own, Outcome::NotAllowed, message, stamp);
        for r in &results {
            emit(RunEvent::Result(r.clone()));
        }
        (rest, results)
    }

    /// Every user of these batches as not started, with one note.
    pub(crate) fn not_started(&self, batches: &[&[PlanEntry]], emit: &mut impl FnMut(RunEvent)) -> BatchReport {
        let users: Vec<PlanEntry> = batches.iter().flat_map(|b| b.iter().cloned()).collect();
        emit(RunEvent::Note(format!(
            "Run cancelled: {} batch(es) with {} user(s) were not started.",
            batches.len(),
            users.len()
        )));
        let stamp = Stamp { http_status: None, attempts: 0, at_ms: self.now() };
        BatchReport {
            results: all_users(&users, Outcome::NotStarted, "not started: the run was cancelled", stamp),
            notes: Vec::new(),
        }
    }

    async fn v1_batch(
        &self,
        index: usize,
        users: &[PlanEntry],
        run_id: &str,
        emit: &mut impl FnMut(RunEvent),
    ) -> BatchReport {
        let stage = |emit: &mut dyn FnMut(RunEvent), stage| {
            emit(RunEvent::Batch { index, users: users.len(), stage })
        };
        stage(emit, BatchStage::Uploading);
        let file = logins_csv(users.iter().map(|u| u.user.as_str()), self.config.line_ending);
        let name = match self.upload(index, run_id, &file, emit).await {
            Ok(name) => name,
            Err(UploadEnd::Cancelled) => {
                let why = "cancelled during upload: no user of this batch was removed";
                stage(emit, BatchStage::Failed(why.into()));
                let stamp = Stamp { http_status: None, attempts: 0, at_ms: self.now() };
                return BatchReport {
                    results: all_users(users, Outcome::NotStarted, "not started: the run was cancelled", stamp),
                    notes: Vec::new(),
                };
            }
            Err(UploadEnd::Failed { message, http_status }) => {
                stage(emit, BatchStage::Failed(message.clone()));
                let stamp = Stamp { http_status, attempts: 0, at_ms: self.now() };
                return BatchReport { results: all_users(users, Outcome::Failed, &message, stamp), notes: Vec::new() };
            }
        };

        let (job, http_status) = match self.request_removal(&name, emit).await {
            Removal::Finished(job, status) => (job, status),
            Removal::Running(href) => {
                stage(emit, BatchStage::JobRunning);
                match self.follow_job(index, &href, emit).await {
                    JobEnd::Finished(job, status) => (job, status),
                    JobEnd::Unknown(why) => {
                        stage(emit, BatchStage::Failed(why.clone()));
                        let stamp = Stamp { http_status: None, attempts: 1, at_ms: self.now() };
                        let notes = vec![format!(
                            "Batch {}: the uploaded file {name} was left on the service, since the job may still use it.",
                            index + 1
                        )];
                        return BatchReport { results: all_users(users, Outcome::Failed, &why, stamp), notes };
                    }
                }
            }
            Removal::NotSent => {
                self.delete_file(index, &name, emit).await;
                stage(emit, BatchStage::Failed("cancelled before the removal was requested".into()));
                let stamp = Stamp { http_status: None, attempts: 0, at_ms: self.now() };
                return BatchReport {
                    results: all_users(users, Outcome::NotStarted, "not started: the run was cancelled", stamp),
                    notes: Vec::new(),
                };
            }
            Removal::Failed { message, http_status, may_have_run } => {
                let mut notes = Vec::new();
                if may_have_run {
                    notes.push(format!(
                        "Batch {}: the uploaded file {name} was left on the service, since a job may be using it.",
                        index + 1
                    ));
                } else if let Some(note) = self.delete_file(index, &name, emit).await {
                    notes.push(note);
                }
                stage(emit, BatchStage::Failed(message.clone()));
                let stamp = Stamp { http_status, attempts: 1, at_ms: self.now() };
                return BatchReport { results: all_users(users, Outcome::Failed, &message, stamp), notes };
            }
        };

        let stamp = Stamp { http_status: Some(http_status), attempts: 1, at_ms: self.now() };
        let mut report = map_job(index, users, &job, stamp);
        match job.state() {
            JobState::Failed(_) => stage(emit, BatchStage::Failed(job.details_or_status())),
            _ => stage(emit, BatchStage::Done(job.details.clone().unwrap_or_else(|| "finished".into()))),
        }
        if let Some(note) = self.delete_file(index, &name, emit).await {
            report.notes.push(note);
        }
        report
    }

    /// Uploads the file under a fresh name, chunk by chunk. A send that may have half-written
    /// the file starts over under the next name, since the service never overwrites.
    async fn upload(
        &self,
        index: usize,
        run_id: &str,
        file: &[u8],
        emit: &mut impl FnMut(RunEvent),
    ) -> Result<String, UploadEnd> {
        let parts = chunks(file, self.config.chunk_size);
        let mut backoff = Backoff::new(self.config.retry_first_ms, self.config.retry_max_ms);
        let mut failures = 0;
        let mut leftovers: Vec<String> = Vec::new();
        let mut attempt = 1;
        let result = 'attempts: loop {
            let name = batch_file_name(run_id, index, attempt);
            let mut next = 0;
            while next < parts.len() {
                if !self.wait_while_paused().await {
                    if next > 0 {
                        leftovers.push(name);
                    }
                    break 'attempts Err(UploadEnd::Cancelled);
                }
                let chunk = parts[next];
                let answer = classify(
                    self.send(|auth| upload_chunk_request(self.base, &name, &chunk, auth)).await,
                    parse_status,
                );
                let (wait, why) = match answer {
                    Answer::Body { body, .. } if body.status == 0 => {
                        next += 1;
                        continue;
                    }
                    Answer::Body { body, http_status } => {
                        if next > 0 {
                            leftovers.push(name);
                        }
                        break 'attempts Err(UploadEnd::Failed {
                            message: format!("the upload was refused: {}", body.details_or_status()),
                            http_status: Some(http_status),
                        });
                    }
                    Answer::CredentialRefused(status) => {
                        if self.await_credential(status, emit).await {
                            continue;
                        }
                        if next > 0 {
                            leftovers.push(name);
                        }
                        break 'attempts Err(UploadEnd::Cancelled);
                    }
                    Answer::Refused { http_status, message } => {
                        break 'attempts Err(UploadEnd::Failed {
                            message: format!("the upload was refused: {message}"),
                            http_status: Some(http_status),
                        });
                    }
                    Answer::Throttled { wait_ms } => {
                        let wait = wait_ms.unwrap_or_else(|| backoff.next_ms());
                        emit(RunEvent::Throttled { wait_ms: wait });
                        failures += 1;
                        if failures < self.config.max_attempts {
                            self.clock.sleep(wait).await;
                            continue;
                        }
                        (wait, "the service kept answering 429 Too Many Requests".to_string())
                    }
                    Answer::Transient(why) => (backoff.next_ms(), why),
                    Answer::Unreadable { http_status, error } => (backoff.next_ms(), format!("HTTP {http_status}: {error}")),
                };
                leftovers.push(name);
                failures += 1;
                if failures >= self.config.max_attempts.max(1) {
                    break 'attempts Err(UploadEnd::Failed {
                        message: format!("the upload failed after {failures} attempts: {why}"),
                        http_status: None,
                    });
                }
                self.clock.sleep(wait).await;
                attempt += 1;
                continue 'attempts;
            }
            break Ok(name);
        };
        for name in leftovers {
            // Best effort: a half-written file of ours that may or may not exist.
            let _ = self.send(|auth| delete_file_request(self.base, &name, auth)).await;
        }
        result
    }

    /// Sends `DELETE …/users?filename=`. Repeated only when the service surely did not act on
    /// it (401/403, 429); an unanswered request is not repeated, since a job may have started.
    async fn request_removal(&self, name: &str, emit: &mut impl FnMut(RunEvent)) -> Removal {
        let mut backoff = Backoff::new(self.config.retry_first_ms, self.config.retry_max_ms);
        let mut throttled = 0;
        loop {
            if !self.wait_while_paused().await {
                return Removal::NotSent;
            }
            let answer = classify(
                self.send(|auth| remove_users_request(self.base, name, auth)).await,
                parse_status,
            );
            match answer {
                Answer::Body { body, http_status } => {
                    return match (body.state(), body.job_status_href()) {
                        (JobState::Running, Some(href)) => Removal::Running(href.to_string()),
                        (JobState::Running, None) => Removal::Failed {
                            message: format!("the removal job started but its answer has no Job Status link; {CHECK_CONSOLE}"),
                            http_status: Some(http_status),
                            may_have_run: true,
                        },
                        _ => Removal::Finished(body, http_status),
                    };
                }
                Answer::CredentialRefused(status) => {
                    if !self.await_credential(status, emit).await {
                        return Removal::NotSent;
                    }
                }
                Answer::Throttled { wait_ms } => {
                    throttled += 1;
                    if throttled >= self.config.max_attempts {
                        return Removal::Failed {
                            message: "the service kept answering 429 Too Many Requests; no removal was started".into(),
                            http_status: Some(429),
                            may_have_run: false,
                        };
                    }
                    let wait = wait_ms.unwrap_or_else(|| backoff.next_ms());
                    emit(RunEvent::Throttled { wait_ms: wait });
                    self.clock.sleep(wait).await;
                }
                Answer::Refused { http_status, message } => {
                    return Removal::Failed {
                        message: format!("the removal request was refused: {message}"),
                        http_status: Some(http_status),
                        may_have_run: false,
                    };
                }
                Answer::Transient(why) => {
                    return Removal::Failed {
                        message: format!("no usable answer to the removal request ({why}); {CHECK_CONSOLE}"),
                        http_status: None,
                        may_have_run: true,
                    };
                }
                Answer::Unreadable { http_status, error } => {
                    return Removal::Failed {
                        message: format!("the answer to the removal request could not be read (HTTP {http_status}: {error}); {CHECK_CONSOLE}"),
                        http_status: Some(http_status),
                        may_have_run: true,
                    };
                }
            }
        }
    }

    /// Polls the job's `Job Status` link with backoff until its status is no longer -1.
    /// Unreachable polls are retried until the job timeout; time spent waiting for a new
    /// credential does not count. A cancelled run keeps following a job already started.
    async fn follow_job(&self, index: usize, href: &str, emit: &mut impl FnMut(RunEvent)) -> JobEnd {
        let timeout = self.config.job_timeout_ms;
        let mut backoff = Backoff::new(self.config.poll_first_ms, self.config.poll_max_ms);
        let url = match self.base.follow(href) {
            Ok(url) => url,
            Err(why) => return JobEnd::Unknown(format!("{why}; {CHECK_CONSOLE}")),
        };
        let started = self.now();
        let mut paused_ms = 0.0;
        let mut problem: Option<String> = None;
        loop {
            let active = (self.now() - started - paused_ms).max(0.0) as u64;
            if active >= timeout {
                let last = problem.map(|p| format!(" (last status check: {p})")).unwrap_or_default();
                return JobEnd::Unknown(format!(
                    "the job did not finish within {}{last}; {CHECK_CONSOLE}",
                    minutes(timeout)
                ));
            }
            self.clock.sleep(backoff.next_ms().min(timeout - active).max(1)).await;
            let sent = self.send(|auth| job_status_request(&url, auth)).await;
            let trouble = match classify(sent, parse_status) {
                Answer::Body { body, http_status } if http_status >= 500 => {
                    format!("HTTP {http_status}: {}", body.details_or_status())
                }
                Answer::Body { body, .. } if body.state() == JobState::Running => {
                    if problem.take().is_some() {
                        emit(RunEvent::Note(format!("Batch {}: the job's status can be read again.", index + 1)));
                    }
                    continue;
                }
                Answer::Body { body, http_status } => return JobEnd::Finished(body, http_status),
                Answer::CredentialRefused(status) => {
                    let since = self.now();
                    if !self.await_credential(status, emit).await {
                        return JobEnd::Unknown(format!(
                            "the run was cancelled while the job was running and no credential was available to follow it; {CHECK_CONSOLE}"
                        ));
                    }
                    paused_ms += self.now() - since;
                    backoff.reset();
                    continue;
                }
                Answer::Throttled { wait_ms } => {
                    if let Some(wait) = wait_ms {
                        emit(RunEvent::Throttled { wait_ms: wait });
                        self.clock.sleep(wait).await;
                    }
                    "HTTP 429 Too Many Requests".to_string()
                }
                Answer::Transient(why) => why,
                Answer::Unreadable { http_status, error } => format!("HTTP {http_status}: {error}"),
                Answer::Refused { message, .. } => {
                    return JobEnd::Unknown(format!("the job's status could not be read ({message}); {CHECK_CONSOLE}"));
                }
            };
            if problem.is_none() {
                emit(RunEvent::Note(format!(
                    "Batch {}: the job's status could not be read ({trouble}); still trying.",
                    index + 1
                )));
            }
            problem = Some(trouble);
        }
    }

    /// Deletes an uploaded file; a note if that failed.
    async fn delete_file(&self, index: usize, name: &str, emit: &mut impl FnMut(RunEvent)) -> Option<String> {
        let outcome = self
            .call_safely(|auth| delete_file_request(self.base, name, auth), parse_status, emit)
            .await;
        let why = match outcome {
            Ok((body, _)) if body.status == 0 => return None,
            Ok((body, _)) => body.details_or_status(),
            Err(why) => why,
        };
        Some(format!(
            "Batch {}: the uploaded file {name} could not be deleted ({why}); delete it in EPM's file list.",
            index + 1
        ))
    }
}

fn minutes(ms: u64) -> String {
    let mins = ms / 60_000;
    if mins >= 1 && ms % 60_000 == 0 {
        format!("{mins} min")
    } else {
        format!("{} s", ms.div_ceil(1_000))
    }
}

/// Emits a batch's notes and results, and keeps the results.
pub(crate) fn publish(report: BatchReport, all: &mut Vec<UserResult>, emit: &mut impl FnMut(RunEvent)) {
    for note in report.notes {
        emit(RunEvent::Note(note));
    }
    for r in report.results {
        emit(RunEvent::Result(r.clone()));
        all.push(r);
    }
}
