//! The journal: what it records of a run, how it survives a reload, and what a resumed run does.

use std::cell::RefCell;
use std::collections::HashSet;

use futures::future::{select, Either};

use super::*;
use crate::rsa::delete::{NOT_FOUND, REMOVED, REMOVED_EARLIER};
use crate::rsa::{run_rsa_removal_resuming, ApiBase};
use crate::run::testing::{block_on, FakeHttp, Reply, VirtualClock, EPOCH_START_MS};
use crate::run::{Auth, Clock, Control, PacerSettings, ResumePlan, RunSettings};

fn uid(n: usize) -> String {
    format!("{n:08x}-0000-4000-8000-00000000abcd")
}

fn plan(users: &[String]) -> Vec<PlanEntry> {
    users
        .iter()
        .enumerate()
        .map(|(i, u)| PlanEntry {
            row: i + 2,
            user: u.clone(),
        })
        .collect()
}

fn result(entry: &PlanEntry, outcome: Outcome, message: &str, at_ms: f64) -> UserResult {
    UserResult {
        row: entry.row,
        user: entry.user.clone(),
        outcome,
        http_status: Some(200),
        message: message.to_string(),
        attempts: 1,
        at_ms,
    }
}

fn sending(user: &str) -> RunEvent {
    RunEvent::Sending {
        user: user.to_string(),
        attempt: 1,
    }
}

fn batch(index: usize, users: usize, stage: BatchStage) -> RunEvent {
    RunEvent::Batch {
        index,
        users,
        stage,
    }
}

fn users(entries: &[PlanEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.user.as_str()).collect()
}

#[test]
fn an_interrupted_runs_results_so_far_give_every_user_a_row() {
    let users: Vec<String> = (0..4).map(uid).collect();
    let p = plan(&users);
    let mut j = Journal::new(Target::Rsa, "x", "r", 0.0, p.clone(), Vec::new());
    j.apply(&sending(&users[0]));
    j.apply(&RunEvent::Result(result(
        &p[0],
        Outcome::Removed,
        "ok",
        1.0,
    )));
    j.apply(&sending(&users[1]));
    j.apply(&sending(&users[2]));
    j.apply(&RunEvent::Unacted {
        user: users[2].clone(),
    });
    let so_far = j.results_so_far();
    let outcomes: Vec<(usize, Outcome)> =
        so_far.iter().map(|r| (r.row, r.outcome.clone())).collect();
    assert_eq!(
        outcomes,
        [
            (2, Outcome::Removed),
            (3, Outcome::Failed),
            (4, Outcome::NotStarted),
            (5, Outcome::NotStarted)
        ]
    );
    assert_eq!(so_far[1].message, UNKNOWN_WHEN_CLOSED);
    assert_eq!(so_far[3].message, NOT_STARTED_WHEN_CLOSED);
    assert_eq!(j.results().len(), 1, "the journal itself is unchanged");
}

fn every_kind_of_skip() -> Vec<Skipped> {
    let reasons = [
        SkipReason::Duplicate { of_row: 2 },
        SkipReason::Invalid("not 8-4-4-4-12 hex \"quoted\"".into()),
        SkipReason::Blank,
        SkipReason::Header,
        SkipReason::ExcludedSelf,
        SkipReason::Protected("admin*".into()),
        SkipReason::NotInTenant("no user has this e-mail address (lookup)".into()),
        SkipReason::NotLookedUp("the lookup was cancelled.".into()),
        SkipReason::LeftOut,
    ];
    reasons
        .into_iter()
        .enumerate()
        .map(|(i, reason)| Skipped {
            row: 100 + i,
            value: format!("value {i} ✓"),
            reason,
        })
        .collect()
}

