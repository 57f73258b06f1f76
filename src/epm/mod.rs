//! The Oracle EPM Cloud protocol: upload, removal job, job status and per-user outcomes.
//!
//! v1 ("Remove Users from an Identity Domain"): each batch of logins is written as the
//! documented CSV, uploaded, removed by an asynchronous job that is polled to its end, and
//! mapped to one outcome per user; [`Epm::remove_v1`] drives it. Pure Rust: requests go
//! through [`crate::run::Http`], waits through [`crate::run::Clock`].

pub mod batch;
mod call;
pub mod job;
mod json;
mod run;
pub mod service;
pub mod upload;
pub mod url;

#[cfg(test)]
mod run_tests;
#[cfg(test)]
mod testing;

pub use batch::{BatchReport, DEFAULT_BATCH_SIZE};
pub use job::{parse_status, Counts, JobState, StatusBody};
pub use json::ParseError;
pub use service::{Epm, EpmConfig};
pub use url::{BaseError, EpmBase};
