//! What the Run step says about a run: the outcomes its breakdown lists, its status line once it
//! has ended, and each EPM batch's line.

use super::action::RunAction;
use super::control::PauseReason;
use super::event::BatchStage;
use super::outcome::Outcome;
use super::progress::{Hold, Progress};
use crate::decimal::grouped;
use crate::target::Target;

/// The outcomes a run of `action` on `target` can report, in the order the Run step lists them,
/// with the words it uses. An EPM removal never disables, never meets a user pending deletion
/// and has no SCIM-managed users: it lists only removed, not found, not allowed (the signed-in
/// admin's own login, set aside), failed and not started.
pub fn run_outcomes(target: Target, action: RunAction) -> Vec<(Outcome, &'static str)> {
    let wanted: &[Outcome] = match (target, action) {
        (Target::Epm, _) => &[
            Outcome::Removed,
            Outcome::NotFound,
            Outcome::NotAllowed,
            Outcome::Failed,
            Outcome::NotStarted,
        ],
        (Target::Rsa, RunAction::Remove) => &[
            Outcome::Removed,
            Outcome::DisabledOnly,
            Outcome::NotFound,
            Outcome::NotAllowed,
            Outcome::Conflict,
            Outcome::Failed,
            Outcome::NotStarted,
        ],
        (Target::Rsa, RunAction::Mark) => &[
            Outcome::Marked,
            Outcome::Unchanged,
            Outcome::NotFound,
            Outcome::NotAllowed,
            Outcome::Failed,
            Outcome::NotStarted,
        ],
        (Target::Rsa, RunAction::Unmark | RunAction::Reenable) => &[
            Outcome::Restored,
            Outcome::Unchanged,
            Outcome::NotFound,
            Outcome::Failed,
            Outcome::NotStarted,
        ],
    };
    wanted
        .iter()
        .map(|o| {
            let words = match (target, o) {
                (Target::Rsa, Outcome::NotAllowed) => "not allowed (SCIM / Azure AD)",
                (Target::Epm, Outcome::NotAllowed) => "not allowed (your own account)",
                (_, other) => other.label(),
            };
            (o.clone(), words)
        })
        .collect()
}

/// The outcome a run of `action` is for: the one its status line always names.
fn aim(action: RunAction) -> Outcome {
    match action {
        RunAction::Remove => Outcome::Removed,
        RunAction::Mark => Outcome::Marked,
        RunAction::Unmark | RunAction::Reenable => Outcome::Restored,
    }
}

/// The status line of a run that has ended. A run the admin cancelled that left users not
/// started says so ("Cancelled: 120 removed, 330 not started (of 450 users)."); otherwise
/// "Finished: 450 of 450 users have an outcome: 440 removed, 10 not found.". A cancel that
/// came too late to leave anyone out changed nothing: that run finished.
pub fn ended(progress: &Progress, action: RunAction, cancel_requested: bool) -> String {
    let aim = aim(action);
    let parts: Vec<String> = Outcome::ALL
        .iter()
        .filter(|o| **o == aim || progress.counts.get(o) > 0)
        .map(|o| match failures(progress) {
            Some(failed) if *o == Outcome::Failed => failed,
            _ => format!("{} {}", grouped(progress.counts.get(o)), o.label()),
        })
        .collect();
    let parts = parts.join(", ");
    let took = took(progress);
    if cut_short(progress, cancel_requested) {
        format!(
            "Cancelled: {parts} (of {} users).{took}",
            grouped(progress.total)
        )
    } else {
        format!(
            "Finished: {} of {} users have an outcome: {parts}.{took}",
            grouped(progress.done()),
            grouped(progress.total)
        )
    }
}

/// Whether a run that has ended was cancelled: the admin asked, in time to leave users not started.
fn cut_short(progress: &Progress, cancel_requested: bool) -> bool {
    cancel_requested && progress.counts.get(&Outcome::NotStarted) > 0
}

