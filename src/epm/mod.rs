//! The Oracle EPM Cloud protocol: upload, removal job, job status and per-user outcomes.
//!
//! v1 ("Remove Users from an Identity Domain"): each batch of logins is written as the
//! documented CSV, uploaded, removed by an asynchronous job that is polled to its end, and
//! mapped to one outcome per user; [`Epm::remove_v1`] drives it. v2 removes a batch in one
//! synchronous call ([`Epm::remove_v2`]); List Users ([`Epm::list_users`],
//! [`list::match_plan`]) previews who exists. Pure Rust: requests go through
//! [`crate::run::Http`], waits through [`crate::run::Clock`].

pub mod batch;
mod call;
pub mod job;
mod job_follow;
mod json;
pub mod list;
mod lost;
mod outage;
mod poll;
pub mod rehearse;
mod run;
mod run_v2;
pub mod service;
pub mod upload;
mod upload_file;
pub mod url;
pub mod v2;

#[cfg(test)]
mod run_tests;
#[cfg(test)]
mod testing;

pub use batch::{batch_size_within_limits, BatchReport, DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE};
pub use call::refused_credential;
pub use job::{parse_status, Counts, JobState, StatusBody};
pub use json::ParseError;
pub use list::{EpmUser, Presence};
pub use outage::Outage;
pub use service::{Epm, EpmConfig};
pub use upload::{run_id_from_ms, LineEnding};
pub use url::{BaseError, EpmBase};
pub use v2::{ServiceError, V2Answer};
