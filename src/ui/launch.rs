//! Starting a run: the engine works in the background; its events reach the page's state and the
//! saved journal in batches, so a run of thousands of users does not redraw the page per event.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{AppState, Connection, RunState};
use crate::browser::live_run;
use crate::browser::yield_now::yield_now;
use crate::browser::{clear_journal, BrowserClock, JournalStore, WorkerHttp};
use crate::epm::batch::login_key;
use crate::epm::list::absent_before;
use crate::epm::{Epm, EpmConfig};
use crate::flow::Step;
use crate::rsa::steps::Change;
use crate::rsa::{run_rsa_checked, RsaJob, RsaMode, StepMap};
use crate::run::action::RunAction;
use crate::run::follow_up::{FollowUp, FollowUpKind};
use crate::run::progress::Progress;
use crate::run::{
    BatchStage, Control, Journal, PlanEntry, ResumePlan, RunEvent, RunSettings, SaveThrottle,
};

/// How long events wait before they are shown together, ms.
const FLUSH_MS: u64 = 120;

/// What a run is asked to do: its entries, and for a resumed run the users whose request went unanswered.
struct Work {
    entries: Vec<PlanEntry>,
    unanswered: HashSet<String>,
}

/// Starts a run the Results step asked for (retry, undo, enable again) once the admin has
/// confirmed it on the Run step. A retry's results replace those of the same rows, in the
/// earlier run's journal and with its action (after an imported results file, in a new journal
/// with the action the retry was confirmed with); an undo or an enable again is a run of its
/// own. Returns false, starting nothing, while a run is active (a second click on the same
/// button before the page had a turn) or runs in another tab.
pub fn start_follow_up(state: AppState, connection: Connection, follow_up: FollowUp) -> bool {
    if state.run.busy_untracked() || running_in_another_tab() {
        return false;
    }
    let FollowUp {
        kind,
        action,
        entries,
    } = follow_up;
    let (journal, fresh) = match kind {
        FollowUpKind::Retry => (retry_journal(state, &entries, action), false),
        FollowUpKind::Unmark => (
            new_journal(
                state,
                &entries,
                Vec::new(),
                &RsaMode::Change(Change::Unmark),
            ),
            true,
        ),
        FollowUpKind::Reenable => (
            new_journal(
                state,
                &entries,
                Vec::new(),
                &RsaMode::Change(Change::Reenable),
            ),
            true,
        ),
    };
    begin(state, connection, entries, journal, fresh);
    true
}

/// The journal of a retry of `entries`: the last run's, reopened for their rows, or when there is
/// none (results opened from a file) a new one doing `action`.
fn retry_journal(state: AppState, entries: &[PlanEntry], action: RunAction) -> Journal {
    match state.run.journal.try_update_value(Option::take).flatten() {
        Some(mut journal) => {
            let rows: Vec<usize> = entries.iter().map(|e| e.row).collect();
            journal.reopen(&rows);
            journal
        }
        None => new_journal(
            state,
            entries,
            state.skipped_rows(),
            &mode_for(state, action),
        ),
    }
}

/// The RSA mode of a new run doing `action`: a removal takes the steps the lookups call for.
fn mode_for(state: AppState, action: RunAction) -> RsaMode {
    match action {
        RunAction::Mark => RsaMode::Change(Change::Mark),
        RunAction::Unmark => RsaMode::Change(Change::Unmark),
        RunAction::Reenable => RsaMode::Change(Change::Reenable),
        RunAction::Remove => RsaMode::Remove(StepMap::from_resolutions(
            &state.lookups.get_untracked(),
            state.rsa_options.get_untracked(),
        )),
    }
}

/// The journal of a first run of `entries`, confirmed on the Run step: a new one, doing what
/// the admin chose (RSA: delete, with any steps first, or mark for deletion).
pub fn run_journal(state: AppState, entries: &[PlanEntry]) -> Journal {
    let mode = mode_for(state, state.rsa_action.get_untracked());
    new_journal(state, entries, state.skipped_rows(), &mode)
}

fn new_journal(
    state: AppState,
    entries: &[PlanEntry],
    skipped: Vec<crate::results::Skipped>,
    mode: &RsaMode,
) -> Journal {
    let journal = Journal::new(
        state.target.get_untracked(),
        &base_url_as_typed(state),
        &crate::epm::run_id_from_ms(js_sys::Date::now()),
        js_sys::Date::now(),
        entries.to_vec(),
        skipped,
    );
    match state.target.get_untracked() {
        crate::target::Target::Rsa => {
            journal.for_action(mode.action(), mode.journal_steps(entries))
        }
        crate::target::Target::Epm => journal,
    }
}

