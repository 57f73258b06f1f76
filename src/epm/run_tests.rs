//! The v1 driver against the fake tenant, on virtual time.

use std::cell::RefCell;
use std::collections::HashSet;

use futures::future::join;

use crate::run::testing::{block_on, VirtualClock};
use crate::run::{
    Auth, BatchStage, Clock, Control, Method, Mode, NetError, Outcome, PauseReason, Response,
    RunEvent, UserResult,
};

use super::batch::login_key;
use super::service::{Epm, EpmConfig};
use super::testing::{assert_one_result_each, plan, FakeEpm, GOOD_AUTH};
use super::url::EpmBase;

fn admin() -> Auth {
    Auth::Basic {
        user: "admin@example.com".into(),
        password: "pw".into(),
    }
}

fn config(batch_size: usize) -> EpmConfig {
    EpmConfig {
        batch_size,
        ..EpmConfig::default()
    }
}

/// Runs `remove_v1` to its end; returns the results and every event.
fn run(
    clock: &VirtualClock,
    fake: &FakeEpm,
    control: &Control,
    base: &str,
    cfg: &EpmConfig,
    logins: &[&str],
    mut on_event: impl FnMut(&RunEvent),
) -> (Vec<UserResult>, Vec<RunEvent>) {
    let base = EpmBase::parse(base).unwrap();
    let epm = Epm {
        http: fake,
        clock,
        control,
        base: &base,
        config: cfg,
        outage: Default::default(),
    };
    let events = RefCell::new(Vec::new());
    let p = plan(logins);
    let results = block_on(
        clock,
        1e9,
        epm.remove_v1("run1", &p, &mut |e| {
            on_event(&e);
            events.borrow_mut().push(e)
        }),
    );
    let events = events.into_inner();
    assert_one_result_each(&p, &results, &events);
    (results, events)
}

/// [`run`] against the usual base URL as the Basic admin.
fn run_as_admin(
    clock: &VirtualClock,
    fake: &FakeEpm,
    cfg: &EpmConfig,
    logins: &[&str],
) -> (Vec<UserResult>, Vec<RunEvent>) {
    let control = Control::new(admin());
    run(
        clock,
        fake,
        &control,
        "https://epm.example.com",
        cfg,
        logins,
        |_| {},
    )
}

fn outcome_of<'a>(results: &'a [UserResult], user: &str) -> &'a UserResult {
    results
        .iter()
        .find(|r| r.user == user)
        .unwrap_or_else(|| panic!("no result for {user}"))
}

fn stages(events: &[RunEvent], batch: usize) -> Vec<BatchStage> {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Batch { index, stage, .. } if *index == batch => Some(stage.clone()),
            _ => None,
        })
        .collect()
}

fn notes(events: &[RunEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Note(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn several_batches_with_failing_users_and_a_whole_job_failure() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["u1", "U2", "u4", "u5", "u6", "u7"]);
    fake.poison("u4");
    let control = Control::new(admin());
    let (results, events) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com/",
        &config(3),
        &["u1", "u2", "ghost", "u4", "u5", "u6", "u7"],
        |_| {},
    );

    assert_eq!(outcome_of(&results, "u1").outcome, Outcome::Removed);
    assert_eq!(
        outcome_of(&results, "u2").outcome,
        Outcome::Removed,
        "logins match in any case"
    );
    let ghost = outcome_of(&results, "ghost");
    assert_eq!(ghost.outcome, Outcome::NotFound);
    assert!(ghost.message.contains("is not found"), "{}", ghost.message);
    for user in ["u4", "u5", "u6"] {
        let r = outcome_of(&results, user);
        assert_eq!(r.outcome, Outcome::Failed);
        assert!(r.message.contains("unexpected error"), "{}", r.message);
    }
    assert_eq!(outcome_of(&results, "u7").outcome, Outcome::Removed);
    assert_eq!(fake.removed(), ["u1", "u2", "u7"]);

    assert_eq!(
        stages(&events, 0),
        [
            BatchStage::Queued,
            BatchStage::Uploading,
            BatchStage::Uploaded,
            BatchStage::JobRunning,
            BatchStage::Done("Processed - 3, Succeeded - 2, Failed - 1.".into())
        ]
    );
    assert!(
        matches!(stages(&events, 1).last(), Some(BatchStage::Failed(why)) if why.contains("unexpected error"))
    );
    assert_eq!(fake.removal_requests(), 3, "one removal job per batch");
    assert!(
        fake.files().is_empty(),
        "every uploaded file is deleted: {:?}",
        fake.files()
    );
    let names: Vec<String> = fake.uploads().into_iter().map(|u| u.name).collect();
    assert_eq!(
        names,
        [
            "offboard-run1-b0001.csv",
            "offboard-run1-b0002.csv",
            "offboard-run1-b0003.csv"
        ]
    );
    assert!(results
        .iter()
        .all(|r| r.at_ms >= crate::run::testing::EPOCH_START_MS));
}

#[test]
fn a_job_that_never_finishes_times_out_and_says_users_may_be_removed() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b"]);
    fake.never_finish();
    let control = Control::new(admin());
    let cfg = EpmConfig {
        job_timeout_ms: 60_000,
        ..config(10)
    };
    let (results, events) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &cfg,
        &["a", "b"],
        |_| {},
    );
    for r in &results {
        assert_eq!(r.outcome, Outcome::Failed);
        assert!(
            r.message.contains("did not finish within 1 min"),
            "{}",
            r.message
        );
        assert!(r.message.contains("may have been removed"), "{}", r.message);
    }
    assert!(matches!(
        stages(&events, 0).last(),
        Some(BatchStage::Failed(_))
    ));
    let elapsed = clock.elapsed_ms();
    assert!(
        (120_000.0..140_000.0).contains(&elapsed),
        "gave up on the job after a minute, then asked List Users for a minute more: {elapsed} ms"
    );
    for r in &results {
        assert!(
            r.message.contains("List Users still had this login"),
            "{}",
            r.message
        );
    }
    let polls = fake
        .log()
        .iter()
        .filter(|r| r.method == Method::Get)
        .count();
    assert!(
        (15..=25).contains(&polls),
        "a first poll at 200 ms, then waits of half the time so far up to 5 s: about 20 polls a minute, not {polls}"
    );
}

#[test]
fn a_polling_network_error_is_retried_and_the_job_followed_to_its_end() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b"]);
    fake.fail(
        3,
        |r| r.method == Method::Get,
        Err(NetError::Unreachable("connection reset".into())),
    );
    fake.fail(
        1,
        |r| r.method == Method::Get,
        Ok(Response::new(503, "<html>Service Unavailable</html>")),
    );
    let control = Control::new(admin());
    let (results, events) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(10),
        &["a", "b"],
        |_| {},
    );
    assert!(
        results.iter().all(|r| r.outcome == Outcome::Removed),
        "{results:?}"
    );
    let notes = notes(&events);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("could not be read") && n.contains("connection reset")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("can be read again")),
        "{notes:?}"
    );
    assert_eq!(fake.removal_requests(), 1);
}

