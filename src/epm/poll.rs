//! When to look at a running removal job: soon after it starts, then at the pace the previous
//! jobs of the run showed, so a finished job is seen a moment after it ends without asking the
//! service more than a few times a second.
//!
//! Without a pace (the run's first job), the first poll is after [`EpmConfig::poll_first_ms`] and
//! every later wait is half the time the job has run so far (a gentle ×1.5 backoff). With a pace,
//! the expected duration is the pace times the batch's users: the schedule waits until 90 % of
//! it, then polls every 5 % of it, and once the job runs late the waits grow again by half the
//! overrun. Every wait is kept within [`EpmConfig::poll_min_ms`] and [`EpmConfig::poll_max_ms`].

use super::service::EpmConfig;

/// Without an expected duration, each wait is this share of the time the job has run.
const GROWTH: f64 = 0.5;
/// With one, polling closes in from this share of it…
const EARLY: f64 = 0.9;
/// …one poll every this share of it.
const STEP: f64 = 0.05;

/// How fast a finished job went: ms of job time per user.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Pace {
    ms_per_user: f64,
}

impl Pace {
    /// The duration expected for a job of `users` users.
    pub(crate) fn expected_ms(self, users: usize) -> f64 {
        self.ms_per_user * users as f64
    }
}

/// The polls of one job. Times are ms of the job's active time (time paused for a credential
/// excluded), counted from the answer that started it.
#[derive(Clone, Debug)]
pub(crate) struct PollSchedule {
    first_ms: f64,
    min_ms: f64,
    max_ms: f64,
    users: usize,
    expected_ms: Option<f64>,
    polls: u32,
    /// When the last poll that found the job running was sent.
    last_running_ms: f64,
}

impl PollSchedule {
    /// The schedule for a job of `users` users; `pace` is the previous job's, if any.
    pub(crate) fn new(config: &EpmConfig, users: usize, pace: Option<Pace>) -> Self {
        let min_ms = config.poll_min_ms.max(1) as f64;
        PollSchedule {
            first_ms: config.poll_first_ms as f64,
            min_ms,
            max_ms: (config.poll_max_ms as f64).max(min_ms),
            users,
            expected_ms: pace.map(|p| p.expected_ms(users)),
            polls: 0,
            last_running_ms: 0.0,
        }
    }

    /// The wait before the next poll, `elapsed_ms` into the job.
    pub(crate) fn next_wait_ms(&mut self, elapsed_ms: f64) -> u64 {
        let wait = match self.expected_ms {
            None if self.polls == 0 => self.first_ms,
            None => elapsed_ms * GROWTH,
            Some(expected) if elapsed_ms < EARLY * expected => EARLY * expected - elapsed_ms,
            Some(expected) => (expected * STEP).max((elapsed_ms - expected) * GROWTH),
        };
        self.polls += 1;
        wait.clamp(self.min_ms, self.max_ms).round() as u64
    }

    /// A poll sent `sent_ms` into the job found it still running.
    pub(crate) fn saw_running(&mut self, sent_ms: f64) {
        self.last_running_ms = self.last_running_ms.max(sent_ms);
    }

