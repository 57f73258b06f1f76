//! EPM authentication: HTTP Basic (`user:password`, or `identitydomain.user:password`) or
//! an OAuth `Bearer` token issued by the sandbox; 401 otherwise.

use crate::bodies::epm_error;
use crate::clock::{lock, now_ms};
use crate::demo::{EPM_IDENTITY_DOMAIN, EPM_PASSWORD};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::sync::Arc;

/// The authenticated EPM caller, as a request extension.
#[derive(Debug, Clone)]
pub struct EpmCaller {
    /// The caller's login (its own account cannot be removed).
    pub login: String,
}

/// Middleware: authenticates or answers 401.
pub async fn require_epm(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    match authenticate(&state, req.headers()) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(why) => {
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
    }
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<EpmCaller, &'static str> {
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
    let issued = match scheme.to_ascii_lowercase().as_str() {
        "basic" => {
            let (user, password) = decode_basic(value).ok_or("malformed Basic credentials")?;
            if normalize_user(&user) != admin.to_lowercase() || password != EPM_PASSWORD {
                return Err("invalid user name or password");
            }
            store.basic_issued_ms
        }
        "bearer" => store
            .bearer_issued_ms(value.trim())
            .ok_or("invalid access token")?,
        _ => return Err("unsupported Authorization scheme"),
    };
    drop(store);
    if state.faults().is_revoked(issued, now_ms()) {
        return Err("credentials revoked");
    }
    Ok(EpmCaller { login: admin })
}

fn decode_basic(value: &str) -> Option<(String, String)> {
    let text = String::from_utf8(STANDARD.decode(value.trim()).ok()?).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// The Basic user of an encoded `user:password`, lower-cased, identity-domain prefix removed.
pub fn basic_user(value: &str) -> Option<String> {
    decode_basic(value).map(|(user, _)| normalize_user(&user))
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
        assert_eq!(
            basic_user(&enc("exampleco.Jane.Doe@x.com:pw")).as_deref(),
            Some("jane.doe@x.com")
        );
        assert_eq!(
            basic_user(&enc("jane.doe@x.com:pw:with:colons")).as_deref(),
            Some("jane.doe@x.com")
        );
        assert_eq!(
            decode_basic(&enc("u:p:q")),
            Some(("u".into(), "p:q".into()))
        );
        assert_eq!(basic_user("%%%"), None);
    }
}
