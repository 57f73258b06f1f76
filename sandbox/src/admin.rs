//! Sandbox control endpoints under `/sandbox/` (not vendor APIs; no authentication).

use crate::clock::{lock, now_ms, now_secs};
use crate::demo::{EPM_IDENTITY_DOMAIN, EPM_PASSWORD, OAUTH_CLIENT_ID};
use crate::faults::FaultsUpdate;
use crate::jwt;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

/// The control routes, relative to `/sandbox`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/demo",
            get(|State(s): Shared| async move { Json(demo_info(&s)) }),
        )
        .route("/token", post(token))
        .route("/tenant", get(tenant))
        .route(
            "/audit",
            get(|State(s): Shared| async move { Json(lock(&s.audit).entries().to_vec()) }),
        )
        .route(
            "/requests",
            get(|State(s): Shared| async move { Json(lock(&s.requests).records().to_vec()) }),
        )
        .route(
            "/faults",
            get(|State(s): Shared| async move { Json(s.faults()) }).post(set_faults),
        )
        .route("/reset", post(reset))
        .route("/samples", get(sample_names))
        .route("/samples/{name}", get(sample))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such sandbox endpoint".into()) })
        .with_state(state)
}

/// The demo credentials: a fresh 60-minute JWT, the key file, the EPM account.
pub fn demo_info(state: &AppState) -> Value {
    let admin_url = state.admin_url();
    let user = lock(&state.tenant).epm_admin().to_string();
    let bearer = lock(&state.epm).demo_bearer.clone();
    json!({
        "url": state.base_url,
        "rsa": {
            "adminRestApiUrl": admin_url,
            "jwt": state.key.token(&admin_url, jwt::MAX_LIFETIME_SECS),
            "keyFile": state.key.key_file(&admin_url),
            "keyFilePath": state.key_file_path,
            "accessId": state.key.access_id,
            "oauthToken": state.key.oauth_token(&format!("{}/oauth2", state.base_url)),
            "oauthClientId": OAUTH_CLIENT_ID,
        },
        "epm": {
            "baseUrl": state.base_url,
            "user": user,
            "password": EPM_PASSWORD,
            "identityDomain": EPM_IDENTITY_DOMAIN,
            "bearer": bearer,
        },
    })
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// Parses an optional JSON body: empty means the default.
fn optional_json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TokenRequest {
    ttl_secs: Option<u64>,
    aud: Option<Value>,
    alg: Option<String>,
    sub: Option<String>,
    iat: Option<u64>,
    exp: Option<u64>,
}

/// `POST /sandbox/token`: a JWT signed with the demo key (claims overridable for tests) and a
/// fresh EPM access token.
async fn token(State(state): Shared, body: Bytes) -> Response {
    let req: TokenRequest = match optional_json(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let iat = req.iat.unwrap_or_else(now_secs);
    let exp = req
        .exp
        .unwrap_or(iat.saturating_add(req.ttl_secs.unwrap_or(jwt::MAX_LIFETIME_SECS)));
    let claims = json!({
        "sub": req.sub.unwrap_or_else(|| state.key.access_id.clone()),
        "aud": req.aud.unwrap_or_else(|| Value::String(state.admin_url())),
        "iat": iat,
        "exp": exp,
    });
    match jwt::mint(
        &state.key.private,
        req.alg.as_deref().unwrap_or("RS256"),
        &claims,
    ) {
        Ok(jwt) => {
            let bearer = lock(&state.epm).issue_bearer(now_ms());
            Json(json!({ "jwt": jwt, "epmBearer": bearer, "claims": claims })).into_response()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

async fn tenant(State(state): Shared) -> Json<Value> {
    let t = lock(&state.tenant);
    let rsa: Vec<_> = t.rsa_users().collect();
    let epm: Vec<_> = t.epm_users().collect();
    Json(json!({ "rsa": rsa, "epm": epm, "epmAdmin": t.epm_admin() }))
}

async fn set_faults(State(state): Shared, body: Bytes) -> Response {
    let update: FaultsUpdate = match optional_json(&body) {
        Ok(u) => u,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let mut faults = lock(&state.faults);
    match faults.apply(update) {
        Ok(()) => Json(faults.clone()).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    users: Option<usize>,
    seed: Option<u64>,
}

async fn reset(State(state): Shared, body: Bytes) -> Response {
    match optional_json::<ResetRequest>(&body) {
        Ok(r) => {
            state.reset(r.users, r.seed);
            Json(json!({ "reset": true })).into_response()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

async fn sample_names(State(state): Shared) -> Json<Vec<&'static str>> {
    Json(lock(&state.samples).iter().map(|s| s.name).collect())
}

async fn sample(State(state): Shared, Path(name): Path<String>) -> Response {
    match lock(&state.samples).iter().find(|s| s.name == name) {
        Some(s) => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            s.text.clone(),
        )
            .into_response(),
        None => error(StatusCode::NOT_FOUND, format!("no sample named {name}")),
    }
}
