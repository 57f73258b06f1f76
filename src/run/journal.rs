//! The journal of one run, saved in the browser as outcomes arrive so that a run cut short by a
//! reload or a crash can be resumed: the plan, the rows intake set aside, every known result,
//! the users whose request was out, and the EPM users whose removal job had started. It never
//! holds the credential.
//!
//! The shell feeds it every [`RunEvent`] ([`Journal::apply`]) and saves [`Journal::encode`]
//! (the text of [`Journal::to_json`], written again only where it changed) when
//! [`SaveThrottle::should_save`] says so. On reopening, [`Journal::from_json`] gives it
//! back; then:
//! - EPM: [`Journal::settle_interrupted_jobs`] reports the users of a batch whose removal may
//!   have started as failed ([`JOB_INTERRUPTED`]), never to be sent again;
//! - RSA: [`Journal::unanswered`] goes to `run_rsa` (with `RsaMode::from_journal`) or
//!   `run_rsa_removal_resuming`, so a "not found" for a user whose request went unanswered
//!   reads as "removed";
//! - the run continues with [`Journal::remaining`], feeding the same journal.
//!
//! It also records the run's [`RunAction`] and, for runs whose users take several steps (RSA
//! "disable, then delete"), each user's step list as the protocol encodes it
//! ([`Journal::step_codes`]), so a resumed run takes the same steps. Progress within a user's
//! steps is not saved: a resumed user starts again at its first step. That is safe because
//! each preparatory step is idempotent at the service (disabling or unmarking a user already so
//! answers 409, which the protocol takes as done) and the user counts as unanswered, so its
//! result says when an earlier session may have changed it.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::future::Future;

use super::action::RunAction;
use super::event::{BatchStage, RunEvent};
use super::outcome::{Outcome, PlanEntry, UserResult};
use crate::hash::FxBuild;
use crate::json::{self, DecodeError, FromJson, ObjectWriter, ToJson, Value};
use crate::results::{SkipReason, Skipped};
use crate::target::Target;

pub use jobs::InterruptedJob;

mod encode;
mod jobs;
mod packing;
pub mod pieces;
#[cfg(test)]
mod serde_oracle;
mod sets;
#[cfg(test)]
mod tests;

/// The journal format this version writes and reads.
pub const JOURNAL_VERSION: u32 = 1;

/// The result of an EPM user whose batch's removal may have started before the page closed.
pub const JOB_INTERRUPTED: &str = "Outcome unknown: the page was closed while this user's removal was under way; \
    check the identity domain's users (and the EPM job console, for a removal job) to see whether it was \
    removed. Not sent again.";

/// The result of an EPM user whose removal (a v1 job, a v2 request) was under way when the page
/// closed, and whom List Users does not have when the run resumes, nor "Check who exists"
/// before the run.
pub const JOB_SETTLED_ABSENT: &str =
    "Not found: the page was closed while this user's removal was under way; when the run went on, List \
    Users had no such login, and Check who exists had found none before the run.";

/// The result of an EPM user whose removal (a v1 job, a v2 request) was under way when the page
/// closed, and whom List Users does not have when the run resumes: that removal went through,
/// or (the run cannot tell) the login never existed.
pub const JOB_SETTLED_GONE: &str =
    "Removed: the page was closed while this user's removal was under way; when the run went on, List Users \
    no longer had this login (that removal went through, or the login never existed).";

/// Ends the message of an EPM user whose job was running when the page closed, and which the
/// resumed run followed to its end.
pub const JOB_FOLLOWED: &str =
    "(the page was closed while this user's removal job ran; when the run went on, the job was followed to its end)";

/// What [`Journal::results_so_far`] says of a user whose request (or removal job) was under way
/// when the page closed.
pub const UNKNOWN_WHEN_CLOSED: &str =
    "Outcome unknown: a request for this user was under way when the page closed; \
    resume the run to check it again.";

/// What [`Journal::results_so_far`] says of a user the interrupted run had not reached.
pub const NOT_STARTED_WHEN_CLOSED: &str =
    "Not started: the page was closed before this user's turn; resume the run to go on.";

