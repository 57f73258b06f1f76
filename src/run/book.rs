//! The engine's ledger: who is queued, waiting for a retry, or done, at which step, and how
//! each result reads. A user with a result is never handed out again.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};

use super::outcome::{Outcome, PlanEntry, UserResult};
use super::verdict::{EndCause, Ending, Protocol, StepDone};
use crate::hash::FxBuild;

/// What is known about one user of the plan while the run goes on. Everything but `sends`
/// and `trail` describes the current step and starts afresh with the next one.
#[derive(Clone, Debug, Default)]
pub(crate) struct UserState {
    /// Requests sent for this user, every step.
    pub sends: u32,
    /// The current step, from 0.
    pub step: usize,
    /// Requests sent for the current step.
    pub step_sends: u32,
    /// The steps that went through, in order.
    pub trail: Vec<StepDone>,
    pub failures: u32,
    pub unanswered: bool,
    /// In flight when an earlier session of the run ended, no step gone through since.
    pub resumed: bool,
    pub throttled_since: Option<f64>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
}

pub(crate) struct Book<'a> {
    plan: &'a [PlanEntry],
    states: Vec<UserState>,
    /// Whether a row repeats the user ID of an earlier row (it is handled there).
    repeat: Vec<bool>,
    /// The next row with the same user ID, if any: a first occurrence's repeats, in plan order,
    /// without looking at every other row.
    next_same: Vec<Option<usize>>,
    fresh: VecDeque<usize>,
    /// (ready at ms, index); retries and users set aside while the credential is replaced.
    waiting: Vec<(f64, usize)>,
    results: Vec<Option<UserResult>>,
}

impl<'a> Book<'a> {
    /// Queues every user in plan order; a user ID seen before (ignoring ASCII case) follows its first row.
    pub fn new(plan: &'a [PlanEntry]) -> Self {
        // Each user ID's last row so far.
        let mut seen: HashMap<Cow<'a, str>, usize, FxBuild> =
            HashMap::with_capacity_and_hasher(plan.len(), FxBuild::default());
        let mut repeat = Vec::with_capacity(plan.len());
        let mut next_same = vec![None; plan.len()];
        let mut fresh = VecDeque::with_capacity(plan.len());
        for (i, entry) in plan.iter().enumerate() {
            match seen.entry(user_key(&entry.user)) {
                Entry::Occupied(mut rows) => {
                    let last = rows.get_mut();
                    repeat.push(true);
                    next_same[*last] = Some(i);
                    *last = i;
                }
                Entry::Vacant(slot) => {
                    slot.insert(i);
                    repeat.push(false);
                    fresh.push_back(i);
                }
            }
        }
        Book {
            plan,
            states: vec![UserState::default(); plan.len()],
            repeat,
            next_same,
            fresh,
            waiting: Vec::new(),
            results: vec![None; plan.len()],
        }
    }

    /// Marks the users named in `users` (ignoring ASCII case) as sent before with no answer
    /// heard, as when a run resumes after the page was closed: a later "not found" may then
    /// mean "removed".
    pub fn mark_unanswered(&mut self, users: &HashSet<String>) {
        if users.is_empty() {
            return;
        }
        let keys: HashSet<Cow<str>> = users.iter().map(|u| user_key(u)).collect();
        for (i, entry) in self.plan.iter().enumerate() {
            if !self.repeat[i] && keys.contains(&user_key(&entry.user)) {
                let state = &mut self.states[i];
                state.unanswered = true;
                state.resumed = true;
                state.last_error = Some(
                    "an earlier request's outcome was not known (the page closed, or no clear answer came)"
                        .into(),
                );
            }
        }
    }

    pub fn user(&self, i: usize) -> &str {
        &self.plan[i].user
    }

    pub fn state(&mut self, i: usize) -> &mut UserState {
        &mut self.states[i]
    }

    /// Whether any user still needs a request.
    pub fn has_pending(&self) -> bool {
        !self.fresh.is_empty() || !self.waiting.is_empty()
    }

