//! EPM server-side state: uploaded files, removal jobs and issued credentials.

use crate::demo::new_bearer;
use serde::Serialize;
use std::collections::HashMap;

/// One failed user of a removal job, with the documented field names.
#[derive(Debug, Clone, Serialize)]
pub struct FailedItem {
    /// The login as written in the file.
    #[serde(rename = "UserName")]
    pub user_name: String,
    /// Why it failed.
    #[serde(rename = "Error_Details")]
    pub error_details: String,
}

/// Where a removal job stands.
#[derive(Debug, Clone)]
pub enum JobState {
    /// Still removing users.
    Running,
    /// Finished: `status` 0 (see `items` for failures) or positive (failed, see `details`).
    Done {
        /// 0 or a positive failure status.
        status: i32,
        /// The details text.
        details: String,
        /// Failure items, `None` when the job itself failed.
        items: Option<Vec<FailedItem>>,
    },
}

/// A Remove Users (v1) job.
#[derive(Debug, Clone)]
pub struct Job {
    /// The uploaded file it reads.
    pub filename: String,
    /// Progress or outcome.
    pub state: JobState,
}

/// Uploaded files, jobs and credentials.
#[derive(Debug)]
pub struct EpmStore {
    /// Complete uploaded files by name.
    pub files: HashMap<String, Vec<u8>>,
    /// Chunked uploads in progress by name.
    pub uploads: HashMap<String, Vec<u8>>,
    /// Jobs by ID.
    pub jobs: HashMap<u64, Job>,
    /// Bumped by a reset so that running jobs stop.
    pub generation: u64,
    next_job: u64,
    bearers: HashMap<String, u64>,
    /// When the Basic password was issued, Unix ms (for revocation).
    pub basic_issued_ms: u64,
    /// The demo OAuth access token.
    pub demo_bearer: String,
}

impl EpmStore {
    /// A fresh store whose credentials are issued at `now`.
    pub fn new(now: u64) -> EpmStore {
        let demo_bearer = new_bearer();
        let bearers = HashMap::from([(demo_bearer.clone(), now)]);
        EpmStore {
            files: HashMap::new(),
            uploads: HashMap::new(),
            jobs: HashMap::new(),
            generation: 0,
            next_job: 1,
            bearers,
            basic_issued_ms: now,
            demo_bearer,
        }
    }

    /// Forgets files, jobs and tokens (the demo token and password are re-issued at `now`).
    pub fn reset(&mut self, now: u64) {
        let generation = self.generation + 1;
        let demo_bearer = std::mem::take(&mut self.demo_bearer);
        *self = EpmStore::new(now);
        self.generation = generation;
        self.bearers = HashMap::from([(demo_bearer.clone(), now)]);
        self.demo_bearer = demo_bearer;
    }

    /// Issues a new access token at `now`.
    pub fn issue_bearer(&mut self, now: u64) -> String {
        let token = new_bearer();
        self.bearers.insert(token.clone(), now);
        token
    }

    /// When `token` was issued, if the sandbox issued it.
    pub fn bearer_issued_ms(&self, token: &str) -> Option<u64> {
        self.bearers.get(token).copied()
    }

    /// Registers a new running job and returns its ID.
    pub fn start_job(&mut self, filename: &str) -> u64 {
        let id = self.next_job;
        self.next_job += 1;
        self.jobs.insert(
            id,
            Job {
                filename: filename.to_string(),
                state: JobState::Running,
            },
        );
        id
    }
}
