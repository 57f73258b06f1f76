//! EPM authentication: HTTP Basic (`user:password`, or `identitydomain.user:password`) or
//! an OAuth `Bearer` token issued by the sandbox; 401 otherwise. The gate ([`crate::vendor`])
//! calls it before the rate limit.

use crate::bodies::epm_error;
use crate::clock::{lock, now_ms};
use crate::demo::{EPM_IDENTITY_DOMAIN, EPM_PASSWORD};
use crate::state::AppState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The authenticated EPM caller, as a request extension.
#[derive(Debug, Clone)]
pub struct EpmCaller {
    /// The caller's login (its own account cannot be removed).
    pub login: String,
    /// The credential it proved, `basic:<user>` or `bearer:<token>` (its token bucket).
    pub credential: String,
}

/// The 401 for a refused credential.
pub fn refusal(why: &str) -> Response {
    let mut r = epm_error(
        StatusCode::UNAUTHORIZED,
        &format!("Authentication failed: {why}"),
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"EPM Cloud\""),
    );
    r
}

/// Authenticates an EPM call: the caller, or why not.
pub fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<EpmCaller, &'static str> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("no credentials")?;
    let (scheme, value) = auth
        .trim()
        .split_once(' ')
        .ok_or("unsupported Authorization header")?;
    let admin = lock(&state.tenant).epm_admin().to_string();
    let store = lock(&state.epm);
    let (issued, credential) = match scheme.to_ascii_lowercase().as_str() {
        "basic" => {
            let (user, password) = decode_basic(value).ok_or("malformed Basic credentials")?;
            let user = normalize_user(&user);
            if user != admin.to_lowercase() || password != EPM_PASSWORD {
                return Err("invalid user name or password");
            }
            (store.basic_issued_ms, format!("basic:{user}"))
        }
        "bearer" => {
            let token = value.trim();
            let issued = store
                .bearer_issued_ms(token)
                .ok_or("invalid access token")?;
            (issued, format!("bearer:{token}"))
        }
        _ => return Err("unsupported Authorization scheme"),
    };
    drop(store);
    if state.faults().is_revoked(issued, now_ms()) {
        return Err("credentials revoked");
    }
    Ok(EpmCaller {
        login: admin,
        credential,
    })
}

fn decode_basic(value: &str) -> Option<(String, String)> {
    let text = String::from_utf8(STANDARD.decode(value.trim()).ok()?).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

fn normalize_user(user: &str) -> String {
    let lower = user.trim().to_lowercase();
    let prefix = format!("{EPM_IDENTITY_DOMAIN}.");
    lower
        .strip_prefix(&prefix)
        .map(String::from)
        .unwrap_or(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_domain_prefix_is_optional() {
        let enc = |s: &str| STANDARD.encode(s);
        let user = |v: &str| decode_basic(v).map(|(user, _)| normalize_user(&user));
        assert_eq!(
            user(&enc("exampleco.Jane.Doe@x.com:pw")).as_deref(),
            Some("jane.doe@x.com")
        );
        assert_eq!(
            user(&enc("jane.doe@x.com:pw:with:colons")).as_deref(),
            Some("jane.doe@x.com")
        );
        assert_eq!(
            decode_basic(&enc("u:p:q")),
            Some(("u".into(), "p:q".into()))
        );
        assert_eq!(user("%%%"), None);
    }
}
