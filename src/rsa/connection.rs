//! "Test connection": what the one harmless lookup proved, and what to do when it failed.

use super::base_url::ApiBase;
use super::body::{excerpt, looks_like_html};
use crate::run::http::{NetError, Response};

/// The result of the connection test (see `api::connection_test`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectionCheck {
    /// The API answered and accepted the credential.
    Connected,
    /// The API answered and refused the credential.
    NotAuthorised(u16),
    /// No answer reached the page (network, wrong address, or CORS: browsers do not say which).
    NoAnswer { timed_out: bool, detail: String },
    /// Something answered, but it is a web page, not the API.
    NotTheApi(u16),
    /// Something answered the lookup as the API would, but answered it just the same without a
    /// credential: it checks none, so it is not the API (a proxy or gateway path leading elsewhere).
    CredentialUnchecked(u16),
    /// The API answered with a server error.
    ServiceError(u16),
    /// Any other answer.
    Unexpected(u16, String),
}

/// Classifies the reply to the connection test sent to `base`.
pub fn classify_connection(reply: &Result<Response, NetError>) -> ConnectionCheck {
    let r = match reply {
        Ok(r) => r,
        Err(NetError::Timeout) => {
            return ConnectionCheck::NoAnswer {
                timed_out: true,
                detail: String::new(),
            }
        }
        Err(NetError::Unreachable(m)) => {
            return ConnectionCheck::NoAnswer {
                timed_out: false,
                detail: m.clone(),
            }
        }
    };
    if looks_like_html(&r.body) {
        return ConnectionCheck::NotTheApi(r.status);
    }
    match r.status {
        200 | 404 => ConnectionCheck::Connected,
        401 | 403 => ConnectionCheck::NotAuthorised(r.status),
        500..=599 => ConnectionCheck::ServiceError(r.status),
        s => ConnectionCheck::Unexpected(s, excerpt(&r.body, 200)),
    }
}

/// The check of the credential itself, once [`classify_connection`] said `Connected`: the same
/// lookup sent without a credential (`unauthenticated`) must be refused, as the API refuses every
/// request without one. An answer like the first shows the credential was never checked.
pub fn confirm_credential_checked(
    check: ConnectionCheck,
    unauthenticated: &Result<Response, NetError>,
) -> ConnectionCheck {
    match (&check, unauthenticated) {
        (ConnectionCheck::Connected, Ok(r)) if matches!(r.status, 200 | 404) => {
            ConnectionCheck::CredentialUnchecked(r.status)
        }
        _ => check,
    }
}

impl ConnectionCheck {
    /// Whether removal can go ahead.
    pub fn is_ok(&self) -> bool {
        *self == ConnectionCheck::Connected
    }

