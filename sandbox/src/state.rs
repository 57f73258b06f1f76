//! The shared server state and its reset.

use crate::audit::{Action, AuditLog, RequestLog, System};
use crate::clock::{lock, now_ms};
use crate::config::Config;
use crate::demo::DemoKey;
use crate::epm_store::EpmStore;
use crate::faults::Faults;
use crate::rate::RateLimiter;
use crate::samples::{build_samples, Sample};
use crate::seed::seed_tenant;
use crate::tenant::Tenant;
use std::path::PathBuf;
use std::sync::Mutex;

/// Path of the RSA Admin REST API below the base URL.
pub const RSA_API_PATH: &str = "/AdminInterface/restapi/v1";

/// Everything the handlers share.
pub struct AppState {
    /// Start-up configuration.
    pub config: Config,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The demo Administration API key.
    pub key: DemoKey,
    /// Where the key file was written.
    pub key_file_path: PathBuf,
    /// Both user directories.
    pub tenant: Mutex<Tenant>,
    /// Sample CSV files.
    pub samples: Mutex<Vec<Sample>>,
    /// Current faults and limits.
    pub faults: Mutex<Faults>,
    /// Token buckets.
    pub limiter: Mutex<RateLimiter>,
    /// Effective changes.
    pub audit: Mutex<AuditLog>,
    /// Vendor requests received.
    pub requests: Mutex<RequestLog>,
    /// EPM files, jobs, tokens.
    pub epm: Mutex<EpmStore>,
}

impl AppState {
    /// Seeds the tenant and writes the samples into the data directory.
    pub fn new(
        config: Config,
        base_url: String,
        key: DemoKey,
        key_file_path: PathBuf,
    ) -> std::io::Result<AppState> {
        let now = now_ms();
        let tenant = seed_tenant(config.users, config.seed, now);
        let samples = build_samples(&tenant, config.seed);
        write_samples(&config, &samples)?;
        Ok(AppState {
            faults: Mutex::new(Faults::from_config(&config)),
            tenant: Mutex::new(tenant),
            samples: Mutex::new(samples),
            limiter: Mutex::new(RateLimiter::default()),
            audit: Mutex::new(AuditLog::default()),
            requests: Mutex::new(RequestLog::default()),
            epm: Mutex::new(EpmStore::new(now)),
            config,
            base_url,
            key,
            key_file_path,
        })
    }

    /// The key file's `adminRestApiUrl`, also the required JWT `aud`.
    pub fn admin_url(&self) -> String {
        format!("{}{RSA_API_PATH}", self.base_url)
    }

    /// A copy of the current faults.
    pub fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    /// Records an effective change in the audit log.
    pub fn audit(&self, system: System, user: &str, via: &'static str, action: Action) {
        lock(&self.audit).record(system, user, via, action);
    }

    /// Re-seeds the tenant (optionally with another size or seed) and clears logs, faults,
    /// files, jobs and issued tokens.
    pub fn reset(&self, users: Option<usize>, seed: Option<u64>) {
        let now = now_ms();
        let seed = seed.unwrap_or(self.config.seed);
        let tenant = seed_tenant(users.unwrap_or(self.config.users), seed, now);
        *lock(&self.samples) = build_samples(&tenant, seed);
        *lock(&self.tenant) = tenant;
        *lock(&self.faults) = Faults::from_config(&self.config);
        lock(&self.limiter).clear();
        *lock(&self.audit) = AuditLog::default();
        *lock(&self.requests) = RequestLog::default();
        lock(&self.epm).reset(now);
    }
}

fn write_samples(config: &Config, samples: &[Sample]) -> std::io::Result<()> {
    let dir = config.data_dir.join("samples");
    std::fs::create_dir_all(&dir)?;
    for s in samples {
        std::fs::write(dir.join(s.name), &s.text)?;
    }
    Ok(())
}
