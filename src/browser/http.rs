//! [`Http`] on the browser's `fetch`.

use super::clock::clear_timer;
use crate::run::{Http, NetError, Request, Response};
use js_sys::Uint8Array;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

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
        clear_timer(&mut self.timer);
    }
}

async fn send(req: Request, signal: &web_sys::AbortSignal) -> Result<Response, NetError> {
    let init = web_sys::RequestInit::new();
    init.set_method(req.method.as_str());
    init.set_signal(Some(signal));
    let headers = web_sys::Headers::new().map_err(failed)?;
    for (name, value) in &req.headers {
        headers.append(name, value).map_err(failed)?;
    }
    init.set_headers(&headers);
    if let Some(body) = &req.body {
        init.set_body(&Uint8Array::from(body.as_slice()));
    }
    let window = web_sys::window()
        .ok_or_else(|| NetError::Unreachable("there is no browser window".to_string()))?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(&req.url, &init))
            .await
            .map_err(failed)?
            .unchecked_into();
    let buffer = JsFuture::from(response.array_buffer().map_err(failed)?)
        .await
        .map_err(failed)?;
    Ok(Response {
        status: response.status(),
        headers: header_pairs(&response.headers()),
        body: Uint8Array::new(&buffer).to_vec(),
    })
}

/// What the browser said when a request failed: `TypeError: Failed to fetch`, for one.
fn failed(error: JsValue) -> NetError {
    NetError::Unreachable(match error.dyn_ref::<js_sys::Error>() {
        Some(error) => format!(
            "{}: {}",
            String::from(error.name()),
            String::from(error.message())
        ),
        None => error.as_string().unwrap_or_default(),
    })
}

/// `[name, value]` pairs from a `Headers` object.
fn header_pairs(headers: &JsValue) -> Vec<(String, String)> {
    let Ok(Some(pairs)) = js_sys::try_iter(headers) else {
        return Vec::new();
    };
    pairs
        .filter_map(|pair| {
            let pair: js_sys::Array = pair.ok()?.dyn_into().ok()?;
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}