#[test]
fn a_journal_survives_the_round_trip_through_json() {
    let n = OUTCOMES.len();
    let p = plan(&(0..n + 2).map(uid).collect::<Vec<_>>());
    let mut j = Journal::new(
        Target::Epm,
        "https://epm.example.com/ ",
        "run-7",
        EPOCH_START_MS,
        p.clone(),
        every_kind_of_skip(),
    );
    for (i, outcome) in OUTCOMES.iter().enumerate() {
        let mut r = result(
            &p[i],
            outcome.clone(),
            &format!("said {i}"),
            EPOCH_START_MS + 1.5,
        );
        r.http_status = (i % 2 == 0).then_some(404);
        r.attempts = i as u32;
        j.apply(&RunEvent::Result(r));
    }
    j.apply(&sending(&p[n].user));
    j.apply(&batch(0, 2, BatchStage::Queued));
    j.apply(&batch(0, 2, BatchStage::Uploading));
    j.apply(&RunEvent::JobStarted {
        index: 0,
        href: "https://epm.example.com/interop/rest/security/v1/jobs/7".into(),
        file: "offboard-run-7-b0001.csv".into(),
    });
    j.apply(&batch(0, 2, BatchStage::JobRunning));
    assert_eq!(
        users(&j.interrupted_job_users()),
        [&p[n].user, &p[n + 1].user]
    );

    let json = j.to_json();
    assert_eq!(j.clone().encode(), json);
    let back = Journal::from_json(&json).unwrap();
    assert_eq!(back, j);
    assert_eq!(back.to_json(), json);
    assert_eq!(back.results(), j.results());
    assert_eq!(back.skipped(), every_kind_of_skip());
    assert_eq!(
        (back.target, back.base_url.as_str(), back.run_id.as_str()),
        (Target::Epm, "https://epm.example.com/ ", "run-7")
    );
    assert_eq!(back.unanswered(), [p[n].user.clone()]);
    assert_eq!(
        users(&back.interrupted_job_users()),
        [&p[n].user, &p[n + 1].user]
    );
    let jobs = back.interrupted_jobs();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].batch, jobs[0].href.as_str(), jobs[0].file.as_str()),
        (
            0,
            "https://epm.example.com/interop/rest/security/v1/jobs/7",
            "offboard-run-7-b0001.csv"
        )
    );
    assert_eq!(users(&jobs[0].users), [&p[n].user, &p[n + 1].user]);
    assert_eq!(back.action, RunAction::Remove);

    let mut settled = back.clone();
    for e in &p[n..n + 2] {
        settled.apply(&RunEvent::Result(result(e, Outcome::Removed, "ok", 2.0)));
    }
    assert!(settled.interrupted_jobs().is_empty());
    assert!(
        settled.to_json().contains(r#""jobs":[]"#),
        "a job whose users all have a result is no longer saved"
    );
}

#[test]
fn the_action_and_the_users_steps_are_kept_and_older_saves_read_as_removals() {
    let p = plan(&["a", "b", "c"].map(String::from));
    let mut j = Journal::new(Target::Rsa, "x", "r", 0.0, p.clone(), Vec::new())
        .for_action(RunAction::Remove, "20é".to_string());
    j.apply(&RunEvent::Result(result(
        &p[1],
        Outcome::DisabledOnly,
        "half",
        1.0,
    )));
    let back = Journal::from_json(&j.to_json()).unwrap();
    assert_eq!(back, j);
    assert_eq!((back.action, back.step_codes()), (RunAction::Remove, "20é"));
    assert_eq!(back.remaining_step_codes(), "2é");

    let marking = Journal::new(Target::Rsa, "x", "r", 0.0, p.clone(), Vec::new())
        .for_action(RunAction::Mark, String::new());
    let back = Journal::from_json(&marking.to_json()).unwrap();
    assert_eq!((back.action, back.step_codes()), (RunAction::Mark, ""));
    assert_eq!(back.remaining_step_codes(), "");

    let older = marking
        .to_json()
        .replace(",\"act\":\"mark\"", "")
        .replace(",\"stp\":\"\"", "");
    assert!(!older.contains("act") && !older.contains("stp"), "{older}");
    assert_eq!(
        Journal::from_json(&older).unwrap().action,
        RunAction::Remove
    );
    for (from, to, why) in [
        (
            "\"act\":\"mark\"",
            "\"act\":\"shred\"",
            "unknown action \"shred\"",
        ),
        (
            "\"stp\":\"\"",
            "\"stp\":\"22\"",
            "steps and the plan do not line up",
        ),
    ] {
        let e = Journal::from_json(&marking.to_json().replacen(from, to, 1)).unwrap_err();
        assert!(e.contains(why), "{e}");
    }
}

