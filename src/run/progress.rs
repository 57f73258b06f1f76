//! Live progress for bars, counts, throughput and ETA, fed by [`RunEvent`]s.

use std::collections::VecDeque;

use super::control::PauseReason;
use super::event::{BatchStage, RunEvent};
use super::outcome::Outcome;

/// How many users ended in each outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    pub removed: usize,
    pub not_found: usize,
    pub not_allowed: usize,
    pub conflict: usize,
    pub failed: usize,
    pub not_started: usize,
    pub marked: usize,
    pub restored: usize,
    pub disabled_only: usize,
    pub unchanged: usize,
}

impl OutcomeCounts {
    /// The count for one outcome.
    pub fn get(&self, outcome: &Outcome) -> usize {
        let mut copy = *self;
        *copy.slot(outcome)
    }

    fn add(&mut self, outcome: &Outcome) {
        *self.slot(outcome) += 1;
    }

    fn slot(&mut self, outcome: &Outcome) -> &mut usize {
        match outcome {
            Outcome::Removed => &mut self.removed,
            Outcome::NotFound => &mut self.not_found,
            Outcome::NotAllowed => &mut self.not_allowed,
            Outcome::Conflict => &mut self.conflict,
            Outcome::Failed => &mut self.failed,
            Outcome::NotStarted => &mut self.not_started,
            Outcome::Marked => &mut self.marked,
            Outcome::Restored => &mut self.restored,
            Outcome::DisabledOnly => &mut self.disabled_only,
            Outcome::Unchanged => &mut self.unchanged,
        }
    }

    /// All outcomes together.
    pub fn total(&self) -> usize {
        Outcome::ALL.iter().map(|o| self.get(o)).sum()
    }
}

/// A run holding while the service fails every request.
#[derive(Clone, Debug, PartialEq)]
pub struct Hold {
    /// When the next request is sent (ms).
    pub next_ms: f64,
    /// What failed, and how ([`RunEvent::Holding`]'s `reason`).
    pub reason: String,
}

/// The state of a run as the progress view shows it. Pure: feed it every event with the time it arrived.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Users in the plan.
    pub total: usize,
    pub counts: OutcomeCounts,
    /// Of the failed users, those whose outcome is unknown ([`super::outcome::UserResult::outcome_unknown`]).
    pub unknown: usize,
    /// Requests waiting for an answer.
    pub in_flight: usize,
    /// Requests allowed in flight.
    pub concurrency: usize,
    /// The start rate learned from the service's throttling (requests a second), if any.
    pub pace_per_s: Option<f64>,
    /// Retries scheduled so far (5xx and lost answers).
    pub retries: usize,
    /// Why the run is paused, if it is: set by the engine's events and by the admin's pause and
    /// resume, through [`Progress::set_paused`].
    pub paused: Option<PauseReason>,
    /// Nothing starts before this instant (ms) because the service throttled us.
    pub throttled_until_ms: Option<f64>,
    /// Set while the run holds because the service fails every request ([`RunEvent::Holding`]).
    pub holding: Option<Hold>,
    /// When the current pause began.
    paused_since: Option<f64>,
    /// The throughput counts from here: the end of the last long stall (a long `Retry-After`, a
    /// hold), whose outcome-less time says nothing of the rate once the run goes on.
    measure_from_ms: f64,
    /// When the first request was sent, moved on by the time paused since.
    started_ms: Option<f64>,
    /// Outcomes (other than "not started") that arrived in this session, and when the last one did.
    session_done: usize,
    last_done_ms: Option<f64>,
    /// When each recent outcome (other than "not started") arrived.
    recent: VecDeque<f64>,
    window_ms: f64,
}

/// A wait for the service this long (ms) or longer is a stall: the throughput is measured
/// afresh after it.
const STALL_MS: u64 = 5_000;