/// Starts the engine for `entries` against `connection` with `journal`; progress lands in
/// `state.run`. A `fresh` run forgets earlier results; otherwise (a retry) the new results
/// replace those of the same rows.
pub fn begin(
    state: AppState,
    connection: Connection,
    entries: Vec<PlanEntry>,
    mut journal: Journal,
    fresh: bool,
) {
    let run = state.run;
    if run.busy_untracked() {
        return;
    }
    run.notes.set(Vec::new());
    let mut unanswered = HashSet::new();
    if fresh {
        run.results.set(Vec::with_capacity(entries.len()));
        run.skipped.set(journal.skipped().to_vec());
    } else {
        // A retried user whose outcome was unknown starts as "sent before, answer unknown".
        let retried: HashSet<usize> = entries.iter().map(|e| e.row).collect();
        run.results.update(|r| {
            r.retain(|result| {
                let again = retried.contains(&result.row);
                if again && result.outcome_unknown() {
                    unanswered.insert(result.user.clone());
                }
                !again
            })
        });
    }
    journal.carry_unanswered(&unanswered);
    run.progress.set(Some(Progress::new(entries.len())));
    let work = Work {
        entries,
        unanswered,
    };
    launch(state, connection, work, journal);
}

/// Continues the run of a saved `journal` after a reload: known results are kept, an EPM job
/// that was running when the page closed is followed to its end (or, when it cannot be, its
/// users are looked for with List Users), and RSA users whose request went unanswered are sent
/// again (a "not found" then means "removed"). `false` when it does not start: a run is
/// already under way, in this tab or another. `told` is given why, when the resume stops before
/// the run goes on (the service refused the credential): the card shows it after the dialog.
pub fn resume_run(
    state: AppState,
    connection: Connection,
    mut journal: Journal,
    told: impl Fn(String) + 'static,
) -> bool {
    if state.run.busy_untracked() || running_in_another_tab() {
        return false;
    }
    let Connection::Epm { base, auth } = connection.clone() else {
        continue_run(state, connection, journal);
        return true;
    };
    if journal.interrupted_job_users().is_empty() && journal.left_files().is_empty() {
        continue_run(state, connection, journal);
        return true;
    }
    // The run is not active while its jobs and files are settled: nothing may start another meanwhile.
    state.run.settling.set(true);
    // Following the interrupted jobs is part of the run: other tabs must not take it up meanwhile.
    // A reload of this tab meanwhile is not another tab: it offers the run again at once.
    let beating = keep_beating();
    let on_leave = window_event_listener(leptos::ev::pagehide, |_| live_run::end());
    spawn_local(async move {
        let control = Control::new(auth);
        let config = EpmConfig {
            absent_before: absent_keys_of(&journal),
            ..EpmConfig::one_off()
        };
        let (http, clock) = (WorkerHttp::for_run(), BrowserClock);
        let epm = Epm {
            http: &http,
            clock: &clock,
            control: &control,
            base: &base,
            config: &config,
            outage: Default::default(),
        };
        let mut notes = Vec::new();
        let mut deleted = Vec::new();
        for job in journal.interrupted_jobs() {
            match epm.settle_interrupted_job(&job, &mut |e| deleted.push(e)).await {
                Ok(report) => {
                    notes.extend(report.notes);
                    for result in report.results {
                        journal.apply(&RunEvent::Result(result));
                    }
                }
                Err(why) => notes.push(format!(
                    "Batch {}: the removal job that was running when the page closed {why}; its users are looked \
                     for with List Users.",
                    job.batch + 1
                )),
            }
        }
        let mut refused = None;
        if !journal.interrupted_job_users().is_empty() {
            let now = js_sys::Date::now();
            match epm.list_users(&mut |_| {}).await {
                Ok(users) => {
                    let there: HashSet<String> =
                        users.iter().map(|u| login_key(&u.login)).collect();
                    journal.settle_interrupted_jobs_with(
                        |login| there.contains(&login_key(login)),
                        now,
                    );
                }
                // A new credential gets an answer: the run is not resumed, and stays saved as it was.
                Err(why) if crate::epm::refused_credential(&why) => refused = Some(why),
                Err(why) => {
                    journal.settle_interrupted_jobs(now);
                    notes.push(format!(
                        "Users whose removal was under way when the page closed could not be checked ({why}); they are reported as unknown."
                    ));
                }
            }
        }
        if refused.is_none() {
            // Files uploaded ahead for a batch whose job never started, or not deleted yet.
            deleted.iter().for_each(|e| journal.apply(e));
            let left = journal.left_files();
            deleted.clear();
            notes.extend(epm.delete_left_files(&left, &mut |e| deleted.push(e)).await);
            deleted.iter().for_each(|e| journal.apply(e));
            state.run.notes.set(notes);
        }
        on_leave.remove();
        if let Some(beating) = beating {
            beating.clear();
        }
        state.run.settling.set(false);
        match refused {
            None => continue_run(state, connection, journal),
            Some(why) => told(not_resumed(state, &why)),
        }
    });
    true
}

