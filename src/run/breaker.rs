//! Holding a run while the service fails everything: once the first requests of [`TRIP_USERS`]
//! different users have failed (5xx, timeout, no answer) with no answer between, one request at a
//! time is sent, after a growing wait, until the service answers again. While it holds, failures
//! do not count against the users, so an outage leaves users waiting, not "failed". Only first
//! requests trip it: retries of a few users the service always fails (all that is left at the end
//! of a run) say nothing about the service. Pure; time is passed in.

use super::backoff::Backoff;
use super::rng::Rng;

/// Different users whose first requests failed in a row that make the run hold: one or two may be
/// users the service cannot handle; eight in a row, with no answer between, is the service.
pub const TRIP_USERS: usize = 8;

/// What the breaker decided about a failed request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Failed {
    /// The run goes on; the failure counts against its user.
    Counted,
    /// The run holds (from now, or still): the next request starts in `wait_ms`, and the failure
    /// does not count against its user.
    Holding { wait_ms: u64 },
}

/// Watches the replies of a run and decides when it holds.
#[derive(Clone, Debug)]
pub struct Breaker {
    backoff: Backoff,
    max_hold_ms: f64,
    /// Users whose requests failed since the last answer (at most [`TRIP_USERS`]).
    failing: Vec<usize>,
    /// When the current hold began, with its pauses taken out.
    held_since: Option<f64>,
    /// Requests failed during the current hold.
    probes_failed: u32,
    not_before_ms: f64,
    /// A hold reached `max_hold_ms`: this run does not hold again.
    gave_up: bool,
}

impl Breaker {
    /// A breaker whose waits grow as `backoff`'s and that gives up after holding `max_hold_ms`.
    pub fn new(backoff: Backoff, max_hold_ms: u64) -> Self {
        Breaker {
            backoff,
            max_hold_ms: max_hold_ms as f64,
            failing: Vec::new(),
            held_since: None,
            probes_failed: 0,
            not_before_ms: f64::NEG_INFINITY,
            gave_up: false,
        }
    }

    /// Whether the run holds.
    pub fn holding(&self) -> bool {
        self.held_since.is_some()
    }

    /// Whether one more request may start at `now_ms` with `in_flight` already out: always,
    /// unless the run holds; then only one at a time, after its wait.
    pub fn may_start(&self, in_flight: usize, now_ms: f64) -> bool {
        !self.holding() || (in_flight == 0 && now_ms >= self.not_before_ms)
    }

    /// While holding, nothing starts before this instant (ms).
    pub fn not_before_ms(&self) -> f64 {
        if self.holding() {
            self.not_before_ms
        } else {
            f64::NEG_INFINITY
        }
    }

    /// The service answered (whatever it said). Returns true if that ends a hold.
    pub fn on_answer(&mut self) -> bool {
        self.failing.clear();
        self.probes_failed = 0;
        self.held_since.take().is_some()
    }

    /// A request for `user` failed at `now_ms` with no usable answer; `first`: it was the user's
    /// first (of its step), not a retry; `probe`: it was sent while holding. Only failed probes make
    /// the wait grow: requests already out when the hold began fail without news.
    pub fn on_failure(
        &mut self,
        user: usize,
        first: bool,
        probe: bool,
        now_ms: f64,
        rng: &mut Rng,
    ) -> Failed {
        if self.holding() {
            if probe {
                self.probes_failed += 1;
                return self.wait(now_ms, rng);
            }
            let wait_ms = (self.not_before_ms - now_ms).max(0.0).ceil() as u64;
            return Failed::Holding { wait_ms };
        }
        if self.gave_up || !first {
            return Failed::Counted;
        }
        if !self.failing.contains(&user) {
            self.failing.push(user);
        }
        if self.failing.len() < TRIP_USERS {
            return Failed::Counted;
        }
        self.held_since = Some(now_ms);
        self.probes_failed = 0;
        self.wait(now_ms, rng)
    }

    fn wait(&mut self, now_ms: f64, rng: &mut Rng) -> Failed {
        let wait_ms = self
            .backoff
            .equal_jitter_ms(self.probes_failed + 1, rng)
            .max(1);
        self.not_before_ms = now_ms + wait_ms as f64;
        Failed::Holding { wait_ms }
    }

    /// The run was paused for `paused_ms` until `now_ms`: that time does not count as holding,
    /// and the next request may start at once.
    pub fn on_resume(&mut self, paused_ms: f64, now_ms: f64) {
        if let Some(since) = &mut self.held_since {
            *since += paused_ms;
            self.not_before_ms = now_ms;
        }
    }

