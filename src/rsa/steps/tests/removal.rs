//! Removal in steps: disable (and unmark), then delete.

use super::*;

#[test]
fn disabled_then_deleted_reads_as_both_steps_and_sends_the_documented_requests() {
    let p = plan(1);
    let ran = run(&p, disable_first(), |_| Reply::status(200), nothing);
    assert_eq!(ran.said(0), (Outcome::Removed, &*removed_after("Disabled")));
    assert_eq!(
        ran.said(0).1,
        "Disabled, then removed: the user and all their devices were deleted from Cloud Access Service."
    );
    assert_eq!(
        (ran.results[0].attempts, ran.results[0].http_status),
        (2, Some(200))
    );
    let calls = ran.http.calls();
    let id = &p[0].user;
    assert_eq!(
        (
            calls[0].method,
            calls[0].url.as_str(),
            calls[0].body.as_str()
        ),
        (
            Method::Put,
            &*format!("{USERS}/{id}/userStatus"),
            r#"{"userStatus":"Disabled"}"#
        )
    );
    assert_eq!(
        (
            calls[1].method,
            calls[1].url.as_str(),
            calls[1].body.as_str()
        ),
        (Method::Delete, &*format!("{USERS}/{id}"), "")
    );
    assert!(calls
        .iter()
        .all(|c| c.authorization.as_deref() == Some("Bearer old")));
    assert!(
        calls[1].at_ms >= calls[0].answered_at_ms.unwrap(),
        "the delete waits for the disable"
    );
    ran.assert_accounted(&p);
}

#[test]
fn a_delete_that_fails_after_the_disable_leaves_the_user_disabled_only() {
    let p = plan(3);
    let ran = run(
        &p,
        disable_first(),
        |c| match (user_no(c), kind(c), c.attempt) {
            (0, "delete", _) => Reply::status(409),
            (1, "delete", _) => Reply::status(503),
            // Each step has its own allowance: four failures before each success.
            (2, "disable", n) if n <= 4 => Reply::status(503),
            (2, "delete", n) if n <= 9 => Reply::status(503),
            _ => Reply::status(200),
        },
        nothing,
    );
    let (outcome, message) = ran.said(0);
    assert_eq!(outcome, Outcome::DisabledOnly);
    assert!(
        message.starts_with("Disabled, not deleted: the service still counts the user as enabled or pending deletion (HTTP 409)"),
        "{message}"
    );
    assert_eq!(ran.results[0].http_status, Some(409));
    assert_eq!(
        ran.said(1),
        (
            Outcome::DisabledOnly,
            "Disabled, not deleted: failed after 5 attempts: Server error (HTTP 503): {}"
        )
    );
    assert_eq!(ran.results[1].attempts, 6);
    assert_eq!(ran.said(2), (Outcome::Removed, &*removed_after("Disabled")));
    assert_eq!(ran.results[2].attempts, 10);
    assert!(Outcome::DisabledOnly.is_retryable());
    ran.assert_accounted(&p);
}

#[test]
fn an_already_disabled_user_goes_on_to_the_delete_and_says_so() {
    let p = plan(2);
    let ran = run(
        &p,
        disable_first(),
        |c| match (user_no(c), kind(c)) {
            (_, "disable") => Reply::status(409),
            (0, _) => Reply::status(200),
            _ => Reply::status(409),
        },
        nothing,
    );
    assert_eq!(
        ran.said(0),
        (Outcome::Removed, &*removed_after("Already disabled"))
    );
    let (outcome, message) = ran.said(1);
    assert_eq!(
        outcome,
        Outcome::Conflict,
        "not disabled by this run, so not 'disabled only'"
    );
    assert!(
        message.starts_with("Already disabled, not deleted: the service still counts"),
        "{message}"
    );
    ran.assert_accounted(&p);
}

#[test]
fn a_refused_credential_pauses_and_the_same_step_is_sent_again_with_the_new_one() {
    let replace_after_pause = |clock: VirtualClock, control: Control| async move {
        while control.mode() != Mode::Paused(PauseReason::CredentialRefused) {
            clock.sleep(10).await;
        }
        clock.sleep(60_000).await;
        control.replace_auth(Auth::Bearer("new".into()));
    };
    let (old, new) = ("Bearer old".to_string(), "Bearer new".to_string());
    let p = plan(1);
    let refused_at = |step: &'static str| {
        move |c: &Call| match c.authorization.as_deref() {
            Some("Bearer old") if kind(c) == step => Reply::status(403),
            _ => Reply::status(200),
        }
    };
    let ran = run(
        &p,
        disable_first(),
        refused_at("disable"),
        replace_after_pause,
    );
    assert_eq!(
        ran.asked(&p[0]),
        [
            ("disable", old.clone()),
            ("disable", new.clone()),
            ("delete", new.clone())
        ]
    );
    assert_eq!(ran.said(0), (Outcome::Removed, &*removed_after("Disabled")));
    assert_eq!(ran.control.mode(), Mode::Running);
    ran.assert_accounted(&p);

    let ran = run(
        &p,
        disable_first(),
        refused_at("delete"),
        replace_after_pause,
    );
    assert_eq!(
        ran.asked(&p[0]),
        [("disable", old.clone()), ("delete", old), ("delete", new)],
        "the disable is not repeated"
    );
    assert_eq!(ran.said(0), (Outcome::Removed, &*removed_after("Disabled")));
    ran.assert_accounted(&p);
}

