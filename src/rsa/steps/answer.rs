//! The answers every user change (mark, unmark, disable, enable) shares with the delete: no
//! answer, a refused credential, throttling, server errors, a web page instead of the API.

use crate::rsa::body::looks_like_html;
use crate::rsa::delete::{capitalised, with_excerpt};
use crate::run::http::{NetError, Response};
use crate::run::outcome::Outcome;
use crate::run::retry_after;
use crate::run::verdict::{AttemptContext, Verdict};

/// Shown (and the run paused) for 403 to a change of a user.
pub const REFUSED: &str = "The service refused the credential (HTTP 403): the token has expired or was revoked, \
    was made for another tenant, or the API key lacks permission to change users. The run is paused and keeps its \
    queue: give a new credential to continue.";

/// The answer, when the caller has to judge its code; otherwise the verdict every change shares.
pub fn common<'r>(
    reply: &'r Result<Response, NetError>,
    ctx: &AttemptContext<'_>,
) -> Result<&'r Response, Verdict> {
    let response = match reply {
        Ok(r) => r,
        Err(e) => {
            return Err(Verdict::Retry {
                status: None,
                message: capitalised(&e.to_string()),
                maybe_done: true,
            })
        }
    };
    let status = response.status;
    // The API answers JSON: a web page is a static host or a proxy answering in its place.
    if matches!(status, 200..=299 | 404 | 405) && looks_like_html(&response.body) {
        return Err(failed(
            status,
            format!(
                "HTTP {status} came from a web page, not from the Cloud Administration API: the API address or \
                 the reverse proxy is wrong (a proxy must pass PUT through). Nothing was changed."
            ),
        ));
    }
    match status {
        403 => Err(Verdict::CredentialRefused {
            status,
            message: REFUSED.to_string(),
        }),
        429 => Err(Verdict::Throttled {
            status,
            wait_ms: response
                .header("Retry-After")
                .and_then(|v| retry_after::wait_ms(v, ctx.now_ms)),
            message: "The service asked to slow down (HTTP 429, too many requests).".to_string(),
        }),
        500..=599 => Err(Verdict::Retry {
            status: Some(status),
            message: with_excerpt(&format!("Server error (HTTP {status})"), &response.body),
            // A 500 may come after the change took effect (the API promises nothing else); a
            // 503 says the service did not take the request.
            maybe_done: status != 503,
        }),
        _ => Ok(response),
    }
}

/// A final verdict.
pub fn done(outcome: Outcome, status: u16, message: &str) -> Verdict {
    Verdict::Final {
        outcome,
        status: Some(status),
        message: message.to_string(),
    }
}

fn failed(status: u16, message: String) -> Verdict {
    Verdict::Final {
        outcome: Outcome::Failed,
        status: Some(status),
        message,
    }
}

/// A code the change does not document (400 included): failed, with what the service said.
pub fn unexpected(response: &Response) -> Verdict {
    let status = response.status;
    let head = match status {
        400 => "The service did not accept the request (HTTP 400)".to_string(),
        s => format!("Unexpected answer HTTP {s}"),
    };
    failed(status, with_excerpt(&head, &response.body))
}