    /// The pace this job showed, its end seen by the answer received `answered_ms` into it: the
    /// end lies between the last poll that found it running and that answer.
    pub(crate) fn pace(&self, answered_ms: f64) -> Option<Pace> {
        let end = (self.last_running_ms + answered_ms.max(self.last_running_ms)) / 2.0;
        (self.users > 0 && end.is_finite()).then(|| Pace {
            ms_per_user: end / self.users as f64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> EpmConfig {
        EpmConfig::default()
    }

    /// The times polls are sent for a job that ends at `end_ms`, each answered `rtt_ms` later;
    /// and the pace learnt from it.
    fn polls(
        cfg: &EpmConfig,
        users: usize,
        pace: Option<Pace>,
        end_ms: f64,
        rtt_ms: f64,
    ) -> (Vec<f64>, Option<Pace>) {
        let mut schedule = PollSchedule::new(cfg, users, pace);
        let mut now = 0.0;
        let mut sent = Vec::new();
        loop {
            now += schedule.next_wait_ms(now) as f64;
            sent.push(now);
            let seen_at = now + rtt_ms / 2.0;
            now += rtt_ms;
            if seen_at >= end_ms {
                return (sent, schedule.pace(now));
            }
            schedule.saw_running(sent[sent.len() - 1]);
            assert!(sent.len() < 10_000, "never ends");
        }
    }

    #[test]
    fn the_first_job_is_polled_soon_then_with_a_gentle_backoff() {
        let cfg = config();
        let mut s = PollSchedule::new(&cfg, 1_000, None);
        let mut now = 0.0;
        let mut waits = Vec::new();
        for _ in 0..8 {
            let wait = s.next_wait_ms(now);
            waits.push(wait);
            now += wait as f64;
        }
        assert_eq!(waits, [200, 100, 150, 225, 338, 507, 760, 1140]);
    }

    #[test]
    fn waits_never_exceed_the_ceiling_nor_fall_below_the_floor() {
        let cfg = config();
        for pace in [
            None,
            Some(Pace { ms_per_user: 0.001 }),
            Some(Pace { ms_per_user: 50.0 }),
        ] {
            let mut s = PollSchedule::new(&cfg, 1_000, pace);
            let mut now = 0.0;
            for _ in 0..500 {
                let wait = s.next_wait_ms(now);
                assert!(
                    (cfg.poll_min_ms..=cfg.poll_max_ms).contains(&wait),
                    "{wait} ms at {now} ms with {pace:?}"
                );
                now += wait as f64;
            }
            assert!(now > 30.0 * 60_000.0 / 20.0, "a long job is followed");
        }
    }

    #[test]
    fn a_job_as_fast_as_the_last_one_is_seen_within_a_step_of_its_end_in_a_few_polls() {
        let cfg = config();
        // 1,000 users at 500 a second: 2 s jobs; 10 ms round trips.
        let (first, pace) = polls(&cfg, 1_000, None, 2_000.0, 10.0);
        let lag = first.last().unwrap() - 2_000.0;
        assert!(
            lag < 0.5 * 2_000.0 + cfg.poll_min_ms as f64,
            "first job seen {lag} ms late"
        );
        let mut pace = pace;
        for job in 0..20 {
            let (sent, next) = polls(&cfg, 1_000, pace, 2_000.0, 10.0);
            let lag = sent.last().unwrap() + 5.0 - 2_000.0;
            assert!(
                (0.0..=120.0).contains(&lag),
                "job {job}: seen {lag} ms after its end ({sent:?})"
            );
            assert!(
                sent.len() <= 5,
                "job {job}: {} polls ({sent:?})",
                sent.len()
            );
            pace = next;
        }
    }

    #[test]
    fn the_pace_scales_with_the_batch_so_a_short_last_batch_is_not_polled_late() {
        let cfg = config();
        let pace = Some(Pace { ms_per_user: 2.0 });
        let (sent, _) = polls(&cfg, 250, pace, 500.0, 10.0);
        let lag = sent.last().unwrap() - 500.0;
        assert!(lag <= 110.0, "seen {lag} ms late ({sent:?})");
    }

    #[test]
    fn a_job_much_slower_than_expected_backs_off_instead_of_hammering() {
        let cfg = config();
        // Expected 2 s, takes 60 s.
        let (sent, learnt) = polls(&cfg, 1_000, Some(Pace { ms_per_user: 2.0 }), 60_000.0, 10.0);
        assert!(sent.len() < 40, "{} polls: {sent:?}", sent.len());
        let lag = sent.last().unwrap() - 60_000.0;
        assert!(lag <= cfg.poll_max_ms as f64, "seen {lag} ms late");
        // The next job expects the new speed.
        let expected = learnt.unwrap().expected_ms(1_000);
        assert!((58_000.0..=64_000.0).contains(&expected), "{expected}");
        let (again, _) = polls(&cfg, 1_000, learnt, 60_000.0, 10.0);
        assert!(again.len() <= 16, "{} polls: {again:?}", again.len());
    }

    #[test]
    fn a_job_faster_than_expected_is_seen_at_most_a_long_wait_late() {
        let cfg = config();
        // Expected 60 s, takes 2 s: polls every 5 s until then.
        let (sent, learnt) = polls(&cfg, 1_000, Some(Pace { ms_per_user: 60.0 }), 2_000.0, 10.0);
        assert_eq!(sent, [5_000.0]);
        let (next, _) = polls(&cfg, 1_000, learnt, 2_000.0, 10.0);
        assert!(next.last().unwrap() - 2_000.0 < 300.0, "{next:?}");
    }

    #[test]
    fn the_pace_lies_between_the_last_running_poll_and_the_answer_that_saw_the_end() {
        let cfg = config();
        let mut s = PollSchedule::new(&cfg, 100, None);
        s.saw_running(900.0);
        assert_eq!(s.pace(1_100.0), Some(Pace { ms_per_user: 10.0 }));
        assert_eq!(PollSchedule::new(&cfg, 0, None).pace(10.0), None);
    }
}