/// Tells the admin why [`resume_run`] stopped before the run went on (nothing was sent), and
/// returns it.
fn not_resumed(state: AppState, why: &str) -> String {
    live_run::end();
    state.go(Step::Connect);
    let text = format!(
        "The run was not resumed. Asked which users the removal under way when the page closed had \
         removed, {why}. Nothing was sent, and the run stays saved as it was: paste a valid credential, \
         then press \"Resume the run\" again."
    );
    if let Some(window) = web_sys::window() {
        let _ = window.alert_with_message(&text);
    }
    text
}

/// The [`login_key`]s of the users "Check who exists" found missing before the journal's run.
fn absent_keys_of(journal: &Journal) -> Option<HashSet<String>> {
    let absent = journal.absent_before()?;
    Some(absent.into_iter().map(login_key).collect())
}

/// [`resume_run`] once interrupted EPM jobs are settled.
fn continue_run(state: AppState, connection: Connection, journal: Journal) {
    let run = state.run;
    let known = journal.results();
    run.progress
        .set(Some(Progress::resumed(journal.plan().len(), &known)));
    run.results.set(known);
    run.skipped.set(journal.skipped().to_vec());
    let work = Work {
        entries: journal.remaining(),
        unanswered: journal.unanswered().into_iter().collect(),
    };
    launch(state, connection, work, journal);
}

/// The service address the Connect step holds for the current target.
fn base_url_as_typed(state: AppState) -> String {
    match state.target.get_untracked() {
        crate::target::Target::Rsa => state.creds.rsa_base.get_untracked(),
        crate::target::Target::Epm => state.creds.epm_base.get_untracked(),
    }
}

/// Tells other tabs that this one runs a removal (see [`live_run`]), now and until the handle is cleared.
fn keep_beating() -> Option<IntervalHandle> {
    live_run::beat();
    set_interval_with_handle(live_run::beat, Duration::from_millis(live_run::BEAT_MS)).ok()
}

/// Whether another tab of this browser runs a removal (see [`live_run`]); if so, says so in a dialog.
pub(super) fn running_in_another_tab() -> bool {
    let other = live_run::in_another_tab();
    if other {
        if let Some(window) = web_sys::window() {
            let _ = window.alert_with_message(
                "Another tab of this browser is running a removal. Follow it there: this tab starts or resumes a run only once it has ended (tabs share one saved run).",
            );
        }
    }
    other
}

