//! What an RSA run does to each user beyond Delete User Now alone: removal in steps (unmark,
//! disable, then delete), marking for deletion, and the undos (unmark, enable again).
//!
//! - [`plan`]: which steps each user takes, from its lookup and the admin's options;
//! - [`removal`]: the multi-step removal protocol and how its results read;
//! - [`single`]: one-request changes (mark, unmark, enable again);
//! - [`mode`]: the run's mode, its protocol ([`RsaJob`]) and how the journal records it.

mod answer;
pub mod mode;
pub mod plan;
pub mod removal;
pub mod single;

#[cfg(test)]
mod tests;

pub use answer::REFUSED;
pub use mode::{RsaJob, RsaMode};
pub use plan::{steps_for, RemovalOptions, Step, StepMap, Steps};
pub use removal::{conclude_steps, judge_step, step_request};
pub use single::{change_request, judge_change, Change};