/// One run's plan and progress, as saved in the browser.
///
/// A user is "in flight" from its first [`RunEvent::Sending`] until its [`RunEvent::Result`], or
/// until [`RunEvent::Unacted`] says no request for it can have been carried out (a 429, a
/// refused credential): a user whose answer was lost stays in flight, as its request may have
/// been carried out.
///
/// EPM batches are the plan's entries without a result, in plan order, cut into consecutive
/// chunks of the sizes the `Batch { stage: Queued }` events announce (batch 0 starts a new
/// cut). This holds when the EPM run is given [`Journal::remaining`] as its plan, which is how
/// `Epm::remove_v1` and `remove_v2` split it (the admin's own login is reported before the
/// batches are announced). A batch counts as started from `Uploading` (v1: the removal request
/// follows the upload without another event) or `JobRunning` (v1 job, v2 request).
#[derive(Clone, Debug)]
pub struct Journal {
    pub target: Target,
    /// What the run does to each user (older saves: remove).
    pub action: RunAction,
    /// The service address as the admin typed it.
    pub base_url: String,
    pub run_id: String,
    /// When the run started, ms since the Unix epoch.
    pub started_ms: f64,
    plan: Vec<PlanEntry>,
    /// One character per plan entry naming its steps, written by the protocol; empty when the
    /// run's users take one step each.
    steps: String,
    skipped: Vec<Skipped>,
    /// Known results, by plan index.
    results: Vec<Option<UserResult>>,
    /// Users sent a request with no result yet.
    in_flight: sets::Names,
    /// Plan indices of users in a started EPM batch, with no result yet.
    in_job: sets::Marks,
    /// EPM jobs started, with their link, file and users (see [`InterruptedJob`]).
    jobs: Vec<jobs::JobWire>,
    /// EPM v1 files that may be on the service: uploaded (or being uploaded) and not deleted.
    files: Vec<String>,
    /// Plan indices of the users "Check who exists" found missing before the run started
    /// (EPM); `None` without such a check.
    absent: Option<Vec<usize>>,
    /// Plan index of each row.
    by_row: HashMap<usize, usize, FxBuild>,
    /// Plan indices of each batch announced in the current run (not saved).
    batches: Vec<Vec<usize>>,
    /// Where the next announced batch starts looking for members (not saved).
    batch_cursor: usize,
    /// The text [`Journal::encode`] wrote last, by part (not saved).
    encoded: encode::Encoded,
}

/// Two journals are equal when they would be saved alike.
impl PartialEq for Journal {
    fn eq(&self, other: &Self) -> bool {
        self.target == other.target
            && self.base_url == other.base_url
            && self.run_id == other.run_id
            && self.started_ms == other.started_ms
            && self.plan == other.plan
            && self.skipped == other.skipped
            && self.results == other.results
            && self.in_flight == other.in_flight
            && self.in_job == other.in_job
            && self.live_jobs() == other.live_jobs()
            && self.files == other.files
            && self.absent == other.absent
            && self.action == other.action
            && self.steps == other.steps
    }
}

impl Journal {
    /// A journal of a run about to start, with no result yet.
    pub fn new(
        target: Target,
        base_url: &str,
        run_id: &str,
        started_ms: f64,
        plan: Vec<PlanEntry>,
        skipped: Vec<Skipped>,
    ) -> Self {
        let by_row = plan.iter().enumerate().map(|(i, e)| (e.row, i)).collect();
        Journal {
            target,
            base_url: base_url.to_string(),
            run_id: run_id.to_string(),
            started_ms,
            results: vec![None; plan.len()],
            plan,
            skipped,
            in_flight: sets::Names::default(),
            in_job: sets::Marks::default(),
            jobs: Vec::new(),
            files: Vec::new(),
            absent: None,
            by_row,
            action: RunAction::Remove,
            steps: String::new(),
            batches: Vec::new(),
            batch_cursor: 0,
            encoded: encode::Encoded::default(),
        }
    }

    /// The same journal for a run doing `action`, its users' steps coded by `steps` (one
    /// character per plan entry, in plan order; empty for one step each).
    ///
    /// # Panics
    /// If `steps` is neither empty nor one character per plan entry.
    pub fn for_action(mut self, action: RunAction, steps: String) -> Self {
        assert!(
            steps.is_empty() || steps.chars().count() == self.plan.len(),
            "one step code per plan entry"
        );
        self.action = action;
        self.steps = steps;
        self.encoded.forget_tail();
        self
    }

