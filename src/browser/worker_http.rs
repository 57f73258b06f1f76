//! [`Http`] through a dedicated worker (`fetch_worker.js`), for runs.
//!
//! A run sends tens of thousands of requests. Sent from the page, each left promises, a
//! response, an abort timer and wasm-bindgen callbacks in the page's heap, and the page's
//! garbage collector paused the progress display for 30 to 70 ms at a time. From a worker,
//! the page only posts a message and reads one back.
//!
//! If the worker cannot start (its file missing, workers blocked), requests it never received
//! go through [`FetchHttp`] instead.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use js_sys::{Array, Uint8Array};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

use super::FetchHttp;
use crate::run::{Http, NetError, Request, Response};

/// The worker's file, next to the panel's (Trunk copies it from `src/browser/`). Its name has no
/// content hash, so the URL names the message format: a browser holding the file of an older
/// build in its cache fetches this one instead of talking to the old worker in the old format.
pub const FETCH_WORKER: &str = "fetch_worker.js?format=2";

/// Sends requests from a worker, aborting any that takes longer than its timeout.
#[derive(Clone)]
pub struct WorkerHttp {
    shared: Rc<Shared>,
    fallback: FetchHttp,
}

struct Shared {
    worker: Option<web_sys::Worker>,
    next_id: Cell<u32>,
    /// Requests posted to the worker and not answered yet, by id.
    pending: RefCell<HashMap<u32, Rc<RefCell<Slot>>>>,
    /// Whether the worker has answered a request: before that, an error means it never ran.
    answered: Cell<bool>,
    /// The worker failed: later requests go through the fallback.
    broken: Cell<bool>,
    handlers: RefCell<Vec<Handler>>,
}

/// A callback the worker calls: `onmessage` or `onerror`.
type Handler = Closure<dyn FnMut(JsValue)>;

#[derive(Default)]
struct Slot {
    answer: Option<Answer>,
    waker: Option<Waker>,
}

enum Answer {
    Done(Result<Response, NetError>),
    /// The worker never ran, so the request was not sent.
    NotSent,
}

impl WorkerHttp {
    /// Starts a worker from `script_url`, giving each request `timeout_ms`.
    pub fn start(script_url: &str, timeout_ms: u32) -> WorkerHttp {
        let worker = web_sys::Worker::new(script_url).ok();
        let shared = Rc::new(Shared {
            worker,
            next_id: Cell::new(0),
            pending: RefCell::default(),
            answered: Cell::new(false),
            broken: Cell::new(false),
            handlers: RefCell::default(),
        });
        if let Some(worker) = &shared.worker {
            let on_message = handler(&shared, Shared::on_message);
            let on_error = handler(&shared, |shared, _| shared.on_error());
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            shared.handlers.borrow_mut().extend([on_message, on_error]);
        }
        WorkerHttp {
            shared,
            fallback: FetchHttp { timeout_ms },
        }
    }

    /// Whether requests go through the worker: it has answered one and has not failed.
    pub fn through_worker(&self) -> bool {
        self.shared.answered.get() && !self.shared.broken.get()
    }

    /// The page's worker for runs: [`FETCH_WORKER`], with [`FetchHttp`]'s default timeout,
    /// started by the first run and kept for the next ones.
    pub fn for_run() -> WorkerHttp {
        thread_local! {
            static RUN_WORKER: WorkerHttp =
                WorkerHttp::start(FETCH_WORKER, FetchHttp::default().timeout_ms);
        }
        RUN_WORKER.with(WorkerHttp::clone)
    }
}

/// A callback holding the shared state weakly (the state holds the callback).
fn handler(shared: &Rc<Shared>, on: impl Fn(&Shared, JsValue) + 'static) -> Handler {
    let shared: Weak<Shared> = Rc::downgrade(shared);
    Closure::new(move |event: JsValue| {
        if let Some(shared) = shared.upgrade() {
            on(&shared, event);
        }
    })
}

