//! RSA runs in steps, and the one-request changes, against a scripted service on virtual time:
//! shared helpers here; removal in steps, changes (mark and the undos), resuming and random
//! faults in their own files.

mod changes;
mod faults;
mod removal;
mod resume;

use std::cell::RefCell;
use std::collections::HashSet;
use std::future::Future;

use futures::future::join;

use super::*;
use crate::rsa::delete::REMOVED;
use crate::rsa::fake_tenant::{FakeTenant, FakeUser};
use crate::rsa::run::run_rsa;
use crate::rsa::ApiBase;
use crate::run::testing::{block_on, Call, FakeHttp, Reply, VirtualClock, EPOCH_START_MS};
use crate::run::{
    Auth, Clock, Control, Method, Mode, NetError, Outcome, PacerSettings, PauseReason, PlanEntry,
    ResumePlan, RunEvent, RunSettings, UserResult,
};

const SIMULATED_LIMIT_MS: f64 = 4.0 * 3_600_000.0;
const USERS: &str = "https://acme.access.securid.com/AdminInterface/restapi/v1/users";

fn uid(n: usize) -> String {
    format!("{n:08x}-0000-4000-8000-00000000abcd")
}

fn plan(n: usize) -> Vec<PlanEntry> {
    (0..n)
        .map(|i| PlanEntry {
            row: i + 2,
            user: uid(i),
        })
        .collect()
}

fn user_no(call: &Call) -> usize {
    usize::from_str_radix(&call.user[..8], 16).unwrap()
}

/// What a request asks for: `disable`, `enable`, `mark`, `unmark` or `delete`.
fn kind(call: &Call) -> &'static str {
    match (call.method, call.url.rsplit('/').next().unwrap()) {
        (Method::Delete, _) => "delete",
        (_, "userStatus") if call.body.contains("Disabled") => "disable",
        (_, "userStatus") => "enable",
        (_, _) if call.body.contains("true") => "mark",
        (_, _) => "unmark",
    }
}

fn disable_first() -> RsaMode {
    RsaMode::Remove(StepMap::new(Steps {
        unmark: false,
        disable: true,
    }))
}

/// "Disabled, then removed: the user and all their devices were deleted …".
fn removed_after(trail: &str) -> String {
    format!("{trail}, then r{}", &REMOVED[1..])
}

struct Ran {
    results: Vec<UserResult>,
    events: Vec<(f64, RunEvent)>,
    http: FakeHttp,
    control: Control,
}

impl Ran {
    /// Each entry has one result and one Result event, every request was counted, and none
    /// was sent after its user's outcome was known.
    fn assert_accounted(&self, plan: &[PlanEntry]) {
        assert_eq!(self.results.len(), plan.len());
        for (entry, result) in plan.iter().zip(&self.results) {
            assert_eq!((result.row, &result.user), (entry.row, &entry.user));
            let events = self
                .events
                .iter()
                .filter(|(_, e)| matches!(e, RunEvent::Result(r) if r.row == entry.row))
                .count();
            assert_eq!(events, 1, "row {} reported {events} times", entry.row);
            let calls = self.calls_of(entry);
            assert_eq!(calls.len() as u32, result.attempts, "row {}", entry.row);
            let known_at = result.at_ms - EPOCH_START_MS;
            assert!(
                calls.iter().all(|c| c.at_ms <= known_at),
                "row {}",
                entry.row
            );
        }
    }

    fn calls_of(&self, entry: &PlanEntry) -> Vec<Call> {
        let calls = self.http.calls().into_iter();
        calls.filter(|c| c.user == entry.user).collect()
    }

    /// (kind, credential) of each request for `entry`, in order.
    fn asked(&self, entry: &PlanEntry) -> Vec<(&'static str, String)> {
        self.calls_of(entry)
            .iter()
            .map(|c| (kind(c), c.authorization.clone().unwrap_or_default()))
            .collect()
    }

    fn said(&self, i: usize) -> (Outcome, &str) {
        (
            self.results[i].outcome.clone(),
            self.results[i].message.as_str(),
        )
    }
}

fn run_work<A, Fut>(
    work: ResumePlan<'_>,
    mode: RsaMode,
    settings: RunSettings,
    script: impl Fn(&Call) -> Reply + 'static,
    actor: A,
) -> Ran
where
    A: FnOnce(VirtualClock, Control) -> Fut,
    Fut: Future<Output = ()>,
{
    let clock = VirtualClock::new();
    let http = FakeHttp::new(&clock, script);
    let control = Control::new(Auth::Bearer("old".into()));
    let events = RefCell::new(Vec::new());
    let mut on_event = |e: RunEvent| events.borrow_mut().push((clock.elapsed_ms(), e));
    let job = RsaJob {
        base: ApiBase::parse("https://acme.access.securid.com").unwrap(),
        mode,
    };
    let engine = run_rsa(
        work,
        &job,
        &http,
        &clock,
        &control,
        &settings,
        &mut on_event,
    );
    let (results, ()) = block_on(
        &clock,
        SIMULATED_LIMIT_MS,
        join(engine, actor(clock.clone(), control.clone())),
    );
    Ran {
        results,
        events: events.into_inner(),
        http,
        control,
    }
}

fn run<A, Fut>(
    plan: &[PlanEntry],
    mode: RsaMode,
    script: impl Fn(&Call) -> Reply + 'static,
    actor: A,
) -> Ran
where
    A: FnOnce(VirtualClock, Control) -> Fut,
    Fut: Future<Output = ()>,
{
    let none = HashSet::new();
    let work = ResumePlan {
        plan,
        unanswered: &none,
    };
    run_work(work, mode, RunSettings::default(), script, actor)
}

async fn nothing(_: VirtualClock, _: Control) {}

fn cancel_at(
    ms: u64,
) -> impl FnOnce(VirtualClock, Control) -> std::pin::Pin<Box<dyn Future<Output = ()>>> {
    move |clock, control| {
        Box::pin(async move {
            clock.sleep(ms).await;
            control.cancel();
        })
    }
}