#[test]
fn a_refused_credential_pauses_the_run_until_a_new_one_is_given() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b", "c", "d"]);
    // Batch 1: upload, DELETE, then polls; the credential expires during the first batch's job.
    fake.expire_credential_after(4, "Basic bmV3QGV4YW1wbGUuY29tOnB3Mg==");
    let control = Control::new(admin());
    let base = EpmBase::parse("https://epm.example.com").unwrap();
    let cfg = config(2);
    let epm = Epm {
        http: &fake,
        clock: &clock,
        control: &control,
        base: &base,
        config: &cfg,
        outage: Default::default(),
    };
    let p = plan(&["a", "b", "c", "d"]);
    let events = RefCell::new(Vec::new());
    let admin_at_keyboard = async {
        while control.mode() != Mode::Paused(PauseReason::CredentialRefused) {
            clock.sleep(100).await;
        }
        clock.sleep(120_000).await;
        control.replace_auth(Auth::Basic {
            user: "new@example.com".into(),
            password: "pw2".into(),
        });
    };
    let (results, ()) = block_on(
        &clock,
        1e9,
        join(
            epm.remove_v1("run1", &p, &mut |e| events.borrow_mut().push(e)),
            admin_at_keyboard,
        ),
    );
    let events = events.into_inner();
    assert_one_result_each(&p, &results, &events);
    assert!(
        results.iter().all(|r| r.outcome == Outcome::Removed),
        "{results:?}"
    );
    assert!(events.contains(&RunEvent::Paused(PauseReason::CredentialRefused)));
    assert_eq!(fake.removal_requests(), 2, "no batch is started twice");
    let last = fake.log().pop().unwrap();
    assert!(last
        .headers
        .iter()
        .any(|(n, v)| n == "Authorization" && v != GOOD_AUTH));
    assert!(
        clock.elapsed_ms() < 30.0 * 60_000.0,
        "time paused does not count towards the job timeout"
    );
}

#[test]
fn cancelling_between_batches_leaves_the_rest_not_started() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b", "c", "d", "e"]);
    let control = Control::new(admin());
    let c = control.clone();
    let (results, events) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(2),
        &["a", "b", "c", "d", "e"],
        |e| {
            if matches!(
                e,
                RunEvent::Batch {
                    index: 0,
                    stage: BatchStage::Done(_),
                    ..
                }
            ) {
                c.cancel();
            }
        },
    );
    let outcomes: Vec<Outcome> = results.iter().map(|r| r.outcome.clone()).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Removed,
            Outcome::Removed,
            Outcome::NotStarted,
            Outcome::NotStarted,
            Outcome::NotStarted
        ]
    );
    assert!(results[2..]
        .iter()
        .all(|r| r.attempts == 0 && r.http_status.is_none()));
    assert_eq!(fake.removal_requests(), 1);
    assert!(
        fake.files().is_empty(),
        "the finished batch's file is still deleted"
    );
    assert!(notes(&events)
        .iter()
        .any(|n| n.contains("2 batch(es) with 3 user(s) were not started")));
}

#[test]
fn a_batch_whose_job_started_is_followed_to_completion_after_cancel() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b", "c"]);
    let control = Control::new(admin());
    let c = control.clone();
    let (results, _) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(2),
        &["a", "b", "c"],
        |e| {
            if matches!(e, RunEvent::JobStarted { index: 0, .. }) {
                c.cancel();
            }
        },
    );
    assert_eq!(results[0].outcome, Outcome::Removed);
    assert_eq!(results[1].outcome, Outcome::Removed);
    assert_eq!(results[2].outcome, Outcome::NotStarted);
    assert_eq!(fake.removed(), ["a", "b"]);
}

#[test]
fn a_refused_upload_fails_its_batch_without_touching_the_existing_file() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b", "c"]);
    fake.put_file("offboard-run1-b0001.csv", b"someone else's file");
    let control = Control::new(admin());
    let (results, events) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(2),
        &["a", "b", "c"],
        |_| {},
    );
    for r in &results[..2] {
        assert_eq!(r.outcome, Outcome::Failed);
        assert!(
            r.message
                .starts_with("the upload was refused: File offboard-run1-b0001.csv already exists"),
            "{}",
            r.message
        );
        assert_eq!(r.attempts, 0, "no removal was requested for them");
    }
    assert_eq!(
        results[2].outcome,
        Outcome::Removed,
        "the next batch still runs"
    );
    assert_eq!(fake.removal_requests(), 1);
    assert_eq!(
        fake.files(),
        ["offboard-run1-b0001.csv"],
        "a file that is not ours is never deleted"
    );
    assert!(matches!(
        stages(&events, 0).last(),
        Some(BatchStage::Failed(_))
    ));
}

#[test]
fn a_file_above_the_chunk_size_is_uploaded_in_chunks() {
    let clock = VirtualClock::new();
    let logins: Vec<String> = (0..10).map(|i| format!("user{i}@example.com")).collect();
    let refs: Vec<&str> = logins.iter().map(String::as_str).collect();
    let fake = FakeEpm::new(&clock, &refs);
    let control = Control::new(admin());
    let cfg = EpmConfig {
        chunk_size: 64,
        ..config(100)
    };
    let (results, _) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &cfg,
        &refs,
        |_| {},
    );
    assert!(results.iter().all(|r| r.outcome == Outcome::Removed));
    let uploads = fake.uploads();
    let file_len = super::upload::logins_csv(refs.iter().copied(), Default::default()).len();
    assert_eq!(uploads.len(), file_len.div_ceil(64));
    assert!(uploads.len() >= 3);
    assert!(uploads[0].is_first && !uploads[0].is_last);
    assert!(uploads[1..uploads.len() - 1]
        .iter()
        .all(|u| !u.is_first && !u.is_last));
    assert!(uploads.last().unwrap().is_last);
    assert_eq!(uploads.iter().map(|u| u.bytes).sum::<usize>(), file_len);
    assert_eq!(
        fake.removed().len(),
        10,
        "the service read back the whole file"
    );
}

#[test]
fn an_interrupted_upload_starts_over_under_a_new_name_and_cleans_up() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a"]);
    fake.fail(1, |r| r.method == Method::Post, Err(NetError::Timeout));
    let control = Control::new(admin());
    let (results, _) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(10),
        &["a"],
        |_| {},
    );
    assert_eq!(results[0].outcome, Outcome::Removed);
    let log = fake.log();
    let sent = |method: Method, name: &str| {
        log.iter()
            .any(|r| r.method == method && r.url.contains(&format!("applicationsnapshots/{name}")))
    };
    assert!(sent(Method::Post, "offboard-run1-b0001.csv/contents"));
    assert!(
        sent(Method::Post, "offboard-run1-b0001-2.csv/contents"),
        "the retry uses a new name"
    );
    assert!(
        sent(Method::Delete, "offboard-run1-b0001.csv"),
        "the name that may be half-written is cleaned up"
    );
    assert!(fake.files().is_empty());
}

