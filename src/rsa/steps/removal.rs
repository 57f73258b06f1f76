//! Removal in steps: unmark and disable when the user's [`Steps`] say so, then Delete User Now;
//! what each answer means, and how the user's result reads when a later step does not happen.

use super::answer::{common, done, unexpected};
use super::plan::{Step, Steps};
use crate::rsa::api;
use crate::rsa::base_url::ApiBase;
use crate::rsa::delete::{judge_delete, NOT_FOUND};
use crate::run::http::{Auth, NetError, Request, Response};
use crate::run::outcome::Outcome;
use crate::run::verdict::{AttemptContext, EndCause, Ending, StepDone, Verdict};

/// Shown for 404 to a preparatory step after an earlier request for it got no clear answer (that
/// request cannot have removed the user).
pub const GONE_AFTER_LOSS: &str =
    "Not found: Cloud Access Service no longer has this user (removed \
    elsewhere while this run was changing it, or the ID is wrong).";
/// Shown for 404 to the first step of a user that was in flight when the page was closed.
pub const REMOVED_BEFORE_CLOSE: &str =
    "Removed: an earlier removal of this user had an unknown outcome (the page closed while it was \
    under way, or no clear answer came); sent again, the service no longer had the user, so that \
    removal went through.";
/// Shown for 405 to the unmark step.
pub const UNMARK_NOT_ALLOWED: &str = "Not allowed: this user comes from a SCIM-managed or Azure Active \
    Directory identity source, whose users cannot be unmarked or deleted here. Remove the user in that \
    directory instead.";

/// The meaning of one answer to `step`.
pub fn judge_step(
    step: Step,
    reply: &Result<Response, NetError>,
    ctx: &AttemptContext<'_>,
) -> Verdict {
    if step == Step::Delete {
        return judge_delete(reply, ctx);
    }
    let response = match common(reply, ctx) {
        Ok(r) => r,
        Err(verdict) => return verdict,
    };
    let status = response.status;
    let went_through = |message: &str| Verdict::Continue {
        status,
        message: message.to_string(),
    };
    match (step, status) {
        (Step::Unmark, 200 | 204) => went_through("Unmarked"),
        (Step::Disable, 200 | 204) => went_through("Disabled"),
        (Step::Unmark, 409) if ctx.earlier_unanswered => {
            went_through("Unmarked (or not marked: an earlier request got no clear answer)")
        }
        (Step::Unmark, 409) => went_through("Not marked for deletion"),
        (Step::Disable, 409) if ctx.earlier_unanswered => {
            went_through("Disabled (or already disabled: an earlier request got no clear answer)")
        }
        (Step::Disable, 409) => went_through("Already disabled"),
        (_, 404) if ctx.resumed => done(Outcome::Removed, status, REMOVED_BEFORE_CLOSE),
        (_, 404) if ctx.earlier_unanswered => done(Outcome::NotFound, status, GONE_AFTER_LOSS),
        (_, 404) => done(Outcome::NotFound, status, NOT_FOUND),
        (Step::Unmark, 405) => done(Outcome::NotAllowed, status, UNMARK_NOT_ALLOWED),
        _ => unexpected(response),
    }
}

/// The outcome and message of a user whose steps `done` went through before it ended at the
/// next one as `end` says (see [`crate::run::Protocol::conclude`]):
/// - the delete went through: removed, the message naming every step ("Disabled, then removed: …");
/// - the user is gone: not found;
/// - the last step got no clear answer and was not answered since: failed, outcome unknown;
/// - this run disabled the user: [`Outcome::DisabledOnly`], "Disabled, not deleted: " and why;
/// - this run only took the mark off: failed, saying it is no longer marked;
/// - nothing was changed (every step answered "already so"): the last step's outcome.
pub fn conclude_steps(steps: Steps, done: &[StepDone], end: Ending) -> (Outcome, String) {
    let list = steps.list();
    let step = list.get(done.len()).copied().unwrap_or(Step::Delete);
    let trail = trail_words(done);
    let changed = |wanted: Step| {
        list.iter()
            .zip(done)
            .any(|(s, d)| *s == wanted && matches!(d.status, 200 | 204))
    };
    match end.outcome {
        Outcome::Removed | Outcome::NotFound => {
            return (
                end.outcome,
                format!("{trail}, then {}", lower_first(&end.message)),
            )
        }
        _ if end.unanswered && end.cause != EndCause::Answered => {
            let message = format!(
                "{trail}; the {} got no clear answer, so whether it went through is unknown. {}",
                step.noun(),
                end.message
            );
            return (Outcome::Failed, message);
        }
        _ => {}
    }
    let why = reason(step, &end);
    let not_done = format!("{trail}, not {}: {why}", step.past());
    if changed(Step::Disable) {
        (Outcome::DisabledOnly, not_done)
    } else if changed(Step::Unmark) {
        let message = format!(
            "{not_done} It is no longer marked for deletion, so the service will not remove it by itself."
        );
        (Outcome::Failed, message)
    } else {
        (end.outcome, not_done)
    }
}

/// "Unmarked, disabled": what the steps did, in order.
fn trail_words(done: &[StepDone]) -> String {
    done.iter()
        .enumerate()
        .map(|(i, d)| match i {
            0 => d.message.clone(),
            _ => lower_first(&d.message),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why `step` did not go through, as the end of a sentence.
fn reason(step: Step, end: &Ending) -> String {
    let noun = step.noun();
    match end.cause {
        EndCause::Cancelled if end.sent == 0 => {
            format!("the run was cancelled before the {noun}.")
        }
        EndCause::Cancelled => match &end.last_error {
            Some(last) => format!("the run was cancelled before the {noun} went through (last answer: {last})."),
            None => format!("the run was cancelled before the {noun} went through."),
        },
        _ if end.outcome == Outcome::Conflict => "the service still counts the user as enabled or pending \
            deletion (HTTP 409). If it is marked for deletion, unmark it, or leave it: it is removed automatically \
            within seven days."
            .to_string(),
        _ => {
            let message = end.message.as_str();
            let bare = ["Not removed: ", "Not allowed: "]
                .iter()
                .find_map(|p| message.strip_prefix(p))
                .unwrap_or(message);
            lower_first(bare)
        }
    }
}

/// `text` with its first letter in lower case, unless it starts an abbreviation ("HTTP").
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(_), Some(b)) if b.is_ascii_uppercase() => text.to_string(),
        (Some(a), _) => crate::case::lower(a)
            .chain(text[a.len_utf8()..].chars())
            .collect(),
        (None, _) => String::new(),
    }
}

/// The request for `step` of `user`'s removal.
pub fn step_request(base: &ApiBase, user: &str, step: Step, auth: &Auth) -> Request {
    match step {
        Step::Unmark => api::mark_deleted(base, user, false, auth),
        Step::Disable => api::set_user_status(base, user, false, auth),
        Step::Delete => api::delete_user(base, user, auth),
    }
}
