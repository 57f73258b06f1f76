//! What an EPM run talks to, and its tunable limits.

use std::collections::HashSet;

use crate::run::{Auth, Clock, Control, Http};

use super::batch::{login_key, DEFAULT_BATCH_SIZE};
use super::outage::Outage;
use super::upload::{LineEnding, MAX_CHUNK_BYTES};
use super::url::EpmBase;

/// Limits and timings of an EPM run. `Default` gives the production values.
#[derive(Clone, Debug, PartialEq)]
pub struct EpmConfig {
    /// Users per removal job (see [`DEFAULT_BATCH_SIZE`]).
    pub batch_size: usize,
    /// Largest upload chunk in bytes (the service's limit is [`MAX_CHUNK_BYTES`]).
    pub chunk_size: usize,
    /// First wait before polling a job whose speed is not known yet, in ms; later jobs are
    /// polled at the pace the previous one showed (`src/epm/poll.rs`).
    pub poll_first_ms: u64,
    /// The shortest and the longest wait between two polls of a job, in ms.
    pub poll_min_ms: u64,
    pub poll_max_ms: u64,
    /// How long a job may run (time paused for a new credential excluded) before its users
    /// are reported as "did not finish".
    pub job_timeout_ms: u64,
    /// Sends of one request before giving up on network errors, 5xx and 429; a request the run
    /// may repeat then holds instead, while the run may still hold (see `max_hold_ms`).
    pub max_attempts: u32,
    /// How long a run holds in all through an outage (`src/epm/outage.rs`), time paused
    /// excluded; 0: never (a one-off call).
    pub max_hold_ms: u64,
    /// Ceiling of the first wait after a failed send with no `Retry-After`, in ms; it doubles up
    /// to `retry_max_ms`, and each wait is drawn from the upper half of its ceiling (jitter).
    pub retry_first_ms: u64,
    pub retry_max_ms: u64,
    /// A request with no answer after this long counts as a network timeout, ms.
    pub request_timeout_ms: u64,
    /// Line ending of the uploaded file.
    pub line_ending: LineEnding,
    /// The signed-in admin's login when it is not the Basic user (OAuth): never sent for removal.
    pub own_login: Option<String>,
    /// When "Check who exists" ran on the plan: the [`login_key`]s it found missing. Such a login
    /// that an unclear end leaves gone is reported not found, not removed; the others it found
    /// and List Users no longer has were removed (`src/epm/lost.rs`).
    pub absent_before: Option<HashSet<String>>,
    /// For a retry: the [`login_key`]s whose earlier outcome was unknown. The new job's "not
    /// found" then means that earlier attempt removed them.
    pub unknown_before: HashSet<String>,
    /// A refused credential pauses a run until a new one is given; a one-off call (the preview's
    /// or a resume's List Users) sets this to `false` and ends with an error instead.
    pub wait_for_credential: bool,
}

impl Default for EpmConfig {
    fn default() -> Self {
        EpmConfig {
            batch_size: DEFAULT_BATCH_SIZE,
            chunk_size: MAX_CHUNK_BYTES,
            poll_first_ms: 200,
            poll_min_ms: 100,
            poll_max_ms: 5_000,
            job_timeout_ms: 30 * 60 * 1_000,
            max_attempts: 5,
            max_hold_ms: 15 * 60 * 1_000,
            retry_first_ms: 1_000,
            retry_max_ms: 30_000,
            request_timeout_ms: 120_000,
            line_ending: LineEnding::CrLf,
            own_login: None,
            absent_before: None,
            unknown_before: HashSet::new(),
            wait_for_credential: true,
        }
    }
}

impl EpmConfig {
    /// The settings of a one-off call outside a run: a refused credential is an error, and an
    /// outage is not waited out.
    pub fn one_off() -> Self {
        EpmConfig {
            wait_for_credential: false,
            max_hold_ms: 0,
            ..EpmConfig::default()
        }
    }
}

/// One EPM tenant, reached through the HTTP seam, with the run's control and limits.
pub struct Epm<'a, H, C> {
    pub http: &'a H,
    /// Its `now_ms` should count from the Unix epoch (`Date.now()`): results are stamped with it.
    pub clock: &'a C,
    pub control: &'a Control,
    pub base: &'a EpmBase,
    pub config: &'a EpmConfig,
    /// Whether the run holds through an outage: new for each run.
    pub outage: Outage,
}

impl<H: Http, C: Clock> Epm<'_, H, C> {
    /// The logins of the signed-in admin's own account (never removed), as [`login_key`]s.
    pub fn own_login_keys(&self) -> Vec<String> {
        let basic_user = match self.control.auth() {
            Auth::Basic { user, .. } => Some(user),
            Auth::Bearer(_) => None,
        };
        basic_user
            .iter()
            .chain(self.config.own_login.iter())
            .filter(|own| !own.trim().is_empty())
            .map(|own| login_key(own))
            .collect()
    }
}