/// A v1 run of `plan` against a tenant of `tenant` whose (one) removal request goes unanswered
/// before it takes effect.
fn run_with_an_unanswered_removal(
    clock: &VirtualClock,
    tenant: &[&str],
    plan: &[&str],
) -> (FakeEpm, Vec<UserResult>, Vec<RunEvent>) {
    let fake = FakeEpm::new(clock, tenant);
    fake.fail(
        1,
        |r| r.url.contains("/security/v1/users?"),
        Err(NetError::Unreachable(String::new())),
    );
    let control = Control::new(admin());
    let (results, events) = run(
        clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(10),
        plan,
        |_| {},
    );
    (fake, results, events)
}

#[test]
fn an_unanswered_removal_request_is_not_repeated() {
    let clock = VirtualClock::new();
    let (fake, results, events) = run_with_an_unanswered_removal(&clock, &["a"], &["a"]);
    assert_eq!(results[0].outcome, Outcome::Failed);
    assert!(
        results[0].message.contains("may have been removed"),
        "{}",
        results[0].message
    );
    assert_eq!(fake.removal_requests(), 1);
    assert!(notes(&events)
        .iter()
        .any(|n| n.contains("left on the service")));
}

#[test]
fn a_login_gone_after_a_request_that_left_others_in_place_is_an_outcome_unknown_not_a_removal() {
    let clock = VirtualClock::new();
    let (fake, results, _) =
        run_with_an_unanswered_removal(&clock, &["a", "b"], &["a", "ghost", "b"]);
    assert!(fake.removed().is_empty(), "the request did nothing");
    let ghost = &results[1];
    assert_eq!(ghost.outcome, Outcome::Failed, "{}", ghost.message);
    assert!(
        ghost
            .message
            .starts_with(crate::run::outcome::OUTCOME_UNKNOWN)
            && ghost.message.contains("or the tenant never had it"),
        "{}",
        ghost.message
    );
    for r in [&results[0], &results[2]] {
        assert_eq!(r.outcome, Outcome::Failed);
        assert!(
            r.message
                .ends_with("List Users still had this login afterwards."),
            "{}",
            r.message
        );
    }
}

/// A v1 run of `plan` against a tenant of `tenant` whose jobs take `ms_per_user`, the answer to its
/// (one) removal request lost after the request took effect; `poisoned` makes that job fail.
fn run_losing_the_removal_answer(
    clock: &VirtualClock,
    tenant: &[&str],
    poisoned: Option<&str>,
    ms_per_user: f64,
    plan: &[&str],
) -> (FakeEpm, Vec<UserResult>, Vec<RunEvent>) {
    let fake = FakeEpm::new(clock, tenant);
    if let Some(login) = poisoned {
        fake.poison(login);
    }
    fake.jobs_take(ms_per_user);
    fake.lose_answers(1, |r| r.url.contains("/security/v1/users?"));
    let control = Control::new(admin());
    let (results, events) = run(
        clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(10),
        plan,
        |_| {},
    );
    (fake, results, events)
}

#[test]
fn users_removed_by_a_request_whose_answer_was_lost_are_found_gone_by_list_users() {
    let clock = VirtualClock::new();
    let (fake, results, _) =
        run_losing_the_removal_answer(&clock, &["a", "b", "c"], None, 100.0, &["a", "b", "ghost"]);
    for r in &results {
        assert_eq!(r.outcome, Outcome::Removed, "{}: {}", r.user, r.message);
        assert_eq!(r.message, super::lost::GONE_AFTER_LOST_ANSWER);
    }
    assert_eq!(fake.removal_requests(), 1, "nobody was sent twice");
    assert_eq!(fake.removed(), ["a", "b"]);
    assert!(
        fake.files().is_empty(),
        "the job is over: its file is deleted"
    );
}

#[test]
fn users_still_listed_after_a_lost_answer_stay_failed_and_the_file_stays() {
    let clock = VirtualClock::new();
    let (fake, results, events) =
        run_losing_the_removal_answer(&clock, &["a", "b"], Some("b"), 100.0, &["a", "b"]);
    for r in &results {
        assert_eq!(r.outcome, Outcome::Failed, "{}", r.user);
        assert!(r.message.contains("may have been removed"), "{}", r.message);
        assert!(
            r.message
                .ends_with("may have been removed. List Users still had this login afterwards."),
            "{}",
            r.message
        );
    }
    assert!(
        notes(&events).iter().any(|n| n
            .starts_with("Batch 1: no clear answer to the removal request; List Users is asked")),
        "the wait is explained while it lasts: {:?}",
        notes(&events)
    );
    let lists = fake
        .log()
        .iter()
        .filter(|r| r.url.ends_with("/users/list"))
        .count();
    assert!(
        lists >= 3,
        "asked again while users were still there: {lists}"
    );
    assert!(
        clock.elapsed_ms() >= 60_000.0,
        "until they had stayed for a minute: {} ms",
        clock.elapsed_ms()
    );
    assert!(notes(&events)
        .iter()
        .any(|n| n.contains("left on the service")));
}

#[test]
fn a_lost_answer_waits_for_a_slow_first_job_before_saying_who_is_left() {
    let clock = VirtualClock::new();
    let (_, results, _) =
        run_losing_the_removal_answer(&clock, &["a", "b", "c"], None, 20_000.0, &["a", "b", "c"]);
    for r in &results {
        assert_eq!(r.outcome, Outcome::Removed, "{}: {}", r.user, r.message);
    }
}

#[test]
fn throttled_polls_wait_as_long_as_the_service_asks() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a"]);
    let mut slow_down = Response::new(429, "");
    slow_down.headers.push(("Retry-After".into(), "30".into()));
    fake.fail(1, |r| r.method == Method::Get, Ok(slow_down));
    let control = Control::new(admin());
    let (results, events) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(10),
        &["a"],
        |_| {},
    );
    assert_eq!(results[0].outcome, Outcome::Removed);
    assert!(events.contains(&RunEvent::Throttled { wait_ms: 30_000 }));
    assert!(clock.elapsed_ms() >= 30_000.0);
}

#[test]
fn a_same_origin_proxy_base_is_used_for_every_call_including_job_links() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a"]);
    let control = Control::new(admin());
    let (results, _) = run(
        &clock,
        &fake,
        &control,
        "/epm/",
        &config(10),
        &["a"],
        |_| {},
    );
    assert_eq!(results[0].outcome, Outcome::Removed);
    assert!(
        fake.log()
            .iter()
            .all(|r| r.url.starts_with("/epm/interop/rest/")),
        "{:?}",
        fake.log()
    );
}

