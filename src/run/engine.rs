//! The per-user removal engine: keeps up to the pacer's limit of requests in flight on one thread,
//! honours pause, resume, cancel and credential replacement, and reports each user exactly once.

use std::collections::HashSet;
use std::pin::pin;

use futures::future::{select, Either};
use futures::stream::{FuturesUnordered, StreamExt};

use super::backoff::Backoff;
use super::book::Book;
use super::breaker::{Breaker, Failed, TRIP_USERS};
use super::control::{Control, Mode, PauseReason};
use super::event::RunEvent;
use super::http::{Clock, Http, NetError, Request, Response};
use super::outcome::{PlanEntry, UserResult};
use super::pacer::{Pacer, PacerSettings};
use super::rng::Rng;
use super::verdict::{AttemptContext, EndCause, Ending, Protocol, Verdict};

/// Tuning for a run. The defaults suit the vendor APIs; tests shrink them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSettings {
    pub pacer: PacerSettings,
    /// Waits and attempt limit for 5xx answers and lost answers.
    pub backoff: Backoff,
    /// A user throttled (429) without pause for this long is reported failed, ms.
    pub max_throttled_ms: u64,
    /// The longest a run holds while the service fails every request ([`super::breaker`]), ms.
    pub max_hold_ms: u64,
    /// The longest `Retry-After` honoured, ms (longer ones are cut to this).
    pub max_wait_ms: u64,
    /// A request with no answer after this long counts as a timeout, ms.
    pub request_timeout_ms: u64,
    /// How often a paused run looks at its [`Control`] again, ms.
    pub poll_ms: u64,
    /// Seed for retry jitter.
    pub seed: u64,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            pacer: PacerSettings::default(),
            backoff: Backoff::default(),
            max_throttled_ms: 15 * 60_000,
            max_hold_ms: 15 * 60_000,
            max_wait_ms: 10 * 60_000,
            request_timeout_ms: 60_000,
            poll_ms: 250,
            seed: 0x0ff_b0a2d,
        }
    }
}

/// Extra attempts for a user whose request may have been carried out unheard: sending again is
/// how its outcome becomes known (for RSA, a "not found" then means "removed").
const RECHECKS: u32 = 2;

/// Which request a reply belongs to, and the conditions it was sent under.
struct Ticket {
    index: usize,
    /// Sent while the run held ([`Breaker`]).
    probe: bool,
    auth_generation: u32,
    pacer_epoch: u64,
}

async fn send_with_timeout<H: Http, C: Clock>(
    http: &H,
    clock: &C,
    request: Request,
    timeout_ms: u64,
    ticket: Ticket,
) -> (Ticket, Result<Response, NetError>) {
    let reply = pin!(http.send(request));
    let timer = pin!(clock.sleep(timeout_ms));
    match select(reply, timer).await {
        Either::Left((reply, _)) => (ticket, reply),
        Either::Right(_) => (ticket, Err(NetError::Timeout)),
    }
}

/// A plan to run, with the users whose earlier request got no clear answer before the page was
/// closed (empty for a fresh run). Such a user is sent again; for RSA a "not found" then reads
/// as "removed".
#[derive(Clone, Copy, Debug)]
pub struct ResumePlan<'a> {
    pub plan: &'a [PlanEntry],
    /// User IDs as sent (compared ignoring ASCII case), e.g. from `Journal::unanswered`.
    pub unanswered: &'a HashSet<String>,
}