    /// Ends a hold that has lasted `max_hold_ms` at `now_ms`, for good: from then on failures
    /// count, and users the service still fails end "failed". Returns true if it ended one.
    pub fn give_up_if_due(&mut self, now_ms: f64) -> bool {
        match self.held_since {
            Some(since) if now_ms - since >= self.max_hold_ms => {
                self.held_since = None;
                self.failing.clear();
                self.gave_up = true;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> (Breaker, Rng) {
        (Breaker::new(Backoff::default(), 60_000), Rng::new(7))
    }

    fn fail_users(b: &mut Breaker, rng: &mut Rng, users: std::ops::Range<usize>) -> Vec<Failed> {
        users
            .map(|u| b.on_failure(u, true, false, 0.0, rng))
            .collect()
    }

    #[test]
    fn failures_of_fewer_users_than_the_trip_count_just_count() {
        let (mut b, mut rng) = breaker();
        let seen = fail_users(&mut b, &mut rng, 0..TRIP_USERS - 1);
        assert!(seen.iter().all(|f| *f == Failed::Counted));
        assert!(!b.holding() && b.may_start(30, 0.0));
    }

    #[test]
    fn one_user_failing_again_and_again_never_makes_the_run_hold() {
        let (mut b, mut rng) = breaker();
        for _ in 0..100 {
            assert_eq!(b.on_failure(3, true, false, 0.0, &mut rng), Failed::Counted);
        }
        assert!(!b.holding());
    }

    #[test]
    fn retries_failing_never_make_the_run_hold() {
        let (mut b, mut rng) = breaker();
        for user in 0..100 {
            assert_eq!(
                b.on_failure(user, false, false, 0.0, &mut rng),
                Failed::Counted
            );
        }
        assert!(!b.holding());
    }

    #[test]
    fn an_answer_between_failures_starts_the_count_again() {
        let (mut b, mut rng) = breaker();
        fail_users(&mut b, &mut rng, 0..TRIP_USERS - 1);
        assert!(!b.on_answer(), "no hold to end");
        fail_users(&mut b, &mut rng, 100..100 + TRIP_USERS - 1);
        assert!(!b.holding());
    }

    #[test]
    fn failures_of_enough_users_in_a_row_hold_the_run_to_one_request_after_a_wait() {
        let (mut b, mut rng) = breaker();
        let seen = fail_users(&mut b, &mut rng, 0..TRIP_USERS);
        let Failed::Holding { wait_ms } = seen[TRIP_USERS - 1] else {
            panic!("the last failure trips it: {seen:?}");
        };
        assert!((500..=1_000).contains(&wait_ms), "{wait_ms}");
        assert!(b.holding());
        let ready = wait_ms as f64;
        assert!(!b.may_start(0, ready - 1.0), "not before the wait");
        assert!(b.may_start(0, ready));
        assert!(!b.may_start(1, ready), "one request at a time");
        assert_eq!(b.not_before_ms(), ready);
    }

    #[test]
    fn each_failed_request_while_holding_waits_longer_up_to_the_cap() {
        let (mut b, mut rng) = breaker();
        fail_users(&mut b, &mut rng, 0..TRIP_USERS);
        let waits: Vec<u64> = (0..8)
            .map(|i| match b.on_failure(i, i % 2 == 0, true, 0.0, &mut rng) {
                Failed::Holding { wait_ms } => wait_ms,
                Failed::Counted => panic!("a failure while holding never counts"),
            })
            .collect();
        let ceilings = [2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000];
        for (wait, ceiling) in waits.iter().zip(ceilings) {
            assert!((ceiling / 2..=ceiling).contains(wait), "{waits:?}");
        }
    }

    #[test]
    fn requests_already_out_when_the_hold_began_fail_without_making_the_wait_grow() {
        let (mut b, mut rng) = breaker();
        let seen = fail_users(&mut b, &mut rng, 0..TRIP_USERS);
        let Failed::Holding { wait_ms } = seen[TRIP_USERS - 1] else {
            panic!("{seen:?}")
        };
        for user in 100..130 {
            let left = b.on_failure(user, true, false, 100.0, &mut rng);
            assert_eq!(
                left,
                Failed::Holding {
                    wait_ms: wait_ms - 100
                }
            );
        }
        assert_eq!(b.not_before_ms(), wait_ms as f64);
    }

    #[test]
    fn an_answer_ends_the_hold_and_the_run_goes_on_in_full() {
        let (mut b, mut rng) = breaker();
        fail_users(&mut b, &mut rng, 0..TRIP_USERS);
        assert!(b.on_answer(), "the hold ends");
        assert!(!b.holding() && b.may_start(30, 0.0));
        assert_eq!(b.on_failure(0, true, false, 0.0, &mut rng), Failed::Counted);
    }

    #[test]
    fn a_pause_does_not_count_as_holding_and_a_resume_tries_at_once() {
        let (mut b, mut rng) = breaker();
        fail_users(&mut b, &mut rng, 0..TRIP_USERS);
        b.on_resume(50_000.0, 55_000.0);
        assert!(b.may_start(0, 55_000.0));
        assert!(!b.give_up_if_due(100_000.0), "50 s of 100 s were paused");
        assert!(b.give_up_if_due(110_000.0));
    }

    #[test]
    fn a_hold_that_lasts_too_long_ends_for_good_and_failures_count_again() {
        let (mut b, mut rng) = breaker();
        fail_users(&mut b, &mut rng, 0..TRIP_USERS);
        assert!(!b.give_up_if_due(59_999.0));
        assert!(b.give_up_if_due(60_000.0));
        assert!(!b.holding() && b.may_start(30, 60_000.0));
        let seen = fail_users(&mut b, &mut rng, 0..3 * TRIP_USERS);
        assert!(
            seen.iter().all(|f| *f == Failed::Counted),
            "it does not hold again"
        );
        assert!(!b.give_up_if_due(1e9));
    }
}