    /// The same journal, knowing which of its users "Check who exists" found missing before the
    /// run started (EPM): a resumed run still tells them from users it removed.
    pub fn with_absent_before(mut self, absent: impl Fn(&str) -> bool) -> Self {
        let indices = self.plan.iter().enumerate();
        self.absent = Some(
            indices
                .filter(|(_, e)| absent(&e.user))
                .map(|(i, _)| i)
                .collect(),
        );
        self.encoded.forget_tail();
        self
    }

    /// The users "Check who exists" found missing before the run started; `None` when no such
    /// check came before it.
    pub fn absent_before(&self) -> Option<Vec<&str>> {
        let absent = self.absent.as_ref()?;
        Some(absent.iter().map(|&i| self.plan[i].user.as_str()).collect())
    }

    /// The users' step codes, one character per plan entry ([`Journal::for_action`]); empty
    /// when the run's users take one step each, or the journal is older than steps.
    pub fn step_codes(&self) -> &str {
        &self.steps
    }

    /// The step codes of the entries of [`Journal::remaining`], in the same order.
    pub fn remaining_step_codes(&self) -> String {
        if self.steps.is_empty() {
            return String::new();
        }
        self.steps
            .chars()
            .zip(&self.results)
            .filter(|(_, r)| r.is_none())
            .map(|(c, _)| c)
            .collect()
    }

    /// Takes in one event of the run: `Sending` puts the user in flight, `Unacted` takes it out,
    /// `Result` records the outcome (and takes the user out of flight and out of any started
    /// batch), `Batch` follows EPM batches, `JobStarted` saves a job's link, and `FileUploading`
    /// and `FileDeleted` keep the EPM files that may be on the service. Other events change nothing.
    pub fn apply(&mut self, event: &RunEvent) {
        match event {
            RunEvent::Sending { user, .. } => {
                self.in_flight.insert(user.clone());
            }
            RunEvent::Unacted { user } => {
                self.in_flight.remove(user);
            }
            RunEvent::Result(result) => self.record(result.clone()),
            RunEvent::JobStarted { index, href, file } => self.follow_job(*index, href, file),
            RunEvent::FileUploading { file } if !self.files.contains(file) => {
                self.files.push(file.clone());
            }
            RunEvent::FileDeleted { file } => self.files.retain(|f| f != file),
            RunEvent::Batch {
                index,
                users,
                stage,
            } => self.follow_batch(*index, *users, stage),
            _ => {}
        }
    }

    fn record(&mut self, result: UserResult) {
        self.in_flight.remove(&result.user);
        if let Some(&i) = self.by_row.get(&result.row) {
            self.in_job.remove(i);
            self.results[i] = Some(result);
            self.encoded.forget_result(i);
        }
    }

    fn follow_batch(&mut self, index: usize, users: usize, stage: &BatchStage) {
        match stage {
            BatchStage::Queued => {
                if index == 0 {
                    self.batches.clear();
                    self.batch_cursor = 0;
                }
                if index != self.batches.len() {
                    return;
                }
                let mut members = Vec::with_capacity(users.min(self.plan.len()));
                while members.len() < users && self.batch_cursor < self.plan.len() {
                    if self.results[self.batch_cursor].is_none() {
                        members.push(self.batch_cursor);
                    }
                    self.batch_cursor += 1;
                }
                self.batches.push(members);
            }
            BatchStage::Uploading => self.forget_ended_jobs(),
            // Its removal request was answered without effect (429, a refused credential).
            BatchStage::Waiting => {
                if let Some(members) = self.batches.get(index) {
                    members.iter().for_each(|&i| self.in_job.remove(i));
                }
            }
            // Announced before the removal request is sent: its users may be removed from then on.
            BatchStage::JobRunning => {
                if let Some(members) = self.batches.get(index) {
                    let results = &self.results;
                    self.in_job
                        .extend(members.iter().copied().filter(|&i| results[i].is_none()));
                }
            }
            BatchStage::Uploaded | BatchStage::Done(_) | BatchStage::Failed(_) => {}
        }
    }

    /// The plan, in order.
    pub fn plan(&self) -> &[PlanEntry] {
        &self.plan
    }

    /// The rows intake set aside.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Every known result, in plan order.
    pub fn results(&self) -> Vec<UserResult> {
        self.results.iter().flatten().cloned().collect()
    }

