//! The removal engine: scheduling, retries and progress, driven through a small HTTP trait.

pub mod http;
pub mod outcome;

pub use http::{Auth, Clock, Http, Method, NetError, Request, Response};
pub use outcome::{Outcome, UserResult};