/// How long this session took for the users it did, and at what rate: " 40,000 users in 3 min 25 s
/// (195.1 users/s)." Empty when it did none. A resumed run counts only what this session did.
fn took(progress: &Progress) -> String {
    match progress.session_span() {
        None => String::new(),
        Some((1, _)) => " 1 user.".to_string(),
        Some((users, ms)) if ms < 1.0 => format!(" {} users.", grouped(users)),
        Some((users, ms)) => format!(
            " {} users in {} ({} users/s).",
            grouped(users),
            duration(ms),
            crate::decimal::fixed(users as f64 * 1_000.0 / ms, 1)
        ),
    }
}

/// The status line of a run under way at `now_ms`. A paused run gives no rate and no time left:
/// both would drift while nothing is sent.
pub fn running(progress: &Progress, now_ms: f64, cancelling: bool) -> String {
    let done = format!(
        "{} of {} users done",
        grouped(progress.done()),
        grouped(progress.total)
    );
    let paused = match progress.paused {
        Some(PauseReason::CredentialRefused) => Some("Paused: the credential was refused."),
        Some(PauseReason::Offline) => Some("Paused: the browser is offline."),
        Some(PauseReason::ByAdmin) => Some("Paused."),
        None => None,
    };
    if let Some(paused) = paused {
        return format!("{paused} {done}.");
    }
    if let (Some(hold), false) = (&progress.holding, cancelling) {
        return format!("{} {done}.", holding(hold, now_ms));
    }
    let pace = progress
        .pace_per_s
        .map(|r| {
            format!(
                " Paced at about {} requests/s, learned from the service's throttling.",
                grouped(r.round() as usize)
            )
        })
        .unwrap_or_default();
    let state = if cancelling {
        "Cancelling: no new request starts; waiting for those in flight."
    } else if progress.is_throttled(now_ms) {
        // No rate or time left: both would say what the wait does, not what the run will.
        return format!("Throttled by the service: waiting. {done}.{pace}");
    } else {
        "Running."
    };
    let rate = progress
        .throughput_per_s(now_ms)
        .map(|r| format!("{} users/s", crate::decimal::fixed(r, 1)))
        .unwrap_or_else(|| "measuring…".into());
    let left = progress
        .eta_ms(now_ms)
        .map(|ms| format!(", about {} left", duration(ms)))
        .unwrap_or_default();
    format!("{state} {done}; {rate}{left}.{pace}")
}

/// The page's title when nothing has run: the one `index.html` gives.
pub const PAGE_TITLE: &str = "Offboard — bulk user removal";

/// The failed users, those whose outcome is unknown counted apart as the results count them ("2
/// failed, 1 outcome unknown"); `None` when none failed.
fn failures(progress: &Progress) -> Option<String> {
    let (all, unknown) = (progress.counts.failed, progress.unknown);
    match (all.saturating_sub(unknown), unknown) {
        (0, 0) => None,
        (failed, 0) => Some(format!("{} failed", grouped(failed))),
        (0, unknown) => Some(format!("{} outcome unknown", grouped(unknown))),
        (failed, unknown) => Some(format!(
            "{} failed, {} outcome unknown",
            grouped(failed),
            grouped(unknown)
        )),
    }
}

/// The browser tab's title, so that a run in a background tab can be followed from the tab strip:
/// "42% · Running · Offboard", "42% · Throttled · Offboard" (at `now_ms`), "Finished, 3 failed · Offboard";
/// [`PAGE_TITLE`] before any run.
pub fn tab_title(
    progress: Option<&Progress>,
    active: bool,
    cancelled: bool,
    now_ms: f64,
) -> String {
    let Some(p) = progress else {
        return PAGE_TITLE.to_string();
    };
    let state = if active {
        let doing = match (p.paused, &p.holding) {
            (Some(_), _) => "Paused",
            (None, Some(_)) => "Holding",
            (None, None) if cancelled => "Cancelling",
            (None, None) if p.is_throttled(now_ms) => "Throttled",
            (None, None) => "Running",
        };
        format!("{}% · {doing}", p.percent())
    } else {
        let end = if cut_short(p, cancelled) {
            "Cancelled"
        } else {
            "Finished"
        };
        match failures(p) {
            None => end.to_string(),
            Some(failed) => format!("{end}, {failed}"),
        }
    };
    format!("{state} · Offboard")
}