impl Progress {
    /// Progress of a run over `total` users, with a 30 s throughput window.
    pub fn new(total: usize) -> Self {
        Progress {
            total,
            counts: OutcomeCounts::default(),
            unknown: 0,
            in_flight: 0,
            concurrency: 0,
            pace_per_s: None,
            retries: 0,
            paused: None,
            throttled_until_ms: None,
            holding: None,
            paused_since: None,
            measure_from_ms: f64::NEG_INFINITY,
            started_ms: None,
            session_done: 0,
            last_done_ms: None,
            recent: VecDeque::new(),
            window_ms: 30_000.0,
        }
    }

    /// Progress of a resumed run over `total` users, `known` of which already have their
    /// result. They count as done but not towards the throughput, which measures this session.
    pub fn resumed(total: usize, known: &[super::outcome::UserResult]) -> Self {
        let mut progress = Progress::new(total);
        for r in known {
            progress.counts.add(&r.outcome);
            progress.unknown += usize::from(r.outcome_unknown());
        }
        progress
    }

    /// Takes in one event that arrived at `now_ms`.
    pub fn apply(&mut self, event: &RunEvent, now_ms: f64) {
        match event {
            RunEvent::Result(r) => {
                self.counts.add(&r.outcome);
                self.unknown += usize::from(r.outcome_unknown());
                if r.outcome != Outcome::NotStarted {
                    self.recent.push_back(now_ms);
                    self.session_done += 1;
                    self.last_done_ms = Some(now_ms);
                }
            }
            RunEvent::Sending { .. } => {
                self.started_ms.get_or_insert(now_ms);
                self.set_paused(None, now_ms);
            }
            RunEvent::Paused(reason) => self.set_paused(Some(*reason), now_ms),
            RunEvent::Throttled { wait_ms } => {
                let until = now_ms + *wait_ms as f64;
                self.throttled_until_ms =
                    Some(self.throttled_until_ms.map_or(until, |t| t.max(until)));
                if *wait_ms >= STALL_MS {
                    self.measure_from_ms = self.measure_from_ms.max(until);
                }
            }
            RunEvent::Concurrency(n) => self.concurrency = *n,
            RunEvent::Pace { per_s } => self.pace_per_s = *per_s,
            RunEvent::InFlight(n) => self.in_flight = *n,
            RunEvent::Retrying { .. } => self.retries += 1,
            RunEvent::Holding { wait_ms, reason } => {
                self.holding = Some(Hold {
                    next_ms: now_ms + *wait_ms as f64,
                    reason: reason.clone(),
                })
            }
            RunEvent::HoldOver => {
                self.holding = None;
                self.measure_from_ms = self.measure_from_ms.max(now_ms);
            }
            RunEvent::Batch {
                stage: BatchStage::Uploading | BatchStage::JobRunning,
                ..
            } => {
                self.started_ms.get_or_insert(now_ms);
            }
            RunEvent::Batch { .. }
            | RunEvent::Note(_)
            | RunEvent::Unacted { .. }
            | RunEvent::JobStarted { .. }
            | RunEvent::FileUploading { .. }
            | RunEvent::FileDeleted { .. } => {}
        }
        while self
            .recent
            .front()
            .is_some_and(|t| *t < now_ms - self.window_ms)
        {
            self.recent.pop_front();
        }
    }

    /// The run is paused for `reason` from `now_ms`, or (`None`) goes on. Time paused is cut out
    /// of the throughput and of how long the run took: after a pause the rate is the rate of the
    /// time spent running.
    pub fn set_paused(&mut self, reason: Option<PauseReason>, now_ms: f64) {
        match (self.paused_since, reason) {
            (None, Some(_)) => self.paused_since = Some(now_ms),
            (Some(since), None) => {
                let paused = (now_ms - since).max(0.0);
                self.recent.iter_mut().for_each(|t| *t += paused);
                for at in [&mut self.started_ms, &mut self.last_done_ms]
                    .into_iter()
                    .flatten()
                {
                    *at += paused;
                }
                self.paused_since = None;
            }
            _ => {}
        }
        self.paused = reason;
    }

