//! EPM Cloud routes under `/interop/rest`, and what they share: links and the removal rule.

use crate::audit::{Action, System};
use crate::bodies::epm_error;
use crate::epm_auth::EpmCaller;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::{epm_files, epm_jobs, epm_v2};
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::{json, Value};
use std::sync::Arc;

/// Largest accepted upload chunk (50 MiB).
pub const MAX_CHUNK: usize = 50 * 1024 * 1024;

/// The EPM routes, relative to `/interop/rest`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/11.1.2.3.600/applicationsnapshots/{name}/contents",
            post(epm_files::upload).layer(DefaultBodyLimit::max(MAX_CHUNK + 1)),
        )
        .route(
            "/11.1.2.3.600/applicationsnapshots/{name}",
            delete(epm_files::delete_file),
        )
        .route("/security/v1/users", delete(epm_jobs::remove_v1))
        .route("/security/v1/jobs/{job_id}", get(epm_jobs::job_status))
        .route("/security/v2/users/remove", post(epm_v2::remove_v2))
        .route("/security/v1/users/list", post(epm_v2::list_users))
        .fallback(|| async { epm_error(StatusCode::NOT_FOUND, "Resource not found.") })
        .method_not_allowed_fallback(|| async {
            epm_error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed.")
        })
        .with_state(state)
}

/// A link object of the v1 APIs.
pub fn link(rel: &str, href: String, data: Value, action: &str) -> Value {
    json!({ "rel": rel, "href": href, "data": data, "action": action })
}

/// Why one user could not be removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Error code for the v2 `faileditems` (the sandbox's own codes).
    pub code: &'static str,
    /// Error text, as in `Error_Details` / `errormessage`.
    pub message: String,
}

/// Removes one login (case-insensitive) and audits it; the caller's own account and unknown
/// logins are refused.
pub fn remove_one(
    state: &AppState,
    tenant: &mut Tenant,
    caller: &EpmCaller,
    login: &str,
    via: &'static str,
) -> Result<(), Refusal> {
    if login.trim().to_lowercase() == caller.login.to_lowercase() {
        return Err(Refusal {
            code: "EPMCSS-21149",
            message: format!(
                "User {login} cannot be removed. It is the account of the user who executes this command."
            ),
        });
    }
    match tenant.remove_epm(login) {
        Some(user) => {
            state.audit(System::Epm, &user.userlogin, via, Action::Remove);
            Ok(())
        }
        None => Err(Refusal {
            code: "EPMCSS-21148",
            message: format!("User {login} is not found. Verify that the user exists."),
        }),
    }
}
