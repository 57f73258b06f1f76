//! The gate every vendor API call passes: request log, 429 storm, authentication, the rate limit
//! per verified credential (refusals and 429s answer at once, as a gateway's would), then
//! latency, dropped connections and injected 500s.

use crate::audit::{RequestRecord, System};
use crate::bodies::{internal_error, too_many};
use crate::clock::{lock, now_ms};
use crate::state::AppState;
use crate::{epm_auth, rsa_api};
use axum::extract::{OriginalUri, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Request extension that drops the request's answer: HTTP/1.1 closes the connection, HTTP/2
/// resets the request's stream.
#[derive(Clone)]
pub struct ConnKill(pub Arc<Notify>);

/// Middleware state: the server and the vendor the routes belong to.
#[derive(Clone)]
pub struct Guard {
    /// The server.
    pub state: Arc<AppState>,
    /// The vendor.
    pub system: System,
}

/// The middleware.
pub async fn guard(State(g): State<Guard>, mut req: Request, next: Next) -> Response {
    let epm = g.system == System::Epm;
    let arrival = now_ms();
    let uri = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().clone(), |o| o.0.clone());
    let record = RequestRecord {
        seq: 0,
        system: g.system,
        method: req.method().to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(String::from),
        status: None,
        dropped: false,
        at: arrival,
    };
    let seq = lock(&g.state.requests).push(record);
    let faults = g.state.faults();
    let kill = req.extensions().get::<ConnKill>().cloned();
    let response = 'answer: {
        if let Some(until) = faults.storm429_until.filter(|u| *u > arrival) {
            break 'answer too_many(epm, (until - arrival).div_ceil(1000), faults.retry_after);
        }
        // The bucket is the verified credential's, so that no one else's calls can drain it.
        let key = match g.system {
            System::Rsa => match rsa_api::authorize(&g.state, req.headers()) {
                Ok(access_id) => format!("rsa:{access_id}"),
                Err(why) => break 'answer rsa_api::refusal(&why),
            },
            System::Epm => match epm_auth::authenticate(&g.state, req.headers()) {
                Ok(caller) => {
                    let key = format!("epm:{}", caller.credential);
                    req.extensions_mut().insert(caller);
                    key
                }
                Err(why) => break 'answer epm_auth::refusal(why),
            },
        };
        if let Err(wait) =
            lock(&g.state.limiter).check(&key, faults.rate, faults.burst, Instant::now())
        {
            break 'answer too_many(epm, wait, faults.retry_after);
        }
        let delay = faults.sample_latency_ms();
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        let drop = rand::random::<f64>() < faults.drop_rate;
        if drop && !faults.drop_after {
            return drop_connection(&g.state, seq, arrival, kill).await;
        }
        let fail = rand::random::<f64>() < faults.fail_rate;
        if fail && !faults.fail_after {
            break 'answer internal_error(epm);
        }
        let response = next.run(req).await;
        if drop {
            return drop_connection(&g.state, seq, arrival, kill).await;
        }
        if fail {
            break 'answer internal_error(epm);
        }
        response
    };
    lock(&g.state.requests).finish(seq, arrival, Some(response.status().as_u16()));
    response
}

async fn drop_connection(
    state: &AppState,
    seq: u64,
    arrival: u64,
    kill: Option<ConnKill>,
) -> Response {
    lock(&state.requests).finish(seq, arrival, None);
    match kill {
        Some(ConnKill(notify)) => {
            notify.notify_one();
            std::future::pending().await
        }
        None => internal_error(false),
    }
}