#[test]
fn events_decide_what_remains_and_who_was_left_unanswered() {
    let p = plan(&["a", "b", "c", "d"].map(String::from));
    let mut j = Journal::new(Target::Rsa, "x", "r", 0.0, p.clone(), Vec::new());
    assert_eq!(j.remaining(), p);
    for e in [
        sending("a"),
        sending("b"),
        RunEvent::Retrying {
            user: "b".into(),
            attempt: 1,
            wait_ms: 5,
            reason: "No response in time".into(),
        },
        RunEvent::Result(result(&p[0], Outcome::Removed, REMOVED, 3.0)),
        sending("c"),
        RunEvent::Result(result(&p[2], Outcome::NotFound, NOT_FOUND, 4.0)),
        RunEvent::Note("ignored".into()),
    ] {
        j.apply(&e);
    }
    assert_eq!(users(&j.remaining()), ["b", "d"]);
    assert_eq!(
        j.unanswered(),
        ["b"],
        "a retried user may have been acted on"
    );
    assert_eq!(j.results().len(), 2);
    assert!(!j.is_finished());

    j.reopen(&[4]);
    assert_eq!(users(&j.remaining()), ["b", "c", "d"]);
}

#[test]
fn epm_users_of_a_started_batch_come_back_failed_and_are_not_sent_again() {
    let logins: Vec<String> = (0..7).map(|i| format!("u{i}@example.com")).collect();
    let p = plan(&logins);
    let mut j = Journal::new(Target::Epm, "x", "r", 0.0, p.clone(), Vec::new());
    // As `remove_v1` tells it: the admin's own login first, then every batch announced,
    // then batch after batch.
    j.apply(&RunEvent::Result(result(
        &p[0],
        Outcome::NotAllowed,
        "own",
        1.0,
    )));
    for (index, size) in [3, 3].into_iter().enumerate() {
        j.apply(&batch(index, size, BatchStage::Queued));
    }
    j.apply(&batch(0, 3, BatchStage::Uploading));
    j.apply(&batch(0, 3, BatchStage::JobRunning));
    j.apply(&batch(0, 3, BatchStage::Done("finished".into())));
    for e in &p[1..4] {
        j.apply(&RunEvent::Result(result(e, Outcome::Removed, "ok", 2.0)));
    }
    j.apply(&batch(1, 3, BatchStage::Uploading));
    assert!(
        j.interrupted_job_users().is_empty(),
        "no removal was requested while the file uploads: its users are not started"
    );
    j.apply(&batch(1, 3, BatchStage::JobRunning));
    assert_eq!(
        users(&j.interrupted_job_users()),
        ["u4@example.com", "u5@example.com", "u6@example.com"]
    );

    let mut j = Journal::from_json(&j.to_json()).unwrap();
    let settled = j.settle_interrupted_jobs(9.0);
    assert_eq!(settled.len(), 3);
    assert!(settled
        .iter()
        .all(|r| r.outcome == Outcome::Failed && r.message == JOB_INTERRUPTED));
    assert!(j.remaining().is_empty() && j.is_finished());
    assert!(j.interrupted_job_users().is_empty());
}

