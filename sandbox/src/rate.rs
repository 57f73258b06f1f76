//! Per-credential token buckets.

use std::collections::HashMap;
use std::time::Instant;

/// One token bucket per credential key.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: HashMap<String, Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// Takes one token for `key`; on refusal, returns the whole seconds to wait (at least 1).
    /// A `rate` of 0 means unlimited.
    pub fn check(&mut self, key: &str, rate: f64, burst: f64, now: Instant) -> Result<(), u64> {
        if rate <= 0.0 {
            return Ok(());
        }
        let capacity = burst.max(1.0);
        let bucket = self.buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / rate;
            Err((wait.ceil() as u64).max(1))
        }
    }

    /// Forgets every bucket.
    pub fn clear(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_a_burst_then_refuses_with_a_wait_then_refills() {
        let mut r = RateLimiter::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(r.check("a", 0.5, 3.0, t0).is_ok());
        }
        assert_eq!(r.check("a", 0.5, 3.0, t0), Err(2));
        assert!(
            r.check("b", 0.5, 3.0, t0).is_ok(),
            "buckets are per credential"
        );
        assert!(r.check("a", 0.5, 3.0, t0 + Duration::from_secs(2)).is_ok());
    }

    #[test]
    fn zero_rate_is_unlimited() {
        let mut r = RateLimiter::default();
        let t0 = Instant::now();
        assert!((0..1000).all(|_| r.check("a", 0.0, 1.0, t0).is_ok()));
    }
}
