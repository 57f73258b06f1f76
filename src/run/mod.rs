//! The removal engine: scheduling, retries and progress, driven through a small HTTP trait.

pub mod control;
pub mod event;
pub mod http;
pub mod outcome;

pub use control::{Control, Mode, PauseReason};
pub use event::{BatchStage, RunEvent};
pub use http::{Auth, Clock, Http, Method, NetError, Request, Response};
pub use outcome::{Outcome, UserResult};
