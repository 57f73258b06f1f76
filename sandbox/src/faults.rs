//! Switchable faults and limits: the settings every vendor API call is subject to.

use crate::clock::now_ms;
use crate::config::Config;
use serde::{Deserialize, Serialize};

/// Largest accepted latency or jitter (ten minutes).
pub const MAX_LATENCY_MS: u64 = 600_000;

/// How a 429 carries `Retry-After`. The RSA documents list 429 but no header, so a client
/// must cope with each form and with none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RetryAfter {
    /// Whole seconds: `Retry-After: 2`.
    Seconds,
    /// An HTTP-date: `Retry-After: Sun, 06 Nov 1994 08:49:37 GMT`.
    Date,
    /// No `Retry-After` header at all.
    #[serde(rename = "none")]
    #[value(name = "none")]
    Omitted,
}

/// Current fault settings, as `GET /sandbox/faults` shows them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Faults {
    /// Share of calls answered with an injected 500.
    pub fail_rate: f64,
    /// Inject the 500 after the call took effect rather than before.
    pub fail_after: bool,
    /// Share of calls whose connection is dropped.
    pub drop_rate: f64,
    /// Drop after the call took effect rather than before.
    pub drop_after: bool,
    /// Added latency per call.
    pub latency_ms: u64,
    /// Uniform jitter (±) around `latency_ms`.
    pub latency_jitter_ms: u64,
    /// Token bucket refill per credential, requests per second (0: unlimited).
    pub rate: f64,
    /// Token bucket capacity per credential.
    pub burst: f64,
    /// From this instant (Unix ms), credentials issued before it are refused.
    pub revoke_at: Option<u64>,
    /// EPM jobs started while set fail after processing half of their users.
    pub job_fail_midway: bool,
    /// The next this-many EPM jobs fail after processing half of their users.
    pub fail_next_jobs: u32,
    /// Until this instant (Unix ms), every vendor call is answered 429.
    pub storm429_until: Option<u64>,
    /// The form of `Retry-After` on 429s.
    pub retry_after: RetryAfter,
    /// Whether CORS headers are sent (to `cors_origins` only).
    pub cors: bool,
    /// The origins of `--cors-origin` (`*`: any); none by default, like the real vendors.
    pub cors_origins: Vec<String>,
    /// Speed of EPM removal jobs.
    pub epm_users_per_sec: f64,
}

/// A partial change, as `POST /sandbox/faults` accepts it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultsUpdate {
    fail_rate: Option<f64>,
    fail_after: Option<bool>,
    drop_rate: Option<f64>,
    drop_after: Option<bool>,
    latency_ms: Option<u64>,
    latency_jitter_ms: Option<u64>,
    rate: Option<f64>,
    burst: Option<f64>,
    revoke_credentials: Option<bool>,
    revoke_after_secs: Option<f64>,
    job_fail_midway: Option<bool>,
    fail_next_jobs: Option<u32>,
    storm429_secs: Option<f64>,
    retry_after: Option<RetryAfter>,
    cors: Option<bool>,
    epm_users_per_sec: Option<f64>,
}

impl Faults {
    /// The settings the command line asked for.
    pub fn from_config(c: &Config) -> Faults {
        Faults {
            fail_rate: c.fail_rate,
            fail_after: c.fail_after,
            drop_rate: c.drop_rate,
            drop_after: c.drop_after,
            latency_ms: c.latency_ms,
            latency_jitter_ms: c.latency_jitter_ms,
            rate: c.rate,
            burst: c.burst,
            revoke_at: None,
            job_fail_midway: false,
            fail_next_jobs: 0,
            storm429_until: None,
            retry_after: c.retry_after,
            cors: !c.no_cors && !c.cors_origins.is_empty(),
            cors_origins: c.cors_origins.clone(),
            epm_users_per_sec: c.epm_users_per_sec,
        }
    }

    /// Applies a change; on an invalid value nothing changes.
    pub fn apply(&mut self, u: FaultsUpdate) -> Result<(), String> {
        let share = |name: &str, v: Option<f64>| match v {
            Some(x) if !(0.0..=1.0).contains(&x) => Err(format!("{name} must be between 0 and 1")),
            _ => Ok(()),
        };
        share("failRate", u.fail_rate)?;
        share("dropRate", u.drop_rate)?;
        let non_negative = [
            u.rate,
            u.burst,
            u.revoke_after_secs,
            u.storm429_secs,
            u.epm_users_per_sec,
        ];
        if non_negative
            .iter()
            .flatten()
            .any(|v| v.is_nan() || *v < 0.0)
        {
            return Err(
                "rate, burst, revokeAfterSecs, storm429Secs and epmUsersPerSec must be >= 0".into(),
            );
        }
        if [u.latency_ms, u.latency_jitter_ms]
            .iter()
            .flatten()
            .any(|ms| *ms > MAX_LATENCY_MS)
        {
            return Err(format!(
                "latencyMs and latencyJitterMs must be at most {MAX_LATENCY_MS}"
            ));
        }
        if u.cors == Some(true) && self.cors_origins.is_empty() {
            return Err("cors needs the sandbox started with --cors-origin".into());
        }
        let now = now_ms();
        set(&mut self.fail_rate, u.fail_rate);
        set(&mut self.fail_after, u.fail_after);
        set(&mut self.drop_rate, u.drop_rate);
        set(&mut self.drop_after, u.drop_after);
        set(&mut self.latency_ms, u.latency_ms);
        set(&mut self.latency_jitter_ms, u.latency_jitter_ms);
        set(&mut self.rate, u.rate);
        set(&mut self.burst, u.burst);
        set(&mut self.job_fail_midway, u.job_fail_midway);
        set(&mut self.fail_next_jobs, u.fail_next_jobs);
        set(&mut self.retry_after, u.retry_after);
        set(&mut self.cors, u.cors);
        set(&mut self.epm_users_per_sec, u.epm_users_per_sec);
        match u.revoke_credentials {
            Some(true) => self.revoke_at = Some(now),
            Some(false) => self.revoke_at = None,
            None => {}
        }
        if let Some(secs) = u.revoke_after_secs {
            self.revoke_at = Some(now.saturating_add((secs * 1000.0) as u64));
        }
        if let Some(secs) = u.storm429_secs {
            self.storm429_until = (secs > 0.0).then(|| now.saturating_add((secs * 1000.0) as u64));
        }
        Ok(())
    }

