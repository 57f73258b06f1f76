//! One-request changes of a user: mark for deletion, and the undos (unmark, enable again).

use super::answer::{common, done, unexpected};
use crate::rsa::api;
use crate::rsa::base_url::ApiBase;
use crate::rsa::delete::NOT_FOUND;
use crate::run::http::{Auth, NetError, Request, Response};
use crate::run::outcome::Outcome;
use crate::run::verdict::{AttemptContext, Verdict};

/// A change of one request per user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// `markDeleted: true`: the service removes the user within seven days.
    Mark,
    /// `markDeleted: false`: undo a mark.
    Unmark,
    /// `userStatus: "Enabled"`: undo a disable.
    Reenable,
}

/// Shown for a user this run marked.
pub const MARKED: &str =
    "Marked for deletion: the service removes the user within seven days; until then \
    this can be undone.";
/// How [`MARKED_EARLIER`] begins, as results files of every version of the panel say it.
pub const MARKED_EARLIER_START: &str =
    "Marked for deletion: an earlier request got no clear answer and the user is marked now";
/// Shown when a re-sent mark found the user marked after an earlier request went unanswered.
/// The user may have been marked before this run: an undo of the run leaves it.
pub const MARKED_EARLIER: &str = "Marked for deletion: an earlier request got no clear answer and the user is \
    marked now, most likely by that request, but perhaps before this run: an undo of this run leaves it (check \
    it in the admin console). The service removes the user within seven days.";
/// Shown for a user that was marked before this run.
pub const ALREADY_MARKED: &str =
    "Already marked for deletion before this run: left as it was (an undo of \
    this run will not unmark it).";
/// Shown for 405 to a mark.
pub const MARK_NOT_ALLOWED: &str = "Not allowed: this user comes from a SCIM-managed or Azure Active \
    Directory identity source, whose users cannot be marked for deletion here. Remove the user in that \
    directory instead.";
/// Shown for a user whose mark this run took away.
pub const UNMARKED: &str =
    "Unmarked: the user is no longer marked for deletion and stays in Cloud Access Service.";
/// Shown when the user was not marked.
pub const NOT_MARKED: &str = "Not marked for deletion: nothing to undo; left as it was.";
/// Shown when the user to unmark no longer exists.
pub const GONE_UNMARK: &str =
    "Gone already: Cloud Access Service no longer has this user (its mark for \
    deletion may have come due), so there is nothing to undo.";
/// Shown for 405 to an unmark.
pub const UNMARK_NOT_ALLOWED: &str =
    "Not allowed: this user comes from a SCIM-managed or Azure Active \
    Directory identity source, whose marks cannot be changed here.";
/// Shown for a user this run enabled.
pub const ENABLED: &str = "Enabled again: the user can sign in again.";
/// Shown for a user that was enabled already.
pub const ALREADY_ENABLED: &str = "Already enabled: left as it was.";
/// Shown when the user to enable no longer exists.
pub const GONE_ENABLE: &str =
    "Gone already: Cloud Access Service no longer has this user, so it cannot be enabled again.";
/// Said of a change found made after an earlier request for it went unanswered.
const EARLIER: &str =
    " (an earlier request got no clear answer; the change is in place now, most likely made by it)";

/// The meaning of one answer to `change`.
pub fn judge_change(
    change: Change,
    reply: &Result<Response, NetError>,
    ctx: &AttemptContext<'_>,
) -> Verdict {
    let response = match common(reply, ctx) {
        Ok(r) => r,
        Err(verdict) => return verdict,
    };
    let status = response.status;
    let lost = ctx.earlier_unanswered;
    let with_earlier =
        |outcome, message: &str| done(outcome, status, &format!("{message}{EARLIER}"));
    match (change, status) {
        (Change::Mark, 200 | 204) => done(Outcome::Marked, status, MARKED),
        (Change::Mark, 409) if lost => done(Outcome::Marked, status, MARKED_EARLIER),
        (Change::Mark, 409) => done(Outcome::Unchanged, status, ALREADY_MARKED),
        (Change::Mark, 404) => done(Outcome::NotFound, status, NOT_FOUND),
        (Change::Mark, 405) => done(Outcome::NotAllowed, status, MARK_NOT_ALLOWED),
        (Change::Unmark, 200 | 204) => done(Outcome::Restored, status, UNMARKED),
        (Change::Unmark, 409) if lost => with_earlier(Outcome::Restored, "Unmarked"),
        (Change::Unmark, 409) => done(Outcome::Unchanged, status, NOT_MARKED),
        (Change::Unmark, 404) => done(Outcome::NotFound, status, GONE_UNMARK),
        (Change::Unmark, 405) => done(Outcome::NotAllowed, status, UNMARK_NOT_ALLOWED),
        (Change::Reenable, 200 | 204) => done(Outcome::Restored, status, ENABLED),
        (Change::Reenable, 409) if lost => with_earlier(Outcome::Restored, "Enabled again"),
        (Change::Reenable, 409) => done(Outcome::Unchanged, status, ALREADY_ENABLED),
        (Change::Reenable, 404) => done(Outcome::NotFound, status, GONE_ENABLE),
        _ => unexpected(response),
    }
}

/// The request for `change` of `user`.
pub fn change_request(base: &ApiBase, user: &str, change: Change, auth: &Auth) -> Request {
    match change {
        Change::Mark => api::mark_deleted(base, user, true, auth),
        Change::Unmark => api::mark_deleted(base, user, false, auth),
        Change::Reenable => api::set_user_status(base, user, true, auth),
    }
}
