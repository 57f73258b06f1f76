//! The start rate a token-bucket limit allows, learned from the service's throttling bursts.
//!
//! Concurrency alone overshoots a token bucket: the bucket's burst hides the limit until it is
//! spent, so every probe ends in a burst of 429s and a `Retry-After` hold. So each burst also
//! teaches a rate: between two bursts the bucket went from empty to empty, so the answers in
//! between, over the time in between, are the service's refill rate. Starts are then spaced a
//! little below it, and the rate is raised slowly while the starts keep up with it, to follow a
//! limit that grows; each burst that measures the same limit again makes the raises rarer.
//!
//! A rate limit asks to wait about the time one request takes to refill (the sandbox: a second).
//! A longer `Retry-After` is a service at capacity, throttling whatever comes: a rate learned then
//! would be far too low once that is over, and the run would crawl at it. Such a burst forgets the
//! rate: the holds and the requests in flight pace the run, and the next short burst teaches again.
//!
//! The measure is exact when the bucket holds at least a `Retry-After` hold's worth of requests
//! (the sandbox's holds one second's). A smaller bucket fills up during the hold and its refill
//! beyond that is not counted: the rate learned is then too low, and the raises climb back to it.
//! A bucket so small that a burst lets too few answers through is measured over several bursts;
//! that rate is tentative. Spaced below it, a bucket stops throttling; if throttling goes on, the
//! 429s come whatever the rate (faults, not a limit): the rate is forgotten, and from then on
//! bursts of few answers teach nothing.

/// How long each raise waits at first, and at most.
const PROBE_MS: f64 = 1_000.0;
const MAX_PROBE_MS: f64 = 32_000.0;
/// One raise, and one of a tentative rate.
const PROBE_STEP: f64 = 1.02;
const TENTATIVE_STEP: f64 = 1.1;
/// The share of a learned rate that is used.
const MARGIN: f64 = 0.97;
/// Two measurements this close (relative) are the same limit.
const SAME_RATE: f64 = 0.1;
/// How far behind the clock the spacing may fall: a late timer starts the starts it missed.
const CATCH_UP_MS: f64 = 20.0;
/// The part of a `Retry-After` hold counted in the time between bursts: a bucket refills during
/// the hold, but a long hold (a service at capacity for a minute) says nothing of its rate.
const HOLD_COUNTED_MS: f64 = 1_000.0;
/// A longer `Retry-After` is not a rate limit's.
const LONG_HOLD_MS: f64 = 2_000.0;
/// Fewer answers between two bursts teach nothing: 429s that come whatever the rate.
const MIN_ANSWERS: u64 = 30;
/// The learned rate stays above this share of the highest one: 429s that come whatever the
/// rate (a fault, not a limit) would otherwise bring it down burst after burst, each measure
/// shortened by the hold before it.
const BEST_SHARE: f64 = 0.25;
/// The lowest rate the spacing uses; below it the holds alone pace the run.
const MIN_RATE: f64 = 1.0;

/// Learns and applies a start rate. Pure; time (ms) is passed in.
#[derive(Clone, Debug)]
pub struct RateLearner {
    /// Starts a second, once a burst has taught it.
    per_sec: Option<f64>,
    next_start_ms: f64,
    /// Where the measure starts (a burst that taught a rate, the first start or the end of a
    /// pause), and the answers since.
    since_ms: Option<f64>,
    answers: u64,
    /// The last burst's hold.
    hold_start_ms: f64,
    hold_end_ms: f64,
    /// The time since `since_ms` a bucket does not refill in: the holds' time beyond
    /// [`HOLD_COUNTED_MS`] each.
    uncounted_ms: f64,
    /// The measure under way spans several bursts (each let too few answers through).
    spanning: bool,
    /// The rate was measured over several bursts: a bucket smaller than a hold's refill, or 429s
    /// that come whatever the rate. The next burst tells: under this rate a bucket stops
    /// throttling, and faults do not.
    tentative: bool,
    /// A tentative rate met throttling again: the 429s are faults, not a limit. Bursts with too few
    /// answers teach nothing from then on.
    faults: bool,
    /// The limit the last burst measured, and the highest, before the margin.
    measured: Option<f64>,
    best: Option<f64>,
    probe_at_ms: f64,
    probe_ms: f64,
    starts_since_probe: u64,
}

impl Default for RateLearner {
    fn default() -> Self {
        RateLearner {
            per_sec: None,
            next_start_ms: f64::NEG_INFINITY,
            since_ms: None,
            answers: 0,
            hold_start_ms: f64::NEG_INFINITY,
            hold_end_ms: f64::NEG_INFINITY,
            uncounted_ms: 0.0,
            spanning: false,
            tentative: false,
            faults: false,
            measured: None,
            best: None,
            probe_at_ms: 0.0,
            probe_ms: PROBE_MS,
            starts_since_probe: 0,
        }
    }
}

impl RateLearner {
    /// Starts a second, if a burst has taught one.
    pub fn per_sec(&self) -> Option<f64> {
        self.per_sec
    }