    /// A result for every entry of the plan: the known ones, and for the others what an interrupted
    /// run can say of them: "outcome unknown" (failed) for a user whose request or removal job was
    /// under way when the page closed, "not started" for the rest. Resuming the run settles both.
    pub fn results_so_far(&self) -> Vec<UserResult> {
        let sent = self.in_flight.as_slice();
        self.plan
            .iter()
            .zip(&self.results)
            .enumerate()
            .map(|(i, (entry, result))| match result {
                Some(result) => result.clone(),
                None => {
                    let unknown =
                        self.in_job.contains(i) || sent.binary_search(&entry.user).is_ok();
                    let (outcome, message) = if unknown {
                        (Outcome::Failed, UNKNOWN_WHEN_CLOSED)
                    } else {
                        (Outcome::NotStarted, NOT_STARTED_WHEN_CLOSED)
                    };
                    UserResult::unsent(entry, outcome, message, f64::NAN)
                }
            })
            .collect()
    }

    /// Whether every entry of the plan has its result.
    pub fn is_finished(&self) -> bool {
        self.results.iter().all(Option::is_some)
    }

    /// The entries without a known result, in plan order: what a resumed run still has to do.
    /// For EPM, call [`Journal::settle_interrupted_jobs`] first.
    pub fn remaining(&self) -> Vec<PlanEntry> {
        self.plan
            .iter()
            .zip(&self.results)
            .filter(|(_, r)| r.is_none())
            .map(|(e, _)| e.clone())
            .collect()
    }

    /// Records users whose earlier request's outcome is unknown (a retry of them): a resume
    /// after a reload then treats them as "sent before, answer unknown", as the retry does.
    pub fn carry_unanswered<'a>(&mut self, users: impl IntoIterator<Item = &'a String>) {
        for user in users {
            self.in_flight.insert(user.clone());
        }
    }

    /// The users sent a request whose result is unknown (sorted): for RSA, "sent before,
    /// answer unknown" when the run resumes.
    pub fn unanswered(&self) -> Vec<String> {
        self.in_flight.as_slice().to_vec()
    }

    /// The EPM users without a result whose batch's removal had started, in plan order.
    pub fn interrupted_job_users(&self) -> Vec<PlanEntry> {
        self.in_job.iter().map(|i| self.plan[i].clone()).collect()
    }

    /// Reports every user of [`Journal::interrupted_job_users`] as failed with
    /// [`JOB_INTERRUPTED`], stamped `at_ms`, records those results and returns them.
    pub fn settle_interrupted_jobs(&mut self, at_ms: f64) -> Vec<UserResult> {
        let settled: Vec<UserResult> = self
            .in_job
            .take()
            .into_iter()
            .map(|i| UserResult {
                row: self.plan[i].row,
                user: self.plan[i].user.clone(),
                outcome: Outcome::Failed,
                http_status: None,
                message: JOB_INTERRUPTED.to_string(),
                attempts: 1,
                at_ms,
            })
            .collect();
        settled.iter().cloned().for_each(|r| self.record(r));
        settled
    }

    /// Settles the users of [`Journal::interrupted_job_users`] from what the service says now:
    /// a user `still_there` says is gone is reported removed with [`JOB_SETTLED_GONE`] (not
    /// found with [`JOB_SETTLED_ABSENT`] if it was absent before the run) and returned; the
    /// others become remaining again, to be sent in a new job, and unanswered: the
    /// interrupted job may still be running, so the new job's "not found" means it removed them.
    pub fn settle_interrupted_jobs_with(
        &mut self,
        still_there: impl Fn(&str) -> bool,
        at_ms: f64,
    ) -> Vec<UserResult> {
        let (there, gone): (Vec<usize>, Vec<usize>) = self
            .in_job
            .take()
            .into_iter()
            .partition(|&i| still_there(&self.plan[i].user));
        for i in there {
            self.in_flight.insert(self.plan[i].user.clone());
        }
        let absent: HashSet<usize> = self.absent.iter().flatten().copied().collect();
        let gone: Vec<UserResult> = gone
            .into_iter()
            .map(|i| {
                let (outcome, message) = if absent.contains(&i) {
                    (Outcome::NotFound, JOB_SETTLED_ABSENT)
                } else {
                    (Outcome::Removed, JOB_SETTLED_GONE)
                };
                UserResult {
                    row: self.plan[i].row,
                    user: self.plan[i].user.clone(),
                    outcome,
                    http_status: None,
                    message: message.to_string(),
                    attempts: 1,
                    at_ms,
                }
            })
            .collect();
        gone.iter().cloned().for_each(|r| self.record(r));
        gone
    }

    /// Forgets the results of these rows, so they are remaining again (a "retry failed" run
    /// kept in the same journal).
    pub fn reopen(&mut self, rows: &[usize]) {
        for row in rows {
            if let Some(&i) = self.by_row.get(row) {
                self.results[i] = None;
                self.encoded.forget_result(i);
            }
        }
    }

    /// The journal as compact JSON: the plan as two arrays, each result as an array pointing
    /// into a table of distinct messages, times relative to the start.
    pub fn to_json(&self) -> String {
        let mut messages: Vec<&str> = Vec::new();
        let mut message_index: HashMap<&str, u32> = HashMap::new();
        let done: Vec<Option<DoneWire>> = self
            .results
            .iter()
            .map(|r| {
                r.as_ref().map(|r| {
                    let m = *message_index.entry(&r.message).or_insert_with(|| {
                        messages.push(&r.message);
                        (messages.len() - 1) as u32
                    });
                    (
                        outcome_code(&r.outcome),
                        r.http_status,
                        m,
                        r.attempts,
                        r.at_ms - self.started_ms,
                    )
                })
            })
            .collect();
        let rows: Vec<usize> = self.plan.iter().map(|e| e.row).collect();
        let users: Vec<&str> = self.plan.iter().map(|e| e.user.as_str()).collect();
        let skipped: Vec<_> = self.skipped.iter().map(skip_to_wire).collect();
        let mut out = String::new();
        ObjectWriter::new(&mut out)
            .field("v", &JOURNAL_VERSION)
            .field("target", target_code(self.target))
            .field("base", &self.base_url)
            .field("run", &self.run_id)
            .field("started", &self.started_ms)
            .field("rows", &rows)
            .field("users", &users)
            .field("skipped", &skipped)
            .field("msgs", &messages)
            .field("done", &done)
            .field("sent", self.in_flight.as_slice())
            .field("job", &self.in_job.to_vec())
            .field("jobs", &self.live_jobs())
            .field("files", &self.files)
            .field("abs", &self.absent)
            .field("act", self.action.code())
            .field("stp", &self.steps)
            .finish();
        out
    }

    /// Reads a saved journal; a clear message when the text is not one, was written by another
    /// version, or is damaged.
    pub fn from_json(json: &str) -> Result<Journal, String> {
        from_wire(decode(&parse(json)?)?).map_err(damaged)
    }

    /// [`Journal::from_json`] in three steps (parse, decode, build), awaiting `turn()` between
    /// them: a page gives its event loop a turn there, so that reading a large journal does not
    /// hold it for the sum of the three.
    pub async fn from_json_in_steps<T: Future<Output = ()>>(
        json: &str,
        mut turn: impl FnMut() -> T,
    ) -> Result<Journal, String> {
        let value = parse(json)?;
        turn().await;
        let wire = decode(&value)?;
        drop(value);
        turn().await;
        from_wire(wire).map_err(damaged)
    }
}

