//! Holding an EPM run through an outage. A request the run may send again (an upload, List Users,
//! a file deletion) that has failed [`EpmConfig::max_attempts`] times in a row with no usable
//! answer (5xx, timeout, no answer) is not given up on: it is sent again, after waits growing to
//! [`EpmConfig::retry_max_ms`], until the service answers. So an outage leaves batches waiting,
//! not failed. A run holds at most [`EpmConfig::max_hold_ms`] in all (time paused excluded), then
//! gives up for good: requests fail after their attempts, as they did before.
//!
//! [`EpmConfig::max_attempts`]: super::EpmConfig::max_attempts
//! [`EpmConfig::retry_max_ms`]: super::EpmConfig::retry_max_ms
//! [`EpmConfig::max_hold_ms`]: super::EpmConfig::max_hold_ms

use std::cell::Cell;

/// Whether a run holds, since when, and whether it has held too long. Shared by the run's
/// requests (an upload ahead and a clean-up may fail at once); time is passed in.
#[derive(Debug, Default)]
pub struct Outage {
    /// When the current hold began, with the time paused since taken out.
    since: Cell<Option<f64>>,
    /// A hold reached its limit: this run does not hold again.
    gave_up: Cell<bool>,
}

/// What to do with a request that failed its last attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exhausted {
    /// Hold: send it again after a wait.
    Hold,
    /// Give up on it; `just_now`: the run's hold ran out with this failure.
    GiveUp { just_now: bool },
}

impl Outage {
    /// Whether the run holds.
    pub(crate) fn holding(&self) -> bool {
        self.since.get().is_some()
    }

    /// A request failed its last attempt at `now_ms`, with no usable answer: hold, unless the run
    /// may hold no longer than `max_hold_ms` (0: never) and has already.
    pub(crate) fn on_exhausted(&self, now_ms: f64, max_hold_ms: u64) -> Exhausted {
        if self.gave_up.get() || max_hold_ms == 0 {
            return Exhausted::GiveUp { just_now: false };
        }
        let since = self.since.get().unwrap_or(now_ms);
        if now_ms - since >= max_hold_ms as f64 {
            self.since.set(None);
            self.gave_up.set(true);
            return Exhausted::GiveUp { just_now: true };
        }
        self.since.set(Some(since));
        Exhausted::Hold
    }

    /// The service answered, whatever it said: `true` if that ends a hold.
    pub(crate) fn on_answer(&self) -> bool {
        self.since.take().is_some()
    }

    /// The run was paused for `paused_ms`: that time does not count as holding.
    pub(crate) fn on_paused(&self, paused_ms: f64) {
        if let Some(since) = self.since.get() {
            self.since.set(Some(since + paused_ms));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 15 * 60_000;

    #[test]
    fn a_hold_lasts_until_an_answer_and_can_start_again() {
        let outage = Outage::default();
        assert!(!outage.holding());
        assert_eq!(outage.on_exhausted(1_000.0, LIMIT), Exhausted::Hold);
        assert!(outage.holding());
        assert_eq!(outage.on_exhausted(60_000.0, LIMIT), Exhausted::Hold);
        assert!(outage.on_answer(), "the answer ends the hold");
        assert!(!outage.on_answer(), "and only once");
        assert_eq!(outage.on_exhausted(70_000.0, LIMIT), Exhausted::Hold);
        assert!(outage.holding());
    }

    #[test]
    fn a_run_holds_at_most_the_limit_then_never_again() {
        let outage = Outage::default();
        assert_eq!(outage.on_exhausted(0.0, LIMIT), Exhausted::Hold);
        assert_eq!(
            outage.on_exhausted(LIMIT as f64 - 1.0, LIMIT),
            Exhausted::Hold
        );
        assert_eq!(
            outage.on_exhausted(LIMIT as f64, LIMIT),
            Exhausted::GiveUp { just_now: true }
        );
        assert!(!outage.holding());
        assert!(!outage.on_answer(), "no hold left to end");
        assert_eq!(
            outage.on_exhausted(LIMIT as f64 + 1.0, LIMIT),
            Exhausted::GiveUp { just_now: false }
        );
    }

    #[test]
    fn time_paused_does_not_count_and_a_zero_limit_never_holds() {
        let outage = Outage::default();
        assert_eq!(outage.on_exhausted(0.0, LIMIT), Exhausted::Hold);
        outage.on_paused(600_000.0);
        assert_eq!(
            outage.on_exhausted(LIMIT as f64 + 60_000.0, LIMIT),
            Exhausted::Hold,
            "ten minutes of the sixteen were paused"
        );
        let one_off = Outage::default();
        assert_eq!(
            one_off.on_exhausted(0.0, 0),
            Exhausted::GiveUp { just_now: false }
        );
        assert!(!one_off.holding());
    }
}