/// Removes every user of `plan` through `protocol` and returns every user's result in plan
/// order. A user takes one request per step, steps in order (most protocols have one step).
/// `on_event` hears each request as it happens, and exactly one [`RunEvent::Result`] per plan
/// entry. `clock.now_ms()` must be ms since the Unix epoch.
///
/// Guarantees: no request is sent for a user whose outcome is known; a refused credential
/// pauses the run (`PauseReason::CredentialRefused`) and the same step is sent again once
/// [`Control::replace_auth`] is called; each step has its own allowance of failures and of
/// throttled time; cancelling lets in-flight requests finish and reports the rest (a user
/// between steps too, worded by [`Protocol::conclude`]); nothing starts while paused or before
/// a `Retry-After` instant; while the service fails everyone's requests the run holds
/// ([`super::breaker`]) instead of using up the users' attempts.
pub async fn run_per_user<P, H, C, F>(
    plan: &[PlanEntry],
    protocol: &P,
    http: &H,
    clock: &C,
    control: &Control,
    settings: &RunSettings,
    on_event: &mut F,
) -> Vec<UserResult>
where
    P: Protocol,
    H: Http,
    C: Clock,
    F: FnMut(RunEvent),
{
    let none = HashSet::new();
    let work = ResumePlan {
        plan,
        unanswered: &none,
    };
    run_per_user_resuming(work, protocol, http, clock, control, settings, on_event).await
}

/// [`run_per_user`] for a resumed run: the users of `work.unanswered` start as "sent before,
/// answer unknown" (their verdicts see `earlier_unanswered`). Every user starts at step 0.
pub async fn run_per_user_resuming<P, H, C, F>(
    work: ResumePlan<'_>,
    protocol: &P,
    http: &H,
    clock: &C,
    control: &Control,
    settings: &RunSettings,
    on_event: &mut F,
) -> Vec<UserResult>
where
    P: Protocol,
    H: Http,
    C: Clock,
    F: FnMut(RunEvent),
{
    let mut book = Book::new(work.plan);
    book.mark_unanswered(work.unanswered);
    // Booking a large plan takes a while: the page gets a turn before the first requests.
    clock.sleep(0).await;
    let mut pacer = Pacer::new(settings.pacer);
    let mut breaker = Breaker::new(settings.backoff, settings.max_hold_ms);
    let mut rng = Rng::new(settings.seed);
    let mut in_flight = FuturesUnordered::new();
    on_event(RunEvent::Concurrency(pacer.limit()));
    let mut paused_since = None;
    let mut pace = None;
    loop {
        let now = clock.now_ms();
        let mode = control.mode();
        match (mode, paused_since) {
            (Mode::Paused(_), None) => paused_since = Some(now),
            (Mode::Running | Mode::Cancelled, Some(since)) => {
                book.discount_pause(now - since);
                pacer.on_resume(now);
                breaker.on_resume(now - since, now);
                paused_since = None;
            }
            _ => {}
        }
        match mode {
            Mode::Cancelled => emit_results(book.cancel_pending(protocol, now), on_event),
            Mode::Paused(_) => {}
            Mode::Running => {
                if breaker.give_up_if_due(now) {
                    on_event(RunEvent::HoldOver);
                    on_event(RunEvent::Note(gave_up_note(settings.max_hold_ms)));
                }
                while pacer.may_start(in_flight.len(), now)
                    && breaker.may_start(in_flight.len(), now)
                {
                    // A hold sends fresh users first: a few users the service always fails do not keep it.
                    let Some(i) = book.take_ready(now, breaker.holding()) else {
                        break;
                    };
                    let state = book.state(i);
                    let (attempt, step) = (state.sends, state.step);
                    let request = protocol.request(book.user(i), step, &control.auth());
                    let ticket = Ticket {
                        index: i,
                        probe: breaker.holding(),
                        auth_generation: control.auth_generation(),
                        pacer_epoch: pacer.epoch(),
                    };
                    pacer.on_start(now);
                    on_event(RunEvent::Sending {
                        user: book.user(i).to_string(),
                        attempt,
                    });
                    let timeout = settings.request_timeout_ms;
                    in_flight.push(send_with_timeout(http, clock, request, timeout, ticket));
                    on_event(RunEvent::InFlight(in_flight.len()));
                }
            }
        }
        if in_flight.is_empty() && !book.has_pending() {
            break;
        }
        let wait_ms = next_wake_ms(
            &book,
            &pacer,
            &breaker,
            control,
            in_flight.len(),
            now,
            settings.poll_ms,
        );
        let reply = if in_flight.is_empty() {
            clock.sleep(wait_ms).await;
            None
        } else {
            match select(in_flight.next(), pin!(clock.sleep(wait_ms))).await {
                Either::Left((reply, _)) => reply,
                Either::Right(_) => None,
            }
        };
        if let Some((ticket, reply)) = reply {
            on_event(RunEvent::InFlight(in_flight.len()));
            let mut on_reply = OnReply {
                book: &mut book,
                pacer: &mut pacer,
                breaker: &mut breaker,
                rng: &mut rng,
                control,
                settings,
                now: clock.now_ms(),
            };
            on_reply.handle(protocol, ticket, reply, on_event);
        }
        if pacer.rate_per_s() != pace {
            pace = pacer.rate_per_s();
            on_event(RunEvent::Pace { per_s: pace });
        }
    }
    book.into_results()
}

