//! What a running engine tells the UI.

use super::control::PauseReason;
use super::outcome::UserResult;

/// One thing that happened during a run, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum RunEvent {
    /// A user's outcome is final. Sent exactly once per user of the plan.
    Result(UserResult),
    /// A request is being sent (`attempt` counts from 1).
    Sending { user: String, attempt: u32 },
    /// The engine paused itself (for example the credential was refused).
    Paused(PauseReason),
    /// The service asked us to slow down; nothing starts for `wait_ms`.
    Throttled { wait_ms: u64 },
    /// The number of requests allowed in flight changed.
    Concurrency(usize),
    /// The start rate the run keeps to changed: learned from the service's throttling (requests a
    /// second), or none (no limit learned yet, or forgotten).
    Pace { per_s: Option<f64> },
    /// An EPM batch moved to a new stage.
    Batch {
        index: usize,
        users: usize,
        stage: BatchStage,
    },
    /// Something worth telling the admin that is not a user's outcome.
    Note(String),
    /// A request failed in a way worth retrying; `user` is tried again in `wait_ms`.
    Retrying {
        user: String,
        attempt: u32,
        wait_ms: u64,
        reason: String,
    },
    /// The number of requests now waiting for an answer.
    InFlight(usize),
    /// The service failed every request for a while with no answer between: the run holds, one
    /// request at a time, the next in `wait_ms`, and failures meanwhile count against nobody.
    /// `reason` says what failed, and how ("the service failed the requests of 8 users in a row
    /// (last: …)").
    Holding { wait_ms: u64, reason: String },
    /// The hold is over: the service answered, or it held too long (a [`RunEvent::Note`] says so).
    HoldOver,
    /// EPM v1: batch `index`'s removal job runs; its `Job Status` link and the uploaded file it
    /// reads, saved so that a run resumed after a reload follows the job instead of starting another.
    JobStarted {
        index: usize,
        href: String,
        file: String,
    },
    /// EPM v1: a file of this name may be on the service from now on (its upload starts). Saved
    /// so that a run resumed after a reload deletes the files the closed page left.
    FileUploading { file: String },
    /// EPM v1: the file is off the service (deleted, or found gone).
    FileDeleted { file: String },
    /// Every request sent for `user` so far was answered without being carried out (throttled,
    /// credential refused, or an error that says nothing was done); it waits to be sent again.
    Unacted { user: String },
}

/// Where an EPM batch is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchStage {
    Queued,
    Uploading,
    /// Its file is uploaded (ahead, while the batch before it runs) and its removal is not
    /// requested yet.
    Uploaded,
    /// Its file is uploaded and its removal request waits (throttled, or for a new credential):
    /// the service has not acted on it.
    Waiting,
    /// The removal is requested, or its job accepted and running (status -1; the API gives no
    /// percentage): from here its users may be removed.
    JobRunning,
    /// The job finished; its `details` text.
    Done(String),
    /// The batch failed as a whole; why.
    Failed(String),
}
