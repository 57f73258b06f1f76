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
    /// Forgets the jobs none of whose users waits for a result any more (ended, settled at a
    /// resume, or given up on), before their users can join another batch (a retry, a resume).
    pub(super) fn forget_ended_jobs(&mut self) {
        let in_job = &self.in_job;
        self.jobs
            .retain(|(_, _, _, members)| members.iter().any(|&i| in_job.contains(i)));
    }

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

    /// The EPM files the run may have left on the service, uploaded and not deleted, but for
    /// those of [`Journal::interrupted_jobs`] (following a job deletes its file): to be deleted
    /// when the run resumes.
    pub fn left_files(&self) -> Vec<String> {
        let live = self.live_jobs();
        self.files
            .iter()
            .filter(|f| !live.iter().any(|(_, _, file, _)| file == *f))
            .cloned()
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

#[cfg(test)]
mod tests {
    use crate::run::event::{BatchStage, RunEvent};
    use crate::run::outcome::{Outcome, PlanEntry, UserResult};
    use crate::run::Journal;
    use crate::target::Target;

    fn entry(row: usize, user: &str) -> PlanEntry {
        PlanEntry {
            row,
            user: user.into(),
        }
    }

    fn result(e: &PlanEntry, outcome: Outcome) -> RunEvent {
        RunEvent::Result(UserResult {
            row: e.row,
            user: e.user.clone(),
            outcome,
            http_status: Some(200),
            message: "m".into(),
            attempts: 1,
            at_ms: 1.0,
        })
    }

    /// Batch 0 of `users` users is uploaded and its job starts at `href`.
    fn start_job(j: &mut Journal, users: usize, href: &str) {
        let batch = |stage| RunEvent::Batch {
            index: 0,
            users,
            stage,
        };
        j.apply(&batch(BatchStage::Queued));
        j.apply(&batch(BatchStage::Uploading));
        j.apply(&RunEvent::JobStarted {
            index: 0,
            href: href.into(),
            file: format!("{href}.csv"),
        });
        j.apply(&batch(BatchStage::JobRunning));
    }

    /// A new EPM run's journal for plan `p`.
    fn epm_journal(p: &[PlanEntry]) -> Journal {
        Journal::new(
            Target::Epm,
            "https://epm",
            "run-1",
            0.0,
            p.to_vec(),
            Vec::new(),
        )
    }

    fn saved_links(j: &Journal) -> Vec<String> {
        let back = Journal::from_json(&j.to_json()).unwrap();
        back.interrupted_jobs()
            .into_iter()
            .map(|x| x.href)
            .collect()
    }

    #[test]
    fn a_retried_row_does_not_bring_back_the_job_that_ended_for_it() {
        let p = vec![entry(2, "u1"), entry(3, "u2")];
        let mut j = epm_journal(&p);
        start_job(&mut j, 2, "A");
        j.apply(&result(&p[0], Outcome::Removed));
        j.apply(&result(&p[1], Outcome::Failed));
        assert!(j.interrupted_jobs().is_empty());
        j.reopen(&[3]);
        start_job(&mut j, 1, "B");
        assert_eq!(saved_links(&j), ["B"]);
    }

    #[test]
    fn a_job_given_up_on_at_a_resume_does_not_come_back_with_the_next_one() {
        let p = vec![entry(2, "u1")];
        let mut j = epm_journal(&p);
        start_job(&mut j, 1, "A");
        let mut j = Journal::from_json(&j.to_json()).unwrap();
        j.settle_interrupted_jobs_with(|_| true, 5.0);
        start_job(&mut j, 1, "B");
        assert_eq!(saved_links(&j), ["B"]);
    }
}
