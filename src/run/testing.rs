//! Fakes for native tests of engines: a virtual clock with a tiny single-threaded executor that
//! jumps time forward whenever everything is waiting, and a scripted [`Http`].
//! Simulated minutes run in milliseconds.

use std::cell::{Cell, RefCell};
use std::cmp::{Ordering as Order, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::http::{Clock, Http, Method, NetError, Request, Response};

/// Where virtual time starts: 2023-11-14T22:13:20Z, in ms since the Unix epoch.
pub const EPOCH_START_MS: f64 = 1_700_000_000_000.0;

#[derive(Default)]
struct ClockState {
    now: Cell<f64>,
    /// Earliest deadline first; a run of thousands of requests keeps thousands of timeouts here.
    timers: RefCell<BinaryHeap<Reverse<Timer>>>,
}

struct Timer {
    deadline: f64,
    waker: Waker,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Order::Equal
    }
}

impl Eq for Timer {}

impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Order> {
        Some(self.cmp(other))
    }
}

impl Ord for Timer {
    fn cmp(&self, other: &Self) -> Order {
        self.deadline.total_cmp(&other.deadline)
    }
}

/// Time that passes only when every task is waiting on it. Clones share one timeline.
#[derive(Clone, Default)]
pub struct VirtualClock(Rc<ClockState>);

impl VirtualClock {
    /// A clock at [`EPOCH_START_MS`].
    pub fn new() -> Self {
        let clock = VirtualClock::default();
        clock.0.now.set(EPOCH_START_MS);
        clock
    }

    /// Ms elapsed since [`EPOCH_START_MS`].
    pub fn elapsed_ms(&self) -> f64 {
        self.0.now.get() - EPOCH_START_MS
    }

    /// Jumps to the earliest pending timer and wakes every task due then. False if none is pending.
    fn advance(&self) -> bool {
        let mut timers = self.0.timers.borrow_mut();
        let Some(Reverse(next)) = timers.peek() else {
            return false;
        };
        self.0.now.set(self.0.now.get().max(next.deadline));
        let now = self.0.now.get();
        let mut due = Vec::new();
        while timers.peek().is_some_and(|Reverse(t)| t.deadline <= now) {
            due.extend(timers.pop().map(|Reverse(t)| t.waker));
        }
        drop(timers);
        due.into_iter().for_each(Waker::wake);
        true
    }
}

/// Resolves when the virtual clock reaches its deadline.
pub struct Sleep {
    clock: VirtualClock,
    deadline: f64,
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.clock.0.now.get() >= self.deadline {
            return Poll::Ready(());
        }
        self.clock.0.timers.borrow_mut().push(Reverse(Timer {
            deadline: self.deadline,
            waker: cx.waker().clone(),
        }));
        Poll::Pending
    }
}

impl Clock for VirtualClock {
    fn now_ms(&self) -> f64 {
        self.0.now.get()
    }

    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        Sleep {
            clock: self.clone(),
            deadline: self.0.now.get() + ms as f64,
        }
    }
}

struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Runs `future` to completion on virtual time. Panics if it waits on something that is not a
/// timer of `clock` (a deadlock), or after `limit_ms` of simulated time.
pub fn block_on<T>(clock: &VirtualClock, limit_ms: f64, future: impl Future<Output = T>) -> T {
    let flag = Arc::new(Flag(AtomicBool::new(true)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        flag.0.store(false, Ordering::SeqCst);
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        if flag.0.load(Ordering::SeqCst) {
            continue;
        }
        assert!(
            clock.advance(),
            "deadlock: the future waits for something other than the clock"
        );
        assert!(
            clock.elapsed_ms() <= limit_ms,
            "still running after {limit_ms} ms of simulated time"
        );
    }
}

/// What the fake service does with one request.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// Simulated time before the answer (or the failure) arrives.
    pub latency_ms: u64,
    pub kind: ReplyKind,
}