    /// No start before this instant (ms).
    pub fn not_before_ms(&self) -> f64 {
        match self.per_sec {
            Some(_) => self.next_start_ms,
            None => f64::NEG_INFINITY,
        }
    }

    /// A request starts at `now_ms`.
    pub fn on_start(&mut self, now_ms: f64) {
        self.since_ms.get_or_insert(now_ms);
        let Some(per_sec) = self.per_sec else { return };
        self.next_start_ms = self.next_start_ms.max(now_ms - CATCH_UP_MS) + 1_000.0 / per_sec;
        self.starts_since_probe += 1;
        if now_ms >= self.probe_at_ms {
            // Raise only if the starts kept up with the rate: an idle run learns nothing.
            if self.starts_since_probe as f64 >= 0.9 * per_sec * self.probe_ms / 1_000.0 {
                // A tentative rate is a small bucket's, below its limit: it climbs faster.
                let step = if self.tentative {
                    TENTATIVE_STEP
                } else {
                    PROBE_STEP
                };
                self.per_sec = Some(per_sec * step);
            }
            self.probe_at_ms = now_ms + self.probe_ms;
            self.starts_since_probe = 0;
        }
    }

    /// A request got an answer that was not throttling.
    pub fn on_answer(&mut self) {
        self.answers += 1;
    }

    /// The run was paused until `now_ms`: the time without starts teaches no rate.
    pub fn on_resume(&mut self, now_ms: f64) {
        self.since_ms = Some(now_ms);
        self.answers = 0;
        self.uncounted_ms = 0.0;
        self.spanning = false;
        self.hold_end_ms = self.hold_end_ms.min(now_ms);
    }

