//! Giving the event loop a turn in the middle of long work, so the page keeps painting and answering input.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// Resolves in a new task, after the browser had the chance to paint and handle input. Uses a `MessageChannel`
/// message, which (unlike `setTimeout(0)`) is not clamped to 4 ms when repeated.
pub async fn yield_now() {
    let promise = js_sys::Promise::new(
        &mut |resolve, _reject| match web_sys::MessageChannel::new() {
            Ok(channel) => {
                channel.port1().set_onmessage(Some(&resolve));
                if channel.port2().post_message(&JsValue::UNDEFINED).is_err() {
                    let _ = resolve.call0(&JsValue::UNDEFINED);
                }
            }
            Err(_) => {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        },
    );
    let _ = JsFuture::from(promise).await;
}

/// The page's clock in milliseconds (`performance.now()`, or `Date.now()` without it).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}