/// How long to sleep before looking again: until the next user may start, at most `poll_ms`.
fn next_wake_ms(
    book: &Book,
    pacer: &Pacer,
    breaker: &Breaker,
    control: &Control,
    in_flight: usize,
    now: f64,
    poll_ms: u64,
) -> u64 {
    let mut wait = poll_ms as f64;
    if control.mode() == Mode::Running && in_flight < pacer.limit() {
        if let Some(ready) = book.next_ready_at() {
            let not_before = pacer.not_before_ms().max(breaker.not_before_ms());
            wait = wait.min(ready.max(not_before) - now);
        }
    }
    wait.ceil().max(1.0) as u64
}

impl OnReply<'_, '_> {
    /// Tells the journal that no request for `i` can have been carried out, unless one may have
    /// been (an answer lost, or from before a reload): a later "not found" then still reads "removed".
    fn unacted<F: FnMut(RunEvent)>(&mut self, i: usize, on_event: &mut F) {
        if !self.book.state(i).unanswered {
            on_event(RunEvent::Unacted {
                user: self.book.user(i).to_string(),
            });
        }
    }
}

/// Applies one reply to the run's state.
struct OnReply<'s, 'a> {
    book: &'s mut Book<'a>,
    pacer: &'s mut Pacer,
    breaker: &'s mut Breaker,
    rng: &'s mut Rng,
    control: &'s Control,
    settings: &'s RunSettings,
    now: f64,
}