#[test]
fn a_retry_of_unknown_outcomes_keeps_them_unanswered_through_a_reload() {
    let p = plan(&["a".to_string(), "b".to_string(), "c".to_string()]);
    let mut j = Journal::new(Target::Rsa, "x", "r", 0.0, p.clone(), Vec::new());
    j.carry_unanswered(&["b".to_string(), "c".to_string()]);
    j.apply(&RunEvent::Result(result(
        &p[2],
        Outcome::Removed,
        "ok",
        1.0,
    )));
    let j = Journal::from_json(&j.to_json()).unwrap();
    assert_eq!(j.unanswered(), ["b".to_string()]);
}

#[test]
fn an_interrupted_job_is_settled_from_who_is_still_there() {
    let logins: Vec<String> = (0..4).map(|i| format!("u{i}@example.com")).collect();
    let p = plan(&logins);
    let mut j = Journal::new(Target::Epm, "x", "r", 0.0, p.clone(), Vec::new());
    j.apply(&batch(0, 3, BatchStage::Queued));
    j.apply(&batch(1, 1, BatchStage::Queued));
    j.apply(&batch(0, 3, BatchStage::JobRunning));
    let mut j = Journal::from_json(&j.to_json()).unwrap();
    let gone =
        j.settle_interrupted_jobs_with(|login| login.eq_ignore_ascii_case("U1@example.com"), 5.0);
    let gone_users: Vec<&str> = gone.iter().map(|r| r.user.as_str()).collect();
    assert_eq!(gone_users, ["u0@example.com", "u2@example.com"]);
    assert!(gone
        .iter()
        .all(|r| r.outcome == Outcome::Removed && r.message == JOB_SETTLED_GONE));
    assert_eq!(
        users(&j.remaining()),
        ["u1@example.com", "u3@example.com"],
        "the one still there is sent again, with the batch that never started"
    );
    assert_eq!(
        j.unanswered(),
        ["u1@example.com"],
        "its job may still remove it: a \"not found\" then means removed"
    );
    assert!(j.interrupted_job_users().is_empty());
}

#[test]
fn a_login_missing_before_the_run_is_not_found_when_its_interrupted_job_is_settled() {
    let logins: Vec<String> = (0..3).map(|i| format!("u{i}@example.com")).collect();
    let p = plan(&logins);
    let mut j = Journal::new(Target::Epm, "x", "r", 0.0, p.clone(), Vec::new())
        .with_absent_before(|login| login == "u2@example.com");
    j.apply(&batch(0, 3, BatchStage::Queued));
    j.apply(&batch(0, 3, BatchStage::JobRunning));
    // The page is reloaded: what Check who exists found comes back with the journal.
    let mut j = Journal::from_json(&j.encode()).unwrap();
    assert_eq!(j.absent_before(), Some(vec!["u2@example.com"]));
    let gone = j.settle_interrupted_jobs_with(|login| login == "u0@example.com", 5.0);
    let outcomes: Vec<(&str, &Outcome, &str)> = gone
        .iter()
        .map(|r| (r.user.as_str(), &r.outcome, r.message.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("u1@example.com", &Outcome::Removed, JOB_SETTLED_GONE),
            ("u2@example.com", &Outcome::NotFound, JOB_SETTLED_ABSENT),
        ]
    );
    let unchecked = Journal::new(Target::Epm, "x", "r", 0.0, p, Vec::new());
    assert_eq!(
        Journal::from_json(&unchecked.to_json())
            .unwrap()
            .absent_before(),
        None,
        "no check before the run: nobody is known absent"
    );
}