/// A saved journal's text as JSON, written by this version.
fn parse(json: &str) -> Result<Value, String> {
    let value = json::parse(json)
        .map_err(|e| format!("The saved run cannot be read: it is not valid JSON ({e})."))?;
    let version = match value.get("v") {
        Some(v) => v.as_u64(),
        None => return Err("The saved data is not an Offboard run journal.".to_string()),
    };
    if version != Some(u64::from(JOURNAL_VERSION)) {
        let found = version.map_or_else(|| "unknown".to_string(), |v| v.to_string());
        return Err(format!(
            "The saved run was written by another version of Offboard (journal format {found}; \
             this version reads format {JOURNAL_VERSION}), so it cannot be resumed."
        ));
    }
    Ok(value)
}

/// What the page says of a saved journal that is damaged, and why.
pub fn damaged(why: impl std::fmt::Display) -> String {
    format!("The saved run is damaged and cannot be resumed: {why}.")
}

/// The saved form of a parsed journal.
fn decode(value: &Value) -> Result<Wire, String> {
    Wire::from_json(value).map_err(|e| damaged(e.to_string()))
}

/// The saved form, as read back. Short keys and arrays keep a 40,000-user journal to a few MB;
/// [`Journal::to_json`] writes the keys in this order.
struct Wire {
    target: String,
    base: String,
    run: String,
    started: f64,
    rows: Vec<usize>,
    users: Vec<String>,
    skipped: Vec<(usize, String, SkipWire<'static>)>,
    msgs: Vec<String>,
    done: Vec<Option<DoneWire>>,
    sent: Vec<String>,
    job: Vec<usize>,
    /// EPM jobs that may still run (absent in older saves).
    jobs: Vec<jobs::JobWire>,
    /// EPM files that may be on the service (absent in older saves).
    files: Vec<String>,
    /// Plan indices found missing before the run (absent or null in older saves).
    abs: Option<Vec<usize>>,
    /// The run's action ([`RunAction::code`]); absent in older saves (remove).
    act: String,
    /// One step code per plan entry, or empty (absent in older saves).
    stp: String,
}

/// Every field but `v`, which [`Journal::from_json`] checks first; unknown fields are ignored.
impl FromJson for Wire {
    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        let obj = value
            .as_object()
            .ok_or_else(|| DecodeError::invalid_type("an object", value))?;
        Ok(Wire {
            target: json::required(obj, "target")?,
            base: json::required(obj, "base")?,
            run: json::required(obj, "run")?,
            started: json::required(obj, "started")?,
            rows: json::required(obj, "rows")?,
            users: json::required(obj, "users")?,
            skipped: json::required(obj, "skipped")?,
            msgs: json::required(obj, "msgs")?,
            done: json::required(obj, "done")?,
            sent: json::required(obj, "sent")?,
            job: json::required(obj, "job")?,
            jobs: json::field(obj, "jobs")?.unwrap_or_default(),
            files: json::field(obj, "files")?.unwrap_or_default(),
            abs: json::field(obj, "abs")?.flatten(),
            act: json::field(obj, "act")?.unwrap_or_default(),
            stp: json::field(obj, "stp")?.unwrap_or_default(),
        })
    }
}

