//! Resolving e-mail addresses to user IDs with User Details (lookup), before anything is removed.
//!
//! The lookups run on the removal engine ([`run_per_user`]) through a lookup [`Protocol`], so they
//! are paced, throttled, retried, paused and cancelled exactly as removals are.

use std::collections::HashMap;

use super::api;
use super::base_url::ApiBase;
use super::lookup::{judge_lookup, Blocker, LookupAnswer, RsaUser};
use crate::csv_intake::email_address;
use crate::decimal::grouped;
use crate::hash::FxBuild;
use crate::run::engine::{run_per_user, RunSettings};
use crate::run::http::{Auth, Clock, Http, NetError, Request, Response};
use crate::run::outcome::{Outcome, PlanEntry, UserResult};
use crate::run::progress::Hold;
use crate::run::status;
use crate::run::verdict::{AttemptContext, Protocol, Verdict};
use crate::run::{Control, PauseReason, RunEvent};

/// Shown for an e-mail address no user has.
pub const NOT_FOUND: &str =
    "Not found: no user with this e-mail address in Cloud Access Service. This row will not be processed.";
/// Shown (and the lookup paused) for 403.
pub const REFUSED: &str = "The service refused the credential (HTTP 403): the token has expired or was revoked, \
    was made for another tenant, or the API key lacks permission to look up users. The lookup is paused and keeps \
    its queue: give a new credential to continue.";
/// How the answers of rows never looked up begin.
pub const NOT_LOOKED_UP_PREFIX: &str = "Not looked up: ";
/// Shown for a row whose lookup never started because it was cancelled.
pub const CANCELLED: &str = "Not looked up: the lookup was cancelled.";
/// Shown for a row that holds no e-mail address.
pub const NOT_AN_EMAIL: &str = "Not looked up: this is not an e-mail address.";

/// The engine's outcomes name removals; a lookup uses this one to carry a found user, whose
/// lookup answer (JSON) travels in the result's message.
const FOUND: Outcome = Outcome::Removed;

/// What the lookup said about one e-mail address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A user has this address.
    Found(RsaUser),
    /// No user has this address (404).
    NotFound,
    /// No answer could be had: the service refused this address, gave up after `attempts`
    /// requests, or the lookup was cancelled first.
    Failed { reason: String, attempts: u32 },
}

impl Answer {
    /// The user, when found.
    pub fn user(&self) -> Option<&RsaUser> {
        match self {
            Answer::Found(user) => Some(user),
            _ => None,
        }
    }

    /// What would stop the found user's removal (enabled or pending deletion: 409; SCIM/Azure: 405).
    pub fn blocker(&self) -> Option<Blocker> {
        self.user().and_then(RsaUser::blocker)
    }

    /// The answer in the admin's words.
    pub fn message(&self) -> String {
        match self {
            Answer::Found(user) => {
                let found = format!("Found: {} ({}).", user.display_name(), user.id);
                match user.blocker() {
                    Some(b) => format!("{found} {}", b.message()),
                    None => found,
                }
            }
            Answer::NotFound => NOT_FOUND.to_string(),
            Answer::Failed { reason, .. } => reason.clone(),
        }
    }
}

/// One input row's e-mail address and what the lookup said about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// The row of the input file (as a spreadsheet numbers it).
    pub row: usize,
    /// The address as the row gave it.
    pub email: String,
    pub answer: Answer,
}

impl Resolution {
    /// The removal plan entry (row and user ID) for a found user, blocked ones included.
    pub fn plan_entry(&self) -> Option<PlanEntry> {
        self.answer.user().map(|user| PlanEntry {
            row: self.row,
            user: user.id.clone(),
        })
    }
}

/// How far a resolution has got; handed to the progress callback after each change.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolveProgress {
    /// Input rows with an answer.
    pub done: usize,
    /// Input rows in all.
    pub total: usize,
    /// Set when the lookup paused itself (credential refused); cleared when it sends again.
    pub paused: Option<PauseReason>,
    /// Nothing is sent before this instant (ms since the epoch) because the service throttled us.
    pub throttled_until_ms: Option<f64>,
    /// Set while the lookup holds because the service fails every request.
    pub holding: Option<Hold>,
}