    /// When the next user becomes ready (`-inf` when one is ready now), if any is queued.
    pub fn next_ready_at(&self) -> Option<f64> {
        let fresh = (!self.fresh.is_empty()).then_some(f64::NEG_INFINITY);
        self.waiting
            .iter()
            .map(|(at, _)| *at)
            .chain(fresh)
            .reduce(f64::min)
    }

    /// The next user to send at `now_ms`: due retries first (oldest due first), then fresh users;
    /// or fresh users first if `fresh_first`.
    pub fn take_ready(&mut self, now_ms: f64, fresh_first: bool) -> Option<usize> {
        let due = (0..self.waiting.len())
            .filter(|k| self.waiting[*k].0 <= now_ms)
            .min_by(|a, b| self.waiting[*a].0.total_cmp(&self.waiting[*b].0));
        let i = match (due, fresh_first && !self.fresh.is_empty()) {
            (Some(k), false) => self.waiting.swap_remove(k).1,
            _ => self.fresh.pop_front()?,
        };
        debug_assert!(
            self.results[i].is_none(),
            "a user with an outcome is never sent again"
        );
        self.states[i].sends += 1;
        self.states[i].step_sends += 1;
        Some(i)
    }

    /// `i`'s current step went through: record it and queue the next step, ready at `now_ms`
    /// (before fresh users, as a due retry).
    pub fn advance(&mut self, i: usize, status: u16, message: String, now_ms: f64) {
        let state = &mut self.states[i];
        state.trail.push(StepDone { status, message });
        *state = UserState {
            sends: state.sends,
            step: state.step + 1,
            trail: std::mem::take(&mut state.trail),
            last_status: Some(status),
            ..UserState::default()
        };
        self.requeue(i, now_ms);
    }

    /// Leaves a pause of `paused_ms` out of every user's time spent throttled: the allowance
    /// ([`crate::run::RunSettings::max_throttled_ms`]) counts time the run was trying to send.
    pub fn discount_pause(&mut self, paused_ms: f64) {
        for state in &mut self.states {
            if let Some(since) = &mut state.throttled_since {
                *since += paused_ms;
            }
        }
    }

    /// Puts `i` back to be sent again at `ready_at_ms`.
    pub fn requeue(&mut self, i: usize, ready_at_ms: f64) {
        if self.results[i].is_none() {
            self.waiting.push((ready_at_ms, i));
        }
    }

    /// Records `i`'s final result as `end` says, worded by `protocol` when steps went through
    /// before; returns it and the results of rows repeating its user ID.
    pub fn finish<P: Protocol>(
        &mut self,
        protocol: &P,
        i: usize,
        end: Ending,
        at_ms: f64,
    ) -> Vec<UserResult> {
        let status = end.status;
        let trail = &self.states[i].trail;
        let (outcome, message) = if trail.is_empty() {
            (end.outcome, end.message)
        } else {
            protocol.conclude(&self.plan[i].user, trail, end)
        };
        let result = UserResult {
            row: self.plan[i].row,
            user: self.plan[i].user.clone(),
            outcome,
            http_status: status,
            message,
            attempts: self.states[i].sends,
            at_ms,
        };
        let mut out = vec![result.clone()];
        let mut repeat = self.next_same[i];
        while let Some(f) = repeat {
            repeat = self.next_same[f];
            let copy = UserResult {
                row: self.plan[f].row,
                user: self.plan[f].user.clone(),
                http_status: None,
                attempts: 0,
                message: format!(
                    "Same user as row {}, handled there: {}",
                    result.row, result.message
                ),
                ..result.clone()
            };
            self.results[f] = Some(copy.clone());
            out.push(copy);
        }
        self.results[i] = Some(result);
        out
    }

    /// How `i`'s current step ends now, with `outcome` and `message` and what the step saw.
    fn ending(&self, i: usize, outcome: Outcome, message: String, cause: EndCause) -> Ending {
        let st = &self.states[i];
        Ending {
            outcome,
            status: st.last_status,
            message,
            cause,
            sent: st.step_sends,
            unanswered: st.unanswered,
            last_error: st.last_error.clone(),
        }
    }

