//! Starting the removal job and following it to its end.

use crate::run::{BatchStage, Clock, Http, RunEvent};

use super::call::{classify, Answer};
use super::job::{parse_status, JobState, StatusBody};
use super::poll::{Pace, PollSchedule};
use super::service::Epm;
use super::upload::{job_status_request, remove_users_request};

/// What the removal request led to.
pub(super) enum Removal {
    /// The job runs; poll this link.
    Running(String),
    /// The answer already is the job's end.
    Finished(StatusBody, u16),
    /// The run was cancelled before the request was accepted.
    NotSent,
    /// No job to follow. `may_have_run`: the request may have reached the service.
    Failed {
        message: String,
        http_status: Option<u16>,
        may_have_run: bool,
    },
}

/// How following a job ended.
pub(super) enum JobEnd {
    Finished(StatusBody, u16),
    /// The job's end is unknown; why.
    Unknown(String),
}

/// Appended to every message about users whose removal may or may not have happened.
pub(super) const CHECK_CONSOLE: &str =
    "check the EPM job console: these users may have been removed";

impl<H: Http, C: Clock> Epm<'_, H, C> {
    /// Sends `DELETE …/users?filename=` for batch `index` of `users` users, announcing the
    /// batch's job as running just before each send: from then on its users may be removed (a
    /// page closed then leaves them to List Users). Repeated only when the service surely did not
    /// act on it (401/403, 429); an unanswered request is not repeated, since a job may have
    /// started.
    pub(super) async fn request_removal(
        &self,
        index: usize,
        users: usize,
        name: &str,
        emit: &mut impl FnMut(RunEvent),
    ) -> Removal {
        let mut backoff = self.backoff();
        let mut throttled = 0;
        let waiting = |emit: &mut dyn FnMut(RunEvent)| {
            emit(RunEvent::Batch {
                index,
                users,
                stage: BatchStage::Waiting,
            })
        };
        loop {
            if !self.wait_while_paused().await {
                return Removal::NotSent;
            }
            emit(RunEvent::Batch {
                index,
                users,
                stage: BatchStage::JobRunning,
            });
            let answer = classify(
                self.send(|auth| remove_users_request(self.base, name, auth))
                    .await,
                parse_status,
            );
            match answer {
                Answer::Body { body, http_status } => {
                    return match (body.state(), body.job_status_href()) {
                        (JobState::Running, Some(href)) => Removal::Running(href.to_string()),
                        // A server error may come after the job started: List Users will tell.
                        (_, _) if http_status >= 500 => Removal::Failed {
                            message: format!(
                                "the removal request was answered HTTP {http_status} ({}); {CHECK_CONSOLE}",
                                body.details_or_status()
                            ),
                            http_status: Some(http_status),
                            may_have_run: true,
                        },
                        (JobState::Running, None) => Removal::Failed {
                            message: format!("the removal job started but its answer has no Job Status link; {CHECK_CONSOLE}"),
                            http_status: Some(http_status),
                            may_have_run: true,
                        },
                        _ => Removal::Finished(body, http_status),
                    };
                }
                Answer::CredentialRefused(status) => {
                    waiting(emit);
                    if !self.await_credential(status, emit).await {
                        return Removal::NotSent;
                    }
                }
                Answer::Throttled { wait_ms } => {
                    waiting(emit);
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
                Answer::Refused {
                    http_status,
                    message,
                } => {
                    return Removal::Failed {
                        message: format!("the removal request was refused: {message}"),
                        http_status: Some(http_status),
                        may_have_run: false,
                    };
                }
                Answer::Transient(why) => {
                    return Removal::Failed {
                        message: format!(
                            "no usable answer to the removal request ({why}); {CHECK_CONSOLE}"
                        ),
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

    /// Polls the job's `Job Status` link until its status is no longer -1: on the schedule of
    /// [`PollSchedule`] for a job of `users` users at `pace` (the previous job's), which this
    /// job's pace replaces when it finishes well. A 429's `Retry-After` is waited out, and
    /// failed polls back off as failed sends do. Unreachable polls are retried until the job
    /// timeout; time spent waiting for a new credential does not count. A cancelled run keeps
    /// following a job already started.
    pub(super) async fn follow_job(
        &self,
        index: usize,
        href: &str,
        users: usize,
        pace: &mut Option<Pace>,
        mut emit: &mut dyn FnMut(RunEvent),
    ) -> JobEnd {
        let timeout = self.config.job_timeout_ms;
        let mut schedule = PollSchedule::new(self.config, users, *pace);
        let mut trouble_backoff = self.backoff();
        let mut penalty_ms = 0;
        let url = match self.base.follow(href) {
            Ok(url) => url,
            Err(why) => return JobEnd::Unknown(format!("{why}; {CHECK_CONSOLE}")),
        };
        let started = self.now();
        let mut paused_ms = 0.0;
        let active = |paused_ms: f64| (self.now() - started - paused_ms).max(0.0);
        let mut problem: Option<String> = None;
        loop {
            let elapsed = active(paused_ms);
            if elapsed as u64 >= timeout {
                let last = problem
                    .map(|p| format!(" (last status check: {p})"))
                    .unwrap_or_default();
                return JobEnd::Unknown(format!(
                    "the job did not finish within {}{last}; {CHECK_CONSOLE}",
                    minutes(timeout)
                ));
            }
            let wait = schedule.next_wait_ms(elapsed).max(penalty_ms);
            self.clock
                .sleep(wait.min(timeout - elapsed as u64).max(1))
                .await;
            let sent_at = active(paused_ms);
            let sent = self.send(|auth| job_status_request(&url, auth)).await;
            let trouble = match classify(sent, parse_status) {
                // Server trouble, or a request timeout: ask again.
                Answer::Body { body, http_status } if http_status >= 500 || http_status == 408 => {
                    penalty_ms = trouble_backoff.next_ms();
                    format!("HTTP {http_status}: {}", body.details_or_status())
                }
                // Not the job's end: the link or the job itself is not (or no longer) there.
                Answer::Body { body, http_status } if http_status >= 400 && http_status != 408 => {
                    return JobEnd::Unknown(format!(
                        "the job's status could not be read (HTTP {http_status}: {}); {CHECK_CONSOLE}",
                        body.details_or_status()
                    ));
                }
                Answer::Body { body, .. } if body.state() == JobState::Running => {
                    schedule.saw_running(sent_at);
                    penalty_ms = 0;
                    trouble_backoff.reset();
                    if problem.take().is_some() {
                        emit(RunEvent::Note(format!(
                            "Batch {}: the job's status can be read again.",
                            index + 1
                        )));
                    }
                    continue;
                }
                Answer::Body { body, http_status } => {
                    if body.status == 0 && problem.is_none() {
                        *pace = schedule.pace(active(paused_ms)).or(*pace);
                    }
                    if problem.is_some() {
                        emit(RunEvent::Note(format!(
                            "Batch {}: the job's status can be read again: it has ended.",
                            index + 1
                        )));
                    }
                    return JobEnd::Finished(body, http_status);
                }
                Answer::CredentialRefused(status) => {
                    let since = self.now();
                    if !self.await_credential(status, &mut emit).await {
                        return JobEnd::Unknown(format!(
                            "the run was cancelled while the job was running and no credential was available to follow it; {CHECK_CONSOLE}"
                        ));
                    }
                    paused_ms += self.now() - since;
                    continue;
                }
                Answer::Throttled { wait_ms } => {
                    match wait_ms {
                        Some(wait) => {
                            emit(RunEvent::Throttled { wait_ms: wait });
                            self.clock.sleep(wait).await;
                        }
                        None => penalty_ms = trouble_backoff.next_ms(),
                    }
                    "HTTP 429 Too Many Requests".to_string()
                }
                Answer::Transient(why) => {
                    penalty_ms = trouble_backoff.next_ms();
                    why
                }
                Answer::Unreadable { http_status, error } => {
                    penalty_ms = trouble_backoff.next_ms();
                    format!("HTTP {http_status}: {error}")
                }
                Answer::Refused { message, .. } => {
                    return JobEnd::Unknown(format!(
                        "the job's status could not be read ({message}); {CHECK_CONSOLE}"
                    ));
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
}

fn minutes(ms: u64) -> String {
    let mins = ms / 60_000;
    if mins >= 1 && ms.is_multiple_of(60_000) {
        format!("{mins} min")
    } else {
        format!("{} s", ms.div_ceil(1_000))
    }
}