    /// A one-line headline.
    pub fn title(&self) -> &'static str {
        match self {
            ConnectionCheck::Connected => {
                "Connected: the API answered and accepted the credential."
            }
            ConnectionCheck::NotAuthorised(_) => "Connected, but the credential was refused.",
            ConnectionCheck::NoAnswer {
                timed_out: true, ..
            } => "No answer in time.",
            ConnectionCheck::NoAnswer { .. } => "No answer reached this page.",
            ConnectionCheck::NotTheApi(_) => {
                "Something answered, but it is not the Cloud Administration API."
            }
            ConnectionCheck::CredentialUnchecked(_) => {
                "Something answered, but it did not check the credential: it is not the Cloud Administration API."
            }
            ConnectionCheck::ServiceError(_) => "The service answered with an internal error.",
            ConnectionCheck::Unexpected(..) => "The service gave an unexpected answer.",
        }
    }

    /// What it means and what to do, for the address the test was sent to.
    pub fn advice(&self, base: &ApiBase) -> String {
        match self {
            ConnectionCheck::Connected => format!("Requests will go to {base}."),
            ConnectionCheck::NotAuthorised(status) => format!(
                "HTTP {status}. Check that the token has not expired, was made with RS256 for this tenant \
                 (its aud must be {}), and that the API key has the administrator role needed to delete users. \
                 A token may live at most one hour.",
                if base.via_proxy() { "the tenant's adminRestApiUrl".to_string() } else { base.to_string() }
            ),
            ConnectionCheck::NoAnswer { timed_out, detail } if base.via_proxy() => format!(
                "The reverse proxy at {} did not {}. Check that it runs and forwards that path to your tenant.{}{}",
                base.tenant_label(),
                if *timed_out { "answer in time" } else { "answer" },
                if base.is_same_origin_path() {
                    ""
                } else {
                    " If that address is not on the site this panel is served from, the browser blocks the call \
                     (CORS): enter the path alone, such as /rsa."
                },
                detail_suffix(detail)
            ),
            ConnectionCheck::NoAnswer { timed_out: true, .. } => format!(
                "{} did not answer in time. Check the address and this computer's network, then try again.",
                base.tenant_label()
            ),
            ConnectionCheck::NoAnswer { detail, .. } => format!(
                "Either {host} cannot be reached from this computer (check the address and the network), or, \
                 most likely if the address is right, the browser blocked the answer: RSA Cloud Access Service \
                 does not let web pages from other sites call its API (CORS). Serve this panel behind a reverse \
                 proxy that forwards a path of this site, for example /rsa/, to https://{host}/, and enter \
                 /rsa/AdminInterface/restapi/v1 as the address.{}",
                detail_suffix(detail),
                host = base.tenant_label()
            ),
            ConnectionCheck::NotTheApi(status) => format!(
                "HTTP {status} with a web page from {base}. The address or the reverse proxy path is wrong: it \
                 must lead to /AdminInterface/restapi/v1 of your tenant."
            ),
            ConnectionCheck::CredentialUnchecked(status) => format!(
                "It answered HTTP {status} to a lookup sent without any credential, which the API refuses. Removals \
                 sent there would not reach your tenant, and users would read \"not found\". The address or the \
                 reverse proxy path is wrong: it must lead to /AdminInterface/restapi/v1 of your tenant ({base} now)."
            ),
            ConnectionCheck::ServiceError(status) => {
                format!("HTTP {status}. The service may be having trouble; try again in a few minutes.")
            }
            ConnectionCheck::Unexpected(429, _) => "HTTP 429: the service is limiting requests, perhaps for \
                 a run using the same API key (in another tab or tool). Try again in a minute."
                .to_string(),
            ConnectionCheck::Unexpected(status, body) if body.trim().is_empty() => format!(
                "HTTP {status} with no text. Check the address: it must lead to /AdminInterface/restapi/v1 of \
                 your tenant ({base} now)."
            ),
            ConnectionCheck::Unexpected(status, body) => format!("HTTP {status}: {body}"),
        }
    }
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(" (The browser said: {detail}.)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: u16, body: &str) -> ConnectionCheck {
        classify_connection(&Ok(Response::new(status, body)))
    }

    #[test]
    fn a_404_for_the_impossible_address_means_connected_and_authorised() {
        assert!(check(404, r#"{"message":"User not found"}"#).is_ok());
        assert!(check(200, r#"{"id":"x"}"#).is_ok());
    }

    #[test]
    fn an_answer_that_comes_just_the_same_without_a_credential_is_not_the_api() {
        let without = |status: u16| Ok(Response::new(status, r#"{"message":"Not found"}"#));
        let gateway = confirm_credential_checked(check(404, "{}"), &without(404));
        assert_eq!(gateway, ConnectionCheck::CredentialUnchecked(404));
        assert!(!gateway.is_ok());
        let base = ApiBase::parse("https://acme.access.securid.com").unwrap();
        assert!(
            gateway.advice(&base).contains("without any credential"),
            "{}",
            gateway.advice(&base)
        );
        // The API refuses the lookup without a credential: the first answer stands.
        for refused in [401, 403] {
            assert!(confirm_credential_checked(check(404, "{}"), &without(refused)).is_ok());
        }
        assert!(confirm_credential_checked(check(404, "{}"), &Err(NetError::Timeout)).is_ok());
        let refused = check(403, "");
        assert_eq!(
            confirm_credential_checked(refused.clone(), &without(404)),
            refused
        );
    }

    #[test]
    fn an_unexpected_answer_without_text_points_at_the_address() {
        let base = ApiBase::parse("https://acme.access.securid.com/nothing/here").unwrap();
        let advice = check(405, "").advice(&base);
        assert!(
            advice.starts_with("HTTP 405 with no text. Check the address"),
            "{advice}"
        );
    }

    #[test]
    fn a_refused_credential_says_what_to_check() {
        let c = check(403, "");
        assert_eq!(c, ConnectionCheck::NotAuthorised(403));
        let base = ApiBase::parse("https://acme.access.securid.com").unwrap();
        let advice = c.advice(&base);
        assert!(
            advice.contains("RS256")
                && advice.contains("https://acme.access.securid.com/AdminInterface/restapi/v1")
        );
    }

    #[test]
    fn no_answer_from_another_origin_explains_cors_and_the_proxy() {
        let c = classify_connection(&Err(NetError::Unreachable(
            "TypeError: Failed to fetch".into(),
        )));
        let advice = c.advice(&ApiBase::parse("https://acme.access.securid.com").unwrap());
        assert!(
            advice.contains("CORS")
                && advice.contains("reverse proxy")
                && advice.contains("Failed to fetch"),
            "{advice}"
        );
        let through_proxy = c.advice(&ApiBase::parse("/rsa").unwrap());
        assert!(
            !through_proxy.contains("CORS") && through_proxy.contains("/rsa"),
            "{through_proxy}"
        );
        let absolute_proxy = c.advice(&ApiBase::parse("https://panel.example/rsa").unwrap());
        assert!(
            absolute_proxy.contains("reverse proxy at panel.example/rsa")
                && absolute_proxy.contains("enter the path alone"),
            "{absolute_proxy}"
        );
        let refused = ConnectionCheck::NotAuthorised(403)
            .advice(&ApiBase::parse("https://panel.example/rsa").unwrap());
        assert!(
            refused.contains("the tenant's adminRestApiUrl") && !refused.contains("panel.example"),
            "{refused}"
        );
        let timeout = classify_connection(&Err(NetError::Timeout));
        assert_eq!(timeout.title(), "No answer in time.");
    }

    #[test]
    fn a_web_page_or_a_server_error_is_not_a_connection() {
        assert_eq!(
            check(200, "<!doctype html><title>Offboard</title>"),
            ConnectionCheck::NotTheApi(200)
        );
        assert_eq!(check(503, "{}"), ConnectionCheck::ServiceError(503));
        assert_eq!(
            check(415, "unsupported"),
            ConnectionCheck::Unexpected(415, "unsupported".into())
        );
        assert!(!check(415, "").is_ok());
    }
}
