//! RSA Cloud Administration APIs under `/AdminInterface/restapi/v1`: Delete User Now,
//! User Details (lookup), Mark User Deleted and User Status, behind JWT authentication (which
//! the gate, [`crate::vendor`], runs before the rate limit).

use crate::audit::{Action, System};
use crate::bodies::rsa_error;
use crate::clock::{iso8601, lock, now_ms, now_secs};
use crate::demo::{OAUTH_AUDIENCE, OAUTH_CLIENT_ID};
use crate::jwt::{self, Rejection};
use crate::state::AppState;
use crate::tenant::{is_user_id, UserStatus};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

/// The RSA routes, relative to the Admin REST API base.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/users/lookup",
            post(lookup).delete(|| async { not_found() }),
        )
        .route("/users/{user_id}", delete(delete_user))
        .route("/users/{user_id}/markDeleted", put(mark_deleted))
        .route("/users/{user_id}/userStatus", put(user_status))
        .fallback(|| async { rsa_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Resource not found.") })
        .method_not_allowed_fallback(|| async {
            rsa_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "Method Not Allowed.",
            )
        })
        .with_state(state)
}

/// The 403 for a refused token.
pub fn refusal(why: &Rejection) -> Response {
    let body = json!({
        "status": 403,
        "code": "NOT_AUTHORIZED",
        "message": "Not authorized to perform the request.",
        "detail": why.to_string(),
    });
    (StatusCode::FORBIDDEN, Json(body)).into_response()
}

/// Authenticates an RSA call: the verified access ID, or why not.
pub fn authorize(state: &AppState, headers: &HeaderMap) -> Result<String, Rejection> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = match auth.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token,
        _ => return Err(Rejection::Missing),
    };
    let keys = [(state.key.access_id.as_str(), &state.key.public)];
    let verified = match jwt::verify(token, &keys, &state.admin_url(), now_secs()) {
        // Not the API key's access ID: perhaps the OAuth API client's access token.
        Err(Rejection::UnknownSubject) => jwt::verify_oauth(
            token,
            (OAUTH_CLIENT_ID, &state.key.public),
            OAUTH_AUDIENCE,
            now_secs(),
        )?,
        other => other?,
    };
    let issued_ms = (verified.iat + 1) * 1000 - 1;
    if state.faults().is_revoked(issued_ms, now_ms()) {
        return Err(Rejection::Revoked);
    }
    Ok(verified.sub)
}

fn not_found() -> Response {
    rsa_error(
        StatusCode::NOT_FOUND,
        "USER_NOT_FOUND",
        "User is not found.",
    )
}

fn scim_refused() -> Response {
    rsa_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "Method Not Allowed. The method you are using is not allowed for users in the SCIM Managed and \
         Azure Active Directory (SCIM) identity sources.",
    )
}

fn bad_request(message: &str) -> Response {
    rsa_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
}

async fn delete_user(State(state): Shared, Path(user_id): Path<String>) -> Response {
    if !is_user_id(&user_id) {
        return not_found();
    }
    let mut tenant = lock(&state.tenant);
    let Some(user) = tenant.rsa_user_mut(&user_id) else {
        return not_found();
    };
    if user.is_scim() {
        return scim_refused();
    }
    if user.mark_deleted {
        return rsa_error(
            StatusCode::CONFLICT,
            "USER_PENDING_DELETION",
            "User is in pending deletion state.",
        );
    }
    if user.user_status == UserStatus::Enabled {
        return rsa_error(
            StatusCode::CONFLICT,
            "USER_ENABLED",
            "User is in enabled state.",
        );
    }
    let id = user.id.clone();
    tenant.remove_rsa(&id);
    state.audit(System::Rsa, &id, "delete-user-now", Action::Remove);
    drop(tenant);
    Json(json!({ "status": 200, "id": id, "message": "Successfully deleted the disabled user." }))
        .into_response()
}

async fn lookup(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .trim()
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return rsa_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Unsupported media type. Send Content-Type: application/json.",
        );
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let email = request
        .get("email")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    let unsynched_ok = request.get("searchUnsynched").is_none_or(Value::is_boolean);
    if email.is_empty() || !unsynched_ok {
        return bad_request(
            "Invalid request. Send {\"email\": <address>, \"searchUnsynched\": false}.",
        );
    }
    match lock(&state.tenant).rsa_by_email(email) {
        Some(user) => Json(user).into_response(),
        None => not_found(),
    }
}

async fn mark_deleted(State(state): Shared, Path(user_id): Path<String>, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(mark) = request.get("markDeleted").and_then(Value::as_bool) else {
        return bad_request(
            "Invalid request. Send {\"markDeleted\": true} or {\"markDeleted\": false}.",
        );
    };
    if !is_user_id(&user_id) {
        return not_found();
    }
    let mut tenant = lock(&state.tenant);
    let Some(user) = tenant.rsa_user_mut(&user_id) else {
        return not_found();
    };
    if user.is_scim() {
        return scim_refused();
    }
    if user.mark_deleted == mark {
        let (code, message) = if mark {
            (
                "USER_ALREADY_MARKED",
                "User is already marked for deletion.",
            )
        } else {
            ("USER_NOT_MARKED", "User is not marked for deletion.")
        };
        return rsa_error(StatusCode::CONFLICT, code, message);
    }
    user.mark_deleted = mark;
    user.mark_deleted_at = mark.then(|| iso8601(now_ms()));
    let body = json!({ "id": user.id, "markDeleted": mark, "markDeletedAt": user.mark_deleted_at });
    let action = if mark { Action::Mark } else { Action::Unmark };
    state.audit(System::Rsa, &user.id, "mark-deleted", action);
    Json(body).into_response()
}

async fn user_status(State(state): Shared, Path(user_id): Path<String>, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let wanted = match request
        .get("userStatus")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("disabled") => UserStatus::Disabled,
        Some("enabled") => UserStatus::Enabled,
        _ => {
            return bad_request(
                "Invalid request. Send {\"userStatus\": \"Disabled\"} or \"Enabled\".",
            )
        }
    };
    if !is_user_id(&user_id) {
        return not_found();
    }
    let mut tenant = lock(&state.tenant);
    let Some(user) = tenant.rsa_user_mut(&user_id) else {
        return not_found();
    };
    if user.user_status == wanted {
        let message = format!("User is already {wanted:?}.");
        return rsa_error(StatusCode::CONFLICT, "USER_STATUS_UNCHANGED", &message);
    }
    user.user_status = wanted;
    let action = if wanted == UserStatus::Disabled {
        Action::Disable
    } else {
        Action::Enable
    };
    state.audit(System::Rsa, &user.id, "user-status", action);
    Json(json!({ "id": user.id, "userStatus": wanted })).into_response()
}