impl Shared {
    fn on_message(&self, event: JsValue) {
        let data = Array::from(&event.unchecked_into::<web_sys::MessageEvent>().data());
        let Some(id) = data.get(0).as_f64() else {
            return;
        };
        self.answered.set(true);
        if let Some(slot) = self.pending.borrow_mut().remove(&(id as u32)) {
            fill(&slot, Answer::Done(read_answer(&data)));
        }
    }

    fn on_error(&self) {
        self.broken.set(true);
        let never_ran = !self.answered.get();
        for (_, slot) in self.pending.borrow_mut().drain() {
            fill(
                &slot,
                if never_ran {
                    Answer::NotSent
                } else {
                    Answer::Done(Err(NetError::Unreachable(
                        "the page's request worker stopped".to_string(),
                    )))
                },
            );
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(worker) = &self.worker {
            worker.set_onmessage(None);
            worker.set_onerror(None);
            worker.terminate();
        }
    }
}

fn fill(slot: &RefCell<Slot>, answer: Answer) {
    let waker = {
        let mut slot = slot.borrow_mut();
        slot.answer = Some(answer);
        slot.waker.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// The worker's answer: `[id, status, headers, body]` or `[id, -1, error, timed out]`.
fn read_answer(data: &Array) -> Result<Response, NetError> {
    let status = data.get(1).as_f64().unwrap_or(-1.0);
    if status < 0.0 {
        return Err(if data.get(3).is_truthy() {
            NetError::Timeout
        } else {
            NetError::Unreachable(data.get(2).as_string().unwrap_or_default())
        });
    }
    Ok(Response {
        status: status as u16,
        headers: header_lines(&data.get(2).as_string().unwrap_or_default()),
        body: Uint8Array::new(&data.get(3)).to_vec(),
    })
}

/// Headers written as `name\nvalue\nname\nvalue` (no header holds a line break).
fn header_lines(text: &str) -> Vec<(String, String)> {
    let mut lines = text.split('\n');
    std::iter::from_fn(|| Some((lines.next()?.to_string(), lines.next()?.to_string()))).collect()
}

/// The message for one request (see `fetch_worker.js`).
fn message(id: u32, req: &Request, timeout_ms: u32) -> Array {
    let mut headers = String::new();
    for (name, value) in &req.headers {
        if !headers.is_empty() {
            headers.push('\n');
        }
        headers.push_str(name);
        headers.push('\n');
        headers.push_str(value);
    }
    let body = match &req.body {
        Some(body) => Uint8Array::from(body.as_slice()).into(),
        None => JsValue::UNDEFINED,
    };
    [
        JsValue::from(id),
        JsValue::from_str(&req.url),
        JsValue::from_str(req.method.as_str()),
        JsValue::from_str(&headers),
        body,
        JsValue::from(timeout_ms),
    ]
    .into_iter()
    .collect()
}

/// Waits for a slot's answer; dropped first, it forgets the request.
struct Wait<'a> {
    shared: &'a Shared,
    id: u32,
    slot: Rc<RefCell<Slot>>,
}

impl Future for Wait<'_> {
    type Output = Answer;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Answer> {
        let mut slot = self.slot.borrow_mut();
        match slot.answer.take() {
            Some(answer) => Poll::Ready(answer),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        self.shared.pending.borrow_mut().remove(&self.id);
    }
}

impl Http for WorkerHttp {
    async fn send(&self, req: Request) -> Result<Response, NetError> {
        let shared = &*self.shared;
        let worker = match &shared.worker {
            Some(worker) if !shared.broken.get() => worker,
            _ => return self.fallback.send(req).await,
        };
        let id = shared.next_id.get();
        shared.next_id.set(id.wrapping_add(1));
        let slot = Rc::new(RefCell::new(Slot::default()));
        shared.pending.borrow_mut().insert(id, slot.clone());
        let wait = Wait { shared, id, slot };
        if worker
            .post_message(&message(id, &req, self.fallback.timeout_ms))
            .is_err()
        {
            drop(wait);
            return self.fallback.send(req).await;
        }
        match wait.await {
            Answer::Done(result) => result,
            Answer::NotSent => self.fallback.send(req).await,
        }
    }
}
