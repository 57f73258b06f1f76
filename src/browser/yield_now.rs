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

/// The longest long work runs before letting the page paint and answer input, in ms. A step of such work (the
/// intake's, a results import's) takes a few ms (the longest, validating a large file's UTF-8 at once, about ten),
/// so no task comes near the 50 ms that makes a page feel stuck, and few enough yields are needed that they cost
/// little.
pub const SLICE_MS: f64 = 30.0;

/// Steps `work` until `step` says it is over (`true`), in slices of [`SLICE_MS`], yielding to the event loop
/// before each slice. `go_on` is asked before each slice (show the progress there) and stops the work by saying
/// `false`. Whether the work ran to its end.
pub async fn in_slices<T>(
    work: &mut T,
    mut step: impl FnMut(&mut T) -> bool,
    mut go_on: impl FnMut(&T) -> bool,
) -> bool {
    loop {
        yield_now().await;
        if !go_on(work) {
            return false;
        }
        let start = now_ms();
        while now_ms() - start < SLICE_MS {
            if step(work) {
                return true;
            }
        }
    }
}

/// The page's clock in milliseconds (`performance.now()`, or `Date.now()` without it).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}
