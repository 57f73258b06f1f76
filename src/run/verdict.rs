//! What a vendor protocol tells the per-user engine: how to ask, and what each answer means.

use super::http::{Auth, NetError, Request, Response};
use super::outcome::Outcome;

/// What the engine knows when it asks the protocol to judge an answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AttemptContext {
    /// Now, ms since the Unix epoch (for `Retry-After` dates).
    pub now_ms: f64,
    /// Requests sent for this user so far, this one included.
    pub attempt: u32,
    /// An earlier request for this user may have been carried out without us hearing the answer.
    pub earlier_unanswered: bool,
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
    /// The credential was refused: pause the run, keep this user queued, send again with a new one.
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

/// A per-user removal API (one request per user).
pub trait Protocol {
    /// The request that removes `user`.
    fn request(&self, user: &str, auth: &Auth) -> Request;
    /// What an answer (or its absence) means.
    fn judge(&self, reply: &Result<Response, NetError>, ctx: &AttemptContext) -> Verdict;
}
