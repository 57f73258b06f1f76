//! Start-up: binding, the demo key, the router and the connection loop (which can drop a
//! connection, or under HTTP/2 a single request, on purpose).

use crate::admin::{self, demo_info};
use crate::audit::System;
use crate::config::Config;
use crate::cors::cors;
use crate::demo::DemoKey;
use crate::state::{AppState, RSA_API_PATH};
use crate::tls::Tls;
use crate::vendor::{guard, ConnKill, Guard};
use crate::{epm_api, rsa_api};
use axum::handler::HandlerWithoutStateExt;
use axum::http::{StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::io;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// A running sandbox.
pub struct Sandbox {
    /// `http://127.0.0.1:PORT`, or `https://…` with `--tls`.
    pub url: String,
    /// Its state (tenant, logs, faults), for in-process tests.
    pub state: Arc<AppState>,
    /// With `--tls`: the certificate's path and its SPKI SHA-256 (base64).
    pub tls: Option<(PathBuf, String)>,
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
    let scheme = if config.tls { "https" } else { "http" };
    let base_url = format!("{scheme}://127.0.0.1:{}", listener.local_addr()?.port());
    std::fs::create_dir_all(&config.data_dir)?;
    let tls = if config.tls {
        Some(Tls::load_or_create(&config.data_dir)?)
    } else {
        None
    };
    let dir = config.data_dir.clone();
    let key = tokio::task::spawn_blocking(move || DemoKey::load_or_create(&dir))
        .await
        .map_err(io::Error::other)??;
    let key_file_path =
        key.write_key_file(&config.data_dir, &format!("{base_url}{RSA_API_PATH}"))?;
    let state = Arc::new(AppState::new(config, base_url.clone(), key, key_file_path)?);
    let acceptor = tls.as_ref().map(|t| t.acceptor.clone());
    let task = tokio::spawn(serve(listener, app(state.clone()), acceptor));
    Ok(Sandbox {
        url: base_url,
        state,
        tls: tls.map(|t| (t.cert_path, t.spki_sha256)),
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

/// Serves connections: plain HTTP/1.1, or with `tls` HTTPS where ALPN picks HTTP/2 or HTTP/1.1.
/// A vendor call can drop its answer through [`ConnKill`].
async fn serve(listener: TcpListener, app: Router, tls: Option<TlsAcceptor>) {
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
        match &tls {
            None => tokio::spawn(serve_http1(stream, raw, app)),
            Some(acceptor) => tokio::spawn(serve_tls(acceptor.clone(), stream, raw, app)),
        };
    }
}

/// The TLS handshake, then HTTP/2 if the client chose `h2`, else HTTP/1.1.
async fn serve_tls(
    acceptor: TlsAcceptor,
    stream: TcpStream,
    raw: std::net::TcpStream,
    app: Router,
) {
    let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
    let Ok(Ok(stream)) = handshake.await else {
        return;
    };
    if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
        serve_http2(stream, app).await;
    } else {
        serve_http1(stream, raw, app).await;
    }
}

/// One HTTP/1.1 connection; a drop cuts the whole connection (there is one request at a time).
async fn serve_http1<S>(stream: S, raw: std::net::TcpStream, app: Router)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let kill = Arc::new(Notify::new());
    let handle = ConnKill(kill.clone());
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(handle.clone());
        app.clone().oneshot(req)
    });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => cut_mid_answer(&raw),
    }
}

/// One HTTP/2 connection. A drop resets only that request's stream (the service fails, so hyper
/// sends RST_STREAM): the browser reports a network error for it, and the other requests on the
/// connection go on.
async fn serve_http2<S>(stream: S, app: Router)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        let kill = Arc::new(Notify::new());
        req.extensions_mut().insert(ConnKill(kill.clone()));
        let answer = app.clone().oneshot(req);
        async move {
            tokio::select! {
                answer = answer => Ok(answer.unwrap_or_else(|never| match never {})),
                () = kill.notified() => Err(io::Error::other("answer dropped on purpose")),
            }
        }
    });
    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// The stream for hyper, and a second handle on the same socket to cut it with.
fn with_raw_handle(stream: TcpStream) -> Option<(TcpStream, std::net::TcpStream)> {
    let std = stream.into_std().ok()?;
    let raw = std.try_clone().ok()?;
    Some((TcpStream::from_std(std).ok()?, raw))
}

/// Drops a connection the way a failing network does: a few stray bytes, then the end. A
/// browser reports that as a network error (over TLS the bytes are not a valid record, so a TLS
/// error). (Closing before any byte of the answer would let Chrome resend the request by itself
/// on a reused connection, and the page would never hear of the first one.)
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
        let tls = match &self.tls {
            Some((path, spki)) => format!(
                "\nTLS: HTTP/2 and HTTP/1.1, a self-signed certificate for 127.0.0.1 and localhost\n  \
                   Certificate (PEM):  {}\n  \
                   SPKI SHA-256:       {spki}\n  \
                   Chromium:           --ignore-certificate-errors-spki-list={spki}\n",
                path.display()
            ),
            None => String::new(),
        };
        format!(
            "SANDBOX_URL={url}\n{tls}\
             \n\
             RSA Cloud Access Service (emulated)\n  \
               Admin REST API URL: {}\n  \
               Key file:           {}\n  \
               Access ID:          {}\n  \
               JWT (valid 60 min): {}\n  \
               OAuth access token: {} (API client {}, valid 2 h)\n\
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
            s(&rsa["oauthToken"]),
            s(&rsa["oauthClientId"]),
            s(&epm["user"]),
            s(&epm["identityDomain"]),
            s(&epm["user"]),
            s(&epm["password"]),
            s(&epm["bearer"]),
        )
    }
}