    /// Fails `i` after its allowance of attempts for the current step, with the last error.
    pub fn finish_exhausted<P: Protocol>(
        &mut self,
        protocol: &P,
        i: usize,
        at_ms: f64,
    ) -> Vec<UserResult> {
        let st = &self.states[i];
        let last = st.last_error.as_deref().unwrap_or("no answer");
        let message = if st.unanswered {
            format!(
                "Outcome unknown after {} attempts: at least one request got no clear answer and may have been \
                 carried out. Check whether this user still exists. Last error: {last}",
                st.step_sends
            )
        } else {
            format!("Failed after {} attempts: {last}", st.step_sends)
        };
        let end = self.ending(i, Outcome::Failed, message, EndCause::Exhausted);
        self.finish(protocol, i, end, at_ms)
    }

    /// The run was cancelled: every queued user gets its result now (in-flight ones are not queued).
    pub fn cancel_pending<P: Protocol>(&mut self, protocol: &P, at_ms: f64) -> Vec<UserResult> {
        let mut queued: Vec<usize> = self
            .fresh
            .drain(..)
            .chain(self.waiting.drain(..).map(|(_, i)| i))
            .collect();
        crate::sort::sort_by_key(&mut queued, |&i| i as u64);
        let mut out = Vec::new();
        for i in queued {
            let st = &self.states[i];
            let last = st.last_error.clone().unwrap_or_default();
            // Quoted in parentheses below: without its own full stop.
            let said = last.trim_end_matches('.');
            let (outcome, message) = if st.unanswered {
                (Outcome::Failed, format!(
                    "Outcome unknown: a request got no clear answer ({said}) and the run was cancelled before it was \
                     sent again. Check whether this user still exists."
                ))
            } else if st.failures > 0 {
                (Outcome::Failed, format!("Not removed: the run was cancelled before the next attempt. Last error: {last}"))
            } else if st.step_sends > 0 {
                (Outcome::NotStarted, format!("Not removed: the run was cancelled. The service had not acted on the earlier request ({said})."))
            } else {
                (
                    Outcome::NotStarted,
                    "Not started: the run was cancelled.".to_string(),
                )
            };
            let end = self.ending(i, outcome, message, EndCause::Cancelled);
            out.extend(self.finish(protocol, i, end, at_ms));
        }
        out
    }

    /// Every user's result, in plan order.
    pub fn into_results(self) -> Vec<UserResult> {
        self.results
            .into_iter()
            .map(|r| r.expect("every user has a result when the run ends"))
            .collect()
    }
}

