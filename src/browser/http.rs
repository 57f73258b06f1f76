//! [`Http`] on the browser's `fetch`, through gloo-net.

use crate::run::{Http, Method, NetError, Request, Response};
use gloo_net::http::{Method as FetchMethod, RequestBuilder};
use wasm_bindgen::{closure::Closure, JsCast};

/// Sends requests with `fetch`, aborting any that takes longer than `timeout_ms`.
#[derive(Clone, Copy, Debug)]
pub struct FetchHttp {
    pub timeout_ms: u32,
}

impl Default for FetchHttp {
    fn default() -> Self {
        FetchHttp { timeout_ms: 60_000 }
    }
}

impl Http for FetchHttp {
    async fn send(&self, req: Request) -> Result<Response, NetError> {
        let abort =
            web_sys::AbortController::new().map_err(|e| NetError::Unreachable(format!("{e:?}")))?;
        let signal = abort.signal();
        let _deadline = Deadline::start(abort, self.timeout_ms);
        send(req, &signal).await.map_err(|e| {
            if signal.aborted() {
                NetError::Timeout
            } else {
                e
            }
        })
    }
}

/// Aborts a request after its timeout. Dropped (the request ended, or its future was dropped),
/// it clears the timer, so no timer outlives its request.
struct Deadline {
    timer: Option<i32>,
    _on_timeout: Closure<dyn FnMut()>,
}

impl Deadline {
    fn start(abort: web_sys::AbortController, timeout_ms: u32) -> Deadline {
        let on_timeout = Closure::once(move || abort.abort());
        let timer = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                on_timeout.as_ref().unchecked_ref(),
                i32::try_from(timeout_ms).unwrap_or(i32::MAX),
            )
            .ok()
        });
        Deadline {
            timer,
            _on_timeout: on_timeout,
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let (Some(timer), Some(window)) = (self.timer.take(), web_sys::window()) {
            window.clear_timeout_with_handle(timer);
        }
    }
}

async fn send(req: Request, signal: &web_sys::AbortSignal) -> Result<Response, NetError> {
    let method = match req.method {
        Method::Get => FetchMethod::GET,
        Method::Post => FetchMethod::POST,
        Method::Put => FetchMethod::PUT,
        Method::Delete => FetchMethod::DELETE,
    };
    let mut builder = RequestBuilder::new(&req.url)
        .method(method)
        .abort_signal(Some(signal));
    for (name, value) in &req.headers {
        builder = builder.header(name, value);
    }
    let request = match req.body {
        Some(body) => builder.body(js_sys::Uint8Array::from(body.as_slice())),
        None => builder.build(),
    }
    .map_err(|e| NetError::Unreachable(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| NetError::Unreachable(e.to_string()))?;
    let status = response.status();
    let headers = response.headers().entries().collect();
    let body = response
        .binary()
        .await
        .map_err(|e| NetError::Unreachable(e.to_string()))?;
    Ok(Response {
        status,
        headers,
        body,
    })
}