/// What a run (or a lookup) holding at `now_ms` says: why, and when it tries again.
pub fn holding(hold: &Hold, now_ms: f64) -> String {
    let next = (hold.next_ms - now_ms).max(0.0);
    let next = if next < 1_000.0 {
        "now".to_string()
    } else {
        format!("in {}", duration(next))
    };
    format!(
        "Holding: {}. One request at a time until it answers again, the next {next}; no user is failed meanwhile.",
        hold.reason
    )
}

/// A duration in ms as "0.4 s", "42 s", "3 min 5 s" or "1 h 20 min".
fn duration(ms: f64) -> String {
    if ms < 950.0 {
        return format!("{} s", crate::decimal::fixed(ms / 1000.0, 1));
    }
    let s = (ms / 1000.0).round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// An EPM batch's line: its style class and words. Once the run has ended, a batch still
/// queued (or whose file was uploaded ahead but whose job never started) never ran: the engine
/// reports its users "not started".
pub fn batch_line(stage: &BatchStage, run_ended: bool, cancelled: bool) -> (&'static str, String) {
    match stage {
        BatchStage::Queued | BatchStage::Uploading | BatchStage::Uploaded | BatchStage::Waiting
            if run_ended =>
        {
            (
                "not-started",
                if cancelled {
                    "not started: the run was cancelled".to_string()
                } else {
                    "not started".to_string()
                },
            )
        }
        BatchStage::Queued => ("queued", "queued".to_string()),
        BatchStage::Uploading => ("active", "uploading the file".to_string()),
        BatchStage::Uploaded => (
            "queued",
            "file uploaded; removal not requested yet".to_string(),
        ),
        BatchStage::Waiting => (
            "active",
            "waiting to request the removal (throttled, or for a new credential)".to_string(),
        ),
        BatchStage::JobRunning => ("active", "removal under way".to_string()),
        BatchStage::Done(details) => ("done", format!("done: {details}")),
        BatchStage::Failed(why) => ("failed", format!("failed: {why}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{RunEvent, UserResult};

    fn progress(outcomes: &[(Outcome, usize)]) -> Progress {
        let total = outcomes.iter().map(|(_, n)| n).sum();
        let mut p = Progress::new(total);
        let mut row = 1;
        for (outcome, n) in outcomes {
            for _ in 0..*n {
                row += 1;
                p.apply(
                    &RunEvent::Result(UserResult {
                        row,
                        user: format!("u{row}"),
                        outcome: outcome.clone(),
                        http_status: None,
                        message: String::new(),
                        attempts: 0,
                        at_ms: 0.0,
                    }),
                    0.0,
                );
            }
        }
        p
    }

    #[test]
    fn an_epm_run_lists_only_the_outcomes_an_epm_removal_can_have() {
        let epm: Vec<Outcome> = run_outcomes(Target::Epm, RunAction::Remove)
            .into_iter()
            .map(|(o, _)| o)
            .collect();
        assert_eq!(
            epm,
            [
                Outcome::Removed,
                Outcome::NotFound,
                Outcome::NotAllowed,
                Outcome::Failed,
                Outcome::NotStarted
            ]
        );
        for (_, words) in run_outcomes(Target::Epm, RunAction::Remove) {
            assert!(
                !words.contains("SCIM")
                    && !words.contains("disabled")
                    && !words.contains("pending"),
                "{words}"
            );
        }
        let rsa = run_outcomes(Target::Rsa, RunAction::Remove);
        assert!(rsa.contains(&(Outcome::NotAllowed, "not allowed (SCIM / Azure AD)")));
        assert!(rsa.iter().any(|(o, _)| *o == Outcome::DisabledOnly));
        assert!(rsa.iter().any(|(o, _)| *o == Outcome::Conflict));
    }

    #[test]
    fn a_cancelled_run_says_it_was_cancelled_and_how_many_were_not_started() {
        let p = progress(&[(Outcome::NotStarted, 450)]);
        assert_eq!(
            ended(&p, RunAction::Remove, true),
            "Cancelled: 0 removed, 450 not started (of 450 users)."
        );
        let p = progress(&[
            (Outcome::Removed, 100),
            (Outcome::Failed, 20),
            (Outcome::NotStarted, 330),
        ]);
        assert_eq!(
            ended(&p, RunAction::Remove, true),
            "Cancelled: 100 removed, 20 failed, 330 not started (of 450 users)."
        );
        let p = progress(&[(Outcome::Marked, 3), (Outcome::NotStarted, 2)]);
        assert_eq!(
            ended(&p, RunAction::Mark, true),
            "Cancelled: 3 marked for deletion, 2 not started (of 5 users)."
        );
    }

    #[test]
    fn failures_whose_outcome_is_unknown_are_named() {
        let mut p = progress(&[(Outcome::Removed, 12), (Outcome::Failed, 1)]);
        p.apply(
            &RunEvent::Result(UserResult {
                row: 99,
                user: "u99".into(),
                outcome: Outcome::Failed,
                http_status: None,
                message: "Outcome unknown after 7 attempts".into(),
                attempts: 7,
                at_ms: 0.0,
            }),
            0.0,
        );
        p.total += 1;
        assert_eq!(
            ended(&p, RunAction::Remove, false),
            "Finished: 14 of 14 users have an outcome: 12 removed, 1 failed, 1 outcome unknown."
        );
        let mut only_unknown = progress(&[(Outcome::Removed, 12)]);
        only_unknown.unknown = 1;
        only_unknown.counts.failed = 1;
        only_unknown.total += 1;
        assert_eq!(
            ended(&only_unknown, RunAction::Remove, false),
            "Finished: 13 of 13 users have an outcome: 12 removed, 1 outcome unknown."
        );
    }

    #[test]
    fn a_run_that_was_not_cancelled_or_left_nobody_out_finished() {
        let p = progress(&[(Outcome::Removed, 440), (Outcome::NotFound, 10)]);
        assert_eq!(
            ended(&p, RunAction::Remove, false),
            "Finished: 450 of 450 users have an outcome: 440 removed, 10 not found."
        );
        assert!(
            ended(&p, RunAction::Remove, true).starts_with("Finished: "),
            "a cancel after the last request changed nothing"
        );
    }

    fn removed(row: usize, at_ms: f64) -> UserResult {
        UserResult {
            row,
            user: format!("u{row}"),
            outcome: Outcome::Removed,
            http_status: Some(200),
            message: String::new(),
            attempts: 1,
            at_ms,
        }
    }

    fn removed_at(p: &mut Progress, row: usize, at_ms: f64) {
        p.apply(&RunEvent::Result(removed(row, at_ms)), at_ms);
    }

    fn sending_at(p: &mut Progress, at_ms: f64) {
        let sending = RunEvent::Sending {
            user: "u".into(),
            attempt: 1,
        };
        p.apply(&sending, at_ms);
    }

    #[test]
    fn a_throttled_run_gives_no_rate_or_time_left_until_it_runs_again() {
        let mut p = Progress::new(40_000);
        sending_at(&mut p, 0.0);
        (2..300).for_each(|row| removed_at(&mut p, row, row as f64 * 30.0));
        p.apply(&RunEvent::Throttled { wait_ms: 30_000 }, 9_000.0);
        assert_eq!(
            running(&p, 20_000.0, false),
            "Throttled by the service: waiting. 298 of 40,000 users done."
        );
        (300..400).for_each(|row| removed_at(&mut p, row, 39_000.0 + row as f64 * 10.0));
        assert_eq!(
            running(&p, 43_000.0, false),
            "Running. 398 of 40,000 users done; 25.0 users/s, about 26 min 24 s left."
        );
    }

    #[test]
    fn a_finished_run_says_how_long_it_took_and_at_what_rate() {
        let mut p = Progress::new(40_000);
        sending_at(&mut p, 1_000.0);
        for i in 0..40_000 {
            removed_at(
                &mut p,
                i + 2,
                1_000.0 + 205_000.0 * (i + 1) as f64 / 40_000.0,
            );
        }
        assert_eq!(
            ended(&p, RunAction::Remove, false),
            "Finished: 40,000 of 40,000 users have an outcome: 40,000 removed. \
             40,000 users in 3 min 25 s (195.1 users/s)."
        );

        let mut quick = Progress::new(21);
        sending_at(&mut quick, 0.0);
        for i in 0..21 {
            removed_at(&mut quick, i + 2, 20.0 * (i + 1) as f64);
        }
        assert!(
            ended(&quick, RunAction::Remove, false).ends_with(" 21 users in 0.4 s (50.0 users/s)."),
            "{}",
            ended(&quick, RunAction::Remove, false)
        );
    }

    #[test]
    fn a_resumed_run_times_only_what_this_session_did() {
        let known: Vec<UserResult> = (0..300).map(|i| removed(i + 2, 0.0)).collect();
        let mut p = Progress::resumed(400, &known);
        sending_at(&mut p, 50_000.0);
        for i in 300..400 {
            removed_at(&mut p, i + 2, 50_000.0 + 100.0 * (i - 299) as f64);
        }
        assert_eq!(
            ended(&p, RunAction::Remove, false),
            "Finished: 400 of 400 users have an outcome: 400 removed. 100 users in 10 s (10.0 users/s)."
        );
        assert_eq!(
            ended(&Progress::resumed(300, &known), RunAction::Remove, false),
            "Finished: 300 of 300 users have an outcome: 300 removed.",
            "a session that did nothing gives no time"
        );
    }

    #[test]
    fn a_paused_run_shows_no_rate_and_no_time_left() {
        let mut p = Progress::new(400);
        sending_at(&mut p, 0.0);
        for i in 0..352 {
            removed_at(&mut p, i + 2, 1_000.0 + 100.0 * i as f64);
        }
        let now = 36_200.0;
        let going = running(&p, now, false);
        assert!(
            going.starts_with("Running. 352 of 400 users done; "),
            "{going}"
        );
        assert!(going.contains(" left."), "{going}");
        p.apply(&RunEvent::Paused(PauseReason::CredentialRefused), now);
        assert_eq!(
            running(&p, now + 60_000.0, false),
            "Paused: the credential was refused. 352 of 400 users done."
        );
    }

    #[test]
    fn the_tab_title_follows_the_run() {
        assert!(include_str!("../../index.html").contains(&format!("<title>{PAGE_TITLE}</title>")));
        assert_eq!(tab_title(None, false, false, 0.0), PAGE_TITLE);
        let mut p = progress(&[(Outcome::Removed, 42), (Outcome::NotStarted, 0)]);
        p.total = 100;
        assert_eq!(
            tab_title(Some(&p), true, false, 0.0),
            "42% · Running · Offboard"
        );
        assert_eq!(
            tab_title(Some(&p), true, true, 0.0),
            "42% · Cancelling · Offboard"
        );
        p.apply(&RunEvent::Throttled { wait_ms: 30_000 }, 1_000.0);
        assert_eq!(
            tab_title(Some(&p), true, false, 2_000.0),
            "42% · Throttled · Offboard"
        );
        assert_eq!(
            tab_title(Some(&p), true, false, 31_500.0),
            "42% · Running · Offboard"
        );
        p.apply(
            &RunEvent::Holding {
                wait_ms: 1_000,
                reason: "no answer".into(),
            },
            0.0,
        );
        assert_eq!(
            tab_title(Some(&p), true, false, 0.0),
            "42% · Holding · Offboard"
        );
        p.apply(&RunEvent::Paused(PauseReason::Offline), 0.0);
        assert_eq!(
            tab_title(Some(&p), true, false, 0.0),
            "42% · Paused · Offboard"
        );
        let done = progress(&[(Outcome::Removed, 1_200), (Outcome::Failed, 1_500)]);
        assert_eq!(
            tab_title(Some(&done), false, false, 0.0),
            "Finished, 1,500 failed · Offboard"
        );
        let mut unsure = done.clone();
        unsure.unknown = 500;
        assert_eq!(
            tab_title(Some(&unsure), false, false, 0.0),
            "Finished, 1,000 failed, 500 outcome unknown · Offboard"
        );
        let cut = progress(&[(Outcome::Removed, 5), (Outcome::NotStarted, 5)]);
        assert_eq!(
            tab_title(Some(&cut), false, true, 0.0),
            "Cancelled · Offboard"
        );
        assert_eq!(
            tab_title(Some(&cut), false, false, 0.0),
            "Finished · Offboard",
            "a run left unfinished by a reload is not cancelled"
        );
    }

    #[test]
    fn a_holding_run_says_why_and_when_it_tries_next_until_the_service_answers() {
        let mut p = Progress::new(400);
        sending_at(&mut p, 0.0);
        removed_at(&mut p, 2, 500.0);
        let reason =
            "the service failed the requests of 8 users in a row (last: Server error (HTTP 503): \
                      maintenance)"
                .to_string();
        p.apply(
            &RunEvent::Holding {
                wait_ms: 12_000,
                reason: reason.clone(),
            },
            1_000.0,
        );
        let held = running(&p, 2_000.0, false);
        assert_eq!(
            held,
            "Holding: the service failed the requests of 8 users in a row (last: Server error (HTTP 503): \
             maintenance). One request at a time until it answers again, the next in 11 s; no user is \
             failed meanwhile. 1 of 400 users done."
        );
        assert!(running(&p, 13_500.0, false).contains("the next now;"));
        assert!(
            running(&p, 2_000.0, true).starts_with("Cancelling"),
            "a cancel is said over the hold"
        );
        p.apply(&RunEvent::Paused(PauseReason::ByAdmin), 3_000.0);
        assert!(running(&p, 3_000.0, false).starts_with("Paused."));
        p.apply(&RunEvent::HoldOver, 20_000.0);
        p.paused = None;
        assert!(running(&p, 20_000.0, false).starts_with("Running. 1 of 400"));
    }

    #[test]
    fn a_run_paced_to_a_learned_limit_says_so_until_the_limit_is_forgotten() {
        let mut p = Progress::new(4_000);
        sending_at(&mut p, 0.0);
        for i in 0..2_000 {
            removed_at(&mut p, i + 2, 5.0 * i as f64);
        }
        let now = 10_000.0;
        assert!(!running(&p, now, false).contains("Paced"));
        p.apply(
            &RunEvent::Pace {
                per_s: Some(1_939.6),
            },
            now,
        );
        let going = running(&p, now, false);
        assert!(
            going.ends_with(
                " left. Paced at about 1,940 requests/s, learned from the service's throttling."
            ),
            "{going}"
        );
        p.apply(&RunEvent::Pace { per_s: None }, now);
        assert!(!running(&p, now, false).contains("Paced"));
    }

    #[test]
    fn batches_that_never_ran_read_not_started_once_the_run_has_ended() {
        for stage in [
            BatchStage::Queued,
            BatchStage::Uploading,
            BatchStage::Uploaded,
        ] {
            assert_eq!(
                batch_line(&stage, true, true),
                (
                    "not-started",
                    "not started: the run was cancelled".to_string()
                )
            );
            assert_eq!(batch_line(&stage, true, false).1, "not started");
        }
        assert_eq!(
            batch_line(&BatchStage::Queued, false, true),
            ("queued", "queued".to_string())
        );
        assert_eq!(
            batch_line(&BatchStage::Uploading, false, false).1,
            "uploading the file"
        );
        assert_eq!(
            batch_line(&BatchStage::Uploaded, false, false),
            (
                "queued",
                "file uploaded; removal not requested yet".to_string()
            ),
            "a file uploaded ahead no longer reads as uploading"
        );
        assert_eq!(
            batch_line(&BatchStage::Done("Processed - 3".into()), true, true),
            ("done", "done: Processed - 3".to_string())
        );
    }
}
