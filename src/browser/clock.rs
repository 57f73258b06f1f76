//! [`Clock`] on `Date.now()` and `setTimeout`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

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
///
/// Dropped before then, it clears its timer. A run races every request against a timeout and
/// every pacer wait against the next answer; without that, each lost race left a pending timer
/// holding its promise and callbacks for the timeout's length (8,000 of them 40 s into a
/// 20,000-user run), and the page's garbage collector paused longer the more of them there were.
pub async fn sleep_ms(ms: u64) {
    Sleep::start(ms).await
}

/// A `setTimeout` as a future that clears the timeout when dropped unfinished.
struct Sleep {
    fired: JsFuture,
    /// The timeout's handle until it fires.
    timer: Option<i32>,
}

impl Sleep {
    fn start(ms: u64) -> Sleep {
        let mut timer = None;
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let delay = i32::try_from(ms).unwrap_or(i32::MAX);
            timer = web_sys::window().and_then(|window| {
                window
                    .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, delay)
                    .ok()
            });
        });
        Sleep {
            fired: JsFuture::from(promise),
            timer,
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        match Pin::new(&mut this.fired).poll(cx) {
            Poll::Ready(_) => {
                this.timer = None;
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let (Some(timer), Some(window)) = (self.timer.take(), web_sys::window()) {
            window.clear_timeout_with_handle(timer);
        }
    }
}
