//! [`Clock`] on `Date.now()` and `setTimeout`.

use crate::run::Clock;
use wasm_bindgen_futures::JsFuture;

/// The browser's wall clock; sleeps yield to the event loop.
#[derive(Clone, Copy, Debug, Default)]
pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    async fn sleep(&self, ms: u64) {
        sleep_ms(ms).await
    }
}

/// Resolves after `ms` milliseconds (0 yields to the event loop once).
pub async fn sleep_ms(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let delay = i32::try_from(ms).unwrap_or(i32::MAX);
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, delay);
        }
    });
    let _ = JsFuture::from(promise).await;
}