#[test]
fn a_throttled_disable_waits_for_retry_after_then_goes_on() {
    let p = plan(1);
    let ran = run(
        &p,
        disable_first(),
        |c| match c.attempt {
            1 => Reply::status(429).header("Retry-After", "7"),
            _ => Reply::status(200),
        },
        nothing,
    );
    let calls = ran.calls_of(&p[0]);
    let kinds: Vec<&str> = calls.iter().map(kind).collect();
    assert_eq!(kinds, ["disable", "disable", "delete"]);
    assert!(
        calls[1].at_ms >= 100.0 + 7_000.0,
        "sent at {}",
        calls[1].at_ms
    );
    assert_eq!(ran.said(0), (Outcome::Removed, &*removed_after("Disabled")));
    ran.assert_accounted(&p);
}

#[test]
fn cancelling_between_the_steps_leaves_the_user_disabled_only() {
    let p = plan(1);
    let ran = run(&p, disable_first(), |_| Reply::status(200), cancel_at(50));
    assert_eq!(
        ran.said(0),
        (
            Outcome::DisabledOnly,
            "Disabled, not deleted: the run was cancelled before the delete."
        )
    );
    assert_eq!(ran.asked(&p[0]).len(), 1, "no delete after the cancel");
    ran.assert_accounted(&p);

    // Cancelled while the delete waits for a retry, and while a lost delete waits for one.
    let ran = run(
        &p,
        disable_first(),
        |c| match kind(c) {
            "delete" => Reply::status(503),
            _ => Reply::status(200),
        },
        cancel_at(250),
    );
    let (outcome, message) = ran.said(0);
    assert_eq!(outcome, Outcome::DisabledOnly);
    assert!(
        message.starts_with("Disabled, not deleted: the run was cancelled before the delete went through (last answer: Server error (HTTP 503)"),
        "{message}"
    );
    let ran = run(
        &p,
        disable_first(),
        |c| match kind(c) {
            "delete" => Reply::fail(NetError::Timeout),
            _ => Reply::status(200),
        },
        cancel_at(250),
    );
    let (outcome, message) = ran.said(0);
    assert_eq!(outcome, Outcome::Failed, "the delete may have gone through");
    assert!(
        message.starts_with(
            "Disabled; the delete got no clear answer, so whether it went through is unknown."
        ),
        "{message}"
    );
    ran.assert_accounted(&p);
}

#[test]
fn a_pending_user_is_unmarked_disabled_then_deleted_in_that_order() {
    let tenant = FakeTenant::default();
    let p = plan(4);
    for (i, (enabled, source)) in [
        (true, "Corp AD"),
        (false, "Corp AD"),
        (false, "Corp AD"),
        (false, "SCIM Managed"),
    ]
    .into_iter()
    .enumerate()
    {
        let pending = i != 1;
        tenant.add(
            &p[i].user,
            FakeUser {
                enabled,
                pending,
                source,
            },
        );
    }
    let blind = RemovalOptions {
        disable_first: false,
        unmark_pending: true,
    };
    let fake = tenant.clone();
    let ran = run(
        &p,
        RsaMode::Remove(StepMap::new(Steps::blind(blind))),
        move |c| match (user_no(c), kind(c)) {
            (2, "delete") => Reply::status(503),
            _ => fake.reply(c),
        },
        nothing,
    );
    let kinds: Vec<&str> = ran.asked(&p[0]).iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, ["unmark", "disable", "delete"]);
    assert_eq!(
        ran.said(0),
        (Outcome::Removed, &*removed_after("Unmarked, disabled"))
    );
    assert_eq!(
        ran.said(1),
        (
            Outcome::Removed,
            &*removed_after("Not marked for deletion, already disabled")
        )
    );
    let (outcome, message) = ran.said(2);
    assert_eq!(outcome, Outcome::Failed);
    assert!(
        message.starts_with("Unmarked, already disabled, not deleted: failed after 5 attempts")
            && message.ends_with(
                "It is no longer marked for deletion, so the service will not remove it by itself."
            ),
        "{message}"
    );
    assert_eq!(ran.said(3).0, Outcome::NotAllowed);
    assert!(
        ran.said(3).1.contains("cannot be unmarked or deleted here"),
        "{}",
        ran.said(3).1
    );
    assert_eq!(ran.asked(&p[3]).len(), 1);
    assert_eq!(
        (tenant.user(&p[0].user), tenant.user(&p[1].user)),
        (None, None)
    );
    ran.assert_accounted(&p);
}