fn launch(state: AppState, connection: Connection, work: Work, mut journal: Journal) {
    let run = state.run;
    let run_started_ms = journal.started_ms;
    // Who "Check who exists" found missing before the run is saved with it, for a resumed run.
    if journal.target == crate::target::Target::Epm && journal.absent_before().is_none() {
        let checked_ms = state.presence_checked_ms.get_value();
        if let Some(absent) = state
            .presence
            .with_untracked(|p| absent_before(p, checked_ms, run_started_ms))
        {
            journal = journal.with_absent_before(|login| absent.contains(&login_key(login)));
        }
    }
    let absent = absent_keys_of(&journal);
    let mode = match RsaMode::from_journal(&journal) {
        Ok(mode) => mode,
        Err(why) => {
            run.notes
                .set(vec![format!("The saved run cannot be continued: {why}")]);
            return;
        }
    };
    run.action.set(journal.action);
    run.target.set(journal.target);
    run.rehearsal.set(false);
    let control = Control::new(connection.auth().clone());
    run.control.set_value(Some(control.clone()));
    run.saved.set(None);
    run.batches.set(Vec::new());
    run.tenant.set(connection.tenant());
    run.cancelled.set(false);
    run.action_unknown.set(false);
    run.active.set(true);
    let beating = keep_beating();
    state.go(Step::Run);
    super::key_file::keep_token_fresh(state);

    let sink = Rc::new(RefCell::new(Sink::new(run, journal)));
    let on_leave = {
        let sink = sink.clone();
        window_event_listener(leptos::ev::pagehide, move |_| {
            Sink::save_now(&sink);
            // A reload of this tab is not another tab: its run can be resumed at once.
            live_run::end();
        })
    };
    let warn_leave = window_event_listener(leptos::ev::beforeunload, |ev| {
        ev.prevent_default();
        ev.set_return_value("A removal is running. Its progress is saved, but requests in flight are checked again on return.");
    });
    spawn_local(async move {
        // The first save (in slices) and the engine's start get tasks of their own, after the page shows the run.
        yield_now().await;
        Sink::save_first(&sink).await;
        yield_now().await;
        let mut on_event = {
            let sink = sink.clone();
            move |event: RunEvent| Sink::push(&sink, event)
        };
        let http = WorkerHttp::for_run();
        let clock = BrowserClock;
        match connection {
            Connection::Rsa { base, .. } => {
                let resume = ResumePlan {
                    plan: &work.entries,
                    unanswered: &work.unanswered,
                };
                let job = RsaJob { base, mode };
                run_rsa_checked(
                    resume,
                    &job,
                    &http,
                    &clock,
                    &control,
                    &RunSettings::default(),
                    &mut on_event,
                )
                .await;
            }
            Connection::Epm { base, .. } => {
                let config = EpmConfig {
                    own_login: state.effective_own_account(),
                    batch_size: state.epm_batch_size.get_untracked(),
                    absent_before: absent,
                    unknown_before: work.unanswered.iter().map(|u| login_key(u)).collect(),
                    ..EpmConfig::default()
                };
                let epm = Epm {
                    http: &http,
                    clock: &clock,
                    control: &control,
                    base: &base,
                    config: &config,
                    outage: Default::default(),
                };
                let run_id = crate::epm::run_id_from_ms(js_sys::Date::now());
                if state.epm_v2.get_untracked() {
                    epm.remove_v2(&work.entries, &mut on_event).await;
                } else {
                    epm.remove_v1(&run_id, &work.entries, &mut on_event).await;
                }
            }
        }
        on_leave.remove();
        warn_leave.remove();
        let journal = Sink::finish(&sink).await;
        run.journal.set_value(Some(journal));
        if let Some(beating) = beating {
            beating.clear();
        }
        live_run::end();
        run.active.set(false);
        run.control.set_value(None);
    });
}

/// Plan entries the first save encodes per turn of the event loop (a few milliseconds' work).
const PREPARE_ENTRIES: usize = 20_000;

/// Events waiting to be shown, and the journal they are also written to.
struct Sink {
    run: RunState,
    /// Events not shown yet, each with the time it arrived (ms since the epoch).
    pending: Vec<(f64, RunEvent)>,
    scheduled: bool,
    /// The run's journal; taken when the run ends.
    journal: Option<Journal>,
    throttle: SaveThrottle,
    /// A save is due and waits for its own task.
    save_due: bool,
    /// Where the journal is saved; taken out while the first save runs, and dropped once a save
    /// is refused.
    store: Option<JournalStore>,
}

impl Sink {
    fn new(run: RunState, journal: Journal) -> Self {
        Sink {
            run,
            pending: Vec::new(),
            scheduled: false,
            journal: Some(journal),
            throttle: SaveThrottle::default(),
            save_due: false,
            store: Some(JournalStore::new()),
        }
    }

    /// Queues one event; the first of a batch schedules the flush.
    fn push(sink: &Rc<RefCell<Sink>>, event: RunEvent) {
        let mut s = sink.borrow_mut();
        s.pending.push((js_sys::Date::now(), event));
        if !s.scheduled {
            s.scheduled = true;
            let sink = sink.clone();
            set_timeout(move || Sink::flush(&sink), Duration::from_millis(FLUSH_MS));
        }
    }

