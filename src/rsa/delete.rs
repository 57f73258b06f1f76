//! What each answer to Delete User Now means for the user, in the admin's words.

use super::api;
use super::base_url::ApiBase;
use super::body::{excerpt, looks_like_html};
use crate::run::http::{Auth, NetError, Request, Response};
use crate::run::outcome::Outcome;
use crate::run::retry_after;
use crate::run::verdict::{AttemptContext, Protocol, Verdict};

/// Shown with a removed user.
pub const REMOVED: &str =
    "Removed: the user and all their devices were deleted from Cloud Access Service.";
/// Shown when a re-sent request found the user gone after an earlier request went unanswered.
pub const REMOVED_EARLIER: &str =
    "Removed: an earlier request for this user got no clear answer (none, or a server error); \
    when it was sent again the service no longer had the user, so that earlier request most \
    likely removed it (the service cannot tell that from an ID it never had).";
/// Shown for 404.
pub const NOT_FOUND: &str =
    "Not found: Cloud Access Service has no user with this ID (already removed, or the ID is wrong).";
/// Shown for 405.
pub const NOT_ALLOWED: &str =
    "Not allowed: this user comes from a SCIM-managed or Azure Active Directory identity \
    source, whose users cannot be deleted here. Remove the user in that directory instead.";
/// Shown for 409.
pub const CONFLICT: &str = "Not removed: the user is still enabled or is pending deletion, and Delete User Now \
    removes only disabled users. Disable the user first; if it is marked for deletion, unmark it (or leave it: \
    it is removed automatically within seven days). Then retry.";
/// Shown for 409 when the answer says the user is enabled ("User is in enabled state.").
pub const CONFLICT_ENABLED: &str =
    "Not removed: the user is still enabled, and Delete User Now removes only \
    disabled users. Disable the user first, then retry.";
/// Shown for 409 when the answer says the user is pending deletion.
pub const CONFLICT_PENDING: &str =
    "Not removed: the user is pending deletion (marked for deletion), and is \
    removed automatically within seven days. To remove it now, unmark it first, then retry.";
/// Shown (and the run paused) for 403.
pub const REFUSED: &str = "The service refused the credential (HTTP 403): the token has expired or was revoked, \
    was made for another tenant, or the API key lacks permission to delete users. The run is paused and keeps its \
    queue: give a new credential to continue.";

/// The meaning of one answer to `DELETE …/users/{id}`.
pub fn judge_delete(reply: &Result<Response, NetError>, ctx: &AttemptContext<'_>) -> Verdict {
    let response = match reply {
        Ok(r) => r,
        Err(e) => {
            return Verdict::Retry {
                status: None,
                message: capitalised(&e.to_string()),
                maybe_done: true,
            }
        }
    };
    let status = response.status;
    let done = |outcome, message: &str| Verdict::Final {
        outcome,
        status: Some(status),
        message: message.to_string(),
    };
    // The API answers JSON: a web page saying "OK", "not found" or "not allowed" is a static host or
    // a proxy answering in its place, and nothing was removed.
    if matches!(status, 200..=299 | 404 | 405) && looks_like_html(&response.body) {
        return Verdict::Final {
            outcome: Outcome::Failed,
            status: Some(status),
            message: format!(
                "HTTP {status} came from a web page, not from the Cloud Administration API: the API address or \
                 the reverse proxy is wrong (a proxy must pass DELETE through). Nothing was removed."
            ),
        };
    }
    match status {
        200 | 204 => done(Outcome::Removed, REMOVED),
        404 if ctx.earlier_unanswered => done(Outcome::Removed, REMOVED_EARLIER),
        404 => done(Outcome::NotFound, NOT_FOUND),
        405 => done(Outcome::NotAllowed, NOT_ALLOWED),
        409 => done(Outcome::Conflict, conflict(&response.body)),
        403 => Verdict::CredentialRefused {
            status,
            message: REFUSED.to_string(),
        },
        429 => Verdict::Throttled {
            status,
            wait_ms: response
                .header("Retry-After")
                .and_then(|v| retry_after::wait_ms(v, ctx.now_ms)),
            message: "The service asked to slow down (HTTP 429, too many requests).".to_string(),
        },
        500..=599 => Verdict::Retry {
            status: Some(status),
            message: with_excerpt(&format!("Server error (HTTP {status})"), &response.body),
            // A 500 may come after the change took effect (the API promises nothing else); a
            // 503 says the service did not take the request.
            maybe_done: status != 503,
        },
        _ => Verdict::Final {
            outcome: Outcome::Failed,
            status: Some(status),
            message: with_excerpt(&format!("Unexpected answer HTTP {status}"), &response.body),
        },
    }
}

