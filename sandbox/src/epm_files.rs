//! EPM file transfer: Upload (chunked, never overwriting) and Delete Files.

use crate::bodies::epm_error;
use crate::clock::lock;
use crate::epm_api::{link, MAX_CHUNK};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The `q` parameter of an upload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChunkInfo {
    is_first: bool,
    is_last: bool,
    chunk_size: u64,
}

/// `POST /interop/rest/11.1.2.3.600/applicationsnapshots/{name}/contents?q={…}`.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let Some(info) = params
        .get("q")
        .and_then(|q| serde_json::from_str::<ChunkInfo>(q).ok())
    else {
        return epm_error(
            StatusCode::BAD_REQUEST,
            "Upload failed. The parameter q must be JSON with isFirst, isLast and chunkSize.",
        );
    };
    if body.len() > MAX_CHUNK || info.chunk_size > MAX_CHUNK as u64 {
        return epm_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Upload failed. A chunk must not exceed 52428800 bytes.",
        );
    }
    let mut store = lock(&state.epm);
    if store.files.contains_key(&name) {
        let details = format!(
            "Upload failed. File {name} already exists. Delete it or upload under another name."
        );
        return epm_error(StatusCode::CONFLICT, &details);
    }
    if info.is_first {
        store.uploads.insert(name.clone(), body.to_vec());
    } else if let Some(partial) = store.uploads.get_mut(&name) {
        partial.extend_from_slice(&body);
    } else {
        let details = format!("Upload failed. No upload of {name} is in progress: send the first chunk with isFirst true.");
        return epm_error(StatusCode::BAD_REQUEST, &details);
    }
    if info.is_last {
        let content = store.uploads.remove(&name).unwrap_or_default();
        store.files.insert(name.clone(), content);
    }
    let href = format!(
        "{}/interop/rest/11.1.2.3.600/applicationsnapshots/{}/contents",
        state.base_url,
        encode(&name)
    );
    Json(
        json!({ "status": 0, "details": null, "links": [link("self", href, Value::Null, "POST")] }),
    )
    .into_response()
}

/// `DELETE /interop/rest/11.1.2.3.600/applicationsnapshots/{name}`.
pub async fn delete_file(State(state): State<Arc<AppState>>, Path(name): Path<String>) -> Response {
    if lock(&state.epm).files.remove(&name).is_none() {
        let details = format!("Failed to delete file {name}. The file is not found.");
        return epm_error(StatusCode::NOT_FOUND, &details);
    }
    let href = format!(
        "{}/interop/rest/11.1.2.3.600/applicationsnapshots/{}",
        state.base_url,
        encode(&name)
    );
    Json(json!({ "status": 0, "links": [link("self", href, Value::Null, "DELETE")], "details": null })).into_response()
}

/// Characters escaped in a path segment or query value (RFC 3986 unreserved ones are kept).
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path segment or query value.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, ESCAPED).to_string()
}