impl OnReply<'_, '_> {
    fn handle<P: Protocol, F: FnMut(RunEvent)>(
        &mut self,
        protocol: &P,
        ticket: Ticket,
        reply: Result<Response, NetError>,
        on_event: &mut F,
    ) {
        let i = ticket.index;
        let state = self.book.state(i);
        let (attempt, step) = (state.sends, state.step);
        let (earlier_unanswered, resumed) = (state.unanswered, state.resumed);
        let ctx = AttemptContext {
            now_ms: self.now,
            attempt,
            earlier_unanswered,
            resumed,
            user: self.book.user(i),
            step,
        };
        match protocol.judge(&reply, &ctx) {
            Verdict::Final {
                outcome,
                status,
                message,
            } => {
                self.on_success(on_event);
                let state = self.book.state(i);
                state.last_status = status;
                let end = Ending {
                    outcome,
                    status,
                    message,
                    cause: EndCause::Answered,
                    sent: state.step_sends,
                    unanswered: state.unanswered,
                    last_error: state.last_error.clone(),
                };
                emit_results(self.book.finish(protocol, i, end, self.now), on_event);
            }
            Verdict::Continue { status, message } => {
                self.on_success(on_event);
                self.book.advance(i, status, message, self.now);
            }
            Verdict::CredentialRefused { status, message } => {
                self.answered(on_event);
                let state = self.book.state(i);
                state.last_status = Some(status);
                state.last_error = Some(message.clone());
                state.throttled_since = None;
                self.unacted(i, on_event);
                self.book.requeue(i, f64::NEG_INFINITY);
                let stale = ticket.auth_generation != self.control.auth_generation();
                if !stale
                    && self.control.mode() != Mode::Cancelled
                    && !self.control.is_paused_for(PauseReason::CredentialRefused)
                {
                    self.control.pause(PauseReason::CredentialRefused);
                    on_event(RunEvent::Paused(PauseReason::CredentialRefused));
                    on_event(RunEvent::Note(message));
                }
            }
            Verdict::Throttled {
                status,
                wait_ms,
                message,
            } => {
                self.answered(on_event);
                let state = self.book.state(i);
                state.last_status = Some(status);
                state.last_error = Some(message);
                let since = *state.throttled_since.get_or_insert(self.now);
                if self.now - since >= self.settings.max_throttled_ms as f64 {
                    let results = self.book.finish_exhausted(protocol, i, self.now);
                    emit_results(results, on_event);
                    return;
                }
                let streak = self.pacer.throttle_streak()
                    + u32::from(self.pacer.is_current(ticket.pacer_epoch));
                let wait = wait_ms
                    .unwrap_or_else(|| {
                        self.settings
                            .backoff
                            .equal_jitter_ms(streak.max(1), self.rng)
                    })
                    .min(self.settings.max_wait_ms);
                if let Some(limit) = self.pacer.on_throttled(ticket.pacer_epoch, self.now, wait) {
                    on_event(RunEvent::Concurrency(limit));
                }
                on_event(RunEvent::Throttled { wait_ms: wait });
                self.unacted(i, on_event);
                self.book.requeue(i, self.now + wait as f64);
            }
            Verdict::Retry {
                status,
                message,
                maybe_done,
            } => {
                let state = self.book.state(i);
                state.unanswered |= maybe_done;
                state.last_status = status.or(state.last_status);
                state.last_error = Some(message.clone());
                state.throttled_since = None;
                let (attempt, first) = (state.sends, state.step_sends == 1);
                let failed = self
                    .breaker
                    .on_failure(i, first, ticket.probe, self.now, self.rng);
                if let Failed::Holding { wait_ms } = failed {
                    on_event(RunEvent::Holding {
                        wait_ms,
                        reason: format!(
                            "the service failed the requests of {TRIP_USERS} users in a row (last: {message})"
                        ),
                    });
                    on_event(RunEvent::Retrying {
                        user: self.book.user(i).to_string(),
                        attempt,
                        wait_ms,
                        reason: message,
                    });
                    self.unacted(i, on_event);
                    self.book.requeue(i, self.now);
                    return;
                }
                let state = self.book.state(i);
                state.failures += 1;
                let failures = state.failures;
                let recheck = if state.unanswered { RECHECKS } else { 0 };
                if self
                    .settings
                    .backoff
                    .exhausted(failures.saturating_sub(recheck))
                {
                    let results = self.book.finish_exhausted(protocol, i, self.now);
                    emit_results(results, on_event);
                    return;
                }
                let wait = self.settings.backoff.delay_ms(failures, self.rng);
                on_event(RunEvent::Retrying {
                    user: self.book.user(i).to_string(),
                    attempt,
                    wait_ms: wait,
                    reason: message,
                });
                self.unacted(i, on_event);
                self.book.requeue(i, self.now + wait as f64);
            }
        }
    }
}

impl OnReply<'_, '_> {
    /// An answer that settled its step: the pacer may open up.
    fn on_success<F: FnMut(RunEvent)>(&mut self, on_event: &mut F) {
        self.answered(on_event);
        if let Some(limit) = self.pacer.on_success() {
            on_event(RunEvent::Concurrency(limit));
        }
    }

    /// The service answered, whatever it said: a hold is over.
    fn answered<F: FnMut(RunEvent)>(&mut self, on_event: &mut F) {
        if self.breaker.on_answer() {
            on_event(RunEvent::HoldOver);
        }
    }
}

/// What the run says when a hold lasted `max_hold_ms` and it stops holding.
fn gave_up_note(max_hold_ms: u64) -> String {
    format!(
        "The service has failed every request for {} min: the run no longer waits for it, and users whose \
         requests still fail end \"failed\" (retry them from the results).",
        max_hold_ms / 60_000
    )
}

fn emit_results<F: FnMut(RunEvent)>(results: Vec<UserResult>, on_event: &mut F) {
    results
        .into_iter()
        .for_each(|r| on_event(RunEvent::Result(r)));
}