/// How repeated user IDs are recognised: trimmed, ignoring ASCII case (copied only when it has
/// upper case).
fn user_key(user: &str) -> Cow<'_, str> {
    let user = user.trim();
    if user.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(user.to_ascii_lowercase())
    } else {
        Cow::Borrowed(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::http::{Auth, Method, NetError, Request, Response};
    use crate::run::verdict::{AttemptContext, Verdict};

    /// Sends nothing; its only part in these tests is the default wording of [`Protocol::conclude`].
    struct Plain;

    impl Protocol for Plain {
        fn request(&self, user: &str, _: usize, _: &Auth) -> Request {
            Request::new(Method::Delete, user)
        }
        fn judge(&self, _: &Result<Response, NetError>, _: &AttemptContext<'_>) -> Verdict {
            unreachable!("the book never judges")
        }
    }

    fn answered(outcome: Outcome, status: u16, message: &str) -> Ending {
        Ending {
            outcome,
            status: Some(status),
            message: message.into(),
            cause: EndCause::Answered,
            sent: 1,
            unanswered: false,
            last_error: None,
        }
    }

    fn plan(ids: &[&str]) -> Vec<PlanEntry> {
        ids.iter()
            .enumerate()
            .map(|(i, u)| PlanEntry {
                row: i + 2,
                user: u.to_string(),
            })
            .collect()
    }

    #[test]
    fn a_repeated_user_id_is_sent_once_and_both_rows_get_its_outcome() {
        let p = plan(&["A-1", "b-2", "a-1"]);
        let mut book = Book::new(&p);
        assert_eq!(book.take_ready(0.0, false), Some(0));
        assert_eq!(book.take_ready(0.0, false), Some(1));
        assert_eq!(book.take_ready(0.0, false), None, "row 4 repeats row 2");
        let done = book.finish(&Plain, 0, answered(Outcome::Removed, 200, "Removed."), 5.0);
        assert_eq!(done.len(), 2);
        assert_eq!(
            (done[1].row, done[1].outcome.clone(), done[1].attempts),
            (4, Outcome::Removed, 0)
        );
        assert!(done[1].message.starts_with("Same user as row 2"));
    }

    #[test]
    fn every_repeat_of_an_id_gets_its_outcome_in_plan_order() {
        let p = plan(&["x", "y", "X", "y ", " x", "z"]);
        let mut book = Book::new(&p);
        let rows = |done: Vec<UserResult>| done.iter().map(|r| r.row).collect::<Vec<_>>();
        let y = book.finish(
            &Plain,
            1,
            answered(Outcome::NotFound, 404, "Not found."),
            1.0,
        );
        assert_eq!(rows(y), [3, 5]);
        let x = book.finish(&Plain, 0, answered(Outcome::Removed, 200, "Removed."), 2.0);
        assert_eq!(rows(x), [2, 4, 6]);
        let z = book.finish(&Plain, 5, answered(Outcome::Removed, 200, "Removed."), 3.0);
        assert_eq!(rows(z), [7]);
        let outcomes: Vec<Outcome> = book.into_results().into_iter().map(|r| r.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Removed,
                Outcome::NotFound,
                Outcome::Removed,
                Outcome::NotFound,
                Outcome::Removed,
                Outcome::Removed
            ]
        );
    }

    #[test]
    fn due_retries_go_before_fresh_users_and_future_ones_wait() {
        let p = plan(&["a", "b", "c"]);
        let mut book = Book::new(&p);
        let a = book.take_ready(0.0, false).unwrap();
        let b = book.take_ready(0.0, false).unwrap();
        book.requeue(a, 500.0);
        book.requeue(b, 100.0);
        assert_eq!(book.next_ready_at(), Some(f64::NEG_INFINITY));
        assert_eq!(book.take_ready(200.0, false), Some(b));
        assert_eq!(book.take_ready(200.0, false), Some(2));
        assert_eq!(book.next_ready_at(), Some(500.0));
        assert_eq!(book.take_ready(200.0, false), None);
        assert_eq!(book.take_ready(500.0, false), Some(a));
        assert_eq!(book.state(a).sends, 2);
    }

    #[test]
    fn fresh_first_takes_fresh_users_before_due_retries_then_the_retries() {
        let p = plan(&["a", "b", "c"]);
        let mut book = Book::new(&p);
        let a = book.take_ready(0.0, false).unwrap();
        book.requeue(a, 0.0);
        assert_eq!(book.take_ready(10.0, true), Some(1));
        assert_eq!(book.take_ready(10.0, true), Some(2));
        assert_eq!(book.take_ready(10.0, true), Some(a), "no fresh user left");
        assert_eq!(book.take_ready(10.0, true), None);
    }

    #[test]
    fn cancelling_tells_untouched_users_from_ones_with_an_unknown_outcome() {
        let p = plan(&["a", "b", "c"]);
        let mut book = Book::new(&p);
        let a = book.take_ready(0.0, false).unwrap();
        book.state(a).unanswered = true;
        book.state(a).failures = 1;
        book.state(a).last_error = Some("no response in time".into());
        book.requeue(a, 10.0);
        let results = book.cancel_pending(&Plain, 1.0);
        let outcomes: Vec<_> = results.iter().map(|r| r.outcome.clone()).collect();
        assert_eq!(
            outcomes,
            [Outcome::Failed, Outcome::NotStarted, Outcome::NotStarted]
        );
        assert!(results[0].outcome_unknown(), "{}", results[0].message);
        assert!(!results[1].outcome_unknown());
        assert!(!book.has_pending());
        assert_eq!(book.into_results().len(), 3);
    }

    #[test]
    fn a_cancel_quotes_the_last_answer_without_doubling_its_full_stop() {
        let p = plan(&["a", "b"]);
        let mut book = Book::new(&p);
        let a = book.take_ready(0.0, false).unwrap();
        book.state(a).step_sends = 1;
        book.state(a).last_error =
            Some("The service asked to slow down (HTTP 429, too many requests).".into());
        book.requeue(a, 10.0);
        let b = book.take_ready(0.0, false).unwrap();
        book.state(b).unanswered = true;
        book.state(b).failures = 1;
        book.state(b).last_error = Some("No answer in time.".into());
        book.requeue(b, 10.0);
        let results = book.cancel_pending(&Plain, 1.0);
        assert!(
            results[0].message.ends_with(
                "earlier request (The service asked to slow down (HTTP 429, too many requests))."
            ),
            "{}",
            results[0].message
        );
        assert!(
            results[1]
                .message
                .contains("(No answer in time) and the run"),
            "{}",
            results[1].message
        );
    }

    #[test]
    fn users_sent_before_the_page_closed_are_marked_unanswered_once_per_user_id() {
        let p = plan(&["A-1", "b-2", "a-1"]);
        let mut book = Book::new(&p);
        book.mark_unanswered(&HashSet::from([" a-1".to_string()]));
        assert!(book.state(0).unanswered);
        assert!(!book.state(1).unanswered);
        assert!(
            !book.state(2).unanswered,
            "row 4 follows row 2 and is never sent"
        );
        let results = book.cancel_pending(&Plain, 1.0);
        assert!(
            results[0]
                .message
                .contains("the page closed, or no clear answer came"),
            "{}",
            results[0].message
        );
    }

    #[test]
    fn a_step_that_went_through_starts_the_next_afresh_and_keeps_the_trail() {
        let p = plan(&["a", "b"]);
        let mut book = Book::new(&p);
        let a = book.take_ready(0.0, false).unwrap();
        book.state(a).failures = 3;
        book.state(a).unanswered = true;
        book.state(a).throttled_since = Some(0.0);
        book.advance(a, 200, "Disabled".into(), 10.0);
        let st = book.state(a).clone();
        assert_eq!(
            (st.step, st.step_sends, st.sends, st.failures),
            (1, 0, 1, 0)
        );
        assert!(!st.unanswered && st.throttled_since.is_none() && st.last_error.is_none());
        assert!(!st.resumed);
        assert_eq!(st.last_status, Some(200));
        assert_eq!(
            book.take_ready(10.0, false),
            Some(a),
            "the next step goes before fresh users"
        );
        assert_eq!((book.state(a).sends, book.state(a).step_sends), (2, 1));
        let done = book.finish(&Plain, a, answered(Outcome::Removed, 200, "Removed."), 20.0);
        assert_eq!(done[0].message, "Disabled; then: Removed.");
        assert_eq!(done[0].attempts, 2);
    }

    #[test]
    fn a_user_cancelled_between_steps_is_worded_by_the_protocol() {
        let p = plan(&["a"]);
        let mut book = Book::new(&p);
        let a = book.take_ready(0.0, false).unwrap();
        book.advance(a, 200, "Disabled".into(), 10.0);
        let results = book.cancel_pending(&Plain, 11.0);
        assert_eq!(
            (results[0].outcome.clone(), results[0].message.as_str()),
            (
                Outcome::NotStarted,
                "Disabled; then: Not started: the run was cancelled."
            )
        );
        assert_eq!(results[0].http_status, Some(200));
    }
}
