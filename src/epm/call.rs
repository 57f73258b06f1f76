//! Sending one request and reading what came back: the credential, retries with backoff,
//! `Retry-After`, and waiting while the run is paused.

use std::pin::pin;

use futures::future::{select, Either};

use crate::run::rng::Rng;
use crate::run::{self, retry_after};
use crate::run::{Auth, Clock, Http, Mode, NetError, PauseReason, Request, Response, RunEvent};

use super::json::ParseError;
use super::outage::Exhausted;
use super::service::Epm;

/// How often a paused run looks at its control, in ms.
const PAUSE_CHECK_MS: u64 = 250;
/// The longest `Retry-After` honoured, in ms.
const MAX_RETRY_AFTER_MS: u64 = 10 * 60 * 1_000;

/// Exponential backoff with equal jitter, for failures and for a 429 with no `Retry-After`
/// (NOTES.md: "back off exponentially with jitter"): the ceiling starts at `first_ms` and doubles
/// up to `max_ms`, and each wait is drawn from its upper half, so that retries spread apart yet
/// never come at once.
#[derive(Clone, Debug)]
pub(crate) struct Backoff {
    ceilings: run::Backoff,
    failures: u32,
    rng: Rng,
}

impl Backoff {
    /// With the jitter drawn from `seed` ([`Epm::backoff`] seeds from the clock).
    pub(crate) fn seeded(first_ms: u64, max_ms: u64, seed: u64) -> Self {
        Backoff {
            ceilings: run::Backoff {
                base_ms: first_ms,
                cap_ms: max_ms.max(first_ms),
                max_attempts: u32::MAX,
            },
            failures: 0,
            rng: Rng::new(seed),
        }
    }

    /// The wait to use now, in `ceiling/2..=ceiling`; the next ceiling is twice this one, up to
    /// the maximum.
    pub(crate) fn next_ms(&mut self) -> u64 {
        self.failures = self.failures.saturating_add(1);
        self.ceilings.equal_jitter_ms(self.failures, &mut self.rng)
    }

