//! The mode of an RSA run, its protocol, and how the journal records it.

use super::plan::StepMap;
use super::removal::{conclude_steps, judge_step, step_request};
use super::single::{change_request, judge_change, Change};
use crate::rsa::base_url::ApiBase;
use crate::run::action::RunAction;
use crate::run::http::{Auth, NetError, Request, Response};
use crate::run::journal::Journal;
use crate::run::outcome::{Outcome, PlanEntry};
use crate::run::verdict::{AttemptContext, Ending, Protocol, StepDone, Verdict};

/// What an RSA run does to each user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RsaMode {
    /// Delete User Now, after each user's preparatory steps (unmark, disable).
    Remove(StepMap),
    /// One request per user: mark for deletion, or an undo (unmark after
    /// [`crate::results::undo_plan`], enable again after [`crate::results::reenable_plan`]).
    Change(Change),
}

impl RsaMode {
    /// Delete User Now alone, for every user.
    pub fn delete_only() -> RsaMode {
        RsaMode::Remove(StepMap::delete_only())
    }

    /// The action the journal records.
    pub fn action(&self) -> RunAction {
        match self {
            RsaMode::Remove(_) => RunAction::Remove,
            RsaMode::Change(Change::Mark) => RunAction::Mark,
            RsaMode::Change(Change::Unmark) => RunAction::Unmark,
            RsaMode::Change(Change::Reenable) => RunAction::Reenable,
        }
    }

    /// The journal's step codes for `plan` (see [`Journal::for_action`]).
    pub fn journal_steps(&self, plan: &[PlanEntry]) -> String {
        match self {
            RsaMode::Remove(steps) => steps.journal_codes(plan),
            _ => String::new(),
        }
    }

    /// The mode a saved journal ran in, to resume it alike.
    pub fn from_journal(journal: &Journal) -> Result<RsaMode, String> {
        Ok(match journal.action {
            RunAction::Remove => RsaMode::Remove(StepMap::from_journal_codes(
                journal.plan(),
                journal.step_codes(),
            )?),
            RunAction::Mark => RsaMode::Change(Change::Mark),
            RunAction::Unmark => RsaMode::Change(Change::Unmark),
            RunAction::Reenable => RsaMode::Change(Change::Reenable),
        })
    }
}

/// An RSA run's work: its mode at one tenant, as the engine's per-user [`Protocol`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaJob {
    pub base: ApiBase,
    pub mode: RsaMode,
}

impl Protocol for RsaJob {
    fn request(&self, user: &str, step: usize, auth: &Auth) -> Request {
        match &self.mode {
            RsaMode::Remove(steps) => {
                step_request(&self.base, user, steps.get(user).get(step), auth)
            }
            RsaMode::Change(change) => change_request(&self.base, user, *change, auth),
        }
    }

    fn judge(&self, reply: &Result<Response, NetError>, ctx: &AttemptContext<'_>) -> Verdict {
        match &self.mode {
            RsaMode::Remove(steps) => judge_step(steps.get(ctx.user).get(ctx.step), reply, ctx),
            RsaMode::Change(change) => judge_change(*change, reply, ctx),
        }
    }

    fn conclude(&self, user: &str, done: &[StepDone], end: Ending) -> (Outcome, String) {
        match &self.mode {
            RsaMode::Remove(steps) => conclude_steps(steps.get(user), done, end),
            RsaMode::Change(_) => (end.outcome, end.message),
        }
    }
}
