//! A two-step run cut short by a closed page, resumed from its journal.

use super::*;

/// Runs `mode` on `work` against `tenant` until `stop_at_ms` of simulated time (the page
/// closes), feeding `journal`.
fn run_until(
    work: ResumePlan<'_>,
    mode: RsaMode,
    journal: &RefCell<crate::run::Journal>,
    tenant: &FakeTenant,
    stop_at_ms: f64,
) {
    use futures::future::{select, Either};
    let clock = VirtualClock::new();
    let fake = tenant.clone();
    let http = FakeHttp::new(&clock, move |c| fake.reply(c));
    let control = Control::new(Auth::Bearer("t".into()));
    let settings = RunSettings {
        pacer: PacerSettings {
            initial: 2,
            min: 1,
            max: 2,
        },
        ..RunSettings::default()
    };
    let job = RsaJob {
        base: ApiBase::parse("https://acme.access.securid.com").unwrap(),
        mode,
    };
    let mut on_event = |e: RunEvent| journal.borrow_mut().apply(&e);
    let engine = run_rsa(
        work,
        &job,
        &http,
        &clock,
        &control,
        &settings,
        &mut on_event,
    );
    let closed = clock.sleep(stop_at_ms as u64);
    let ended = block_on(
        &clock,
        SIMULATED_LIMIT_MS,
        select(Box::pin(engine), Box::pin(closed)),
    );
    assert_eq!(matches!(ended, Either::Left(_)), stop_at_ms.is_infinite());
}

#[test]
fn a_resumed_two_step_run_starts_unfinished_users_again_at_their_first_step() {
    use crate::run::{Journal, RunAction};
    use crate::target::Target;
    // Closed at 50 ms: the first two users' disables were out. At 150 ms: their deletes were.
    for (closed_at, first_two) in [
        (
            50.0,
            removed_after("Disabled (or already disabled: an earlier request got no clear answer)"),
        ),
        (
            150.0,
            crate::rsa::steps::removal::REMOVED_BEFORE_CLOSE.to_string(),
        ),
    ] {
        let tenant = FakeTenant::default();
        let p = plan(4);
        for e in &p {
            tenant.add(
                &e.user,
                FakeUser {
                    enabled: true,
                    pending: false,
                    source: "Corp AD",
                },
            );
        }
        let mode = disable_first();
        let journal = Journal::new(
            Target::Rsa,
            "acme",
            "r",
            EPOCH_START_MS,
            p.clone(),
            Vec::new(),
        )
        .for_action(mode.action(), mode.journal_steps(&p));
        assert_eq!(journal.step_codes(), "2222");
        let journal = RefCell::new(journal);
        let none = HashSet::new();
        let work = ResumePlan {
            plan: &p,
            unanswered: &none,
        };
        run_until(work, mode, &journal, &tenant, closed_at);

        let saved = journal.borrow().to_json();
        let reopened = Journal::from_json(&saved).unwrap();
        assert_eq!(reopened.action, RunAction::Remove);
        let mode = RsaMode::from_journal(&reopened).unwrap();
        let two_steps = |m: &RsaMode| match m {
            RsaMode::Remove(map) => p
                .iter()
                .all(|e| map.get(&e.user).list() == [Step::Disable, Step::Delete]),
            RsaMode::Change(_) => false,
        };
        assert!(two_steps(&mode), "{mode:?}");
        let remaining = reopened.remaining();
        let unanswered: HashSet<String> = reopened.unanswered().into_iter().collect();
        assert_eq!(
            unanswered,
            HashSet::from([p[0].user.clone(), p[1].user.clone()])
        );
        let journal = RefCell::new(reopened);
        let work = ResumePlan {
            plan: &remaining,
            unanswered: &unanswered,
        };
        run_until(work, mode, &journal, &tenant, f64::INFINITY);

        let journal = journal.into_inner();
        assert!(journal.is_finished());
        let said: Vec<(Outcome, String)> = journal
            .results()
            .into_iter()
            .map(|r| (r.outcome, r.message))
            .collect();
        let then_removed = (Outcome::Removed, removed_after("Disabled"));
        assert_eq!(
            said,
            [
                (Outcome::Removed, first_two.clone()),
                (Outcome::Removed, first_two),
                then_removed.clone(),
                then_removed
            ],
            "closed at {closed_at}"
        );
        assert!(p.iter().all(|e| tenant.user(&e.user).is_none()));
    }
}