    /// Back to the first ceiling.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

/// What one send produced, sorted by what the caller can do about it.
#[derive(Debug)]
pub(crate) enum Answer<T> {
    /// A readable service body (whatever the HTTP status: EPM reports in the body).
    Body { body: T, http_status: u16 },
    /// 401 or 403: a new credential is needed.
    CredentialRefused(u16),
    /// 429, with the wait the service asked for.
    Throttled { wait_ms: Option<u64> },
    /// No usable answer that may go away: a network error, a 5xx or 408 without a readable body.
    Transient(String),
    /// A definite refusal without a readable body (other 4xx).
    Refused { http_status: u16, message: String },
    /// A non-error status whose body could not be read.
    Unreadable { http_status: u16, error: ParseError },
}

impl<T> Answer<T> {
    /// Whether this is what an outage gives: no answer, a 5xx or a 408 (the service answered
    /// nothing usable, and may when asked again).
    pub(crate) fn is_outage(&self) -> bool {
        match self {
            Answer::Transient(_) => true,
            Answer::Body { http_status, .. } => transient(*http_status),
            _ => false,
        }
    }
}

/// Sorts a send's result, reading the body with `parse`.
pub(crate) fn classify<T>(
    sent: Result<Response, NetError>,
    parse: impl Fn(&[u8]) -> Result<T, ParseError>,
) -> Answer<T> {
    let response = match sent {
        Ok(r) => r,
        Err(e) => return Answer::Transient(e.to_string()),
    };
    let status = response.status;
    match status {
        401 | 403 => return Answer::CredentialRefused(status),
        429 => {
            return Answer::Throttled {
                wait_ms: retry_after_ms(&response),
            }
        }
        _ => {}
    }
    match parse(&response.body) {
        Ok(body) => Answer::Body {
            body,
            http_status: status,
        },
        // A server error's body says nothing the run can use: what it lacked is not the service's words.
        Err(_) if transient(status) => Answer::Transient(format!("HTTP {status}")),
        Err(e) if status >= 400 => Answer::Refused {
            http_status: status,
            message: format!("HTTP {status}: {e}"),
        },
        Err(error) => Answer::Unreadable {
            http_status: status,
            error,
        },
    }
}

/// How the error of a call that does not wait for a new credential begins when the service
/// refused the credential.
const REFUSED: &str = "EPM refused the credential";

/// Whether `why`, the error of a call made with [`super::EpmConfig::one_off`], says the service
/// refused the credential (HTTP 401 or 403): a new credential may get another answer.
pub fn refused_credential(why: &str) -> bool {
    why.starts_with(REFUSED)
}

/// Whether an answer with this status may succeed when sent again: 5xx and 408, even with an
/// EPM body (the service answers errors with `{"status":1,"details":…}`).
pub(crate) fn transient(status: u16) -> bool {
    status >= 500 || status == 408
}

/// The wait a response's `Retry-After` asks for, capped: delta-seconds, or an HTTP-date taken
/// relative to the response's own `Date` (the server's clock, so a skewed local clock does not
/// matter; with no `Date`, a date is left to the caller's backoff).
pub(crate) fn retry_after_ms(response: &Response) -> Option<u64> {
    let value = response.header("Retry-After")?;
    let sent_ms = match retry_after::http_date_ms(value) {
        Some(_) => response
            .header("Date")
            .and_then(retry_after::http_date_ms)?,
        None => 0.0,
    };
    Some(retry_after::wait_ms(value, sent_ms)?.min(MAX_RETRY_AFTER_MS))
}

impl<H: Http, C: Clock> Epm<'_, H, C> {
    /// Sends a request built with the current credential; no answer within the configured
    /// time is a [`NetError::Timeout`].
    pub(crate) async fn send(
        &self,
        build: impl Fn(&Auth) -> Request,
    ) -> Result<Response, NetError> {
        let reply = pin!(self.http.send(build(&self.control.auth())));
        let timer = pin!(self.clock.sleep(self.config.request_timeout_ms));
        match select(reply, timer).await {
            Either::Left((reply, _)) => reply,
            Either::Right(_) => Err(NetError::Timeout),
        }
    }

    /// Current time, ms.
    pub(crate) fn now(&self) -> f64 {
        self.clock.now_ms()
    }

    /// A [`Backoff`] with the configured waits, its jitter seeded from the clock (so that two
    /// panels draw different waits; under a test's virtual clock, the same ones every time).
    pub(crate) fn backoff(&self) -> Backoff {
        let seed = self.now() as u64;
        Backoff::seeded(self.config.retry_first_ms, self.config.retry_max_ms, seed)
    }

    /// Waits until the run is running again; `false` if it was cancelled instead. Time paused
    /// does not count as holding through an outage.
    pub(crate) async fn wait_while_paused(&self) -> bool {
        let since = self.now();
        loop {
            match self.control.mode() {
                Mode::Running | Mode::Cancelled => break,
                Mode::Paused(_) => self.clock.sleep(PAUSE_CHECK_MS).await,
            }
        }
        self.outage.on_paused(self.now() - since);
        self.control.mode() == Mode::Running
    }

    /// A request the run may send again has failed its last attempt with no usable answer
    /// (`failures` sends, the last failing with `why`): `Some(wait)` to hold (announced) and
    /// send it again after `wait`, or `None` to give up on it (`src/epm/outage.rs`).
    pub(crate) fn hold_or_give_up(
        &self,
        backoff: &mut Backoff,
        failures: u32,
        why: &str,
        emit: &mut impl FnMut(RunEvent),
    ) -> Option<u64> {
        match self
            .outage
            .on_exhausted(self.now(), self.config.max_hold_ms)
        {
            Exhausted::Hold => {
                let wait = backoff.next_ms();
                emit(RunEvent::Holding {
                    wait_ms: wait,
                    reason: format!("the service failed the same request {failures} times in a row (last: {why})"),
                });
                Some(wait)
            }
            Exhausted::GiveUp { just_now } => {
                if just_now {
                    emit(RunEvent::HoldOver);
                    emit(RunEvent::Note(format!(
                        "The service has failed every request for {} min: the run no longer waits for it, and \
                         batches whose requests still fail end \"failed\" (retry them from the results).",
                        self.config.max_hold_ms / 60_000
                    )));
                }
                None
            }
        }
    }