#[test]
fn the_admins_own_login_is_never_sent() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "admin@example.com"]);
    let control = Control::new(admin());
    let (results, _) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(10),
        &["a", "Admin@Example.com"],
        |_| {},
    );
    assert_eq!(
        results.iter().find(|r| r.row == 3).unwrap().outcome,
        Outcome::NotAllowed
    );
    assert_eq!(fake.removed(), ["a"]);
}

#[test]
fn jobs_run_one_at_a_time_back_to_back_with_the_next_upload_done_meanwhile() {
    let clock = VirtualClock::new();
    let logins: Vec<String> = (0..500).map(|i| format!("user{i}")).collect();
    let refs: Vec<&str> = logins.iter().map(String::as_str).collect();
    let fake = FakeEpm::new(&clock, &refs);
    // 100 users a batch at 10 ms a user: 1 s jobs; every answer takes 20 ms.
    fake.jobs_take(10.0);
    let control = Control::new(admin());
    let mut asked = refs.clone();
    asked.push("ghost");
    let (results, events) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(100),
        &asked,
        |_| {},
    );
    assert_eq!(
        fake.overlapping_jobs(),
        0,
        "a job starts only once the previous one ended"
    );
    assert_eq!(fake.removal_requests(), 6);
    assert_eq!(fake.removed().len(), 500);
    assert!(results[..500].iter().all(|r| r.outcome == Outcome::Removed));
    assert_eq!(outcome_of(&results, "ghost").outcome, Outcome::NotFound);
    let rows: Vec<usize> = results.iter().map(|r| r.row).collect();
    assert!(
        rows.windows(2).all(|w| w[0] < w[1]),
        "results come in plan order"
    );
    assert!(fake.files().is_empty(), "{:?}", fake.files());
    // Uploads overlap the jobs: each batch after the first is uploaded before the previous
    // batch's job is seen finished.
    for index in 1..6 {
        let uploading = events
            .iter()
            .position(|e| matches!(e, RunEvent::Batch { index: i, stage: BatchStage::Uploading, .. } if *i == index))
            .unwrap();
        let previous_done = events
            .iter()
            .position(|e| matches!(e, RunEvent::Batch { index: i, stage: BatchStage::Done(_), .. } if *i == index - 1))
            .unwrap();
        assert!(uploading < previous_done, "batch {index}");
    }
    // 5 s of jobs (and a 10 ms one); the overhead is the first job's discovery, then a
    // poll step and a removal request per job.
    let elapsed = clock.elapsed_ms();
    assert!(elapsed < 5_010.0 + 400.0 + 6.0 * 120.0, "{elapsed} ms");
    let polls = fake
        .log()
        .iter()
        .filter(|r| r.method == Method::Get)
        .count();
    assert!(polls <= 8 + 5 * 4, "{polls} polls");
}

#[test]
fn logins_match_the_tenant_folded_as_the_intake_folds_them() {
    use crate::epm::list::{match_plan, EpmUser};
    use crate::run::PlanEntry;
    let plan = vec![PlanEntry {
        row: 2,
        user: "νικοσ".into(),
    }];
    let users = vec![EpmUser {
        login: "ΝΙΚΟΣ".into(),
        first_name: "N".into(),
        last_name: "K".into(),
        email: "n@example.com".into(),
    }];
    assert!(
        match_plan(&plan, &users)[0].user.is_some(),
        "the tenant has νικοσ as ΝΙΚΟΣ"
    );
}

#[test]
fn a_failure_naming_the_login_with_a_capital_sigma_fails_that_row() {
    use crate::epm::batch::{map_failures, Stamp, UserFailure};
    use crate::run::PlanEntry;
    let plan = vec![
        PlanEntry {
            row: 2,
            user: "νικοσ".into(),
        },
        PlanEntry {
            row: 3,
            user: "b".into(),
        },
    ];
    let failures = vec![UserFailure {
        login: "ΝΙΚΟΣ".into(),
        message: "User ΝΙΚΟΣ cannot be removed.".into(),
    }];
    let stamp = Stamp {
        http_status: Some(200),
        attempts: 1,
        at_ms: 0.0,
    };
    let counts = crate::epm::job::parse_counts("Processed - 2, Succeeded - 1, Failed - 1.");
    let report = map_failures(0, &plan, &failures, counts, stamp, None);
    assert_eq!(report.results[0].outcome, Outcome::Failed, "{report:?}");
    assert_eq!(report.results[1].outcome, Outcome::Removed, "{report:?}");
}

/// The body EPM errors carry (the sandbox's injected 500 among them).
const EPM_500: &str =
    r#"{"links":[],"details":"Internal server error. Try again later.","status":1,"items":null}"#;

#[test]
fn one_500_with_an_epm_body_on_upload_is_retried_under_a_new_name() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a"]);
    fake.fail(
        1,
        |r| r.method == Method::Post,
        Ok(Response::new(500, EPM_500)),
    );
    let control = Control::new(admin());
    let (results, _) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(10),
        &["a"],
        |_| {},
    );
    assert_eq!(
        results[0].outcome,
        Outcome::Removed,
        "{}",
        results[0].message
    );
    assert!(fake.files().is_empty(), "left behind: {:?}", fake.files());
}

#[test]
fn one_500_with_an_epm_body_on_file_deletion_is_retried() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a"]);
    fake.fail(
        1,
        |r| r.method == Method::Delete && r.url.contains("applicationsnapshots"),
        Ok(Response::new(500, EPM_500)),
    );
    let control = Control::new(admin());
    let (results, events) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(10),
        &["a"],
        |_| {},
    );
    assert_eq!(results[0].outcome, Outcome::Removed);
    assert!(
        fake.files().is_empty(),
        "left behind: {:?}; notes {:?}",
        fake.files(),
        notes(&events)
    );
}

#[test]
fn a_one_off_list_users_with_a_refused_credential_ends_with_an_error_instead_of_waiting() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a"]);
    let base = EpmBase::parse("https://epm.example.com").unwrap();
    let control = Control::new(Auth::Basic {
        user: "admin@example.com".into(),
        password: "typo".into(),
    });
    let config = EpmConfig::one_off();
    let epm = Epm {
        http: &fake,
        clock: &clock,
        control: &control,
        base: &base,
        config: &config,
        outage: Default::default(),
    };
    let listed = block_on(&clock, 60_000.0, epm.list_users(&mut |_| {}));
    let why = listed.expect_err("a refused credential is an error");
    assert!(why.contains("refused the credential (HTTP 401)"), "{why}");
    assert!(crate::epm::refused_credential(&why), "{why}");
    assert_eq!(
        control.mode(),
        Mode::Running,
        "nothing waits for a credential"
    );
    assert_eq!(fake.log().len(), 1);
}

