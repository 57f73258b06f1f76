//! JSON error bodies of each vendor, shared by handlers and middleware.

use crate::clock::{http_date, now_ms};
use crate::faults::RetryAfter;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An RSA error: `{"status": <http>, "code": <slug>, "message": <documented meaning>}`.
pub fn rsa_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "status": status.as_u16(), "code": code, "message": message })),
    )
        .into_response()
}

/// An EPM error in the migration status shape: `status` 1 with `details`.
pub fn epm_error(status: StatusCode, details: &str) -> Response {
    (
        status,
        Json(json!({ "links": [], "details": details, "status": 1, "items": null })),
    )
        .into_response()
}

/// A 429 for either vendor asking for a wait of `retry_after_secs` (at least 1), with
/// `Retry-After` in the given form.
pub fn too_many(epm: bool, retry_after_secs: u64, form: RetryAfter) -> Response {
    let mut r = if epm {
        epm_error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests. Retry later.",
        )
    } else {
        rsa_error(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            "Too many requests.",
        )
    };
    let secs = retry_after_secs.max(1);
    let value = match form {
        RetryAfter::Seconds => HeaderValue::from(secs),
        // From the next whole second, so that the date is never sooner than the wait.
        RetryAfter::Date => HeaderValue::try_from(http_date(now_ms().div_ceil(1000) + secs))
            .unwrap_or_else(|_| HeaderValue::from(secs)),
        RetryAfter::Omitted => return r,
    };
    r.headers_mut().insert(header::RETRY_AFTER, value);
    r
}

/// An injected 500 for either vendor.
pub fn internal_error(epm: bool) -> Response {
    if epm {
        epm_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error. Try again later.",
        )
    } else {
        rsa_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "Internal error occurred when processing the request.",
        )
    }
}
