//! Start-up: binding, the demo key, the router and the connection loop (which can drop a
//! connection on purpose).

use crate::admin::{self, demo_info};
use crate::audit::System;
use crate::config::Config;
use crate::cors::cors;
use crate::demo::DemoKey;
use crate::state::{AppState, RSA_API_PATH};
use crate::vendor::{guard, ConnKill, Guard};
use crate::{epm_api, rsa_api};
use axum::handler::HandlerWithoutStateExt;
use axum::http::{StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::io;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// A running sandbox.
pub struct Sandbox {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its state (tenant, logs, faults), for in-process tests.
    pub state: Arc<AppState>,
    task: JoinHandle<()>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds 127.0.0.1, loads or creates the demo key, seeds the tenant and starts serving.
pub async fn start(config: Config) -> io::Result<Sandbox> {
    config
        .validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
    let base_url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    std::fs::create_dir_all(&config.data_dir)?;
    let dir = config.data_dir.clone();
    let key = tokio::task::spawn_blocking(move || DemoKey::load_or_create(&dir))
        .await
        .map_err(io::Error::other)??;
    let key_file_path =
        key.write_key_file(&config.data_dir, &format!("{base_url}{RSA_API_PATH}"))?;
    let state = Arc::new(AppState::new(config, base_url.clone(), key, key_file_path)?);
    let task = tokio::spawn(serve(listener, app(state.clone())));
    Ok(Sandbox {
        url: base_url,
        state,
        task,
    })
}

/// The whole application: vendor APIs behind their gate, control endpoints, the panel.
pub fn app(state: Arc<AppState>) -> Router {
    let gate = |system| {
        from_fn_with_state(
            Guard {
                state: state.clone(),
                system,
            },
            guard,
        )
    };
    let panel = ServeDir::new(&state.config.dist).fallback(no_panel.into_service());
    Router::new()
        .nest(
            RSA_API_PATH,
            rsa_api::router(state.clone()).layer(gate(System::Rsa)),
        )
        .nest(
            "/interop/rest",
            epm_api::router(state.clone()).layer(gate(System::Epm)),
        )
        .nest("/sandbox", admin::router(state.clone()))
        .fallback_service(panel)
        .layer(from_fn_with_state(state, cors))
}

async fn no_panel(uri: Uri) -> Response {
    if uri.path() != "/" {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    Html(
        "<!doctype html><meta charset=utf-8><title>Offboard sandbox</title>\
         <p>The panel is not built here (run <code>trunk build</code>, or pass <code>--dist</code>).</p>\
         <p>Demo credentials: <a href=\"/sandbox/demo\">/sandbox/demo</a></p>",
    )
    .into_response()
}

/// Serves HTTP/1.1 connections; a request can close its own connection through [`ConnKill`].
async fn serve(listener: TcpListener, app: Router) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let app = app.clone();
        let Some((stream, raw)) = with_raw_handle(stream) else {
            continue;
        };
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let handle = ConnKill(kill.clone());
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(handle.clone());
                app.clone().oneshot(req)
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => cut_mid_answer(&raw),
            }
        });
    }
}

/// The stream for hyper, and a second handle on the same socket to cut it with.
fn with_raw_handle(stream: TcpStream) -> Option<(TcpStream, std::net::TcpStream)> {
    let std = stream.into_std().ok()?;
    let raw = std.try_clone().ok()?;
    Some((TcpStream::from_std(std).ok()?, raw))
}

/// Drops a connection the way a failing network does: a few stray bytes, then the end. A
/// browser reports that as a network error. (Closing before any byte of the answer would let
/// Chrome resend the request by itself on a reused connection, and the page would never hear
/// of the first one.)
fn cut_mid_answer(raw: &std::net::TcpStream) {
    use std::io::Write;
    let mut raw = raw;
    let _ = raw.write_all(b"\x00 cut\r\n");
    let _ = raw.shutdown(std::net::Shutdown::Both);
}

impl Sandbox {
    /// The start-up text: first line `SANDBOX_URL=…`, then the demo credentials.
    pub fn banner(&self) -> String {
        let d = demo_info(&self.state);
        let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        let (rsa, epm) = (&d["rsa"], &d["epm"]);
        let url = &self.url;
        let data = self.state.config.data_dir.display();
        format!(
            "SANDBOX_URL={url}\n\
             \n\
             RSA Cloud Access Service (emulated)\n  \
               Admin REST API URL: {}\n  \
               Key file:           {}\n  \
               Access ID:          {}\n  \
               JWT (valid 60 min): {}\n\
             \n\
             Oracle EPM Cloud (emulated)\n  \
               Base URL:           {url}\n  \
               Basic user:         {} (or {}.{})\n  \
               Password:           {}\n  \
               Bearer token:       {}\n\
             \n\
             Sample CSVs: {data}/samples/ (also {url}/sandbox/samples/<name>)\n\
             Control:     {url}/sandbox/demo, /sandbox/token, /sandbox/faults, /sandbox/audit, /sandbox/reset\n",
            s(&rsa["adminRestApiUrl"]),
            self.state.key_file_path.display(),
            s(&rsa["accessId"]),
            s(&rsa["jwt"]),
            s(&epm["user"]),
            s(&epm["identityDomain"]),
            s(&epm["user"]),
            s(&epm["password"]),
            s(&epm["bearer"]),
        )
    }
}
