//! Adaptive pacing: halve the requests in flight on "too many requests" and hold until the service's
//! `Retry-After`; grow by one after a full window of answers without throttling; and space the
//! starts below the rate the throttling taught ([`rate`]).

pub mod rate;

use rate::RateLearner;

/// Bounds for the number of requests in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacerSettings {
    pub initial: usize,
    pub min: usize,
    pub max: usize,
}

impl Default for PacerSettings {
    fn default() -> Self {
        PacerSettings {
            initial: 4,
            min: 1,
            max: 32,
        }
    }
}

/// Decides how many requests may be in flight and when the next may start. Pure; time is passed in.
#[derive(Clone, Debug)]
pub struct Pacer {
    settings: PacerSettings,
    limit: usize,
    /// Good answers since the limit last changed.
    healthy: usize,
    hold_until_ms: f64,
    /// Bumped on each decrease: a 429 for a request sent before the last decrease does not decrease again.
    epoch: u64,
    throttle_streak: u32,
    rate: RateLearner,
}

impl Pacer {
    /// A pacer at `settings.initial`, clamped into `min..=max` (min at least 1).
    pub fn new(settings: PacerSettings) -> Self {
        let min = settings.min.max(1);
        let max = settings.max.max(min);
        let settings = PacerSettings {
            initial: settings.initial.clamp(min, max),
            min,
            max,
        };
        Pacer {
            settings,
            limit: settings.initial,
            healthy: 0,
            hold_until_ms: f64::NEG_INFINITY,
            epoch: 0,
            throttle_streak: 0,
            rate: RateLearner::default(),
        }
    }

    /// The start rate learned from the service's throttling (requests a second), if any.
    pub fn rate_per_s(&self) -> Option<f64> {
        self.rate.per_sec()
    }

    /// Requests allowed in flight now.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Nothing may start before this instant (ms): a throttling hold, or the learned rate's spacing.
    pub fn not_before_ms(&self) -> f64 {
        self.hold_until_ms.max(self.rate.not_before_ms())
    }

    /// Whether one more request may start at `now_ms` with `in_flight` already running.
    pub fn may_start(&self, in_flight: usize, now_ms: f64) -> bool {
        in_flight < self.limit && now_ms >= self.not_before_ms()
    }

    /// A request starts at `now_ms`.
    pub fn on_start(&mut self, now_ms: f64) {
        self.rate.on_start(now_ms);
    }

    /// The run was paused until `now_ms`: the time without starts teaches no rate.
    pub fn on_resume(&mut self, now_ms: f64) {
        self.rate.on_resume(now_ms);
    }

    /// Stamp for a request starting now; pass it back to [`Pacer::on_throttled`].
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Whether a request stamped `epoch` was sent after the last decrease (its 429 is news).
    pub fn is_current(&self, epoch: u64) -> bool {
        epoch == self.epoch
    }

    /// Throttling bursts in a row (for backoff when the service gives no `Retry-After`).
    pub fn throttle_streak(&self) -> u32 {
        self.throttle_streak
    }

    /// A request got a real answer. Returns the new limit if it grew.
    pub fn on_success(&mut self) -> Option<usize> {
        self.rate.on_answer();
        self.throttle_streak = 0;
        self.healthy += 1;
        if self.healthy >= self.limit && self.limit < self.settings.max {
            self.limit += 1;
            self.healthy = 0;
            return Some(self.limit);
        }
        None
    }

    /// A request stamped `epoch` was throttled at `now_ms`; nothing starts for `wait_ms`.
    /// Returns the new limit if it shrank (once per burst: answers to requests sent before the
    /// last decrease do not shrink it again).
    pub fn on_throttled(&mut self, epoch: u64, now_ms: f64, wait_ms: u64) -> Option<usize> {
        self.hold_until_ms = self.hold_until_ms.max(now_ms + wait_ms as f64);
        self.healthy = 0;
        if !self.is_current(epoch) {
            return None;
        }
        self.throttle_streak += 1;
        self.epoch += 1;
        self.rate.on_burst(now_ms, self.hold_until_ms);
        let halved = (self.limit / 2).max(self.settings.min);
        (halved != self.limit).then(|| {
            self.limit = halved;
            halved
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_429s_halves_once_and_holds_until_the_latest_retry_after() {
        let mut p = Pacer::new(PacerSettings {
            initial: 8,
            min: 1,
            max: 32,
        });
        let stamp = p.epoch();
        assert_eq!(p.on_throttled(stamp, 1_000.0, 5_000), Some(4));
        assert_eq!(p.on_throttled(stamp, 1_010.0, 2_000), None, "same burst");
        assert_eq!(p.on_throttled(stamp, 1_020.0, 9_000), None);
        assert_eq!(p.not_before_ms(), 10_020.0);
        assert!(!p.may_start(0, 10_019.0));
        assert!(p.may_start(3, 10_020.0));
        assert!(!p.may_start(4, 10_020.0), "at the limit");
        assert_eq!(
            p.on_throttled(p.epoch(), 11_000.0, 0),
            Some(2),
            "a request sent after the decrease"
        );
        assert_eq!(p.throttle_streak(), 2, "one per burst");
    }

    #[test]
    fn never_below_min_nor_above_max() {
        let mut p = Pacer::new(PacerSettings {
            initial: 2,
            min: 2,
            max: 3,
        });
        assert_eq!(p.on_throttled(p.epoch(), 0.0, 0), None);
        assert_eq!(p.limit(), 2);
        let grown: Vec<Option<usize>> = (0..10).map(|_| p.on_success()).collect();
        assert_eq!(p.limit(), 3);
        assert_eq!(grown.iter().flatten().count(), 1);
        assert_eq!(
            Pacer::new(PacerSettings {
                initial: 99,
                min: 0,
                max: 5
            })
            .limit(),
            5
        );
    }

    #[test]
    fn grows_by_one_after_each_window_of_good_answers() {
        let mut p = Pacer::new(PacerSettings {
            initial: 4,
            min: 1,
            max: 32,
        });
        let limits: Vec<usize> = (0..4 + 5 + 6)
            .map(|_| {
                p.on_success();
                p.limit()
            })
            .collect();
        assert_eq!(limits[3], 5);
        assert_eq!(limits[8], 6);
        assert_eq!(limits[14], 7);
        assert_eq!(p.throttle_streak(), 0);
    }
}
