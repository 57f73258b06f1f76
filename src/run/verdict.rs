//! What a vendor protocol tells the per-user engine: how to ask, and what each answer means.
//!
//! A user may need several requests in order (disable, then delete): each is a *step*, counted
//! from 0. A step that succeeded says [`Verdict::Continue`] and the engine sends the user's next
//! step. When a user ends after some steps went through, [`Protocol::conclude`] words its result.

use super::http::{Auth, NetError, Request, Response};
use super::outcome::Outcome;

/// What the engine knows when it asks the protocol to judge an answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AttemptContext<'a> {
    /// Now, ms since the Unix epoch (for `Retry-After` dates).
    pub now_ms: f64,
    /// Requests sent for this user so far (every step), this one included.
    pub attempt: u32,
    /// An earlier request for this step may have been carried out without us hearing the
    /// answer; in a resumed run, also any request for this user sent before the page closed.
    pub earlier_unanswered: bool,
    /// A resumed run, and this user was in flight when the page closed (at a step unknown) and
    /// has not gone through a step since: a "not found" most likely means an earlier delete.
    pub resumed: bool,
    /// The user, as the plan names it.
    pub user: &'a str,
    /// The step this answer belongs to, from 0.
    pub step: usize,
}

/// The meaning of one answer (or of no answer) for one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The user's outcome is known; nothing more is ever sent for this user.
    Final {
        outcome: Outcome,
        status: Option<u16>,
        message: String,
    },
    /// This step succeeded: send the user's next step now. `message` names what was done
    /// ("Disabled", "Already disabled") and joins the user's trail.
    Continue { status: u16, message: String },
    /// The credential was refused: pause the run, keep this user queued, send the same step
    /// again with a new one.
    CredentialRefused { status: u16, message: String },
    /// Too many requests: slow down; wait `wait_ms` if the service said how long.
    Throttled {
        status: u16,
        wait_ms: Option<u64>,
        message: String,
    },
    /// Worth retrying after a backoff. `maybe_done`: the service may have acted without our
    /// hearing it (no answer, gateway timeout), so a later "not found" can mean "removed".
    Retry {
        status: Option<u16>,
        message: String,
        maybe_done: bool,
    },
}

/// A step that went through, as its [`Verdict::Continue`] said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepDone {
    pub status: u16,
    pub message: String,
}

/// Why a user's last step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndCause {
    /// The protocol judged an answer final.
    Answered,
    /// The step ran out of attempts, or of time while throttled.
    Exhausted,
    /// The run was cancelled before the step went through.
    Cancelled,
}

/// How a user's last step ended, as the engine would report it for a one-step user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ending {
    pub outcome: Outcome,
    pub status: Option<u16>,
    pub message: String,
    pub cause: EndCause,
    /// Requests sent for this step (0: the run was cancelled before its turn).
    pub sent: u32,
    /// A request for this step may have been carried out without our hearing the answer.
    pub unanswered: bool,
    /// The last error heard for this step, if any.
    pub last_error: Option<String>,
}

/// A per-user API: one or more requests per user, in steps.
pub trait Protocol {
    /// The request for `user`'s step `step` (0 for single-step protocols).
    fn request(&self, user: &str, step: usize, auth: &Auth) -> Request;
    /// What an answer (or its absence) means.
    fn judge(&self, reply: &Result<Response, NetError>, ctx: &AttemptContext<'_>) -> Verdict;
    /// The outcome and message of a user that ended at step `done.len()` after the steps of
    /// `done` went through. Called for every user with at least one step done, success
    /// included. By default the outcome stands and the message tells the trail first.
    fn conclude(&self, user: &str, done: &[StepDone], end: Ending) -> (Outcome, String) {
        let _ = user;
        let trail: Vec<&str> = done.iter().map(|d| d.message.as_str()).collect();
        (
            end.outcome,
            format!("{}; then: {}", trail.join("; then: "), end.message),
        )
    }
}