    /// Users with an outcome.
    pub fn done(&self) -> usize {
        self.counts.total()
    }

    /// Users still without an outcome.
    pub fn remaining(&self) -> usize {
        self.total.saturating_sub(self.done())
    }

    /// Whether every user has an outcome.
    pub fn is_finished(&self) -> bool {
        self.remaining() == 0
    }

    /// Done as a whole percentage (for `aria-valuenow` with `aria-valuemax="100"`); 100 for an empty plan.
    pub fn percent(&self) -> u8 {
        (self.done() * 100)
            .checked_div(self.total)
            .map_or(100, |p| p.min(100) as u8)
    }

    /// Whether a throttling hold is in force at `now_ms`.
    pub fn is_throttled(&self, now_ms: f64) -> bool {
        self.throttled_until_ms.is_some_and(|t| t > now_ms)
    }

    /// Users finished per second over the last 30 s (or since the start, or since the end of a
    /// long stall, if shorter). `None` until there is at least a second of history with an
    /// outcome in it, and during a long stall.
    pub fn throughput_per_s(&self, now_ms: f64) -> Option<f64> {
        let from = self
            .started_ms?
            .max(self.measure_from_ms)
            .max(now_ms - self.window_ms);
        let span = now_ms - from;
        let recent = self.recent.iter().filter(|t| **t >= from).count();
        (span >= 1_000.0 && recent > 0).then(|| recent as f64 * 1_000.0 / span)
    }

    /// What this session did: the users that got an outcome (other than "not started") and the
    /// time from its first request to the last of those outcomes, ms. `None` before any outcome.
    pub fn session_span(&self) -> Option<(usize, f64)> {
        let start = self.started_ms?;
        let last = self.last_done_ms?;
        Some((self.session_done, (last - start).max(0.0)))
    }

    /// Time left at the current throughput, ms.
    pub fn eta_ms(&self, now_ms: f64) -> Option<f64> {
        if self.is_finished() {
            return Some(0.0);
        }
        self.throughput_per_s(now_ms)
            .map(|rate| self.remaining() as f64 / rate * 1_000.0)
    }

    /// When the run is expected to end (ms since the epoch, like `now_ms`).
    pub fn estimated_end_ms(&self, now_ms: f64) -> Option<f64> {
        self.eta_ms(now_ms).map(|eta| now_ms + eta)
    }
}

