//! [`Clock`] on `Date.now()` and `setTimeout`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::run::Clock;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

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
/// A run sleeps several times per request (its pacer, its retries, each request's timeout), so a
/// sleep costs the page as little as it can: one `setTimeout` calling one shared callback with the
/// sleep's number, no promise and no callback of its own. Dropped before its time, a sleep clears
/// its timer: a lost race (a request's timeout, a pacer's wait) leaves nothing pending in the page.
pub async fn sleep_ms(ms: u64) {
    Sleep::start(ms).await
}

/// Sleeps started and not yet ended, by number: whether each has fired, and who waits for it.
#[derive(Default)]
struct Timers {
    next: u32,
    waiting: HashMap<u32, (bool, Option<Waker>)>,
}

thread_local! {
    static TIMERS: RefCell<Timers> = RefCell::default();
    /// The callback every sleep's `setTimeout` calls, with the sleep's number.
    static ON_TIMER: Closure<dyn FnMut(u32)> = Closure::new(|id: u32| {
        let waker = TIMERS.with(|t| {
            let mut timers = t.borrow_mut();
            let (fired, waker) = timers.waiting.get_mut(&id)?;
            *fired = true;
            waker.take()
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    });
}

/// A `setTimeout` as a future that clears the timeout when dropped unfinished.
struct Sleep {
    id: u32,
    /// The timeout's handle until it fires (`None` without a window: the sleep never ends).
    timer: Option<i32>,
}

impl Sleep {
    fn start(ms: u64) -> Sleep {
        let id = TIMERS.with(|t| {
            let mut timers = t.borrow_mut();
            let id = timers.next;
            timers.next = id.wrapping_add(1);
            timers.waiting.insert(id, (false, None));
            id
        });
        let delay = i32::try_from(ms).unwrap_or(i32::MAX);
        let timer = web_sys::window().and_then(|window| {
            ON_TIMER.with(|on_timer| {
                window
                    .set_timeout_with_callback_and_timeout_and_arguments_1(
                        on_timer.as_ref().unchecked_ref(),
                        delay,
                        &JsValue::from(id),
                    )
                    .ok()
            })
        });
        Sleep { id, timer }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let id = self.id;
        let fired = TIMERS.with(|t| {
            let mut timers = t.borrow_mut();
            match timers.waiting.get_mut(&id) {
                Some((true, _)) | None => true,
                Some((false, waker)) => {
                    *waker = Some(cx.waker().clone());
                    false
                }
            }
        });
        if fired {
            self.timer = None;
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        TIMERS.with(|t| t.borrow_mut().waiting.remove(&self.id));
        clear_timer(&mut self.timer);
    }
}

/// Clears a `setTimeout` that has not fired yet (`None`: it fired, or there was no window).
pub(super) fn clear_timer(timer: &mut Option<i32>) {
    if let (Some(timer), Some(window)) = (timer.take(), web_sys::window()) {
        window.clear_timeout_with_handle(timer);
    }
}