#[test]
fn a_resumed_epm_run_cuts_its_batches_from_what_remains() {
    let logins: Vec<String> = (0..5).map(|i| format!("u{i}@example.com")).collect();
    let p = plan(&logins);
    let mut j = Journal::new(Target::Epm, "x", "r", 0.0, p.clone(), Vec::new());
    j.apply(&batch(0, 2, BatchStage::Queued));
    j.apply(&batch(1, 2, BatchStage::Queued));
    j.apply(&batch(2, 1, BatchStage::Queued));
    j.apply(&batch(0, 2, BatchStage::JobRunning));
    for e in &p[0..2] {
        j.apply(&RunEvent::Result(result(e, Outcome::Removed, "ok", 2.0)));
    }
    let mut j = Journal::from_json(&j.to_json()).unwrap();
    assert!(j.settle_interrupted_jobs(3.0).is_empty());
    assert_eq!(j.remaining().len(), 3);
    // The resumed run is given the three remaining users: one batch of 2, one of 1.
    j.apply(&batch(0, 2, BatchStage::Queued));
    j.apply(&batch(1, 1, BatchStage::Queued));
    j.apply(&batch(1, 1, BatchStage::JobRunning));
    assert_eq!(users(&j.interrupted_job_users()), ["u4@example.com"]);
}

#[test]
fn forty_thousand_users_stay_well_under_four_megabytes() {
    let p = plan(&(0..40_000).map(uid).collect::<Vec<_>>());
    let skipped: Vec<Skipped> = (0..2_000)
        .map(|i| Skipped {
            row: 50_000 + i,
            value: uid(i),
            reason: SkipReason::Duplicate { of_row: i + 2 },
        })
        .collect();
    let mut j = Journal::new(
        Target::Rsa,
        "https://acme.access.securid.com",
        "r",
        EPOCH_START_MS,
        p.clone(),
        skipped,
    );
    let messages = [
        REMOVED,
        NOT_FOUND,
        REMOVED_EARLIER,
        crate::rsa::delete::CONFLICT,
    ];
    for (i, e) in p.iter().enumerate() {
        j.apply(&sending(&e.user));
        let mut r = result(
            e,
            OUTCOMES[i % 4].clone(),
            messages[i % 4],
            EPOCH_START_MS + 37.0 * i as f64,
        );
        r.attempts = 1 + (i % 3) as u32;
        j.apply(&RunEvent::Result(r));
    }
    let json = j.to_json();
    assert_eq!(j.encode(), json);
    println!("40,000 RSA users: {} bytes", json.len());
    assert!(json.len() < 3_000_000, "{} bytes", json.len());
    assert_eq!(Journal::from_json(&json).unwrap(), j);

    let emails: Vec<String> = (0..40_000)
        .map(|i| format!("firstname.lastname{i}@example-company.com"))
        .collect();
    let mut j = Journal::new(
        Target::Epm,
        "https://x",
        "r",
        EPOCH_START_MS,
        plan(&emails),
        Vec::new(),
    );
    j.apply(&batch(0, 40_000, BatchStage::Queued));
    j.apply(&batch(0, 40_000, BatchStage::JobRunning));
    assert!(j.to_json().len() < 3_000_000, "{} bytes", j.to_json().len());
}

#[test]
fn a_new_journal_is_written_ahead_in_pieces_of_the_size_asked() {
    let users: Vec<String> = (0..250).map(uid).collect();
    let skips = every_kind_of_skip();
    let entries = 2 * users.len() + skips.len();
    let new = || {
        let p = plan(&users);
        Journal::new(
            Target::Rsa,
            "https://acme.example/ü",
            "run",
            EPOCH_START_MS,
            p,
            skips.clone(),
        )
    };
    for piece in [1, 7, 250, 501, entries, entries + 1] {
        let mut j = new();
        let mut calls = 1;
        while !j.prepare_encode(piece) {
            calls += 1;
        }
        assert_eq!(calls, entries.div_ceil(piece), "pieces of {piece}");
        assert!(j.prepare_encode(0), "nothing is left to write");
        assert_eq!(j.encode(), j.to_json(), "pieces of {piece}");
    }
    // A journal whose head changes while it is written ahead is written again.
    let mut j = new();
    assert!(!j.prepare_encode(300));
    j.base_url = "https://other.example".into();
    assert_eq!(j.encode(), j.to_json());
    assert!(j.encode().contains("other.example"));
}