#[test]
fn a_finished_job_with_an_item_naming_no_login_ends_the_batch_at_once() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b"]);
    let done = r#"{"status":0,"details":"Processed - 2, Succeeded - 1, Failed - 1.","links":[],
        "items":[{"UserName":null,"Error_Details":"Line 3 could not be read."}]}"#;
    fake.fail(
        1_000_000,
        |r| r.method == Method::Get,
        Ok(Response::new(200, done)),
    );
    let control = Control::new(admin());
    let started = clock.now_ms();
    let (results, events) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(10),
        &["a", "b"],
        |_| {},
    );
    let took = clock.now_ms() - started;
    assert!(took < 60_000.0, "followed a finished job for {took} ms");
    for r in &results {
        assert_eq!(r.outcome, Outcome::Failed, "{r:?}");
        assert!(
            r.message.contains("List Users still has it"),
            "the job counted one removal, but List Users still has both: {}",
            r.message
        );
    }
    let notes = notes(&events);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("1 failure(s) that name no login: \"Line 3 could not be read.\"")),
        "{notes:?}"
    );
}

#[test]
fn a_job_running_when_the_page_closed_is_followed_to_its_end_after_the_reload() {
    use crate::run::journal::JOB_FOLLOWED;
    use crate::run::Mode;

    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b", "c"]);
    fake.jobs_take(1_000.0);
    let base = EpmBase::parse("https://epm.example.com").unwrap();
    let control = Control::new(admin());
    let p = plan(&["a", "b", "c"]);
    // The page closes while the job runs (it takes 3 s for three users).
    let mut reopened = closed_during_run(&clock, &fake, &config(10), &p, 1_000);
    let jobs = reopened.interrupted_jobs();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].users, p);

    let one_off = EpmConfig::one_off();
    let epm = Epm {
        http: &fake,
        clock: &clock,
        control: &control,
        base: &base,
        config: &one_off,
        outage: Default::default(),
    };
    let report = block_on(
        &clock,
        1e9,
        epm.settle_interrupted_job(&jobs[0], &mut |_| {}),
    )
    .unwrap();
    for r in &report.results {
        assert_eq!(r.outcome, Outcome::Removed, "{r:?}");
        assert!(r.message.ends_with(JOB_FOLLOWED), "{}", r.message);
        reopened.apply(&RunEvent::Result(r.clone()));
    }
    assert_eq!(fake.removal_requests(), 1, "the users were not sent again");
    assert!(
        fake.files().is_empty(),
        "the job's file is deleted: {:?}",
        fake.files()
    );
    assert!(reopened.interrupted_jobs().is_empty() && reopened.remaining().is_empty());
    assert_eq!(control.mode(), Mode::Running);
}

#[test]
fn the_file_uploaded_ahead_before_the_page_closed_is_deleted_when_the_run_resumes() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b"]);
    fake.jobs_take(60_000.0);
    let p = plan(&["a", "b"]);
    // The page closes while job 1 runs: batch 2's file is uploaded ahead, its job not started.
    let mut reopened = closed_during_run(&clock, &fake, &config(1), &p, 30_000);
    assert_eq!(fake.removal_requests(), 1);
    assert_eq!(fake.files().len(), 2, "{:?}", fake.files());
    let jobs = reopened.interrupted_jobs();
    let left = reopened.left_files();
    assert_eq!(jobs.len(), 1);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_ne!(
        left[0], jobs[0].file,
        "following the job deletes the job's own file"
    );
    assert!(fake.files().contains(&left[0]));

    let base = EpmBase::parse("https://epm.example.com").unwrap();
    let control = Control::new(admin());
    let one_off = EpmConfig::one_off();
    let epm = Epm {
        http: &fake,
        clock: &clock,
        control: &control,
        base: &base,
        config: &one_off,
        outage: Default::default(),
    };
    let mut events = Vec::new();
    let report = block_on(
        &clock,
        1e9,
        epm.settle_interrupted_job(&jobs[0], &mut |e| events.push(e)),
    )
    .unwrap();
    events.extend(report.results.into_iter().map(RunEvent::Result));
    events.iter().for_each(|e| reopened.apply(e));
    let left = reopened.left_files();
    assert_eq!(
        left.len(),
        1,
        "the job's deleted file is not left: {left:?}"
    );
    let mut deleted = Vec::new();
    let notes = block_on(
        &clock,
        1e9,
        epm.delete_left_files(&left, &mut |e| deleted.push(e)),
    );
    assert_eq!(notes, Vec::<String>::new());
    assert!(fake.files().is_empty(), "{:?}", fake.files());
    deleted.iter().for_each(|e| reopened.apply(e));
    assert!(reopened.left_files().is_empty());
    assert_eq!(reopened.remaining(), p[1..], "b is sent in a new job");
}

#[test]
fn a_file_that_cannot_be_deleted_when_the_run_resumes_is_named_in_a_note() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a"]);
    fake.put_file("offboard-old-b0002.csv", b"User Login\r\na\r\n");
    fake.fail(
        100,
        |r| r.method == Method::Delete,
        Ok(Response::new(
            400,
            r#"{"status":8,"details":"EPMAT-1: no rights"}"#,
        )),
    );
    let base = EpmBase::parse("https://epm.example.com").unwrap();
    let control = Control::new(admin());
    let one_off = EpmConfig::one_off();
    let epm = Epm {
        http: &fake,
        clock: &clock,
        control: &control,
        base: &base,
        config: &one_off,
        outage: Default::default(),
    };
    let left = vec!["offboard-old-b0002.csv".to_string()];
    let notes = block_on(&clock, 1e9, epm.delete_left_files(&left, &mut |_| {}));
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("offboard-old-b0002.csv")
            && notes[0].contains("delete it in EPM's file list"),
        "{}",
        notes[0]
    );
}

#[test]
fn every_file_a_run_uploads_is_deleted_and_the_journal_says_so() {
    let clock = VirtualClock::new();
    let logins = ["a", "b", "c", "d", "e"];
    let fake = FakeEpm::new(&clock, &logins);
    let (_, events) = run_as_admin(&clock, &fake, &config(2), &logins);
    let named = |f: fn(&RunEvent) -> Option<&String>| -> Vec<String> {
        let mut v: Vec<String> = events.iter().filter_map(f).cloned().collect();
        v.sort();
        v
    };
    let uploaded = named(|e| match e {
        RunEvent::FileUploading { file } => Some(file),
        _ => None,
    });
    let deleted = named(|e| match e {
        RunEvent::FileDeleted { file } => Some(file),
        _ => None,
    });
    assert_eq!(uploaded.len(), 3, "{uploaded:?}");
    assert_eq!(uploaded, deleted);
    assert!(fake.files().is_empty());
}

