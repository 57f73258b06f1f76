//! Exponential backoff with full jitter for server errors and lost answers.

use super::rng::Rng;

/// How long to wait before retrying a request that failed with a 5xx or no answer, and when to give up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first wait, ms; it doubles with each failure.
    pub base_ms: u64,
    /// No wait is longer than this, ms.
    pub cap_ms: u64,
    /// Requests allowed per user before it is reported failed (the first one included).
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base_ms: 1_000,
            cap_ms: 30_000,
            max_attempts: 5,
        }
    }
}

impl Backoff {
    /// The ceiling of the wait after the `failures`-th failure (1-based): `min(cap, base * 2^(failures-1))`.
    pub fn ceiling_ms(&self, failures: u32) -> u64 {
        let doubled = self
            .base_ms
            .saturating_mul(1u64 << failures.saturating_sub(1).min(32));
        doubled.min(self.cap_ms)
    }

    /// "Full jitter": a uniform wait in `0..=ceiling`, so clients that failed together retry apart.
    pub fn delay_ms(&self, failures: u32, rng: &mut Rng) -> u64 {
        rng.up_to(self.ceiling_ms(failures))
    }

    /// "Equal jitter": a wait in `ceiling/2..=ceiling`, for holds that must not collapse to nothing.
    pub fn equal_jitter_ms(&self, failures: u32, rng: &mut Rng) -> u64 {
        let ceiling = self.ceiling_ms(failures);
        ceiling / 2 + rng.up_to(ceiling - ceiling / 2)
    }

    /// Whether `failures` failed requests exhaust the allowance.
    pub fn exhausted(&self, failures: u32) -> bool {
        failures >= self.max_attempts.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let b = Backoff {
            base_ms: 500,
            cap_ms: 5_000,
            max_attempts: 5,
        };
        let ceilings: Vec<u64> = (1..=6).map(|n| b.ceiling_ms(n)).collect();
        assert_eq!(ceilings, [500, 1_000, 2_000, 4_000, 5_000, 5_000]);
        assert_eq!(b.ceiling_ms(200), 5_000, "no overflow on long streaks");
    }

    #[test]
    fn jittered_waits_spread_across_the_whole_range() {
        let b = Backoff::default();
        let mut rng = Rng::new(9);
        let waits: Vec<u64> = (0..200).map(|_| b.delay_ms(3, &mut rng)).collect();
        assert!(waits.iter().all(|w| *w <= 4_000));
        assert!(
            waits.iter().any(|w| *w < 1_000) && waits.iter().any(|w| *w > 3_000),
            "{waits:?}"
        );
    }

    #[test]
    fn equal_jitter_waits_at_least_half_the_ceiling() {
        let b = Backoff {
            base_ms: 1_000,
            cap_ms: 8_000,
            max_attempts: 5,
        };
        let mut rng = Rng::new(1);
        let waits: Vec<u64> = (0..100).map(|_| b.equal_jitter_ms(2, &mut rng)).collect();
        assert!(
            waits.iter().all(|w| (1_000..=2_000).contains(w)),
            "{waits:?}"
        );
        assert_ne!(waits.iter().min(), waits.iter().max());
    }

    #[test]
    fn gives_up_after_the_attempt_limit() {
        let b = Backoff::default();
        assert!(!b.exhausted(4));
        assert!(b.exhausted(5));
    }
}