/// One known result: (outcome, HTTP status, message index, attempts, ms after the start).
type DoneWire = (u8, Option<u16>, u32, u32, f64);

/// Why a row was skipped: `"b"`, `"h"`, `"s"` or `"o"` (left out), or `{"d": row}`, `{"i": why}`,
/// `{"p": why}`, `{"n": how}` (not in the tenant), `{"l": why}` (not looked up).
enum SkipWire<'a> {
    Duplicate(usize),
    Invalid(Cow<'a, str>),
    Blank,
    Header,
    ExcludedSelf,
    ExcludedSelfGuess,
    Protected(Cow<'a, str>),
    NotInTenant(Cow<'a, str>),
    NotLookedUp(Cow<'a, str>),
    LeftOut,
}

impl ToJson for SkipWire<'_> {
    fn write_json(&self, out: &mut String) {
        match self {
            SkipWire::Duplicate(row) => ObjectWriter::new(out).field("d", row).finish(),
            SkipWire::Invalid(why) => ObjectWriter::new(out).field("i", &**why).finish(),
            SkipWire::Protected(p) => ObjectWriter::new(out).field("p", &**p).finish(),
            SkipWire::NotInTenant(how) => ObjectWriter::new(out).field("n", &**how).finish(),
            SkipWire::NotLookedUp(why) => ObjectWriter::new(out).field("l", &**why).finish(),
            SkipWire::Blank => "b".write_json(out),
            SkipWire::Header => "h".write_json(out),
            SkipWire::ExcludedSelf => "s".write_json(out),
            SkipWire::ExcludedSelfGuess => "g".write_json(out),
            SkipWire::LeftOut => "o".write_json(out),
        }
    }
}

/// Also `{"b": null}` for `"b"` (and so on), as the earlier serde reading accepted.
impl FromJson for SkipWire<'static> {
    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        let (code, inner) = match value {
            Value::String(code) => (code.as_str(), None),
            Value::Object(map) => match map.iter().collect::<Vec<_>>()[..] {
                [(code, inner)] => (code, Some(inner)),
                _ => {
                    return Err(DecodeError::invalid_value(
                        "a skip reason object has exactly one key",
                    ))
                }
            },
            other => return Err(DecodeError::invalid_type("a skip reason", other)),
        };
        let text = |inner: &Value| String::from_json(inner).map(Cow::Owned);
        let reason = match (code, inner) {
            ("b", None | Some(Value::Null)) => Ok(SkipWire::Blank),
            ("h", None | Some(Value::Null)) => Ok(SkipWire::Header),
            ("s", None | Some(Value::Null)) => Ok(SkipWire::ExcludedSelf),
            ("g", None | Some(Value::Null)) => Ok(SkipWire::ExcludedSelfGuess),
            ("o", None | Some(Value::Null)) => Ok(SkipWire::LeftOut),
            ("d", Some(inner)) => usize::from_json(inner).map(SkipWire::Duplicate),
            ("i", Some(inner)) => text(inner).map(SkipWire::Invalid),
            ("p", Some(inner)) => text(inner).map(SkipWire::Protected),
            ("n", Some(inner)) => text(inner).map(SkipWire::NotInTenant),
            ("l", Some(inner)) => text(inner).map(SkipWire::NotLookedUp),
            _ => {
                return Err(DecodeError::invalid_value(format!(
                    "unknown skip reason {}",
                    json::to_string(value)
                )))
            }
        };
        reason.map_err(|e| e.at_key(code))
    }
}