    /// Shows the queued events; when a save is due, it runs in the next task, so a large journal's
    /// save and the redraw do not add up in one.
    fn flush(sink: &Rc<RefCell<Sink>>) {
        let now = js_sys::Date::now();
        let (run, events, save) = {
            let mut s = sink.borrow_mut();
            s.scheduled = false;
            let events = std::mem::take(&mut s.pending);
            let Sink {
                journal, throttle, ..
            } = &mut *s;
            for (_, event) in &events {
                if let Some(journal) = journal {
                    journal.apply(event);
                }
                throttle.note(event);
            }
            // The interval may run once a minute in a background tab; the run's events keep the record fresh.
            // Once the run has ended (its journal taken), a late flush must not write the record again.
            if journal.is_some() {
                live_run::beat_if_due();
            }
            let save = !s.save_due && s.throttle.should_save(now);
            s.save_due |= save;
            (s.run, events, save)
        };
        if save {
            let sink = sink.clone();
            spawn_local(async move {
                yield_now().await;
                let mut s = sink.borrow_mut();
                if s.save_due {
                    s.save(js_sys::Date::now());
                }
            });
        }
        show(run, events);
    }

    /// Shows what is queued and saves the journal at once (the page is going away).
    fn save_now(sink: &Rc<RefCell<Sink>>) {
        Sink::flush(sink);
        sink.borrow_mut().save(js_sys::Date::now());
    }

    /// Flushes what is left, saves the journal a last time and hands it back, each in a task of its own.
    async fn finish(sink: &Rc<RefCell<Sink>>) -> Journal {
        Sink::flush(sink);
        yield_now().await;
        sink.borrow_mut().save(js_sys::Date::now());
        yield_now().await;
        let journal = sink.borrow_mut().journal.take();
        journal.expect("a run's journal is taken once, at its end")
    }

    fn save(&mut self, now: f64) {
        self.save_due = false;
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        let Some(store) = self.store.as_mut() else {
            return;
        };
        let saved = store.save(journal.encode());
        self.saved(saved, now);
    }

    /// The first save, which writes the whole journal: its plan is encoded, then its text
    /// stored, in slices with turns of the event loop between them. The store is taken out
    /// while the text is stored: the page left then saves nothing, since no request has been
    /// sent yet (and a resumed run's earlier save stays whole until this one is, unless the
    /// storage cannot hold both: [`JournalStore::save_sliced`]).
    async fn save_first(sink: &Rc<RefCell<Sink>>) {
        loop {
            let ready = match sink.borrow_mut().journal.as_mut() {
                Some(journal) => journal.prepare_encode(PREPARE_ENTRIES),
                None => return,
            };
            if ready {
                break;
            }
            yield_now().await;
        }
        let (Some(mut store), json) = ({
            let mut s = sink.borrow_mut();
            let Some(journal) = s.journal.as_mut() else {
                return;
            };
            let json = journal.encode();
            (s.store.take(), json)
        }) else {
            return;
        };
        let saved = store.save_sliced(json).await;
        let mut s = sink.borrow_mut();
        s.store = Some(store);
        s.saved(saved, js_sys::Date::now());
    }

    /// After a refused save the run saves no more: the journal only grows, so every later try
    /// would write it all again in vain; the save before no longer matches the run, so it is
    /// forgotten rather than offered for resuming.
    fn saved(&mut self, saved: Result<(), String>, now: f64) {
        match saved {
            Ok(()) => self.throttle.saved(now),
            Err(problem) => {
                self.store = None;
                clear_journal();
                self.run.notes.update(|n| n.push(problem));
            }
        }
    }
}

/// Applies a batch of events to the run's signals, each signal once.
fn show(run: RunState, events: Vec<(f64, RunEvent)>) {
    if events.is_empty() {
        return;
    }
    // Events sent before a pause arrive after it: the pause shown is the one the control holds now.
    let mode = run.control.with_value(|c| c.as_ref().map(Control::mode));
    run.progress.update(|p| {
        if let Some(p) = p {
            events.iter().for_each(|(at, e)| p.apply(e, *at));
            if let Some(mode) = mode {
                p.set_paused(mode.pause_reason(), js_sys::Date::now());
            }
        }
    });
    let mut results = Vec::new();
    let mut notes = Vec::new();
    let mut batches = Vec::new();
    for (_, event) in events {
        match event {
            RunEvent::Result(result) => results.push(result),
            RunEvent::Note(note) => notes.push(note),
            RunEvent::Batch {
                index,
                users,
                stage,
            } => batches.push((index, users, stage)),
            _ => {}
        }
    }
    if !results.is_empty() {
        run.results.update(|r| r.extend(results));
    }
    if !notes.is_empty() {
        run.notes.update(|n| n.extend(notes));
    }
    if !batches.is_empty() {
        run.batches.update(|b| {
            for (index, users, stage) in batches {
                if b.len() <= index {
                    b.resize(index + 1, (0, BatchStage::Queued));
                }
                b[index] = (users, stage);
            }
        });
    }
}