/// The answer itself.
#[derive(Clone, Debug, PartialEq)]
pub enum ReplyKind {
    Answer(Response),
    Fail(NetError),
    /// Never answers (the engine's own timeout must fire).
    Hang,
}

impl Reply {
    /// An answer with `status` and an empty JSON body, after 100 ms.
    pub fn status(status: u16) -> Self {
        Reply {
            latency_ms: 100,
            kind: ReplyKind::Answer(Response::new(status, "{}")),
        }
    }

    /// No answer: the connection failed, after 100 ms.
    pub fn fail(error: NetError) -> Self {
        Reply {
            latency_ms: 100,
            kind: ReplyKind::Fail(error),
        }
    }

    /// No answer at all.
    pub fn hang() -> Self {
        Reply {
            latency_ms: 0,
            kind: ReplyKind::Hang,
        }
    }

    /// Sets the latency.
    pub fn after(mut self, ms: u64) -> Self {
        self.latency_ms = ms;
        self
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let ReplyKind::Answer(r) = &mut self.kind {
            r.headers.push((name.to_string(), value.to_string()));
        }
        self
    }

    /// Sets the response body.
    pub fn body(mut self, body: &str) -> Self {
        if let ReplyKind::Answer(r) = &mut self.kind {
            r.body = body.as_bytes().to_vec();
        }
        self
    }
}

/// One request as the fake service saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// Simulated ms since the start when it arrived.
    pub at_ms: f64,
    pub method: Method,
    pub url: String,
    /// The last path segment, or the one before an RSA action (`markDeleted`, `userStatus`):
    /// the user ID for RSA.
    pub user: String,
    /// The request body as text (empty without one).
    pub body: String,
    /// 1 for the first request naming this user.
    pub attempt: u32,
    pub authorization: Option<String>,
    /// When its answer was delivered, ms since the start; `None` while pending or never.
    pub answered_at_ms: Option<f64>,
}

type Script = Box<dyn Fn(&Call) -> Reply>;

/// A scripted service: `script` decides each reply from the call (user, attempt, time, credential).
pub struct FakeHttp {
    clock: VirtualClock,
    script: Script,
    calls: RefCell<Vec<Call>>,
    per_user: RefCell<HashMap<String, u32>>,
    in_flight: Rc<Cell<usize>>,
    max_in_flight: Cell<usize>,
}

impl FakeHttp {
    /// A service answering by `script`.
    pub fn new(clock: &VirtualClock, script: impl Fn(&Call) -> Reply + 'static) -> Self {
        FakeHttp {
            clock: clock.clone(),
            script: Box::new(script),
            calls: RefCell::new(Vec::new()),
            per_user: RefCell::new(HashMap::new()),
            in_flight: Rc::new(Cell::new(0)),
            max_in_flight: Cell::new(0),
        }
    }

    /// Every request received, in arrival order.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.borrow().clone()
    }

    /// Requests received naming `user`.
    pub fn calls_for(&self, user: &str) -> usize {
        self.calls
            .borrow()
            .iter()
            .filter(|c| c.user == user)
            .count()
    }

    /// The most requests that were ever waiting for an answer at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.get()
    }
}

/// The user a request names: its last path segment, or the one before an RSA per-user action.
fn user_of(url: &str) -> String {
    let mut segments = url.rsplit('/');
    let last = segments.next().unwrap_or_default();
    match last {
        "markDeleted" | "userStatus" => segments.next().unwrap_or_default().to_string(),
        _ => last.to_string(),
    }
}