fn skip_to_wire(s: &Skipped) -> (usize, &str, SkipWire<'_>) {
    let reason = match &s.reason {
        SkipReason::Duplicate { of_row } => SkipWire::Duplicate(*of_row),
        SkipReason::Invalid(why) => SkipWire::Invalid(Cow::Borrowed(why)),
        SkipReason::Blank => SkipWire::Blank,
        SkipReason::Header => SkipWire::Header,
        SkipReason::ExcludedSelf => SkipWire::ExcludedSelf,
        SkipReason::ExcludedSelfGuess => SkipWire::ExcludedSelfGuess,
        SkipReason::Protected(p) => SkipWire::Protected(Cow::Borrowed(p)),
        SkipReason::NotInTenant(how) => SkipWire::NotInTenant(Cow::Borrowed(how)),
        SkipReason::NotLookedUp(why) => SkipWire::NotLookedUp(Cow::Borrowed(why)),
        SkipReason::LeftOut => SkipWire::LeftOut,
    };
    (s.row, &s.value, reason)
}

fn skip_from_wire((row, value, reason): (usize, String, SkipWire<'_>)) -> Skipped {
    let reason = match reason {
        SkipWire::Duplicate(of_row) => SkipReason::Duplicate { of_row },
        SkipWire::Invalid(why) => SkipReason::Invalid(why.into_owned()),
        SkipWire::Blank => SkipReason::Blank,
        SkipWire::Header => SkipReason::Header,
        SkipWire::ExcludedSelf => SkipReason::ExcludedSelf,
        SkipWire::ExcludedSelfGuess => SkipReason::ExcludedSelfGuess,
        SkipWire::Protected(p) => SkipReason::Protected(p.into_owned()),
        SkipWire::NotInTenant(how) => SkipReason::NotInTenant(how.into_owned()),
        SkipWire::NotLookedUp(why) => SkipReason::NotLookedUp(why.into_owned()),
        SkipWire::LeftOut => SkipReason::LeftOut,
    };
    Skipped { row, value, reason }
}

/// Outcome codes are positions in this list: append only.
const OUTCOMES: [Outcome; 10] = [
    Outcome::Removed,
    Outcome::NotFound,
    Outcome::NotAllowed,
    Outcome::Conflict,
    Outcome::Failed,
    Outcome::NotStarted,
    Outcome::Marked,
    Outcome::Restored,
    Outcome::DisabledOnly,
    Outcome::Unchanged,
];

fn outcome_code(outcome: &Outcome) -> u8 {
    OUTCOMES.iter().position(|o| o == outcome).unwrap_or(4) as u8
}

fn target_code(target: Target) -> &'static str {
    match target {
        Target::Rsa => "rsa",
        Target::Epm => "epm",
    }
}