#[test]
fn a_job_started_while_the_last_batch_is_cleaned_up_is_saved_at_once() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b"]);
    fake.jobs_take(60_000.0);
    // Deleting batch 1's file meets server errors (retried with backoff) while job 2 runs.
    fake.fail(
        4,
        |r| r.method == Method::Delete && r.url.contains("applicationsnapshots"),
        Ok(Response::new(500, EPM_500)),
    );
    let saved = closed_during_run(&clock, &fake, &config(1), &plan(&["a", "b"]), 70_000);
    assert_eq!(fake.removal_requests(), 2, "job 2 runs on the service");
    let batches: Vec<usize> = saved.interrupted_jobs().iter().map(|j| j.batch).collect();
    assert!(
        batches.contains(&1),
        "job 2 is saved: a resume follows it instead of starting another ({batches:?})"
    );
}

/// The journal of a v1 run of `p` whose page closed `after_ms` in (the run still going), as read
/// back after the reload.
fn closed_during_run(
    clock: &VirtualClock,
    fake: &FakeEpm,
    config: &EpmConfig,
    p: &[crate::run::PlanEntry],
    after_ms: u64,
) -> crate::run::Journal {
    use crate::run::Journal;
    use futures::future::{select, Either};
    let journal = RefCell::new(Journal::new(
        crate::target::Target::Epm,
        "https://epm.example.com",
        "run1",
        clock.now_ms(),
        p.to_vec(),
        Vec::new(),
    ));
    let base = EpmBase::parse("https://epm.example.com").unwrap();
    let control = Control::new(admin());
    let epm = Epm {
        http: fake,
        clock,
        control: &control,
        base: &base,
        config,
        outage: Default::default(),
    };
    let mut on_event = |e: RunEvent| journal.borrow_mut().apply(&e);
    let run = epm.remove_v1("run1", p, &mut on_event);
    let closed = clock.sleep(after_ms);
    let ended = block_on(clock, 1e9, select(Box::pin(run), Box::pin(closed)));
    assert!(matches!(ended, Either::Right(_)), "the run was still going");
    let text = journal.borrow().to_json();
    Journal::from_json(&text).unwrap()
}

#[test]
fn a_job_that_fails_midway_reports_removed_who_list_users_no_longer_has() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b", "c", "d"]);
    fake.poison("c");
    fake.fail_midway();
    let control = Control::new(admin());
    let cfg = EpmConfig {
        absent_before: Some(HashSet::from([login_key("ghost")])),
        ..config(10)
    };
    let (results, events) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &cfg,
        &["a", "ghost", "b", "c", "d"],
        |_| {},
    );
    assert_eq!(fake.removed(), ["a", "b"]);
    let outcome = |login| outcome_of(&results, login).outcome.clone();
    assert_eq!(
        [
            outcome("a"),
            outcome("b"),
            outcome("ghost"),
            outcome("c"),
            outcome("d")
        ],
        [
            Outcome::Removed,
            Outcome::Removed,
            Outcome::NotFound,
            Outcome::Failed,
            Outcome::Failed
        ],
        "the job removed a and b before failing; ghost never existed"
    );
    assert!(outcome_of(&results, "a")
        .message
        .contains("the job failed (Failed to remove users. An internal error occurred after processing 3 of 5 users.)"));
    assert!(outcome_of(&results, "d")
        .message
        .contains("after processing 3 of 5 users"));
    assert!(notes(&events)
        .iter()
        .any(|n| n.contains("List Users no longer has 2 of its 5 users")));
}

#[test]
fn a_removal_request_answered_500_after_its_job_started_is_checked_with_list_users() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b"]);
    fake.jobs_take(100.0);
    fake.answer_after(
        1,
        |r| r.url.contains("/security/v1/users?"),
        Ok(Response::new(500, EPM_500)),
    );
    let (results, _) = run_as_admin(&clock, &fake, &config(10), &["a", "b"]);
    assert_eq!(fake.removed(), ["a", "b"]);
    assert_eq!(fake.removal_requests(), 1, "nobody was sent twice");
    for r in &results {
        assert_eq!(r.outcome, Outcome::Removed, "{}: {}", r.user, r.message);
    }
}

#[test]
fn a_job_status_link_answering_404_is_not_taken_as_the_job_s_end() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b"]);
    fake.jobs_take(100.0);
    fake.fail(
        1,
        |r| r.method == Method::Get,
        Ok(Response::new(
            404,
            r#"{"status":1,"details":"Job 1 is not found.","links":[]}"#,
        )),
    );
    let (results, _) = run_as_admin(&clock, &fake, &config(10), &["a", "b"]);
    for r in &results {
        assert_eq!(
            r.outcome,
            Outcome::Removed,
            "the job ran; the 404 only lost its status: {}",
            r.message
        );
    }
}

#[test]
fn a_status_that_could_not_be_read_until_the_job_ended_says_it_can_be_read_again() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a"]);
    fake.jobs_take(1.0);
    fake.fail(
        4,
        |r| r.method == Method::Get,
        Err(NetError::Unreachable("connection reset".into())),
    );
    let (results, events) = run_as_admin(&clock, &fake, &config(10), &["a"]);
    assert_eq!(results[0].outcome, Outcome::Removed);
    let notes = notes(&events);
    let trouble = notes.iter().position(|n| n.contains("still trying"));
    let again = notes
        .iter()
        .position(|n| n.contains("can be read again: it has ended"));
    assert!(
        matches!((trouble, again), (Some(t), Some(a)) if t < a),
        "no 'still trying' left standing: {notes:?}"
    );
}

#[test]
fn a_page_closed_while_the_removal_request_waits_out_a_429_leaves_its_users_not_started() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a"]);
    let mut throttled = Response::new(429, "");
    throttled.headers.push(("Retry-After".into(), "120".into()));
    fake.fail(
        1,
        |r| r.method == Method::Delete && r.url.contains("/security/v1/users?"),
        Ok(throttled),
    );
    let p = plan(&["a", "ghost"]);
    let mut reopened = closed_during_run(&clock, &fake, &config(10), &p, 60_000);
    assert!(fake.removed().is_empty() && reopened.interrupted_jobs().is_empty());
    assert!(
        reopened.interrupted_job_users().is_empty(),
        "the only removal request was answered 429: nobody is in a job"
    );
    let settled = reopened.settle_interrupted_jobs_with(|l| l == "a", 0.0);
    assert!(settled.is_empty(), "{settled:?}");
    assert_eq!(
        reopened.remaining().len(),
        2,
        "both are sent again on resume"
    );
}

#[test]
fn a_job_that_failed_outright_does_not_report_a_login_that_never_existed_removed() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b"]);
    fake.poison("b");
    let (results, _) = run_as_admin(&clock, &fake, &config(10), &["a", "typo", "b"]);
    assert!(fake.removed().is_empty());
    let typo = outcome_of(&results, "typo");
    assert!(typo.outcome_unknown(), "{typo:?}");
    for login in ["a", "b"] {
        let r = outcome_of(&results, login);
        assert_eq!(r.outcome, Outcome::Failed);
        assert!(
            !r.outcome_unknown(),
            "List Users still has it: {}",
            r.message
        );
    }
}