    /// A new throttling burst at `now_ms`; nothing starts before `hold_until_ms`.
    pub fn on_burst(&mut self, now_ms: f64, hold_until_ms: f64) {
        if hold_until_ms - now_ms > LONG_HOLD_MS {
            *self = RateLearner {
                since_ms: Some(now_ms),
                hold_start_ms: now_ms,
                hold_end_ms: hold_until_ms,
                ..RateLearner::default()
            };
            return;
        }
        if self.hold_end_ms.is_finite() {
            let held = self.hold_end_ms.min(now_ms)
                - self.hold_start_ms.max(self.since_ms.unwrap_or(now_ms));
            self.uncounted_ms += (held - HOLD_COUNTED_MS).max(0.0);
        }
        let secs = self
            .since_ms
            .map_or(0.0, |since| (now_ms - since - self.uncounted_ms) / 1_000.0);
        let few = secs > 0.0 && self.answers < MIN_ANSWERS;
        if few && self.tentative {
            // Throttled again below the tentative rate: faults, not a limit.
            self.per_sec = None;
            self.tentative = false;
            self.faults = true;
        }
        // Too few answers since the measure started, and no rate known: a bucket smaller than a
        // hold's refill, or 429s that come whatever the rate. The measure goes on over the next
        // bursts, and what it teaches is tentative.
        let measuring = few && self.per_sec.is_none() && !self.faults;
        if secs > 0.0 && self.answers >= MIN_ANSWERS {
            let floor = self.best.map_or(0.0, |best| BEST_SHARE * best);
            let limit = (self.answers as f64 / secs)
                .max(floor)
                .max(MIN_RATE / MARGIN);
            self.best = Some(self.best.map_or(limit, |best| best.max(limit)));
            let steady = self
                .measured
                .is_some_and(|last| (limit - last).abs() <= SAME_RATE * last);
            self.probe_ms = if steady {
                (self.probe_ms * 2.0).min(MAX_PROBE_MS)
            } else {
                PROBE_MS
            };
            self.measured = Some(limit);
            self.per_sec = Some(limit * MARGIN);
            self.tentative = self.spanning;
        }
        self.spanning = measuring;
        if !measuring {
            self.since_ms = Some(now_ms);
            self.answers = 0;
            self.uncounted_ms = 0.0;
        }
        self.next_start_ms = hold_until_ms;
        self.hold_start_ms = now_ms;
        self.hold_end_ms = hold_until_ms;
        self.probe_at_ms = hold_until_ms + self.probe_ms;
        self.starts_since_probe = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(r: &mut RateLearner, n: u32) {
        (0..n).for_each(|_| r.on_answer());
    }

    /// Starts as fast as the rate allows over `from_ms..to_ms` (1 ms ticks); returns how many.
    fn start_at_the_rate(r: &mut RateLearner, from_ms: f64, to_ms: f64) -> u32 {
        let mut starts = 0;
        let mut now = from_ms;
        while now < to_ms {
            while now >= r.not_before_ms() {
                r.on_start(now);
                starts += 1;
            }
            now += 1.0;
        }
        starts
    }

    #[test]
    fn two_bursts_teach_the_rate_between_them_and_starts_are_spaced_below_it() {
        let mut r = RateLearner::default();
        r.on_start(0.0);
        answers(&mut r, 300);
        r.on_burst(1_000.0, 2_000.0);
        assert_eq!(r.per_sec(), Some(300.0 * MARGIN), "since the first start");
        answers(&mut r, 400);
        r.on_burst(3_000.0, 4_000.0);
        assert_eq!(r.per_sec(), Some(200.0 * MARGIN), "400 answers in 2 s");
        assert_eq!(r.not_before_ms(), 4_000.0, "the hold comes first");
        let starts = start_at_the_rate(&mut r, 4_000.0, 5_000.0);
        assert!((193..=195).contains(&starts), "{starts} starts in a second");
    }

    #[test]
    fn the_rate_grows_only_while_the_starts_keep_up_and_more_slowly_once_the_limit_holds() {
        let mut r = RateLearner::default();
        r.on_start(0.0);
        answers(&mut r, 100);
        r.on_burst(1_000.0, 1_000.0);
        let learned = r.per_sec().unwrap();
        for second in 1..6 {
            r.on_start(1_000.0 + 1_000.0 * f64::from(second));
        }
        assert_eq!(r.per_sec(), Some(learned), "one start a second is idle");
        start_at_the_rate(&mut r, 6_000.0, 11_000.0);
        let raised = r.per_sec().unwrap();
        assert!(
            raised > learned * 1.05,
            "busy for 5 s: {learned} -> {raised}"
        );
        answers(&mut r, 1_000);
        r.on_burst(11_000.0, 11_000.0);
        assert_eq!(r.probe_ms, PROBE_MS * 2.0, "the same limit again");
        answers(&mut r, 1_000);
        r.on_burst(13_000.0, 13_000.0);
        assert_eq!(r.probe_ms, PROBE_MS, "a new limit");
    }

    #[test]
    fn a_long_hold_counts_as_one_second_and_the_rate_stays_above_its_floor() {
        let mut r = RateLearner::default();
        r.on_start(0.0);
        answers(&mut r, 100);
        r.on_burst(1_000.0, 1_500.0);
        answers(&mut r, 300);
        r.on_burst(2_000.0, 62_000.0);
        assert_eq!(r.per_sec(), None, "a long hold forgets the rate");
        answers(&mut r, 300);
        r.on_burst(64_000.0, 65_000.0);
        assert_eq!(
            r.per_sec(),
            Some(100.0 * MARGIN),
            "300 answers in 1 s of the hold + 2 s"
        );
        answers(&mut r, 10);
        r.on_burst(66_000.0, 67_000.0);
        assert_eq!(
            r.per_sec(),
            Some(100.0 * MARGIN),
            "10 answers teach nothing"
        );
        answers(&mut r, 60);
        r.on_burst(126_000.0, 127_000.0);
        assert_eq!(
            r.per_sec(),
            Some(BEST_SHARE * 100.0 * MARGIN),
            "1/s is below the floor"
        );
    }

    /// A bucket of 10 refilling 40 a second, with one-second holds: 10 answers a burst.
    fn small_bucket_bursts(r: &mut RateLearner, from_ms: f64, bursts: u32) -> f64 {
        let mut now = from_ms;
        for _ in 0..bursts {
            answers(r, 10);
            now += 20.0;
            r.on_burst(now, now + 1_000.0);
            now += 1_000.0;
        }
        now
    }

    #[test]
    fn bursts_of_a_small_bucket_teach_a_tentative_rate_over_several_of_them() {
        let mut r = RateLearner::default();
        r.on_start(0.0);
        let now = small_bucket_bursts(&mut r, 0.0, 2);
        assert_eq!(r.per_sec(), None, "20 answers: too few yet");
        small_bucket_bursts(&mut r, now, 1);
        let tentative = r.per_sec().expect("30 answers over three bursts");
        assert!(
            (12.0..=16.0).contains(&tentative),
            "30 answers in 2.06 s: {tentative}/s"
        );
        assert!(r.tentative);
        // Spaced below the limit, the bucket stops throttling: the rate climbs until a burst
        // with enough answers measures it.
        answers(&mut r, 400);
        r.on_burst(20_000.0, 21_000.0);
        assert!(!r.tentative);
        assert!(r.per_sec().is_some());
    }

    #[test]
    fn throttling_again_under_a_tentative_rate_is_faults_and_forgets_it() {
        let mut r = RateLearner::default();
        r.on_start(0.0);
        let now = small_bucket_bursts(&mut r, 0.0, 3);
        assert!(r.tentative && r.per_sec().is_some());
        let now = small_bucket_bursts(&mut r, now, 1);
        assert_eq!(r.per_sec(), None, "429s whatever the rate: no spacing");
        small_bucket_bursts(&mut r, now, 8);
        assert_eq!(
            r.per_sec(),
            None,
            "and bursts of few answers teach nothing more"
        );
    }

    #[test]
    fn a_pause_is_not_counted_in_the_next_rate() {
        let mut r = RateLearner::default();
        r.on_start(0.0);
        answers(&mut r, 10);
        r.on_resume(60_000.0);
        answers(&mut r, 200);
        r.on_burst(61_000.0, 62_000.0);
        assert_eq!(r.per_sec(), Some(200.0 * MARGIN));
    }
}