fn from_wire(w: Wire) -> Result<Journal, String> {
    let target = match &*w.target {
        "rsa" => Target::Rsa,
        "epm" => Target::Epm,
        other => return Err(format!("unknown target {other:?}")),
    };
    let n = w.rows.len();
    let action = match &*w.act {
        "" => RunAction::Remove,
        code => RunAction::from_code(code).ok_or_else(|| format!("unknown action {code:?}"))?,
    };
    if !w.stp.is_empty() && w.stp.chars().count() != n {
        return Err("the steps and the plan do not line up".to_string());
    }
    if w.users.len() != n || w.done.len() != n {
        return Err("the plan and its results do not line up".to_string());
    }
    if w.rows.iter().collect::<HashSet<_, FxBuild>>().len() != n {
        return Err("a row appears twice in the plan".to_string());
    }
    if let Some(i) = w.job.iter().find(|&&i| i >= n) {
        return Err(format!("batch member {i} is outside the plan"));
    }
    if let Some(i) = w.jobs.iter().flat_map(|j| &j.3).find(|&&i| i >= n) {
        return Err(format!("job member {i} is outside the plan"));
    }
    if let Some(i) = w.abs.iter().flatten().find(|&&i| i >= n) {
        return Err(format!("absent user {i} is outside the plan"));
    }
    let plan: Vec<PlanEntry> = w
        .rows
        .into_iter()
        .zip(w.users)
        .map(|(row, user)| PlanEntry { row, user })
        .collect();
    let mut results = Vec::with_capacity(n);
    for (entry, done) in plan.iter().zip(w.done) {
        let Some((code, http_status, m, attempts, after_ms)) = done else {
            results.push(None);
            continue;
        };
        let outcome = OUTCOMES
            .get(usize::from(code))
            .ok_or_else(|| format!("row {}: unknown outcome {code}", entry.row))?;
        let message = w
            .msgs
            .get(m as usize)
            .ok_or_else(|| format!("row {}: message {m} is missing", entry.row))?;
        let at_ms = w.started + after_ms;
        if !at_ms.is_finite() {
            return Err(format!("row {}: its time is not a time", entry.row));
        }
        results.push(Some(UserResult {
            row: entry.row,
            user: entry.user.clone(),
            outcome: outcome.clone(),
            http_status,
            message: message.to_string(),
            attempts,
            at_ms,
        }));
    }
    let mut journal = Journal::new(
        target,
        &w.base,
        &w.run,
        w.started,
        plan,
        w.skipped.into_iter().map(skip_from_wire).collect(),
    );
    journal.results = results;
    journal.in_flight.extend(w.sent);
    journal.in_job.extend(w.job);
    journal.jobs = w.jobs;
    journal.files = w.files;
    journal.absent = w.abs;
    journal.action = action;
    journal.steps = w.stp;
    Ok(journal)
}

/// Whether `event` changes what [`Journal::to_json`] writes.
fn changes_journal(event: &RunEvent) -> bool {
    matches!(
        event,
        RunEvent::Result(_)
            | RunEvent::Sending { .. }
            | RunEvent::Unacted { .. }
            | RunEvent::JobStarted { .. }
            | RunEvent::FileUploading { .. }
            | RunEvent::FileDeleted { .. }
            | RunEvent::Batch {
                stage: BatchStage::Uploading | BatchStage::Waiting | BatchStage::JobRunning,
                ..
            }
    )
}

/// When to save the journal: once something changed, as soon as `every_ms` passed since the
/// last save or `every_outcomes` outcomes arrived. Pure; time is passed in. Save once more
/// unconditionally when the run ends.
#[derive(Clone, Debug, PartialEq)]
pub struct SaveThrottle {
    every_ms: f64,
    every_outcomes: usize,
    last_saved_ms: Option<f64>,
    changed: bool,
    outcomes: usize,
}

impl Default for SaveThrottle {
    /// Every 2 s or every 500 outcomes: a 40,000-user journal is a few MB of JSON.
    fn default() -> Self {
        SaveThrottle::new(2_000, 500)
    }
}

impl SaveThrottle {
    pub fn new(every_ms: u64, every_outcomes: usize) -> Self {
        SaveThrottle {
            every_ms: every_ms as f64,
            every_outcomes: every_outcomes.max(1),
            last_saved_ms: None,
            changed: false,
            outcomes: 0,
        }
    }

    /// Takes note of an event the journal was given.
    pub fn note(&mut self, event: &RunEvent) {
        if changes_journal(event) {
            self.changed = true;
        }
        if matches!(event, RunEvent::Result(_)) {
            self.outcomes += 1;
        }
    }

    /// Whether the journal should be saved now.
    pub fn should_save(&self, now_ms: f64) -> bool {
        self.changed
            && (self.outcomes >= self.every_outcomes
                || self
                    .last_saved_ms
                    .is_none_or(|last| now_ms - last >= self.every_ms))
    }

    /// The journal was saved at `now_ms`.
    pub fn saved(&mut self, now_ms: f64) {
        self.last_saved_ms = Some(now_ms);
        self.changed = false;
        self.outcomes = 0;
    }
}