impl ResolveProgress {
    /// The lookup's status line at `now_ms` (ms since the epoch).
    pub fn status(&self, now_ms: f64) -> String {
        let done = format!(
            "{} of {} looked up.",
            grouped(self.done),
            grouped(self.total)
        );
        let state = match (self.paused, &self.holding) {
            (Some(PauseReason::CredentialRefused), _) => {
                "Paused: the service refused the credential. Stop, connect with a new one (step 1), \
                 and look the addresses up again."
                    .to_string()
            }
            (Some(_), _) => "Paused.".to_string(),
            (None, Some(hold)) => status::holding(hold, now_ms),
            (None, None) if self.throttled_until_ms.is_some_and(|t| t > now_ms) => {
                "Throttled by the service: waiting.".to_string()
            }
            (None, None) => return done,
        };
        format!("{state} {done}")
    }
}

/// User Details as a per-user [`Protocol`]: the "user" is an e-mail address.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RsaLookup {
    base: ApiBase,
}

impl Protocol for RsaLookup {
    fn request(&self, email: &str, _step: usize, auth: &Auth) -> Request {
        api::lookup_user(&self.base, email, auth)
    }

    fn judge(&self, reply: &Result<Response, NetError>, ctx: &AttemptContext<'_>) -> Verdict {
        let status = reply.as_ref().ok().map(|r| r.status);
        match judge_lookup(reply, ctx.now_ms) {
            LookupAnswer::Found(_) => Verdict::Final {
                outcome: FOUND,
                status,
                message: reply.as_ref().map(Response::text).unwrap_or_default(),
            },
            LookupAnswer::NotFound => Verdict::Final {
                outcome: Outcome::NotFound,
                status,
                message: NOT_FOUND.to_string(),
            },
            LookupAnswer::CredentialRefused => Verdict::CredentialRefused {
                status: status.unwrap_or(403),
                message: REFUSED.to_string(),
            },
            LookupAnswer::Throttled { wait_ms } => Verdict::Throttled {
                status: status.unwrap_or(429),
                wait_ms,
                message: "The service asked to slow down (HTTP 429, too many requests)."
                    .to_string(),
            },
            LookupAnswer::Retry(message) => Verdict::Retry {
                status,
                message,
                maybe_done: false,
            },
            LookupAnswer::Failed(message) => Verdict::Final {
                outcome: Outcome::Failed,
                status,
                message,
            },
        }
    }
}

/// The key under which two addresses count as the same.
fn email_key(email: &str) -> String {
    crate::case::fold(email.trim())
}

/// A lookup's result from the engine, as an answer.
fn answer_of(result: UserResult) -> Answer {
    let failed = |reason: String| Answer::Failed {
        reason,
        attempts: result.attempts,
    };
    match result.outcome {
        FOUND => RsaUser::parse(result.message.as_bytes()).map_or_else(
            || failed("The lookup answered without a user ID.".to_string()),
            Answer::Found,
        ),
        Outcome::NotFound => Answer::NotFound,
        Outcome::NotStarted => failed(CANCELLED.to_string()),
        _ => failed(
            match result
                .message
                .strip_prefix("Not removed: the run was cancelled")
            {
                Some(rest) => format!("Not looked up: the lookup was cancelled{rest}"),
                None => result.message,
            },
        ),
    }
}

