//! Mark for deletion and the undos, and what every documented code means.

use super::*;

#[test]
fn mark_undo_and_enable_again_change_only_what_this_run_changed() {
    let tenant = FakeTenant::default();
    let p = plan(4);
    let users = [
        (false, "Corp AD"),
        (true, "Corp AD"),
        (false, "Azure Active Directory (SCIM)"),
    ];
    for (i, (pending, source)) in users.into_iter().enumerate() {
        tenant.add(
            &p[i].user,
            FakeUser {
                enabled: true,
                pending,
                source,
            },
        );
    }
    let fake = tenant.clone();
    let ran = run(
        &p,
        RsaMode::Change(Change::Mark),
        move |c| fake.reply(c),
        nothing,
    );
    use Outcome::*;
    let outcomes: Vec<Outcome> = ran.results.iter().map(|r| r.outcome.clone()).collect();
    assert_eq!(outcomes, [Marked, Unchanged, NotAllowed, NotFound]);
    assert_eq!(ran.said(0).1, single::MARKED);
    assert_eq!(ran.said(1).1, single::ALREADY_MARKED);
    for call in ran.http.calls() {
        assert_eq!(
            (call.method, call.url.clone(), call.body.as_str()),
            (
                Method::Put,
                format!("{USERS}/{}/markDeleted", call.user),
                r#"{"markDeleted":true}"#
            )
        );
    }
    ran.assert_accounted(&p);

    let rows = crate::results::rows(ran.results.clone(), []);
    let undo = crate::results::undo_plan(&rows);
    assert_eq!(undo, [p[0].clone()]);
    let fake = tenant.clone();
    let ran = run(
        &undo,
        RsaMode::Change(Change::Unmark),
        move |c| fake.reply(c),
        nothing,
    );
    assert_eq!(ran.said(0), (Restored, single::UNMARKED));
    assert_eq!(ran.http.calls()[0].body, r#"{"markDeleted":false}"#);
    assert!(!tenant.user(&p[0].user).unwrap().pending);
    assert!(
        tenant.user(&p[1].user).unwrap().pending,
        "marked before the run: left alone"
    );

    let fake = tenant.clone();
    fake.add(
        &p[3].user,
        FakeUser {
            enabled: false,
            pending: false,
            source: "Corp AD",
        },
    );
    let again = [p[0].clone(), p[3].clone()];
    let ran = run(
        &again,
        RsaMode::Change(Change::Reenable),
        move |c| fake.reply(c),
        nothing,
    );
    assert_eq!(ran.said(0), (Unchanged, single::ALREADY_ENABLED));
    assert_eq!(ran.said(1), (Restored, single::ENABLED));
    let call = &ran.http.calls()[1];
    assert_eq!(
        (call.method, call.url.clone(), call.body.as_str()),
        (
            Method::Put,
            format!("{USERS}/{}/userStatus", p[3].user),
            r#"{"userStatus":"Enabled"}"#
        )
    );
    assert!(tenant.user(&p[3].user).unwrap().enabled);
}

/// The verdict's kind and outcome: `final:<label>`, `continue`, `refused`, `throttled`, `retry`.
fn verdict_kind(v: &crate::run::Verdict) -> String {
    use crate::run::Verdict::*;
    match v {
        Final { outcome, .. } => format!("final:{}", outcome.label()),
        Continue { .. } => "continue".into(),
        CredentialRefused { .. } => "refused".into(),
        Throttled { .. } => "throttled".into(),
        Retry { .. } => "retry".into(),
    }
}

fn judged(
    judge: impl Fn(
        &Result<crate::run::Response, NetError>,
        &crate::run::AttemptContext<'_>,
    ) -> crate::run::Verdict,
    status: u16,
    lost: bool,
) -> String {
    let ctx = crate::run::AttemptContext {
        now_ms: EPOCH_START_MS,
        attempt: 2,
        earlier_unanswered: lost,
        resumed: false,
        user: "eb2e12ae-1112-451b-98e1-dfe4e6afd60d",
        step: 0,
    };
    verdict_kind(&judge(&Ok(crate::run::Response::new(status, "{}")), &ctx))
}

#[test]
fn every_documented_code_of_each_change_has_its_meaning() {
    let codes = [200, 400, 403, 404, 405, 409, 429, 500];
    let table = |judge: &dyn Fn(u16) -> String| codes.map(judge);
    let f = |label: &str| format!("final:{label}");
    let common = |c: u16| match c {
        403 => "refused".to_string(),
        429 => "throttled".to_string(),
        500 => "retry".to_string(),
        _ => unreachable!(),
    };
    let change = |ch: Change| move |c: u16| judged(|r, x| judge_change(ch, r, x), c, false);
    let step = |s: Step| move |c: u16| judged(|r, x| judge_step(s, r, x), c, false);
    let expect = |specific: [&str; 5]| {
        codes.map(|c| match c {
            403 | 429 | 500 => common(c),
            200 => specific[0].to_string(),
            400 => specific[1].to_string(),
            404 => specific[2].to_string(),
            405 => specific[3].to_string(),
            _ => specific[4].to_string(),
        })
    };
    let (failed, not_found, not_allowed) = (f("failed"), f("not found"), f("not allowed"));
    assert_eq!(
        table(&change(Change::Mark)),
        expect([
            &f("marked for deletion"),
            &failed,
            &not_found,
            &not_allowed,
            &f("left as it was")
        ])
    );
    assert_eq!(
        table(&change(Change::Unmark)),
        expect([
            &f("restored"),
            &failed,
            &not_found,
            &not_allowed,
            &f("left as it was")
        ])
    );
    assert_eq!(
        table(&change(Change::Reenable)),
        expect([
            &f("restored"),
            &failed,
            &not_found,
            &failed,
            &f("left as it was")
        ])
    );
    assert_eq!(
        table(&step(Step::Disable)),
        expect(["continue", &failed, &not_found, &failed, "continue"])
    );
    assert_eq!(
        table(&step(Step::Unmark)),
        expect(["continue", &failed, &not_found, &not_allowed, "continue"])
    );
    // After a request that got no clear answer, "already so" most likely means that request did it.
    assert_eq!(
        judged(|r, x| judge_change(Change::Mark, r, x), 409, true),
        f("marked for deletion")
    );
    assert_eq!(
        judged(|r, x| judge_change(Change::Reenable, r, x), 409, true),
        f("restored")
    );
}

#[test]
fn a_web_page_answering_ok_is_not_taken_for_a_change_or_a_step_that_went_through() {
    let ctx = crate::run::AttemptContext {
        now_ms: EPOCH_START_MS,
        attempt: 1,
        earlier_unanswered: false,
        resumed: false,
        user: "eb2e12ae-1112-451b-98e1-dfe4e6afd60d",
        step: 0,
    };
    let page = Ok(crate::run::Response::new(
        200,
        "<!doctype html><title>Offboard</title>",
    ));
    for change in [Change::Mark, Change::Unmark, Change::Reenable] {
        assert_eq!(
            verdict_kind(&judge_change(change, &page, &ctx)),
            "final:failed"
        );
    }
    for step in [Step::Disable, Step::Unmark] {
        let verdict = judge_step(step, &page, &ctx);
        assert_eq!(verdict_kind(&verdict), "final:failed");
        let crate::run::Verdict::Final { message, .. } = verdict else {
            unreachable!()
        };
        assert!(message.contains("came from a web page"), "{message}");
    }
}
