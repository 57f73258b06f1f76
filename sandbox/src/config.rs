//! Command-line options and the start-up configuration derived from them.

use crate::faults::RetryAfter;
use clap::Parser;
use std::path::PathBuf;

/// Command-line options of the `sandbox` binary.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "sandbox",
    about = "Offboard sandbox: emulated RSA Cloud Access Service and Oracle EPM Cloud APIs on 127.0.0.1"
)]
pub struct Config {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// The built panel, served as static files at `/`.
    #[arg(long, default_value = "dist")]
    pub dist: PathBuf,
    /// Where the demo key file and sample CSVs are written.
    #[arg(long, default_value = "sandbox-data")]
    pub data_dir: PathBuf,
    /// Number of seeded people (each has an RSA user and an EPM user).
    #[arg(long, default_value_t = 3000)]
    pub users: usize,
    /// Seed of the deterministic tenant.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Requests per second allowed per verified credential (token bucket refill); 0 disables
    /// the limit. Refused credentials are never limited.
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// Token bucket capacity per credential.
    #[arg(long, default_value_t = 200.0)]
    pub burst: f64,
    /// Added latency of every vendor API call, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Uniform jitter around --latency-ms (± this many milliseconds).
    #[arg(long, default_value_t = 0)]
    pub latency_jitter_ms: u64,
    /// Share (0..1) of vendor API calls answered with an injected 500.
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Inject the 500s after the request took effect (the API acted, the caller hears 500)
    /// instead of before.
    #[arg(long)]
    pub fail_after: bool,
    /// Share (0..1) of vendor API calls whose connection is dropped without an answer.
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Drop connections after the request took effect (the nastier case) instead of before.
    #[arg(long)]
    pub drop_after: bool,
    /// `Retry-After` on 429s: whole seconds, an HTTP-date, or none (the RSA documents list 429
    /// but no header).
    #[arg(long, value_enum, default_value_t = RetryAfter::Seconds)]
    pub retry_after: RetryAfter,
    /// Speed of EPM removal jobs in users per second; 0 finishes a job at once.
    #[arg(long, default_value_t = 500.0)]
    pub epm_users_per_sec: f64,
    /// Send CORS headers to this origin (repeatable; `*` allows any). Without it there are none,
    /// as with the real vendors, which document no CORS support.
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// Start with the CORS headers of --cors-origin switched off (the `cors` fault switches them on).
    #[arg(long)]
    pub no_cors: bool,
    /// Serve HTTPS (HTTP/2 or HTTP/1.1 by ALPN, like the real vendors) with a self-signed
    /// certificate for 127.0.0.1 and localhost, kept in the data directory as `tls-cert.pem`.
    #[arg(long)]
    pub tls: bool,
}

impl Config {
    /// The defaults, as if no option were given (handy for tests).
    pub fn defaults() -> Config {
        Config::parse_from(["sandbox"])
    }

    /// Checks value ranges that clap cannot express.
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("--fail-rate", self.fail_rate),
            ("--drop-rate", self.drop_rate),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        let max = crate::faults::MAX_LATENCY_MS;
        if self.latency_ms > max || self.latency_jitter_ms > max {
            return Err(format!(
                "--latency-ms and --latency-jitter-ms must be at most {max}"
            ));
        }
        if self.rate < 0.0 || self.burst < 0.0 || self.epm_users_per_sec < 0.0 {
            return Err("--rate, --burst and --epm-users-per-sec must not be negative".into());
        }
        Ok(())
    }
}