/// Looks up every entry's e-mail address (`PlanEntry::user`) at `base` with the credential in
/// `control`, and returns one [`Resolution`] per entry, in input order. An address repeated
/// (ignoring case and surrounding spaces) is looked up once and every row gets its answer; a row
/// without an e-mail address fails without a request. `on_progress` hears each change.
///
/// Paced, retried, paused and cancelled by the removal engine: see [`run_per_user`] (a 403
/// pauses with [`PauseReason::CredentialRefused`] until [`Control::replace_auth`]).
pub async fn resolve_emails<H, C, F>(
    entries: &[PlanEntry],
    base: &ApiBase,
    http: &H,
    clock: &C,
    control: &Control,
    settings: &RunSettings,
    on_progress: &mut F,
) -> Vec<Resolution>
where
    H: Http,
    C: Clock,
    F: FnMut(&ResolveProgress),
{
    let mut unique: Vec<PlanEntry> = Vec::new();
    let mut rows_per_key: HashMap<String, usize, FxBuild> = HashMap::default();
    let mut invalid = 0;
    // Each entry's address key (None: not an address), kept for handing out the answers.
    let mut keys: Vec<Option<String>> = Vec::with_capacity(entries.len());
    for entry in entries {
        let Some(address) = email_address(&entry.user) else {
            invalid += 1;
            keys.push(None);
            continue;
        };
        let key = email_key(address);
        let count = rows_per_key.entry(key.clone()).or_insert(0);
        if *count == 0 {
            unique.push(PlanEntry {
                row: entry.row,
                user: address.to_string(),
            });
        }
        *count += 1;
        keys.push(Some(key));
    }

    let mut progress = ResolveProgress {
        done: invalid,
        total: entries.len(),
        paused: None,
        throttled_until_ms: None,
        holding: None,
    };
    on_progress(&progress);
    // Each answer is read as it arrives, so the end of a long lookup has little left to do.
    let mut answers: HashMap<String, Answer, FxBuild> =
        HashMap::with_capacity_and_hasher(unique.len(), FxBuild::default());
    let mut on_event = |event: RunEvent| {
        match event {
            RunEvent::Result(r) => {
                let key = email_key(&r.user);
                progress.done += rows_per_key[&key];
                answers.insert(key, answer_of(r));
            }
            RunEvent::Paused(reason) => progress.paused = Some(reason),
            RunEvent::Sending { .. } if progress.paused.is_some() => progress.paused = None,
            RunEvent::Throttled { wait_ms } => {
                let until = clock.now_ms() + wait_ms as f64;
                progress.throttled_until_ms =
                    Some(progress.throttled_until_ms.map_or(until, |t| t.max(until)));
            }
            RunEvent::Holding { wait_ms, reason } => {
                let next_ms = clock.now_ms() + wait_ms as f64;
                progress.holding = Some(Hold { next_ms, reason });
            }
            RunEvent::HoldOver => progress.holding = None,
            _ => return,
        }
        on_progress(&progress);
    };
    let protocol = RsaLookup { base: base.clone() };
    let results = run_per_user(
        &unique,
        &protocol,
        http,
        clock,
        control,
        settings,
        &mut on_event,
    )
    .await;
    // The engine reports every user as an event; its results cover any it did not.
    if answers.len() < unique.len() {
        for r in results {
            answers
                .entry(email_key(&r.user))
                .or_insert_with(|| answer_of(r));
        }
    }
    // Each answer goes to its address's last row as it is, and is copied for the rows before.
    entries
        .iter()
        .zip(keys)
        .map(|(entry, key)| {
            let rows_left = key.as_ref().and_then(|k| rows_per_key.get_mut(k));
            let answer = match (key.as_ref(), rows_left) {
                (Some(k), Some(left)) if *left > 1 => {
                    *left -= 1;
                    answers.get(k).cloned()
                }
                (Some(k), Some(_)) => answers.remove(k),
                _ => None,
            };
            Resolution {
                row: entry.row,
                email: entry.user.clone(),
                answer: answer.unwrap_or_else(|| Answer::Failed {
                    reason: NOT_AN_EMAIL.to_string(),
                    attempts: 0,
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::future::Future;
    use std::rc::Rc;

    use futures::future::join;

    use super::*;
    use crate::run::backoff::Backoff;
    use crate::run::http::Method;
    use crate::run::testing::{block_on, Call, FakeHttp, Reply, VirtualClock, EPOCH_START_MS};
    use crate::run::{Mode, PacerSettings};

    /// A lookup still going after four simulated hours is stuck.
    const SIMULATED_LIMIT_MS: f64 = 4.0 * 3_600_000.0;
    const LOOKUP_URL: &str =
        "https://acme.access.securid.com/AdminInterface/restapi/v1/users/lookup";

    /// Checks that each request is the documented lookup, then hands the fake service the address
    /// as the last path segment, so its script and counters see one "user" per e-mail address.
    struct ByEmail<'a>(&'a FakeHttp);

    impl Http for ByEmail<'_> {
        fn send(&self, mut req: Request) -> impl Future<Output = Result<Response, NetError>> {
            assert_eq!((req.method, req.url.as_str()), (Method::Post, LOOKUP_URL));
            let body: serde_json::Value =
                serde_json::from_slice(req.body.as_deref().expect("a JSON body")).unwrap();
            assert_eq!(body["searchUnsynched"], false);
            req.url = format!("{}/{}", req.url, body["email"].as_str().unwrap());
            self.0.send(req)
        }
    }

    /// A user ID derived from the address, so each address has its own.
    fn id_for(email: &str) -> String {
        let h = email_key(email)
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        format!(
            "{:08x}-0000-4000-8000-{:012x}",
            h >> 32,
            h & 0xffff_ffff_ffff
        )
    }

    fn user(email: &str, status: &str, mark_deleted: bool, source: &str) -> Reply {
        let body = serde_json::json!({
            "id": id_for(email), "emailAddress": email, "firstName": "Jo", "lastName": "Doe",
            "identitySource": source, "userStatus": status, "markDeleted": mark_deleted,
        });
        Reply::status(200).body(&body.to_string())
    }

    fn found(call: &Call) -> Reply {
        user(&call.user, "Disabled", false, "Corp AD")
    }

    fn entries(emails: &[&str]) -> Vec<PlanEntry> {
        emails
            .iter()
            .enumerate()
            .map(|(i, e)| PlanEntry {
                row: i + 2,
                user: e.to_string(),
            })
            .collect()
    }

    fn numbered(n: usize) -> Vec<PlanEntry> {
        let emails: Vec<String> = (0..n).map(|i| format!("user{i}@acme.com")).collect();
        entries(&emails.iter().map(String::as_str).collect::<Vec<_>>())
    }

    struct Ran {
        resolutions: Vec<Resolution>,
        /// (simulated ms since the start, progress) for every callback.
        progress: Vec<(f64, ResolveProgress)>,
        http: FakeHttp,
    }

    impl Ran {
        /// Every input row has exactly one answer, in input order, and the progress reached the end.
        fn assert_one_answer_each(&self, input: &[PlanEntry]) {
            let got: Vec<(usize, &str)> = self
                .resolutions
                .iter()
                .map(|r| (r.row, r.email.as_str()))
                .collect();
            let want: Vec<(usize, &str)> = input.iter().map(|e| (e.row, e.user.as_str())).collect();
            assert_eq!(got, want);
            let done: Vec<usize> = self.progress.iter().map(|(_, p)| p.done).collect();
            assert!(done.windows(2).all(|w| w[0] <= w[1]), "{done:?}");
            let last = &self.progress.last().unwrap().1;
            assert_eq!((last.done, last.total), (input.len(), input.len()));
        }

        fn answer(&self, row: usize) -> &Answer {
            &self
                .resolutions
                .iter()
                .find(|r| r.row == row)
                .unwrap()
                .answer
        }
    }

    fn run<A, Fut>(
        input: &[PlanEntry],
        settings: RunSettings,
        script: impl Fn(&Call) -> Reply + 'static,
        actor: A,
    ) -> Ran
    where
        A: FnOnce(VirtualClock, Control) -> Fut,
        Fut: Future<Output = ()>,
    {
        let clock = VirtualClock::new();
        let http = FakeHttp::new(&clock, script);
        let control = Control::new(Auth::Bearer("old".into()));
        let progress = RefCell::new(Vec::new());
        let mut on_progress =
            |p: &ResolveProgress| progress.borrow_mut().push((clock.elapsed_ms(), p.clone()));
        let base = ApiBase::parse("https://acme.access.securid.com").unwrap();
        let by_email = ByEmail(&http);
        let resolving = resolve_emails(
            input,
            &base,
            &by_email,
            &clock,
            &control,
            &settings,
            &mut on_progress,
        );
        let (resolutions, ()) = block_on(
            &clock,
            SIMULATED_LIMIT_MS,
            join(resolving, actor(clock.clone(), control.clone())),
        );
        Ran {
            resolutions,
            progress: progress.into_inner(),
            http,
        }
    }

    async fn nothing(_: VirtualClock, _: Control) {}

    #[test]
    fn found_unknown_and_blocked_users_each_get_their_answer() {
        let input = entries(&[
            "jo@acme.com",
            "on@acme.com",
            "marked@acme.com",
            "synced@acme.com",
            "gone@acme.com",
            "odd@acme.com",
            "Jo Doe",
        ]);
        let ran = run(
            &input,
            RunSettings::default(),
            |c| match c.user.split('@').next().unwrap() {
                "on" => user(&c.user, "Enabled", false, "Corp AD"),
                "marked" => user(&c.user, "Disabled", true, "Corp AD"),
                "synced" => user(&c.user, "Disabled", false, "Azure AD (SCIM)"),
                "gone" => Reply::status(404),
                "odd" => Reply::status(400),
                _ => found(c),
            },
            nothing,
        );
        ran.assert_one_answer_each(&input);
        let jo = ran.answer(2).user().expect("found");
        assert_eq!(
            (
                jo.id.as_str(),
                jo.email_address.as_str(),
                jo.user_status.as_str()
            ),
            (id_for("jo@acme.com").as_str(), "jo@acme.com", "Disabled")
        );
        assert_eq!(
            ran.answer(2).message(),
            format!("Found: Jo Doe ({}).", jo.id)
        );
        assert_eq!(
            ran.resolutions[0].plan_entry(),
            Some(PlanEntry {
                row: 2,
                user: id_for("jo@acme.com")
            })
        );
        let blockers: Vec<Option<Blocker>> = (2..=5).map(|row| ran.answer(row).blocker()).collect();
        assert_eq!(
            blockers,
            [
                None,
                Some(Blocker::Enabled),
                Some(Blocker::PendingDeletion),
                Some(Blocker::ManagedSource)
            ]
        );
        assert!(ran.answer(3).message().contains("(409)"));
        assert!(ran.answer(5).message().contains("(405)"));
        assert_eq!(ran.answer(6), &Answer::NotFound);
        assert!(ran.answer(6).message().contains("no user with this e-mail"));
        assert_eq!(ran.resolutions[4].plan_entry(), None);
        assert!(
            matches!(ran.answer(7), Answer::Failed { reason, attempts: 1 } if reason.contains("HTTP 400")),
            "{:?}",
            ran.answer(7)
        );
        assert_eq!(
            ran.answer(8),
            &Answer::Failed {
                reason: NOT_AN_EMAIL.to_string(),
                attempts: 0
            }
        );
        assert_eq!(
            ran.http.calls().len(),
            6,
            "no request for a row without an address"
        );
    }

    #[test]
    fn a_repeated_address_is_looked_up_once_and_every_row_gets_the_answer() {
        let input = entries(&["Jo@acme.com", "x@acme.com", " jo@ACME.com ", "jo@acme.com"]);
        let ran = run(&input, RunSettings::default(), found, nothing);
        ran.assert_one_answer_each(&input);
        assert_eq!(ran.http.calls().len(), 2);
        assert_eq!(ran.http.calls_for("Jo@acme.com"), 1);
        let ids: Vec<Option<String>> = ran
            .resolutions
            .iter()
            .map(|r| r.plan_entry().map(|p| p.user))
            .collect();
        let jo = Some(id_for("jo@acme.com"));
        assert_eq!(
            ids,
            [jo.clone(), Some(id_for("x@acme.com")), jo.clone(), jo]
        );
        assert_eq!(
            ran.resolutions[2].email, " jo@ACME.com ",
            "each row keeps its own text"
        );
    }

    #[test]
    fn an_address_as_a_mail_program_copies_it_is_looked_up_bare() {
        let input = entries(&[
            "<emma.garcia@acme.com>",
            "mailto:amara.ibrahim@acme.com",
            "lena.bianchi@acme.com;",
            "Garcia, Emma <Emma.Garcia@acme.com>,",
        ]);
        let ran = run(&input, RunSettings::default(), found, nothing);
        ran.assert_one_answer_each(&input);
        let mut sent: Vec<String> = ran.http.calls().into_iter().map(|c| c.user).collect();
        sent.sort();
        assert_eq!(
            sent,
            [
                "amara.ibrahim@acme.com",
                "emma.garcia@acme.com",
                "lena.bianchi@acme.com"
            ]
        );
        for (row, address) in [
            (2, "emma.garcia@acme.com"),
            (3, "amara.ibrahim@acme.com"),
            (4, "lena.bianchi@acme.com"),
            (5, "emma.garcia@acme.com"),
        ] {
            assert_eq!(
                ran.resolutions[row - 2].plan_entry().map(|p| p.user),
                Some(id_for(address)),
                "row {row}"
            );
        }
    }

    #[test]
    fn nothing_is_sent_before_the_services_retry_after() {
        let input = numbered(12);
        let ran = run(
            &input,
            RunSettings::default(),
            |c| {
                if c.attempt == 1 && c.at_ms < 1_000.0 {
                    Reply::status(429).header("Retry-After", "5")
                } else {
                    found(c)
                }
            },
            nothing,
        );
        ran.assert_one_answer_each(&input);
        assert!(ran.resolutions.iter().all(|r| r.answer.user().is_some()));
        let mut holds: Vec<(f64, f64)> = ran
            .progress
            .iter()
            .filter_map(|(t, p)| Some((*t, p.throttled_until_ms? - EPOCH_START_MS)))
            .collect();
        holds.dedup_by_key(|(_, until)| *until);
        assert!(!holds.is_empty(), "the admin hears about the throttling");
        for (told, until) in holds {
            assert!(until - told >= 5_000.0, "the service's wait is used");
            let early: Vec<Call> = ran
                .http
                .calls()
                .into_iter()
                .filter(|c| c.at_ms >= told && c.at_ms < until)
                .collect();
            assert!(
                early.is_empty(),
                "sent during a hold until {until}: {early:?}"
            );
        }
    }

    #[test]
    fn server_errors_and_lost_answers_are_retried_then_reported_failed_with_the_last_error() {
        let input = entries(&[
            "flaky@acme.com",
            "down@acme.com",
            "net@acme.com",
            "slow@acme.com",
        ]);
        let settings = RunSettings {
            backoff: Backoff {
                base_ms: 1_000,
                cap_ms: 8_000,
                max_attempts: 3,
            },
            request_timeout_ms: 5_000,
            ..RunSettings::default()
        };
        let ran = run(
            &input,
            settings,
            |c| match (c.user.split('@').next().unwrap(), c.attempt) {
                ("flaky", 1 | 2) => Reply::status(503),
                ("down", _) => Reply::status(500),
                ("net", 1) => Reply::fail(NetError::Unreachable("reset".into())),
                ("slow", 1) => Reply::hang(),
                _ => found(c),
            },
            nothing,
        );
        ran.assert_one_answer_each(&input);
        let calls: Vec<usize> = input.iter().map(|e| ran.http.calls_for(&e.user)).collect();
        assert_eq!(calls, [3, 3, 2, 2]);
        for row in [2, 4, 5] {
            assert!(
                ran.answer(row).user().is_some(),
                "row {row}: {:?}",
                ran.answer(row)
            );
        }
        match ran.answer(3) {
            Answer::Failed { reason, attempts } => {
                assert_eq!(*attempts, 3);
                assert!(
                    reason.contains("Failed after 3 attempts") && reason.contains("HTTP 500"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_refused_credential_pauses_the_lookup_until_a_new_one_is_given() {
        let input = numbered(20);
        let paused_at = Rc::new(Cell::new(f64::NAN));
        let replaced_at = 30_000.0;
        let seen = paused_at.clone();
        let ran = run(
            &input,
            RunSettings::default(),
            |c| {
                if c.at_ms >= 250.0 && c.authorization.as_deref() == Some("Bearer old") {
                    Reply::status(403)
                } else {
                    found(c)
                }
            },
            move |clock, control| async move {
                while control.mode() != Mode::Paused(PauseReason::CredentialRefused) {
                    clock.sleep(10).await;
                }
                seen.set(clock.elapsed_ms());
                clock.sleep((replaced_at - clock.elapsed_ms()) as u64).await;
                control.replace_auth(Auth::Bearer("new".into()));
            },
        );
        ran.assert_one_answer_each(&input);
        assert!(ran.resolutions.iter().all(|r| r.answer.user().is_some()));
        let paused_at = paused_at.get();
        for call in ran.http.calls() {
            assert!(
                call.at_ms <= paused_at || call.at_ms >= replaced_at,
                "sent while paused: {call:?}"
            );
            if call.at_ms >= replaced_at {
                assert_eq!(call.authorization.as_deref(), Some("Bearer new"));
            }
        }
        assert!(
            ran.http.calls().iter().any(|c| c.attempt == 2),
            "refused addresses are asked again"
        );
        assert!(ran
            .progress
            .iter()
            .any(|(_, p)| p.paused == Some(PauseReason::CredentialRefused)));
        assert_eq!(ran.progress.last().unwrap().1.paused, None);
    }

    #[test]
    fn a_lookup_holds_through_an_outage_says_so_and_finds_everyone_once_it_is_over() {
        let input = numbered(300);
        let outage = 2_000.0..62_000.0;
        let down = outage.clone();
        let ran = run(
            &input,
            RunSettings::default(),
            move |c| {
                if down.contains(&c.at_ms) {
                    Reply::status(502)
                } else {
                    found(c)
                }
            },
            nothing,
        );
        ran.assert_one_answer_each(&input);
        assert!(ran.resolutions.iter().all(|r| r.answer.user().is_some()));
        let held: Vec<f64> = ran
            .progress
            .iter()
            .filter(|(_, p)| p.holding.is_some())
            .map(|(t, _)| *t)
            .collect();
        assert!(
            !held.is_empty() && held[0] < outage.start + 2_000.0,
            "{held:?}"
        );
        let (_, last) = ran.progress.last().unwrap();
        assert_eq!(last.holding, None, "the hold is over");
    }

    #[test]
    fn the_lookup_status_says_why_it_waits() {
        let mut p = ResolveProgress {
            done: 3,
            total: 1_200,
            paused: None,
            throttled_until_ms: None,
            holding: None,
        };
        assert_eq!(p.status(0.0), "3 of 1,200 looked up.");
        p.throttled_until_ms = Some(5_000.0);
        assert_eq!(
            p.status(1_000.0),
            "Throttled by the service: waiting. 3 of 1,200 looked up."
        );
        assert_eq!(p.status(6_000.0), "3 of 1,200 looked up.");
        p.holding = Some(Hold {
            next_ms: 4_000.0,
            reason: "the service failed the requests of 8 users in a row (last: no answer)".into(),
        });
        let held = p.status(1_000.0);
        assert!(
            held.starts_with(
                "Holding: the service failed the requests of 8 users in a row (last: no answer)."
            ) && held
                .ends_with("the next in 3 s; no user is failed meanwhile. 3 of 1,200 looked up."),
            "{held}"
        );
        p.paused = Some(PauseReason::CredentialRefused);
        assert!(p.status(1_000.0).starts_with(
            "Paused: the service refused the credential. Stop, connect with a new one"
        ));
    }

    #[test]
    fn cancelling_answers_every_row_and_sends_nothing_more() {
        let input = numbered(10);
        let settings = RunSettings {
            pacer: PacerSettings {
                initial: 1,
                min: 1,
                max: 1,
            },
            ..RunSettings::default()
        };
        let ran = run(
            &input,
            settings,
            |c| {
                if c.user == "user0@acme.com" {
                    Reply::status(500)
                } else {
                    found(c)
                }
            },
            |clock, control| async move {
                clock.sleep(350).await;
                control.cancel();
            },
        );
        ran.assert_one_answer_each(&input);
        assert!(ran.http.calls().iter().all(|c| c.at_ms <= 350.0));
        match ran.answer(2) {
            Answer::Failed { reason, .. } => assert!(
                reason.starts_with("Not looked up: the lookup was cancelled")
                    && reason.contains("HTTP 500"),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
        let found = ran
            .resolutions
            .iter()
            .filter(|r| r.answer.user().is_some())
            .count();
        let untouched = ran
            .resolutions
            .iter()
            .filter(|r| {
                r.answer
                    == Answer::Failed {
                        reason: CANCELLED.to_string(),
                        attempts: 0,
                    }
            })
            .count();
        assert!(found >= 2, "answers already under way are kept");
        assert_eq!(1 + found + untouched, input.len());
    }
}
