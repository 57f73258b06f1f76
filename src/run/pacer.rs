//! Adaptive pacing: halve the requests in flight on "too many requests" and hold until the service's
//! `Retry-After`; grow by one after a full window of answers without throttling.
//!
//! Concurrency alone overshoots a token-bucket limit: the bucket's burst hides the limit until it is
//! spent, so each probe ends in a burst of 429s. So a throttling burst also teaches a rate. Between
//! two bursts the bucket went from empty to empty, so the answers in between, over the time in
//! between, are the service's refill rate. Starts are then spaced a little below it, and the rate
//! is raised slowly while the service keeps answering, to follow a limit that grows.

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
    rate: Rate,
}

/// The learned start rate and the bookkeeping that teaches it.
#[derive(Clone, Debug, Default)]
struct Rate {
    /// Starts a second, once a throttling burst has taught it.
    per_sec: Option<f64>,
    /// No request starts before this instant (ms) when `per_sec` is known.
    next_start_ms: f64,
    /// The last throttling burst, or the first start, or the end of a pause.
    since_ms: Option<f64>,
    /// Answers since `since_ms`.
    answers: u64,
    /// When the rate may next be raised, and the starts counted towards it.
    probe_at_ms: f64,
    starts_since_probe: u64,
}

/// The share of the learned rate used after a burst: the service's bucket refills meanwhile.
const RATE_MARGIN: f64 = 0.97;
/// How much the rate grows after each `PROBE_MS` of starts at the rate without throttling.
const PROBE_STEP: f64 = 1.02;
const PROBE_MS: f64 = 1_000.0;
/// How far behind the clock the spacing may fall: a late timer starts the starts it missed.
const CATCH_UP_MS: f64 = 20.0;

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
            rate: Rate::default(),
        }
    }

    /// Requests allowed in flight now.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Nothing may start before this instant (ms): a throttling hold, or the learned rate's spacing.
    pub fn not_before_ms(&self) -> f64 {
        match self.rate.per_sec {
            Some(_) => self.hold_until_ms.max(self.rate.next_start_ms),
            None => self.hold_until_ms,
        }
    }

    /// Starts a second learned from throttling, if the service has throttled yet.
    pub fn rate_per_sec(&self) -> Option<f64> {
        self.rate.per_sec
    }

    /// Whether one more request may start at `now_ms` with `in_flight` already running.
    pub fn may_start(&self, in_flight: usize, now_ms: f64) -> bool {
        in_flight < self.limit && now_ms >= self.not_before_ms()
    }

    /// A request starts at `now_ms`.
    pub fn on_start(&mut self, now_ms: f64) {
        let rate = &mut self.rate;
        rate.since_ms.get_or_insert(now_ms);
        if let Some(per_sec) = rate.per_sec {
            let gap = 1_000.0 / per_sec;
            rate.next_start_ms = rate.next_start_ms.max(now_ms - CATCH_UP_MS) + gap;
            rate.starts_since_probe += 1;
            if now_ms >= rate.probe_at_ms {
                // Raise the rate only if the starts kept up with it: an idle run learns nothing.
                let expected = per_sec * PROBE_MS / 1_000.0;
                if rate.starts_since_probe as f64 >= 0.9 * expected {
                    rate.per_sec = Some(per_sec * PROBE_STEP);
                }
                rate.probe_at_ms = now_ms + PROBE_MS;
                rate.starts_since_probe = 0;
            }
        }
    }

    /// The run was paused until `now_ms`: the time without starts teaches no rate.
    pub fn on_resume(&mut self, now_ms: f64) {
        self.rate.since_ms = Some(now_ms);
        self.rate.answers = 0;
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
        self.rate.answers += 1;
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
        self.learn_rate(now_ms);
        let halved = (self.limit / 2).max(self.settings.min);
        (halved != self.limit).then(|| {
            self.limit = halved;
            halved
        })
    }

    /// A new throttling burst at `now_ms`: the answers since the last one give the service's rate.
    fn learn_rate(&mut self, now_ms: f64) {
        let rate = &mut self.rate;
        if let Some(since) = rate.since_ms {
            let secs = (now_ms - since) / 1_000.0;
            if secs > 0.0 && rate.answers > 0 {
                rate.per_sec = Some(rate.answers as f64 / secs * RATE_MARGIN);
            }
        }
        rate.since_ms = Some(now_ms);
        rate.answers = 0;
        rate.next_start_ms = self.hold_until_ms;
        rate.probe_at_ms = self.hold_until_ms + PROBE_MS;
        rate.starts_since_probe = 0;
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

    #[test]
    fn two_throttling_bursts_teach_the_rate_between_them_and_starts_are_spaced_below_it() {
        let mut p = Pacer::new(PacerSettings::default());
        p.on_start(0.0);
        for _ in 0..300 {
            p.on_success();
        }
        p.on_throttled(p.epoch(), 1_000.0, 1_000);
        assert_eq!(
            p.rate_per_sec(),
            Some(300.0 * RATE_MARGIN),
            "since the first start"
        );
        for _ in 0..400 {
            p.on_success();
        }
        p.on_throttled(p.epoch(), 3_000.0, 1_000);
        let rate = p.rate_per_sec().unwrap();
        assert_eq!(
            rate,
            200.0 * RATE_MARGIN,
            "400 answers in the 2 s between bursts"
        );
        assert_eq!(p.not_before_ms(), 4_000.0, "the hold comes first");
        let mut starts = 0;
        let mut now = 4_000.0;
        while now < 5_000.0 {
            while p.may_start(0, now) {
                p.on_start(now);
                starts += 1;
            }
            now += 1.0;
        }
        assert!(
            (rate - 1.0..=rate + 1.0).contains(&f64::from(starts)),
            "{starts} starts in the second after the hold at {rate}/s"
        );
    }

    #[test]
    fn the_rate_grows_only_while_the_starts_keep_up_with_it() {
        let mut p = Pacer::new(PacerSettings::default());
        p.on_start(0.0);
        for _ in 0..100 {
            p.on_success();
        }
        p.on_throttled(p.epoch(), 1_000.0, 0);
        let learned = p.rate_per_sec().unwrap();
        let mut now = 1_000.0;
        while now < 3_500.0 {
            if p.may_start(0, now) {
                p.on_start(now);
            }
            now += 1.0;
        }
        let grown = p.rate_per_sec().unwrap();
        assert!(grown > learned, "busy for 2.5 s: {learned} -> {grown}");
        for second in 0..5 {
            p.on_start(3_500.0 + 1_000.0 * f64::from(second));
        }
        assert_eq!(p.rate_per_sec(), Some(grown), "one start a second is idle");
    }

    #[test]
    fn a_pause_is_not_counted_in_the_next_rate() {
        let mut p = Pacer::new(PacerSettings::default());
        p.on_start(0.0);
        for _ in 0..10 {
            p.on_success();
        }
        p.on_resume(60_000.0);
        for _ in 0..200 {
            p.on_success();
        }
        p.on_throttled(p.epoch(), 61_000.0, 1_000);
        assert_eq!(p.rate_per_sec(), Some(200.0 * RATE_MARGIN));
    }
}