#[test]
fn the_incremental_text_is_always_the_whole_journal_text() {
    let users: Vec<String> = (0..300).map(uid).collect();
    let p = plan(&users);
    let steps: String = (0..p.len()).map(|i| ['a', 'é', 'b'][i % 3]).collect();
    let mut j = Journal::new(
        Target::Rsa,
        "https://acme.example/\"q\"/ü",
        "run \u{1}",
        EPOCH_START_MS + 0.25,
        p.clone(),
        every_kind_of_skip(),
    );
    assert_eq!(j.encode(), j.to_json());
    j = j.for_action(RunAction::Mark, steps);
    assert_eq!(j.encode(), j.to_json());
    let messages = ["ok", "gone \"already\"", "refused ✗", "late"];
    let mut rng = crate::run::rng::Rng::new(7);
    for step in 0..2_000 {
        let e = &p[rng.up_to(p.len() as u64 - 1) as usize];
        match rng.up_to(9) {
            0..=3 => j.apply(&sending(&e.user)),
            4 => j.reopen(&[e.row]),
            _ => {
                // The last message first appears late, and early rows get it later: the
                // message table's order shifts under results already written.
                let m = if e.row > 250 || step > 1_500 {
                    rng.up_to(3)
                } else {
                    rng.up_to(2)
                };
                let mut r = result(e, OUTCOMES[step % 10].clone(), messages[m as usize], 0.0);
                r.at_ms = EPOCH_START_MS + step as f64 * 1.7;
                r.attempts = 1 + (step % 4) as u32;
                r.http_status = (step % 5 != 0).then_some(200 + (step % 300) as u16);
                j.apply(&RunEvent::Result(r));
            }
        }
        if step % 7 == 0 {
            let text = j.encode();
            assert_eq!(text, j.to_json(), "after step {step}");
            // The text is written where it was reserved: a save never copies it to grow it.
            assert!(
                text.capacity() - text.len() <= 1,
                "{} for {}",
                text.capacity(),
                text.len()
            );
        }
    }
    j.action = RunAction::Unmark;
    assert_eq!(j.encode(), j.to_json());
    let mut reread = Journal::from_json(&j.to_json()).unwrap();
    assert_eq!(reread.encode(), j.to_json());

    let logins: Vec<String> = (0..6).map(|i| format!("u{i}@example.com")).collect();
    let p = plan(&logins);
    let mut j = Journal::new(Target::Epm, "x", "r", 0.0, p.clone(), Vec::new());
    j.apply(&batch(0, 3, BatchStage::Queued));
    j.apply(&batch(1, 3, BatchStage::Queued));
    j.apply(&batch(0, 3, BatchStage::JobRunning));
    j.apply(&RunEvent::Result(result(
        &p[1],
        Outcome::Removed,
        "ok",
        2.0,
    )));
    assert_eq!(j.encode(), j.to_json());
    j.settle_interrupted_jobs(3.0);
    assert_eq!(j.encode(), j.to_json());
}

#[test]
fn garbage_and_other_versions_are_refused_with_a_reason() {
    let refused = |text: &str| Journal::from_json(text).unwrap_err();
    for text in ["", "offboard", "{\"v\":1", "\u{0}\u{1}"] {
        assert!(
            refused(text).contains("not valid JSON"),
            "{text:?}: {}",
            refused(text)
        );
    }
    for text in ["[1,2]", "{}", "42", "{\"version\":1}"] {
        assert_eq!(
            refused(text),
            "The saved data is not an Offboard run journal."
        );
    }
    assert!(refused("{\"v\":2,\"anything\":[]}")
        .contains("journal format 2; this version reads format 1"));
    assert!(refused("{\"v\":\"1\"}").contains("journal format unknown"));
    assert!(refused("{\"v\":1}").contains("damaged"));

    let good = one_removed_json();
    for (from, to, why) in [
        (
            "\"msgs\":[\"",
            "\"msgs\":[],\"old\":[\"",
            "message 0 is missing",
        ),
        (
            "\"target\":\"rsa\"",
            "\"target\":\"okta\"",
            "unknown target \"okta\"",
        ),
        ("\"rows\":[2]", "\"rows\":[2,3]", "do not line up"),
        ("\"job\":[]", "\"job\":[5]", "outside the plan"),
        ("[0,200,0,1,1.0]", "[99,200,0,1,1.0]", "unknown outcome 99"),
        ("\"started\":0.0", "\"started\":\"soon\"", "invalid type"),
    ] {
        let bad = good.replacen(from, to, 1);
        assert_ne!(bad, good, "{from} not in {good}");
        let e = refused(&bad);
        assert!(
            e.starts_with("The saved run is damaged") && e.contains(why),
            "{e}"
        );
    }
}

