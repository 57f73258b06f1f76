//! Remove Users from an Identity Domain (v1): an asynchronous job over an uploaded CSV file,
//! and its Job Status resource.

use crate::bodies::epm_error;
use crate::clock::lock;
use crate::epm_api::{link, remove_one};
use crate::epm_auth::EpmCaller;
use crate::epm_csv::parse_logins;
use crate::epm_files::encode;
use crate::epm_store::{FailedItem, JobState};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TICK: Duration = Duration::from_millis(20);

/// `DELETE /interop/rest/security/v1/users?filename=…`: starts a job, answers `status: -1`.
pub async fn remove_v1(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<EpmCaller>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(filename) = params
        .get("filename")
        .map(|f| f.trim())
        .filter(|f| !f.is_empty())
    else {
        return epm_error(
            StatusCode::BAD_REQUEST,
            "Failed to remove users. Invalid or insufficient parameters specified. Provide all required parameters for the REST API.",
        );
    };
    let (job_id, generation, content) = {
        let mut store = lock(&state.epm);
        let content = store.files.get(filename).cloned();
        (store.start_job(filename), store.generation, content)
    };
    let fail_midway = lock(&state.faults).take_job_failure();
    let outcome = match content.map(|bytes| parse_logins(&bytes)) {
        None => Some(format!("Failed to remove users. Input file {filename} is not found. Specify a valid file name.")),
        Some(Err(_)) => Some(format!(
            "Failed to remove users. Input file {filename} is not valid: its first line must be the header User Login."
        )),
        Some(Ok(logins)) => {
            let run = JobRun { job_id, generation, logins, caller, fail_midway };
            tokio::spawn(run_job(state.clone(), run));
            None
        }
    };
    if let Some(details) = outcome {
        finish(
            &state,
            job_id,
            generation,
            JobState::Done {
                status: 1,
                details,
                items: None,
            },
        );
    }
    let base = &state.base_url;
    let links = [
        link(
            "self",
            format!(
                "{base}/interop/rest/security/v1/users?filename={}",
                encode(filename)
            ),
            json!({ "jobType": "REMOVE_USERS", "filename": filename }),
            "DELETE",
        ),
        link("Job Status", job_href(&state, job_id), Value::Null, "GET"),
    ];
    Json(json!({ "links": links, "details": null, "status": -1, "items": null })).into_response()
}

/// `GET /interop/rest/security/v1/jobs/{jobId}`.
pub async fn job_status(
    State(state): State<Arc<AppState>>,
    Path(job_id): Path<String>,
) -> Response {
    let found = job_id
        .parse::<u64>()
        .ok()
        .and_then(|id| Some((id, lock(&state.epm).jobs.get(&id)?.clone())));
    let Some((id, job)) = found else {
        return epm_error(
            StatusCode::NOT_FOUND,
            &format!("Job {job_id} is not found."),
        );
    };
    let links = [link("self", job_href(&state, id), Value::Null, "GET")];
    let body = match job.state {
        JobState::Running => {
            json!({ "links": links, "details": null, "status": -1, "items": null })
        }
        JobState::Done {
            status,
            details,
            items,
        } => {
            json!({ "links": links, "details": details, "status": status, "items": items })
        }
    };
    Json(body).into_response()
}

fn job_href(state: &AppState, job_id: u64) -> String {
    format!("{}/interop/rest/security/v1/jobs/{job_id}", state.base_url)
}

/// What a running job needs.
struct JobRun {
    job_id: u64,
    generation: u64,
    logins: Vec<String>,
    caller: EpmCaller,
    fail_midway: bool,
}

/// Removes the users at the configured speed; with `fail_midway`, stops failed after half.
async fn run_job(state: Arc<AppState>, run: JobRun) {
    let JobRun {
        job_id,
        generation,
        logins,
        caller,
        fail_midway,
    } = run;
    let total = logins.len();
    let stop_at = if fail_midway { total / 2 } else { total };
    let started = Instant::now();
    let (mut processed, mut items) = (0, Vec::new());
    loop {
        let rate = state.faults().epm_users_per_sec;
        let due = if rate <= 0.0 {
            stop_at
        } else {
            ((started.elapsed().as_secs_f64() * rate) as usize).min(stop_at)
        };
        if due > processed {
            let mut tenant = lock(&state.tenant);
            if lock(&state.epm).generation != generation {
                return;
            }
            for login in &logins[processed..due] {
                if let Err(refusal) =
                    remove_one(&state, &mut tenant, &caller, login, "remove-users-v1")
                {
                    items.push(FailedItem {
                        user_name: login.clone(),
                        error_details: refusal.message,
                    });
                }
            }
            processed = due;
        }
        if processed >= stop_at {
            break;
        }
        tokio::time::sleep(TICK).await;
    }
    let done = if fail_midway {
        let details = format!(
            "Failed to remove users. An internal error occurred after processing {processed} of {total} users."
        );
        JobState::Done {
            status: 1,
            details,
            items: None,
        }
    } else {
        let failed = items.len();
        let details = format!(
            "Processed - {total}, Succeeded - {}, Failed - {failed}.",
            total - failed
        );
        JobState::Done {
            status: 0,
            details,
            items: Some(items),
        }
    };
    finish(&state, job_id, generation, done);
}

fn finish(state: &AppState, job_id: u64, generation: u64, outcome: JobState) {
    let mut store = lock(&state.epm);
    if store.generation == generation {
        if let Some(job) = store.jobs.get_mut(&job_id) {
            job.state = outcome;
        }
    }
}