/// A rough duration before any request was sent: `users` at `concurrency` in parallel,
/// each taking `per_request_ms`. Used to warn about a token that would expire mid-run.
pub fn estimate_duration_ms(users: usize, concurrency: usize, per_request_ms: f64) -> f64 {
    users.div_ceil(concurrency.max(1)) as f64 * per_request_ms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::outcome::UserResult;

    fn result(outcome: Outcome) -> RunEvent {
        RunEvent::Result(UserResult {
            row: 2,
            user: "u".into(),
            outcome,
            http_status: None,
            message: String::new(),
            attempts: 1,
            at_ms: 0.0,
        })
    }

    #[test]
    fn counts_add_up_to_done_and_the_bar_reaches_100() {
        let mut p = Progress::new(4);
        for o in [
            Outcome::Removed,
            Outcome::Removed,
            Outcome::Conflict,
            Outcome::NotStarted,
        ] {
            p.apply(&result(o), 0.0);
        }
        assert_eq!(
            (
                p.counts.removed,
                p.counts.get(&Outcome::Conflict),
                p.counts.not_started
            ),
            (2, 1, 1)
        );
        assert_eq!((p.done(), p.remaining(), p.percent()), (4, 0, 100));
        let mut q = Progress::new(Outcome::ALL.len());
        Outcome::ALL
            .into_iter()
            .for_each(|o| q.apply(&result(o), 0.0));
        assert!(Outcome::ALL.iter().all(|o| q.counts.get(o) == 1));
        assert!(q.is_finished());
        assert!(p.is_finished());
        assert_eq!(Progress::new(3).percent(), 0);
    }

    #[test]
    fn failures_whose_outcome_is_unknown_are_counted_among_the_failed_and_apart() {
        let unknown = |message: &str| {
            let mut event = result(Outcome::Failed);
            if let RunEvent::Result(r) = &mut event {
                r.message = message.into();
            }
            event
        };
        let mut p = Progress::new(3);
        p.apply(&unknown("Outcome unknown after 5 attempts: timeout"), 0.0);
        p.apply(
            &unknown("Failed after 5 attempts: Server error (HTTP 500)"),
            0.0,
        );
        p.apply(&result(Outcome::Removed), 0.0);
        assert_eq!((p.counts.get(&Outcome::Failed), p.unknown), (2, 1));
        let known: Vec<_> = [unknown("outcome unknown: the page was closed")]
            .into_iter()
            .filter_map(|e| match e {
                RunEvent::Result(r) => Some(r),
                _ => None,
            })
            .collect();
        assert_eq!(
            Progress::resumed(2, &known).unknown,
            1,
            "after a resume too"
        );
    }

    #[test]
    fn throughput_uses_the_last_thirty_seconds_and_gives_an_eta() {
        let mut p = Progress::new(100);
        p.apply(
            &RunEvent::Sending {
                user: "u".into(),
                attempt: 1,
            },
            0.0,
        );
        assert_eq!(p.throughput_per_s(500.0), None);
        for t in 1..=20 {
            p.apply(&result(Outcome::Removed), f64::from(t) * 500.0);
        }
        let rate = p.throughput_per_s(10_000.0).unwrap();
        assert!((rate - 2.0).abs() < 1e-9, "{rate}");
        assert_eq!(p.eta_ms(10_000.0), Some(40_000.0));
        assert_eq!(p.estimated_end_ms(10_000.0), Some(50_000.0));
        p.apply(&result(Outcome::Removed), 45_000.0);
        let rate = p.throughput_per_s(45_000.0).unwrap();
        assert!(
            (rate - 1.0 / 30.0).abs() < 1e-9,
            "old outcomes left the window: {rate}"
        );
    }

    #[test]
    fn time_paused_counts_neither_in_the_rate_nor_in_how_long_the_run_took() {
        let mut p = Progress::new(150);
        let sending = RunEvent::Sending {
            user: "u".into(),
            attempt: 1,
        };
        p.apply(&sending, 0.0);
        for t in 1..=30 {
            p.apply(&result(Outcome::Removed), f64::from(t) * 200.0);
        }
        p.set_paused(Some(PauseReason::ByAdmin), 6_000.0);
        p.set_paused(None, 46_000.0);
        p.apply(&sending, 46_000.0);
        for t in 1..=10 {
            p.apply(&result(Outcome::Removed), 46_000.0 + f64::from(t) * 200.0);
        }
        let rate = p.throughput_per_s(48_000.0).unwrap();
        assert!(
            (rate - 5.0).abs() < 1e-9,
            "the rate of the 8 s spent running: {rate}"
        );
        assert_eq!(p.eta_ms(48_000.0), Some(22_000.0));
        assert_eq!(
            p.session_span(),
            Some((40, 8_000.0)),
            "the 40 s paused left out"
        );
        p.apply(&RunEvent::Paused(PauseReason::CredentialRefused), 50_000.0);
        p.apply(&sending, 60_000.0);
        assert_eq!(
            p.session_span(),
            Some((40, 8_000.0)),
            "and through another pause"
        );
    }

    #[test]
    fn an_epm_run_is_timed_from_its_first_batch() {
        let mut p = Progress::new(2_000);
        let stage = |stage| RunEvent::Batch {
            index: 0,
            users: 1_000,
            stage,
        };
        p.apply(&stage(BatchStage::Queued), 0.0);
        p.apply(&stage(BatchStage::Uploading), 1_000.0);
        p.apply(&stage(BatchStage::JobRunning), 1_500.0);
        for _ in 0..1_000 {
            p.apply(&result(Outcome::Removed), 3_000.0);
        }
        let rate = p.throughput_per_s(3_000.0).unwrap();
        assert!(
            (rate - 500.0).abs() < 1e-9,
            "1,000 users in the 2 s since the upload: {rate}"
        );
        assert_eq!(p.session_span(), Some((1_000, 2_000.0)));
    }

    #[test]
    fn after_a_long_stall_the_rate_is_measured_afresh() {
        let mut p = Progress::new(10_000);
        p.apply(
            &RunEvent::Sending {
                user: "u".into(),
                attempt: 1,
            },
            0.0,
        );
        for t in 1..=100 {
            p.apply(&result(Outcome::Removed), f64::from(t) * 100.0);
        }
        p.apply(&RunEvent::Throttled { wait_ms: 30_000 }, 10_000.0);
        assert_eq!(
            p.throughput_per_s(20_000.0),
            None,
            "no rate while the service makes the run wait"
        );
        for t in 1..=200 {
            p.apply(&result(Outcome::Removed), 40_000.0 + f64::from(t) * 10.0);
        }
        let rate = p.throughput_per_s(42_000.0).unwrap();
        assert!(
            (rate - 100.0).abs() < 1e-9,
            "the 2 s since the wait, not the 30 s with it: {rate}"
        );
        // A short wait (one stray 429) does not restart the measure.
        p.apply(&RunEvent::Throttled { wait_ms: 1_000 }, 42_000.0);
        assert!(p.throughput_per_s(43_500.0).is_some());
        p.apply(
            &RunEvent::Holding {
                wait_ms: 1_000,
                reason: "x".into(),
            },
            44_000.0,
        );
        p.apply(&RunEvent::HoldOver, 80_000.0);
        assert_eq!(p.throughput_per_s(80_500.0), None);
    }

    #[test]
    fn engine_signals_update_in_flight_concurrency_pause_and_throttling() {
        let mut p = Progress::new(10);
        p.apply(&RunEvent::Concurrency(4), 0.0);
        p.apply(&RunEvent::InFlight(3), 0.0);
        p.apply(&RunEvent::Throttled { wait_ms: 2_000 }, 100.0);
        p.apply(&RunEvent::Paused(PauseReason::CredentialRefused), 200.0);
        p.apply(
            &RunEvent::Retrying {
                user: "u".into(),
                attempt: 1,
                wait_ms: 10,
                reason: "500".into(),
            },
            200.0,
        );
        assert_eq!((p.concurrency, p.in_flight, p.retries), (4, 3, 1));
        assert!(p.is_throttled(2_000.0) && !p.is_throttled(2_100.0));
        assert_eq!(p.paused, Some(PauseReason::CredentialRefused));
        p.apply(
            &RunEvent::Sending {
                user: "u".into(),
                attempt: 2,
            },
            300.0,
        );
        assert_eq!(p.paused, None);
    }

    #[test]
    fn a_cancel_burst_of_not_started_does_not_inflate_throughput() {
        let mut p = Progress::new(50);
        p.apply(
            &RunEvent::Sending {
                user: "u".into(),
                attempt: 1,
            },
            0.0,
        );
        p.apply(&result(Outcome::Removed), 2_000.0);
        for _ in 0..49 {
            p.apply(&result(Outcome::NotStarted), 2_000.0);
        }
        assert!((p.throughput_per_s(2_000.0).unwrap() - 0.5).abs() < 1e-9);
        assert_eq!(estimate_duration_ms(10, 4, 300.0), 900.0);
    }
}
