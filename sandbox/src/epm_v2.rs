//! The synchronous EPM security APIs: Remove Users (v2) and List Users (v1).

use crate::clock::lock;
use crate::epm_api::remove_one;
use crate::epm_auth::EpmCaller;
use crate::state::AppState;
use crate::tenant::EpmUser;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};
use std::sync::Arc;

/// `POST /interop/rest/security/v2/users/remove` with `{"users":[{"userlogin":…}]}`.
pub async fn remove_v2(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<EpmCaller>,
    body: Bytes,
) -> Response {
    let links = json!({ "href": format!("{}/interop/rest/security/v2/users/remove", state.base_url), "action": "POST" });
    let Some(logins) = requested_logins(&body) else {
        let error = json!({
            "errorcode": "EPMCSS-21147",
            "errormessage": "Failed to remove users. Invalid or insufficient parameters specified. Provide all required parameters for the REST API.",
        });
        let body = json!({ "links": links, "status": 1, "error": error, "details": null });
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    };
    let mut failed = Vec::new();
    {
        let mut tenant = lock(&state.tenant);
        for login in &logins {
            if let Err(r) = remove_one(&state, &mut tenant, &caller, login, "remove-users-v2") {
                failed.push(
                    json!({ "userlogin": login, "errorcode": r.code, "errormessage": r.message }),
                );
            }
        }
    }
    let details = json!({
        "processed": logins.len(),
        "succeeded": logins.len() - failed.len(),
        "failed": failed.len(),
        "faileditems": if failed.is_empty() { Value::Null } else { Value::Array(failed) },
    });
    Json(json!({ "links": links, "status": 0, "error": null, "details": details })).into_response()
}

/// The logins of a well-formed v2 request: a non-empty `users` array of non-empty `userlogin`s.
fn requested_logins(body: &[u8]) -> Option<Vec<String>> {
    let request: Value = serde_json::from_slice(body).ok()?;
    let users = request.get("users")?.as_array().filter(|u| !u.is_empty())?;
    users
        .iter()
        .map(|u| {
            u.get("userlogin")?
                .as_str()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
        })
        .collect()
}

/// `POST /interop/rest/security/v1/users/list` with optional `userlogin`, `userattribute`,
/// `memberof`, `roles`; matches are case-insensitive and exact.
pub async fn list_users(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let links = json!({ "href": format!("{}/interop/rest/security/v1/users/list", state.base_url), "action": "POST" });
    let Some(filter) = ListFilter::parse(&body) else {
        let error = json!({
            "errorcode": "EPMCSS-21100",
            "errormessage": "Failed to list users. Invalid or insufficient parameters specified. Provide all required parameters for the REST API.",
        });
        let body = json!({ "links": links, "status": 1, "error": error, "details": null });
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    };
    let tenant = lock(&state.tenant);
    let users: Vec<Value> = tenant
        .epm_users()
        .filter(|u| filter.matches(u))
        .map(|u| {
            let mut v = json!({ "userlogin": u.userlogin, "firstname": u.firstname, "lastname": u.lastname, "email": u.email });
            if filter.memberof {
                v["memberof"] = json!([]);
            }
            if filter.roles {
                let role = if tenant.is_epm_admin(&u.userlogin) { "Service Administrator" } else { "User" };
                v["roles"] = json!([role]);
            }
            v
        })
        .collect();
    Json(json!({ "links": links, "status": 0, "error": null, "details": users })).into_response()
}

struct ListFilter {
    userlogin: Option<String>,
    attribute: Option<String>,
    memberof: bool,
    roles: bool,
}

impl ListFilter {
    fn parse(body: &[u8]) -> Option<ListFilter> {
        let request: Value = if body.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            serde_json::from_slice(body).ok()?
        };
        let text = |name: &str| match request.get(name) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.trim().to_lowercase())),
            _ => None,
        };
        let flag = |name: &str| match request.get(name) {
            None | Some(Value::Null) => Some(false),
            Some(v) => v.as_bool(),
        };
        request.is_object().then_some(())?;
        Some(ListFilter {
            userlogin: text("userlogin")?,
            attribute: text("userattribute")?,
            memberof: flag("memberof")?,
            roles: flag("roles")?,
        })
    }

    fn matches(&self, u: &EpmUser) -> bool {
        let login_ok = self
            .userlogin
            .as_ref()
            .is_none_or(|l| u.userlogin.to_lowercase() == *l);
        let attr_ok = self.attribute.as_ref().is_none_or(|a| {
            [&u.userlogin, &u.firstname, &u.lastname, &u.email]
                .iter()
                .any(|f| f.to_lowercase() == *a)
        });
        login_ok && attr_ok
    }
}