/// The saved text of a one-user RSA run started at 0 ms whose user was removed 1 ms later.
fn one_removed_json() -> String {
    let p = plan(&[uid(0)]);
    let mut j = Journal::new(Target::Rsa, "x", "r", 0.0, p.clone(), Vec::new());
    j.apply(&RunEvent::Result(result(
        &p[0],
        Outcome::Removed,
        REMOVED,
        1.0,
    )));
    j.to_json()
}

#[test]
fn a_result_whose_time_is_beyond_any_clock_is_refused_not_saved_as_null() {
    let far = one_removed_json()
        .replacen("\"started\":0.0", "\"started\":1e308", 1)
        .replacen("[0,200,0,1,1.0]", "[0,200,0,1,1e308]", 1);
    let e = Journal::from_json(&far).unwrap_err();
    assert!(e.contains("row 2: its time is not a time"), "{e}");
}

#[test]
fn saves_are_spaced_by_time_or_by_outcomes() {
    let mut t = SaveThrottle::new(1_000, 3);
    assert!(!t.should_save(0.0), "nothing to save");
    t.note(&RunEvent::Concurrency(4));
    assert!(!t.should_save(0.0), "nothing the journal keeps");
    t.note(&sending("a"));
    assert!(t.should_save(0.0), "the first change is saved at once");
    t.saved(0.0);
    t.note(&sending("b"));
    assert!(!t.should_save(999.0));
    assert!(t.should_save(1_000.0));
    t.saved(1_000.0);
    let p = plan(&["a".to_string()]);
    for _ in 0..3 {
        assert!(!t.should_save(1_001.0));
        t.note(&RunEvent::Result(result(
            &p[0],
            Outcome::Removed,
            "ok",
            0.0,
        )));
    }
    assert!(t.should_save(1_001.0), "three outcomes");
}

/// Runs RSA removals until `stop_at_ms` of simulated time (the page closes), feeding `journal`.
fn rsa_run_until(
    work: ResumePlan<'_>,
    journal: &RefCell<Journal>,
    script: impl Fn(&crate::run::testing::Call) -> Reply + 'static,
    stop_at_ms: f64,
) -> FakeHttp {
    let clock = VirtualClock::new();
    let http = FakeHttp::new(&clock, script);
    let control = Control::new(Auth::Bearer("t".into()));
    let settings = RunSettings {
        pacer: PacerSettings {
            initial: 2,
            min: 1,
            max: 2,
        },
        ..RunSettings::default()
    };
    let base = ApiBase::parse("https://acme.access.securid.com").unwrap();
    let mut on_event = |e: RunEvent| journal.borrow_mut().apply(&e);
    let engine = run_rsa_removal_resuming(
        work,
        &base,
        &http,
        &clock,
        &control,
        &settings,
        &mut on_event,
    );
    let closed = clock.sleep(stop_at_ms as u64);
    match block_on(
        &clock,
        3_600_000.0,
        select(Box::pin(engine), Box::pin(closed)),
    ) {
        Either::Left(_) => assert!(
            stop_at_ms.is_infinite(),
            "the run ended before the page closed"
        ),
        Either::Right(_) => {}
    }
    http
}

