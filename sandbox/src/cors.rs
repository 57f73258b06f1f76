//! CORS for browser callers on another origin, only for the origins `--cors-origin` names
//! (none by default: the vendors document no CORS support), switchable on and off at run time.
//! When off (or the origin is not allowed) nothing is added, as with the real vendors, and a
//! preflight gets whatever the route answers.

use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, Response, StatusCode};
use axum::middleware::Next;
use std::sync::Arc;

const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, OPTIONS";
const ALLOW_HEADERS: &str = "Authorization, Content-Type, Accept";

/// The middleware.
pub async fn cors(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response<Body> {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let faults = state.faults();
    let allowed = faults.cors
        && origin
            .as_ref()
            .is_some_and(|o| origin_allowed(&faults.cors_origins, o));
    let Some(origin) = origin.filter(|_| allowed) else {
        return next.run(req).await;
    };
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOW_METHODS),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOW_HEADERS),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        r
    } else {
        next.run(req).await
    };
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Retry-After"),
    );
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    response
}

/// Whether `origin` is allowed: listed, or the list holds `*`. An empty list allows none.
fn origin_allowed(allowed: &[String], origin: &HeaderValue) -> bool {
    let origin = origin.to_str().unwrap_or("");
    allowed
        .iter()
        .any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_list_semantics() {
        let o = HeaderValue::from_static("http://localhost:8080");
        assert!(!origin_allowed(&[], &o));
        assert!(origin_allowed(&["*".into()], &o));
        assert!(origin_allowed(&["http://localhost:8080/".into()], &o));
        assert!(!origin_allowed(&["http://127.0.0.1:8080".into()], &o));
    }
}