    /// Whether the EPM job starting now fails midway (uses up one of `fail_next_jobs`).
    pub fn take_job_failure(&mut self) -> bool {
        if self.fail_next_jobs > 0 {
            self.fail_next_jobs -= 1;
            return true;
        }
        self.job_fail_midway
    }

    /// Whether a credential issued at `issued_ms` is refused at `now_ms`.
    pub fn is_revoked(&self, issued_ms: u64, now_ms: u64) -> bool {
        matches!(self.revoke_at, Some(at) if now_ms >= at && issued_ms < at)
    }

    /// The latency to add to one call, in milliseconds.
    pub fn sample_latency_ms(&self) -> u64 {
        if self.latency_jitter_ms == 0 {
            return self.latency_ms;
        }
        let j = self.latency_jitter_ms.min(MAX_LATENCY_MS) as i64;
        let delta = rand::Rng::gen_range(&mut rand::thread_rng(), -j..=j);
        (self.latency_ms.min(MAX_LATENCY_MS) as i64 + delta).max(0) as u64
    }
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *field = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn faults() -> Faults {
        Faults::from_config(&Config::defaults())
    }

    #[test]
    fn rejects_out_of_range_shares_without_changing_anything() {
        let mut f = faults();
        let u: FaultsUpdate = serde_json::from_str(r#"{"failRate":1.5,"latencyMs":10}"#).unwrap();
        assert!(f.apply(u).is_err());
        assert_eq!(f.latency_ms, 0);
    }

    #[test]
    fn latency_stays_within_the_jitter() {
        let mut f = faults();
        f.apply(serde_json::from_str(r#"{"latencyMs":100,"latencyJitterMs":50}"#).unwrap())
            .unwrap();
        let samples: Vec<u64> = (0..500).map(|_| f.sample_latency_ms()).collect();
        assert!(samples.iter().all(|ms| (50..=150).contains(ms)));
        assert!(
            samples.iter().any(|ms| *ms != 100),
            "jitter varies the delay"
        );
        assert!(f
            .apply(serde_json::from_str(r#"{"latencyMs":99999999999}"#).unwrap())
            .is_err());
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_str::<FaultsUpdate>(r#"{"failrate":0.5}"#).is_err());
        assert!(serde_json::from_str::<FaultsUpdate>(r#"{"retryAfter":"minutes"}"#).is_err());
    }

    #[test]
    fn retry_after_form_from_the_command_line() {
        let parse = |args: &[&str]| Config::parse_from(args.iter().copied()).retry_after;
        assert_eq!(parse(&["sandbox"]), RetryAfter::Seconds);
        assert_eq!(
            parse(&["sandbox", "--retry-after", "date"]),
            RetryAfter::Date
        );
        assert_eq!(
            parse(&["sandbox", "--retry-after", "none"]),
            RetryAfter::Omitted
        );
    }

    #[test]
    fn cors_is_off_unless_origins_are_given() {
        let mut f = faults();
        assert!(!f.cors);
        assert!(f
            .apply(serde_json::from_str(r#"{"cors":true}"#).unwrap())
            .is_err());
        let with = |args: &[&str]| Faults::from_config(&Config::parse_from(args.iter().copied()));
        let mut f = with(&["sandbox", "--cors-origin", "*"]);
        assert!(f.cors);
        f.apply(serde_json::from_str(r#"{"cors":false}"#).unwrap())
            .unwrap();
        f.apply(serde_json::from_str(r#"{"cors":true}"#).unwrap())
            .unwrap();
        assert!(f.cors);
        assert!(!with(&["sandbox", "--cors-origin", "*", "--no-cors"]).cors);
    }

    #[test]
    fn revocation_refuses_only_earlier_credentials_once_in_force() {
        let mut f = faults();
        f.revoke_at = Some(1_000);
        assert!(!f.is_revoked(500, 999), "not yet in force");
        assert!(f.is_revoked(500, 1_000));
        assert!(!f.is_revoked(1_000, 5_000), "issued at the cut-off is fine");
    }
}