#[test]
fn a_resumed_rsa_run_rechecks_unanswered_users_and_never_resends_known_ones() {
    let ids: Vec<String> = (0..6).map(uid).collect();
    let p = plan(&ids);
    let journal = RefCell::new(Journal::new(
        Target::Rsa,
        "acme",
        "r",
        EPOCH_START_MS,
        p.clone(),
        Vec::new(),
    ));
    let none = HashSet::new();
    // Two at a time: 0 removed at 100 ms, 1 never answers, 2 not found at 200 ms, 3 sent at
    // 200 ms and slow; the page closes at 250 ms.
    let script = |c: &crate::run::testing::Call| match &c.user[..8] {
        "00000000" => Reply::status(200),
        "00000001" => Reply::hang(),
        "00000002" => Reply::status(404),
        _ => Reply::status(200).after(5_000),
    };
    let work = ResumePlan {
        plan: &p,
        unanswered: &none,
    };
    rsa_run_until(work, &journal, script, 250.0);

    let saved = journal.borrow().to_json();
    let journal = RefCell::new(Journal::from_json(&saved).unwrap());
    let remaining = journal.borrow().remaining();
    assert_eq!(users(&remaining), [&ids[1], &ids[3], &ids[4], &ids[5]]);
    let unanswered: HashSet<String> = journal.borrow().unanswered().into_iter().collect();
    assert_eq!(unanswered, HashSet::from([ids[1].clone(), ids[3].clone()]));

    // After the reload every user is gone but 3 and 5.
    let script = |c: &crate::run::testing::Call| match &c.user[..8] {
        "00000003" | "00000005" => Reply::status(200),
        _ => Reply::status(404),
    };
    let work = ResumePlan {
        plan: &remaining,
        unanswered: &unanswered,
    };
    let http = rsa_run_until(work, &journal, script, f64::INFINITY);
    assert_eq!(
        (http.calls_for(&ids[0]), http.calls_for(&ids[2])),
        (0, 0),
        "known outcomes are never re-sent"
    );

    let journal = journal.into_inner();
    assert!(journal.is_finished() && journal.unanswered().is_empty());
    let said: Vec<(Outcome, &str)> = journal
        .results
        .iter()
        .flatten()
        .map(|r| (r.outcome.clone(), r.message.as_str()))
        .collect();
    use Outcome::*;
    assert_eq!(
        said,
        [
            (Removed, REMOVED),
            (Removed, REMOVED_EARLIER),
            (NotFound, NOT_FOUND),
            (Removed, REMOVED),
            (NotFound, NOT_FOUND),
            (Removed, REMOVED),
        ]
    );
}

#[test]
fn a_journal_read_in_steps_is_the_journal_read_at_once_and_gives_two_turns() {
    let users: Vec<String> = (0..50).map(uid).collect();
    let entries = plan(&users);
    let mut journal = Journal::new(
        Target::Rsa,
        "https://t.example",
        "run",
        1.7e12,
        entries.clone(),
        Vec::new(),
    );
    for e in entries.iter().take(20) {
        journal.apply(&RunEvent::Result(result(
            e,
            Outcome::Removed,
            "Removed.",
            1.7e12 + 5.0,
        )));
    }
    let text = journal.encode();
    let turns = RefCell::new(0);
    let turn = || {
        *turns.borrow_mut() += 1;
        std::future::ready(())
    };
    let clock = VirtualClock::new();
    let read = block_on(&clock, 1.0, Journal::from_json_in_steps(&text, turn)).unwrap();
    assert_eq!(read, journal);
    assert_eq!(read, Journal::from_json(&text).unwrap());
    assert_eq!(*turns.borrow(), 2);

    let damaged = text.replacen("\"done\":[[", "\"done\":[[99,", 1);
    assert_eq!(
        block_on(
            &clock,
            1.0,
            Journal::from_json_in_steps(&damaged, || std::future::ready(()))
        ),
        Journal::from_json(&damaged)
    );
    assert!(Journal::from_json(&damaged)
        .unwrap_err()
        .contains("damaged"));
}