/// Decrements the in-flight count however the request ends (answered, failed, or abandoned).
struct InFlightGuard(Rc<Cell<usize>>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

impl Http for FakeHttp {
    fn send(&self, req: Request) -> impl Future<Output = Result<Response, NetError>> {
        let user = user_of(&req.url);
        let attempt = {
            let mut per_user = self.per_user.borrow_mut();
            let n = per_user.entry(user.clone()).or_insert(0);
            *n += 1;
            *n
        };
        let call = Call {
            at_ms: self.clock.elapsed_ms(),
            method: req.method,
            url: req.url.clone(),
            user,
            body: String::from_utf8_lossy(req.body.as_deref().unwrap_or_default()).into_owned(),
            attempt,
            authorization: req
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                .map(|(_, v)| v.clone()),
            answered_at_ms: None,
        };
        let reply = (self.script)(&call);
        let index = {
            let mut calls = self.calls.borrow_mut();
            calls.push(call);
            calls.len() - 1
        };
        self.in_flight.set(self.in_flight.get() + 1);
        self.max_in_flight
            .set(self.max_in_flight.get().max(self.in_flight.get()));
        let guard = InFlightGuard(self.in_flight.clone());
        async move {
            let _guard = guard;
            match reply.kind {
                ReplyKind::Hang => std::future::pending().await,
                kind => {
                    self.clock.sleep(reply.latency_ms).await;
                    self.calls.borrow_mut()[index].answered_at_ms = Some(self.clock.elapsed_ms());
                    match kind {
                        ReplyKind::Answer(response) => Ok(response),
                        ReplyKind::Fail(error) => Err(error),
                        ReplyKind::Hang => unreachable!("handled above"),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::future::join;

    use super::*;

    #[test]
    fn simulated_time_jumps_straight_to_the_next_timer() {
        let clock = VirtualClock::new();
        let c = clock.clone();
        let order = RefCell::new(Vec::new());
        block_on(
            &clock,
            1e9,
            join(
                async {
                    c.sleep(5_000).await;
                    order.borrow_mut().push(("a", c.elapsed_ms()));
                },
                async {
                    c.sleep(60_000).await;
                    order.borrow_mut().push(("b", c.elapsed_ms()));
                },
            ),
        );
        assert_eq!(order.into_inner(), [("a", 5_000.0), ("b", 60_000.0)]);
    }

    #[test]
    fn the_fake_answers_after_its_latency_and_counts_attempts_per_user() {
        let clock = VirtualClock::new();
        let http = FakeHttp::new(&clock, |call| {
            if call.attempt == 1 {
                Reply::status(500).after(300)
            } else {
                Reply::status(200).after(50)
            }
        });
        let first = block_on(
            &clock,
            1e9,
            http.send(Request::new(Method::Delete, "https://x/users/u1")),
        );
        let second = block_on(
            &clock,
            1e9,
            http.send(Request::new(Method::Delete, "https://x/users/u1")),
        );
        assert_eq!((first.unwrap().status, second.unwrap().status), (500, 200));
        assert_eq!(clock.elapsed_ms(), 350.0);
        let calls = http.calls();
        assert_eq!(
            (calls[1].attempt, calls[1].answered_at_ms),
            (2, Some(350.0))
        );
        assert_eq!(http.calls_for("u1"), 2);
    }

    #[test]
    fn rsa_actions_count_towards_their_user() {
        let clock = VirtualClock::new();
        let http = FakeHttp::new(&clock, |_| Reply::status(200));
        for url in ["https://x/users/u1/userStatus", "https://x/users/u1"] {
            let req = Request::new(Method::Put, url).body("{}");
            block_on(&clock, 1e9, http.send(req)).unwrap();
        }
        let calls = http.calls();
        assert_eq!((calls[1].user.as_str(), calls[1].attempt), ("u1", 2));
        assert_eq!(
            (calls[0].body.as_str(), calls[1].body.as_str()),
            ("{}", "{}")
        );
    }

    #[test]
    #[should_panic(expected = "deadlock")]
    fn waiting_on_nothing_is_reported_instead_of_hanging() {
        let clock = VirtualClock::new();
        let http = FakeHttp::new(&clock, |_| Reply::hang());
        let _ = block_on(
            &clock,
            1e9,
            http.send(Request::new(Method::Delete, "https://x/users/u1")),
        );
    }
}