#[test]
fn a_retried_login_whose_outcome_was_unknown_reads_removed_when_the_new_job_finds_it_gone() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["b"]);
    let cfg = EpmConfig {
        unknown_before: HashSet::from([login_key("A"), login_key("missing")]),
        absent_before: Some(HashSet::from([login_key("missing")])),
        ..config(10)
    };
    let (results, _) = run_as_admin(&clock, &fake, &cfg, &["a", "b", "ghost", "missing"]);
    assert_eq!(
        outcome_of(&results, "missing").outcome,
        Outcome::NotFound,
        "Check who exists found it missing before: it never existed"
    );
    let a = outcome_of(&results, "a");
    assert_eq!(
        (a.outcome.clone(), a.message.as_str()),
        (Outcome::Removed, super::batch::REMOVED_EARLIER)
    );
    assert_eq!(outcome_of(&results, "b").outcome, Outcome::Removed);
    assert_eq!(
        outcome_of(&results, "ghost").outcome,
        Outcome::NotFound,
        "a login whose earlier outcome was known stays not found"
    );
}

#[test]
fn a_job_status_answering_408_is_asked_again() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b"]);
    fake.jobs_take(100.0);
    fake.fail(
        1,
        |r| r.method == Method::Get,
        Ok(Response::new(
            408,
            r#"{"status":1,"details":"Request timeout"}"#,
        )),
    );
    let (results, _) = run_as_admin(&clock, &fake, &config(10), &["a", "b"]);
    assert_eq!(fake.removed(), ["a", "b"]);
    for r in &results {
        assert_eq!(r.outcome, Outcome::Removed, "{}", r.message);
    }
    assert!(fake.files().is_empty());
}

/// Every request from `from_ms` to `to_ms` after now (virtual time) is answered 503.
fn outage(clock: &VirtualClock, fake: &FakeEpm, from_ms: f64, to_ms: f64) {
    let (c, t0) = (clock.clone(), clock.now_ms());
    fake.fail(
        usize::MAX,
        move |_| (t0 + from_ms..t0 + to_ms).contains(&c.now_ms()),
        Ok(Response::new(503, "Service Unavailable")),
    );
}

fn logins(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("u{i}")).collect()
}

/// When each event `want` picks came (ms).
fn times(events: &[(f64, RunEvent)], want: impl Fn(&RunEvent) -> bool) -> Vec<f64> {
    events
        .iter()
        .filter(|(_, e)| want(e))
        .map(|(t, _)| *t)
        .collect()
}

#[test]
fn an_outage_from_the_start_holds_the_uploads_instead_of_failing_every_batch() {
    let clock = VirtualClock::new();
    let all = logins(100);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let fake = FakeEpm::new(&clock, &refs);
    outage(&clock, &fake, 0.0, 120_000.0);
    let t0 = clock.now_ms();
    let seen = RefCell::new(Vec::new());
    let control = Control::new(admin());
    let (results, _) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(10),
        &refs,
        |e| seen.borrow_mut().push((clock.now_ms() - t0, e.clone())),
    );
    assert!(
        results.iter().all(|r| r.outcome == Outcome::Removed),
        "{:?}",
        results.iter().find(|r| r.outcome != Outcome::Removed)
    );
    assert_eq!(fake.removed().len(), 100, "each login removed once");
    let seen = seen.into_inner();
    let held = times(&seen, |e| matches!(e, RunEvent::Holding { .. }));
    let over = times(&seen, |e| *e == RunEvent::HoldOver);
    assert!(!held.is_empty() && held[0] < 20_000.0, "{held:?}");
    assert!(
        over.len() == 1 && (120_000.0..151_000.0).contains(&over[0]),
        "one hold, over once the service answers: {over:?}"
    );
    let probes = fake
        .log()
        .iter()
        .filter(|r| r.url.contains("/contents"))
        .count();
    assert!(
        probes <= 5 + 10 + 10,
        "5 attempts, a few probes while holding, then one upload per batch: {probes}"
    );
    let Some((_, RunEvent::Holding { reason, .. })) = seen
        .iter()
        .find(|(_, e)| matches!(e, RunEvent::Holding { .. }))
    else {
        unreachable!()
    };
    assert!(
        reason.starts_with("the service failed the same request 5 times in a row (last: HTTP 503"),
        "{reason}"
    );
}

#[test]
fn a_run_holds_fifteen_minutes_at_most_then_fails_the_batches_as_before() {
    let clock = VirtualClock::new();
    let all = logins(30);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let fake = FakeEpm::new(&clock, &refs);
    outage(&clock, &fake, 0.0, f64::INFINITY);
    let t0 = clock.now_ms();
    let (results, events) = run_as_admin(&clock, &fake, &config(10), &refs);
    assert!(results
        .iter()
        .all(|r| r.outcome == Outcome::Failed && r.message.starts_with("the upload failed after")));
    let took = clock.now_ms() - t0;
    assert!(
        (15.0 * 60_000.0..17.0 * 60_000.0).contains(&took),
        "held 15 min, then the other two batches failed after their attempts: {took} ms"
    );
    let gave_up: Vec<String> = notes(&events)
        .into_iter()
        .filter(|n| n.contains("failed every request for 15 min"))
        .collect();
    assert_eq!(gave_up.len(), 1, "{:?}", notes(&events));
    assert_eq!(
        events.iter().filter(|e| **e == RunEvent::HoldOver).count(),
        1
    );
}

#[test]
fn a_one_off_call_gives_up_after_its_attempts_instead_of_holding() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["u1"]);
    outage(&clock, &fake, 0.0, f64::INFINITY);
    let mut events = Vec::new();
    let listed = with_epm(&clock, &fake, &EpmConfig::one_off(), |epm| {
        block_on(&clock, 1e9, epm.list_users(&mut |e| events.push(e)))
    });
    assert!(
        listed.is_err_and(|e| e.starts_with("gave up after 5 attempts: HTTP 503")
            && !crate::epm::refused_credential(&e)),
        "the preview's Check who exists says why at once"
    );
    assert!(!events.iter().any(|e| matches!(e, RunEvent::Holding { .. })));
    assert_eq!(fake.log().len(), 5);
}

