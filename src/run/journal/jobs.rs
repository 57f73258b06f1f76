//! EPM removal jobs that were running when the page closed: each job's `Job Status` link and
//! uploaded file, saved with its users, so that a resumed run follows the job to its end
//! instead of sending those users again in a new job while the old one still runs.

use super::Journal;
use crate::run::outcome::PlanEntry;

/// A started job as saved: its batch's index in the run that started it, its `Job Status` link,
/// its uploaded file and its users' plan indices.
pub(super) type JobWire = (usize, String, String, Vec<usize>);

/// A job that was running when the page closed, with its users that have no result yet.
#[derive(Clone, Debug, PartialEq)]
pub struct InterruptedJob {
    /// Its batch's index in the run that started it.
    pub batch: usize,
    /// The `Job Status` link the service gave, to be polled as given.
    pub href: String,
    /// The uploaded file the job reads, to be deleted once it ended.
    pub file: String,
    /// Its users without a result, in plan order.
    pub users: Vec<PlanEntry>,
}

impl Journal {
    /// Batch `index` of the current run started a job at `href` reading `file`.
    pub(super) fn follow_job(&mut self, index: usize, href: &str, file: &str) {
        if let Some(members) = self.batches.get(index) {
            let results = &self.results;
            let open = members.iter().copied().filter(|&i| results[i].is_none());
            let job = (index, href.to_string(), file.to_string(), open.collect());
            self.jobs.push(job);
        }
    }

    /// The saved jobs with a user still waiting for its result: the ones worth writing.
    pub(super) fn live_jobs(&self) -> Vec<&JobWire> {
        self.jobs
            .iter()
            .filter(|(_, _, _, members)| members.iter().any(|&i| self.in_job.contains(i)))
            .collect()
    }

    /// The jobs whose removal may still be running, each with its users without a result (in
    /// a started batch, see [`Journal::interrupted_job_users`]), in the order they started.
    pub fn interrupted_jobs(&self) -> Vec<InterruptedJob> {
        self.live_jobs()
            .into_iter()
            .map(|(batch, href, file, members)| InterruptedJob {
                batch: *batch,
                href: href.clone(),
                file: file.clone(),
                users: members
                    .iter()
                    .filter(|&&i| self.in_job.contains(i))
                    .map(|&i| self.plan[i].clone())
                    .collect(),
            })
            .collect()
    }
}
