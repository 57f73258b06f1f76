//! The removal engine: scheduling, retries and progress, driven through a small HTTP trait.

pub mod action;
pub mod backoff;
mod book;
pub mod breaker;
pub mod control;
pub mod engine;
pub mod event;
pub mod follow_up;
pub mod http;
pub mod journal;
pub mod outcome;
pub mod pacer;
pub mod progress;
pub mod retry_after;
pub mod rng;
pub mod status;
pub mod testing;
pub mod verdict;

pub use action::RunAction;
pub use backoff::Backoff;
pub use control::{Control, Mode, PauseReason, ASKS_FOR_CREDENTIAL};
pub use engine::{run_per_user, run_per_user_resuming, ResumePlan, RunSettings};
pub use event::{BatchStage, RunEvent};
pub use http::{Auth, Clock, Http, Method, NetError, Request, Response};
pub use journal::{Journal, SaveThrottle};
pub use outcome::{Outcome, PlanEntry, UserResult};
pub use pacer::{Pacer, PacerSettings};
pub use progress::Progress;
pub use verdict::{AttemptContext, EndCause, Ending, Protocol, StepDone, Verdict};