/// `head` and what the service said (shortened), or `head.` when it said nothing.
pub(crate) fn with_excerpt(head: &str, body: &[u8]) -> String {
    match excerpt(body, 200) {
        e if e.is_empty() => format!("{head}."),
        e => format!("{head}: {e}"),
    }
}

/// `text` with its first letter in capitals. The texts are the panel's own English messages,
/// so ASCII is enough (and keeps Unicode's upper-case tables out of the wasm).
pub(crate) fn capitalised(text: &str) -> String {
    let mut text = text.to_string();
    if let Some(first) = text.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    text
}

/// Delete User Now as a per-user [`Protocol`] for the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaDelete {
    pub base: ApiBase,
}

impl Protocol for RsaDelete {
    fn request(&self, user: &str, _step: usize, auth: &Auth) -> Request {
        api::delete_user(&self.base, user, auth)
    }

    fn judge(&self, reply: &Result<Response, NetError>, ctx: &AttemptContext<'_>) -> Verdict {
        judge_delete(reply, ctx)
    }
}

/// The 409 message for the reason the answer names (the document lists "User is in enabled state."
/// and "User is in pending deletion state."), or for both when it names neither.
fn conflict(body: &[u8]) -> &'static str {
    let says = |text: &str| crate::case::contains_ascii_ignoring_case(body, text);
    if says("pending deletion") || says("pending_deletion") {
        CONFLICT_PENDING
    } else if says("enabled state") || says("user_enabled") {
        CONFLICT_ENABLED
    } else {
        CONFLICT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refused_credential_note_asks_for_a_new_one_in_the_same_words() {
        // The panel drops the notes that end so once a new credential is given.
        for note in [
            REFUSED,
            crate::rsa::resolve::REFUSED,
            crate::rsa::steps::REFUSED,
        ] {
            assert!(note.ends_with(crate::run::ASKS_FOR_CREDENTIAL), "{note}");
        }
    }

    const CTX: AttemptContext = AttemptContext {
        now_ms: 1_000_000.0,
        attempt: 1,
        earlier_unanswered: false,
        resumed: false,
        user: "eb2e12ae-1112-451b-98e1-dfe4e6afd60d",
        step: 0,
    };

    fn judge(status: u16) -> Verdict {
        judge_delete(&Ok(Response::new(status, "{}")), &CTX)
    }

    fn outcome(v: &Verdict) -> Option<Outcome> {
        match v {
            Verdict::Final { outcome, .. } => Some(outcome.clone()),
            _ => None,
        }
    }

    #[test]
    fn every_documented_code_has_its_outcome() {
        assert_eq!(outcome(&judge(200)), Some(Outcome::Removed));
        assert_eq!(outcome(&judge(404)), Some(Outcome::NotFound));
        assert_eq!(outcome(&judge(405)), Some(Outcome::NotAllowed));
        assert_eq!(outcome(&judge(409)), Some(Outcome::Conflict));
        assert!(matches!(
            judge(403),
            Verdict::CredentialRefused { status: 403, .. }
        ));
        assert!(matches!(
            judge(429),
            Verdict::Throttled { wait_ms: None, .. }
        ));
        // The doc's 500 is an error "when processing the request": it may have taken effect.
        assert!(matches!(
            judge(500),
            Verdict::Retry {
                status: Some(500),
                maybe_done: true,
                ..
            }
        ));
        assert!(matches!(
            judge(503),
            Verdict::Retry {
                status: Some(503),
                maybe_done: false,
                ..
            }
        ));
    }

    #[test]
    fn a_409_says_which_of_the_documented_reasons_the_answer_names() {
        let judged = |body: &str| match judge_delete(&Ok(Response::new(409, body)), &CTX) {
            Verdict::Final {
                outcome, message, ..
            } => (outcome, message),
            other => panic!("{other:?}"),
        };
        let enabled =
            r#"{"status":409,"code":"USER_ENABLED","message":"User is in enabled state."}"#;
        let pending = r#"{"status":409,"code":"USER_PENDING_DELETION","message":"User is in pending deletion state."}"#;
        assert_eq!(
            judged(enabled),
            (Outcome::Conflict, CONFLICT_ENABLED.to_string())
        );
        assert_eq!(
            judged(pending),
            (Outcome::Conflict, CONFLICT_PENDING.to_string())
        );
        assert_eq!(
            judged("User is in Pending Deletion state").1,
            CONFLICT_PENDING
        );
        assert_eq!(judged("{}"), (Outcome::Conflict, CONFLICT.to_string()));
    }

    #[test]
    fn messages_tell_the_admin_what_to_do() {
        let Verdict::Final { message, .. } = judge(409) else {
            panic!()
        };
        assert!(
            message.contains("Disable the user first") && message.contains("unmark"),
            "{message}"
        );
        let Verdict::Final { message, .. } = judge(405) else {
            panic!()
        };
        assert!(
            message.contains("SCIM") && message.contains("Azure"),
            "{message}"
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date_becomes_a_wait() {
        let mut r = Response::new(429, "");
        r.headers.push(("retry-after".into(), "7".into()));
        assert!(matches!(
            judge_delete(&Ok(r), &CTX),
            Verdict::Throttled {
                wait_ms: Some(7_000),
                ..
            }
        ));
        let mut r = Response::new(429, "");
        r.headers
            .push(("Retry-After".into(), "Thu, 01 Jan 1970 00:16:50 GMT".into()));
        assert!(matches!(
            judge_delete(&Ok(r), &CTX),
            Verdict::Throttled {
                wait_ms: Some(10_000),
                ..
            }
        ));
    }

    #[test]
    fn unexpected_codes_fail_with_the_code_and_what_the_service_said() {
        let v = judge_delete(
            &Ok(Response::new(401, "{\"error\":\n\"invalid signature\"}")),
            &CTX,
        );
        let Verdict::Final {
            outcome: o,
            status,
            message,
        } = v
        else {
            panic!("{v:?}")
        };
        assert_eq!((o, status), (Outcome::Failed, Some(401)));
        assert_eq!(
            message,
            "Unexpected answer HTTP 401: {\"error\": \"invalid signature\"}"
        );
        assert_eq!(outcome(&judge(400)), Some(Outcome::Failed));
    }

    #[test]
    fn lost_answers_are_retried_and_a_later_404_means_removed() {
        let v = judge_delete(&Err(NetError::Timeout), &CTX);
        assert_eq!(
            v,
            Verdict::Retry {
                status: None,
                message: "No response in time".into(),
                maybe_done: true
            }
        );
        assert!(matches!(
            judge(504),
            Verdict::Retry {
                maybe_done: true,
                ..
            }
        ));
        let after_loss = AttemptContext {
            earlier_unanswered: true,
            ..CTX
        };
        let v = judge_delete(&Ok(Response::new(404, "{}")), &after_loss);
        assert!(
            matches!(v, Verdict::Final { outcome: Outcome::Removed, ref message, .. } if message == REMOVED_EARLIER)
        );
    }

    #[test]
    fn a_web_page_answering_200_404_or_405_is_not_taken_for_the_api() {
        for status in [200, 204, 404, 405] {
            let v = judge_delete(
                &Ok(Response::new(status, "<!DOCTYPE html><p>Not Found")),
                &CTX,
            );
            let Verdict::Final {
                outcome, message, ..
            } = v
            else {
                panic!()
            };
            assert_eq!(outcome, Outcome::Failed);
            assert!(
                message.contains("not from the Cloud Administration API"),
                "{message}"
            );
        }
    }

    #[test]
    fn capitalised_raises_only_the_first_letter() {
        assert_eq!(
            capitalised("network error: refused"),
            "Network error: refused"
        );
        assert_eq!(capitalised(""), "");
        assert_eq!(capitalised("école"), "école");
    }
}