    /// The service answered, whatever it said: a hold is over.
    pub(crate) fn answered(&self, emit: &mut impl FnMut(RunEvent)) {
        if self.outage.on_answer() {
            emit(RunEvent::HoldOver);
        }
    }

    /// Pauses the run for a new credential and waits for it; `false` if cancelled instead, or
    /// at once for a one-off call ([`super::service::EpmConfig::wait_for_credential`] off).
    pub(crate) async fn await_credential(
        &self,
        http_status: u16,
        emit: &mut impl FnMut(RunEvent),
    ) -> bool {
        if self.control.mode() == Mode::Cancelled || !self.config.wait_for_credential {
            return false;
        }
        self.control.pause(PauseReason::CredentialRefused);
        emit(RunEvent::Note(format!(
            "EPM refused the credential (HTTP {http_status}). The run is paused: {}",
            crate::run::ASKS_FOR_CREDENTIAL
        )));
        emit(RunEvent::Paused(PauseReason::CredentialRefused));
        self.wait_while_paused().await
    }

    /// Sends a request whose repetition is harmless (reads, file deletion) until a readable
    /// body arrives: retries network errors, 5xx and 429, waits for a new credential on
    /// 401/403 (unless [`super::service::EpmConfig::wait_for_credential`] is off). `Err` says why it gave up.
    pub(crate) async fn call_safely<T>(
        &self,
        build: impl Fn(&Auth) -> Request,
        parse: impl Fn(&[u8]) -> Result<T, ParseError>,
        emit: &mut impl FnMut(RunEvent),
    ) -> Result<(T, u16), String> {
        let mut backoff = self.backoff();
        let mut failures = 0;
        loop {
            let answer = classify(self.send(&build).await, &parse);
            let outage = answer.is_outage();
            if !outage {
                self.answered(emit);
            }
            let (mut wait, why) = match answer {
                Answer::Body { http_status, .. } if transient(http_status) => {
                    (backoff.next_ms(), format!("HTTP {http_status}"))
                }
                Answer::Body { body, http_status } => return Ok((body, http_status)),
                Answer::CredentialRefused(status) if !self.config.wait_for_credential => {
                    return Err(format!(
                        "{REFUSED} (HTTP {status}): check the user name and password, or the token"
                    ));
                }
                Answer::CredentialRefused(status) => {
                    if !self.await_credential(status, emit).await {
                        return Err(
                            "the run was cancelled while waiting for a new credential".into()
                        );
                    }
                    continue;
                }
                Answer::Throttled { wait_ms } => {
                    let wait = wait_ms.unwrap_or_else(|| backoff.next_ms());
                    emit(RunEvent::Throttled { wait_ms: wait });
                    (
                        wait,
                        "the service kept answering 429 Too Many Requests".to_string(),
                    )
                }
                Answer::Transient(why) => (backoff.next_ms(), why),
                Answer::Refused { message, .. } => return Err(message),
                Answer::Unreadable { http_status, error } => {
                    return Err(format!("HTTP {http_status}: {error}"))
                }
            };
            failures += 1;
            if failures >= self.config.max_attempts.max(1) {
                // A cancelled run does not wait out an outage: its clean-up gives up as before.
                let held = (outage && self.control.mode() != Mode::Cancelled)
                    .then(|| self.hold_or_give_up(&mut backoff, failures, &why, emit))
                    .flatten();
                match held {
                    Some(hold) => wait = hold,
                    None => return Err(format!("gave up after {failures} attempts: {why}")),
                }
            }
            self.clock.sleep(wait).await;
            if self.outage.holding() {
                // Held: nothing is sent while the admin pauses, and that time does not count.
                self.wait_while_paused().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epm::job::parse_status;

    fn with_header(status: u16, name: &str, value: &str) -> Response {
        let mut r = Response::new(status, "");
        r.headers.push((name.into(), value.into()));
        r
    }

    #[test]
    fn backoff_doubles_with_jitter_to_its_ceiling_and_resets() {
        let mut b = Backoff::seeded(1_000, 10_000, 3);
        let waits: Vec<_> = (0..6).map(|_| b.next_ms()).collect();
        let ceilings = [1_000, 2_000, 4_000, 8_000, 10_000, 10_000];
        for (wait, ceiling) in waits.iter().zip(ceilings) {
            assert!((ceiling / 2..=ceiling).contains(wait), "{waits:?}");
        }
        assert_ne!(waits, ceilings, "jittered, not the bare ceilings");
        b.reset();
        assert!((500..=1_000).contains(&b.next_ms()));
    }

    #[test]
    fn panels_seeded_apart_wait_apart_and_a_seed_repeats_its_waits() {
        let waits = |seed| {
            let mut b = Backoff::seeded(1_000, 30_000, seed);
            (0..5).map(|_| b.next_ms()).collect::<Vec<_>>()
        };
        assert_eq!(waits(7), waits(7));
        let firsts: Vec<u64> = (0..20).map(|seed| waits(seed)[0]).collect();
        assert!(firsts.iter().any(|w| *w != firsts[0]), "{firsts:?}");
    }

    #[test]
    fn retry_after_seconds_are_honoured_and_capped() {
        assert_eq!(
            retry_after_ms(&with_header(429, "retry-after", " 7 ")),
            Some(7_000)
        );
        assert_eq!(
            retry_after_ms(&with_header(429, "Retry-After", "99999")),
            Some(MAX_RETRY_AFTER_MS)
        );
        assert_eq!(retry_after_ms(&Response::new(429, "")), None);
        assert_eq!(
            retry_after_ms(&with_header(429, "Retry-After", "soon")),
            None
        );
    }

    #[test]
    fn a_retry_after_date_counts_from_the_responses_date() {
        let mut r = with_header(429, "Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT");
        r.headers
            .push(("Date".into(), "Wed, 21 Oct 2015 07:27:48 GMT".into()));
        assert_eq!(retry_after_ms(&r), Some(12_000));
        r.headers[1].1 = "Wed, 21 Oct 2015 07:30:00 GMT".into();
        assert_eq!(retry_after_ms(&r), Some(0), "a date already passed");
        r.headers[1].1 = "Tue, 20 Oct 2015 07:28:00 GMT".into();
        assert_eq!(retry_after_ms(&r), Some(MAX_RETRY_AFTER_MS));
        r.headers.pop();
        assert_eq!(retry_after_ms(&r), None, "no Date: the backoff decides");
    }

    #[test]
    fn answers_are_sorted_by_what_can_be_done_about_them() {
        let c = |r: Result<Response, NetError>| classify(r, parse_status);
        assert!(matches!(c(Err(NetError::Timeout)), Answer::Transient(_)));
        assert!(matches!(
            c(Ok(Response::new(401, "{}"))),
            Answer::CredentialRefused(401)
        ));
        assert!(matches!(
            c(Ok(Response::new(403, ""))),
            Answer::CredentialRefused(403)
        ));
        assert!(matches!(
            c(Ok(with_header(429, "Retry-After", "2"))),
            Answer::Throttled {
                wait_ms: Some(2_000)
            }
        ));
        assert!(matches!(
            c(Ok(Response::new(502, "<html>Bad gateway</html>"))),
            Answer::Transient(_)
        ));
        assert!(matches!(
            c(Ok(Response::new(404, "Not Found"))),
            Answer::Refused {
                http_status: 404,
                ..
            }
        ));
        assert!(matches!(
            c(Ok(Response::new(200, "<html/>"))),
            Answer::Unreadable {
                http_status: 200,
                ..
            }
        ));
        let failed_job = Response::new(500, r#"{"status":1,"details":"Internal error"}"#);
        assert!(matches!(
            c(Ok(failed_job)),
            Answer::Body {
                http_status: 500,
                ..
            }
        ));
    }
}