/// Runs `f` with the fake tenant reached as the Basic admin under `cfg`, with a control of its own.
fn with_epm<R>(
    clock: &VirtualClock,
    fake: &FakeEpm,
    cfg: &EpmConfig,
    f: impl FnOnce(&Epm<'_, FakeEpm, VirtualClock>) -> R,
) -> R {
    let base = EpmBase::parse("https://epm.example.com").unwrap();
    let control = Control::new(admin());
    let epm = Epm {
        http: fake,
        clock,
        control: &control,
        base: &base,
        config: cfg,
        outage: Default::default(),
    };
    f(&epm)
}

/// Lists the users the fake still has, as the resumed page does, and settles the interrupted
/// job's users with it.
fn settle_with_list_users(clock: &VirtualClock, fake: &FakeEpm, journal: &mut crate::run::Journal) {
    let users = with_epm(clock, fake, &EpmConfig::one_off(), |epm| {
        block_on(clock, 1e9, epm.list_users(&mut |_| {}))
    })
    .unwrap();
    let there: HashSet<String> = users.iter().map(|u| login_key(&u.login)).collect();
    journal.settle_interrupted_jobs_with(|l| there.contains(&login_key(l)), clock.now_ms());
}

#[test]
fn users_of_a_job_still_running_when_the_page_closed_are_sent_again_and_their_not_found_reads_removed(
) {
    let clock = VirtualClock::new();
    let all = ["a", "b", "c", "d", "e", "f"];
    let fake = FakeEpm::new(&clock, &all);
    fake.jobs_take(2_000.0);
    // The job starts, but its answer is a 500: no Job Status link is saved.
    fake.answer_after(
        1,
        |r| r.method == Method::Delete && r.url.contains("/security/v1/users?"),
        Ok(Response::new(500, "Internal Server Error")),
    );
    let p = plan(&all);
    let mut reopened = closed_during_run(&clock, &fake, &config(10), &p, 5_000);
    assert!(reopened.interrupted_jobs().is_empty(), "no link to follow");
    assert_eq!(reopened.interrupted_job_users().len(), 6);
    settle_with_list_users(&clock, &fake, &mut reopened);
    let again = reopened.remaining();
    assert_eq!(again.len(), 6, "the job had removed nobody yet: {again:?}");
    let unanswered: HashSet<String> = reopened.unanswered().into_iter().collect();
    assert_eq!(
        unanswered.len(),
        again.len(),
        "each user sent again may have been removed meanwhile"
    );

    // The resumed run sends them in a new job; the first job removes them before it reaches them.
    let cfg = EpmConfig {
        unknown_before: unanswered.iter().map(|u| login_key(u)).collect(),
        ..config(10)
    };
    let results = with_epm(&clock, &fake, &cfg, |epm| {
        block_on(&clock, 1e9, epm.remove_v1("run2", &again, &mut |_| {}))
    });
    assert_eq!(fake.removal_requests(), 2);
    assert_eq!(
        fake.removed().len(),
        6,
        "each removed once, by the first job"
    );
    for r in &results {
        assert_eq!(r.outcome, Outcome::Removed, "{r:?}");
    }
}

#[test]
fn a_job_followed_after_the_reload_that_fails_part_way_leaves_its_users_to_list_users() {
    let clock = VirtualClock::new();
    let fake = FakeEpm::new(&clock, &["a", "b", "c", "d"]);
    fake.jobs_take(1_000.0);
    fake.poison("c");
    fake.fail_midway();
    let p = plan(&["a", "b", "c", "d"]);
    let mut reopened = closed_during_run(&clock, &fake, &config(10), &p, 1_000);
    let jobs = reopened.interrupted_jobs();
    assert_eq!(jobs.len(), 1);
    let why = with_epm(&clock, &fake, &EpmConfig::one_off(), |epm| {
        block_on(
            &clock,
            1e9,
            epm.settle_interrupted_job(&jobs[0], &mut |_| {}),
        )
    })
    .map(|r| r.results)
    .unwrap_err();
    assert!(
        why.starts_with("ended without saying who it removed ("),
        "{why}"
    );
    settle_with_list_users(&clock, &fake, &mut reopened);
    let results = reopened.results();
    let removed: Vec<&str> = results
        .iter()
        .filter(|r| r.outcome == Outcome::Removed)
        .map(|r| r.user.as_str())
        .collect();
    assert_eq!(
        removed,
        ["a", "b"],
        "the two the job removed before it failed"
    );
    let again: Vec<String> = reopened.remaining().into_iter().map(|e| e.user).collect();
    assert_eq!(again, ["c", "d"], "the others are sent again");
}

#[test]
fn a_partly_uploaded_file_is_deleted_even_when_its_deletion_is_throttled_and_named_when_it_cannot_be(
) {
    let is_upload = |r: &crate::run::Request| r.url.contains("/contents");
    let is_file_delete = |r: &crate::run::Request| {
        r.method == Method::Delete && r.url.contains("/applicationsnapshots/")
    };
    let mut throttled = Response::new(429, "");
    throttled.headers.push(("Retry-After".into(), "2".into()));
    for refused in [false, true] {
        let clock = VirtualClock::new();
        let fake = FakeEpm::new(&clock, &["a", "b"]);
        // The upload takes effect, but its answer is a 500: it is uploaded again under the next name.
        fake.answer_after(1, is_upload, Ok(Response::new(500, "")));
        fake.fail(1, is_file_delete, Ok(throttled.clone()));
        if refused {
            fake.fail(usize::MAX, is_file_delete, Ok(Response::new(403, "")));
        }
        let cfg = EpmConfig {
            wait_for_credential: false,
            ..config(10)
        };
        let (results, events) = run_as_admin(&clock, &fake, &cfg, &["a", "b"]);
        assert!(
            results.iter().all(|r| r.outcome == Outcome::Removed),
            "{results:?}"
        );
        let named: Vec<String> = notes(&events)
            .into_iter()
            .filter(|n| n.contains("partly uploaded file"))
            .collect();
        if refused {
            assert_eq!(fake.files().len(), 2, "{:?}", fake.files());
            assert_eq!(named.len(), 1, "{named:?}");
            assert!(named[0].starts_with("Batch 1: the partly uploaded file offboard-run1-b0001.csv could not be deleted"), "{named:?}");
        } else {
            assert!(
                fake.files().is_empty(),
                "the 429 was waited out: {:?}",
                fake.files()
            );
            assert!(named.is_empty(), "{named:?}");
        }
    }
}

#[test]
fn a_run_cancelled_while_it_holds_ends_without_waiting_out_the_outage() {
    let clock = VirtualClock::new();
    let all = logins(30);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let fake = FakeEpm::new(&clock, &refs);
    outage(&clock, &fake, 0.0, f64::INFINITY);
    let control = Control::new(admin());
    let t0 = clock.now_ms();
    let (results, _) = run(
        &clock,
        &fake,
        &control,
        "https://epm.example.com",
        &config(10),
        &refs,
        |e| {
            if matches!(e, RunEvent::Holding { .. }) {
                control.cancel();
            }
        },
    );
    let took = clock.now_ms() - t0;
    assert!(
        took < 180_000.0,
        "the clean-up gives up as before instead of holding: {took} ms"
    );
    assert!(results.iter().all(|r| r.outcome != Outcome::Removed));
}
