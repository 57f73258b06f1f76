//! A run saved by an earlier visit (the page was reloaded or closed mid-run): resume it, look at
//! its results, or forget it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::launch::{resume_run, running_in_another_tab};
use super::state::SavedRun;
use super::AppState;
use crate::browser::live_run;
use crate::browser::{clear_journal, load_journal};
use crate::decimal::{counted, grouped};
use crate::flow::Step;
use crate::results::time::local_minutes;
use crate::rsa::RsaMode;
use crate::run::journal::Journal;
use crate::run::progress::Progress;
use crate::target::Target;

/// Looks for a saved run when the page opens and offers what can be done with it.
#[component]
pub fn SavedRunBanner() -> impl IntoView {
    let state = expect_context::<AppState>();
    let problem = RwSignal::new(None::<String>);
    if live_run::in_another_tab() {
        // The saved run is the one that tab is doing: resuming it here would send every removal twice.
        return view! {
            <div class="card alert" role="alert" id="run-in-other-tab">
                "A removal is running in another tab of this browser: follow it there. Reload this page once it has ended to see or resume its saved run here. (If no other tab is open, the one running it was closed: reload in two minutes.)"
            </div>
        }
        .into_any();
    }
    spawn_local(async move {
        let loaded = read_saved().await;
        if state.run.active.get_untracked() {
            // A run started meanwhile: its own journal replaces the one read.
            return;
        }
        match loaded {
            Some(Ok(journal)) => state.run.saved.set(Some(SavedRun::new(journal))),
            Some(Err(why)) => problem.set(Some(unreadable(&why))),
            None => {}
        }
    });
    let card = Card {
        notice: RwSignal::new(None),
        reading: RwSignal::new(false),
        problem,
    };
    // A notice is about the saved run as this tab last read it: a run of this tab's own replaces it.
    Effect::new(move || {
        if state.run.busy() {
            card.notice.set(None);
        }
    });
    let shown = move || state.run.saved.get().filter(|_| !state.run.active.get());
    view! {
        {move || problem.get().map(|p| view! { <div class="card alert" role="alert">{p}</div> })}
        {move || match shown() {
            Some(saved) => view! { <SavedRunCard saved card /> }.into_any(),
            None => card.notice.get().map(|n| view! { <div class="card" role="status" id="saved-run-notice">{n}</div> }).into_any(),
        }}
    }
    .into_any()
}

/// The saved journal, refused when its steps are ones this version cannot take.
async fn read_saved() -> Option<Result<Journal, String>> {
    load_journal()
        .await
        .map(|loaded| loaded.and_then(|j| RsaMode::from_journal(&j).map(|_| j)))
}

fn unreadable(why: &str) -> String {
    format!("A run saved in this browser could not be read, so it cannot be resumed: {why}")
}

/// The banner's state that outlives one card: the card is drawn anew when the saved run changes.
#[derive(Clone, Copy)]
struct Card {
    /// What the last check of the saved run found (it changed, or is gone).
    notice: RwSignal<Option<String>>,
    /// The saved run is being read again.
    reading: RwSignal<bool>,
    problem: RwSignal<Option<String>>,
}

impl Card {
    /// Whether Show its results and Forget it may act now: not while this tab runs or reads the
    /// saved run, nor while another tab runs a removal (the card then says so).
    fn may_act(self, state: AppState) -> bool {
        if state.run.busy_untracked() || self.reading.get_untracked() {
            return false;
        }
        if live_run::in_another_tab() {
            self.notice.set(Some(OTHER_TAB.into()));
            return false;
        }
        true
    }

    /// Reads the saved run again before acting on it: another tab may have gone on with it, or
    /// forgotten it, since this page read it. Returns it when it is still the one `shown` and no
    /// other tab runs a removal; otherwise the card shows what is saved now, says so, and the
    /// admin looks again.
    async fn still_saved(self, state: AppState, shown: &Journal) -> Option<Journal> {
        self.reading.set(true);
        let loaded = read_saved().await;
        self.reading.set(false);
        match loaded {
            // A run another tab began meanwhile is its own: this tab may not act on the saved run
            // (which that tab may have been saving while it was read).
            _ if live_run::in_another_tab() => {
                self.notice.set(Some(OTHER_TAB.into()));
                None
            }
            Some(Ok(journal)) if journal == *shown => {
                self.notice.set(None);
                Some(journal)
            }
            Some(Ok(journal)) => {
                self.notice.set(Some(
                    "Another tab of this browser changed the saved run since this page read it: it is shown as it is now.".into(),
                ));
                state.run.saved.set(Some(SavedRun::new(journal)));
                None
            }
            Some(Err(why)) => {
                self.problem.set(Some(unreadable(&why)));
                state.run.saved.set(None);
                None
            }
            None => {
                self.notice.set(Some(
                    "The run is no longer saved in this browser: another tab forgot it.".into(),
                ));
                state.run.saved.set(None);
                None
            }
        }
    }
}

#[component]
fn SavedRunCard(saved: SavedRun, card: Card) -> impl IntoView {
    let state = expect_context::<AppState>();
    let journal = saved.journal.clone();
    let target = journal.target;
    let base = journal.base_url.clone();
    let host = base
        .split_once("://")
        .map_or(base.as_str(), |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let offset = js_sys::Date::new(&journal.started_ms.into()).get_timezone_offset();
    let when = local_minutes(journal.started_ms, offset).unwrap_or_default();
    let remaining = saved.total - saved.done;
    // Users whose request (RSA), or whose batch's removal (EPM), was under way when the page closed.
    let unanswered = journal
        .unanswered()
        .len()
        .max(journal.interrupted_job_users().len());
    let message = RwSignal::new(None::<String>);
    // What the resume does before the run goes on (it may follow a job to its end: minutes).
    let settling_text = if !journal.interrupted_job_users().is_empty() {
        "Reading how the removal that was under way when the page closed ended (a removal job \
         still running is followed to its end)…"
    } else {
        "Deleting the files the closed page had uploaded…"
    };

    let connected_here = move || {
        state.target.get() == target
            && match target {
                Target::Rsa => state.creds.rsa_base.get(),
                Target::Epm => state.creds.epm_base.get(),
            }
            .trim()
                == base.trim()
            && state.connection().is_ok()
    };
    let resume = {
        let journal = journal.clone();
        let base = journal.base_url.clone();
        move |_| {
            if state.run.busy_untracked() || card.reading.get_untracked() {
                return;
            }
            if !connected_here() {
                state.target.set(target);
                match target {
                    Target::Rsa => state.creds.rsa_base.set(base.clone()),
                    Target::Epm => state.creds.epm_base.set(base.clone()),
                }
                state.go(Step::Connect);
                message.set(Some(
                    "Paste the credential again here, then press \"Resume the run\".".into(),
                ));
                return;
            }
            if running_in_another_tab() {
                return;
            }
            let journal = journal.clone();
            spawn_local(async move {
                let Some(journal) = card.still_saved(state, &journal).await else {
                    return;
                };
                match state.connection() {
                    Ok(connection) => {
                        let told = move |why| _ = message.try_set(Some(why));
                        if resume_run(state, connection, journal, told) {
                            message.set(None);
                        }
                    }
                    Err(e) => message.set(Some(e)),
                }
            });
        }
    };
    let show_results = {
        let journal = journal.clone();
        move |_| {
            if !card.may_act(state) {
                return;
            }
            let journal = journal.clone();
            spawn_local(async move {
                card.still_saved(state, &journal).await;
                // Changed or not, the results are those saved now, unless this tab began a run meanwhile.
                match state.run.saved.get_untracked() {
                    Some(saved) if !state.run.busy_untracked() => {
                        show_saved_results(state, &saved.journal)
                    }
                    _ => {}
                }
            });
        }
    };
    let forget = move |_| {
        if !card.may_act(state) {
            return;
        }
        let journal = journal.clone();
        spawn_local(async move {
            // Only the run this card shows is forgotten: not one another tab saved since.
            if card.still_saved(state, &journal).await.is_some() && !state.run.busy_untracked() {
                clear_journal();
                state.run.saved.set(None);
            }
        });
    };
    let finished = remaining == 0;
    let text = if finished {
        format!(
            "Your last run ({} users on {host}, started {when}) is saved in this browser.",
            grouped(saved.total)
        )
    } else {
        let checks = if unanswered > 0 {
            format!(
                " {} had a request under way when the page closed: checked again first.",
                counted(unanswered, "user")
            )
        } else {
            String::new()
        };
        format!(
            "A run on {host} (started {when}) stopped before it ended: {} of {} users have a result, {} remain.{checks}",
            grouped(saved.done), grouped(saved.total), grouped(remaining)
        )
    };
    view! {
        <section class="card saved-run" id="saved-run" aria-labelledby="saved-run-title">
            <h2 id="saved-run-title">{if finished { "Last run" } else { "Interrupted run" }}</h2>
            <p>{text}</p>
            {move || card.notice.get().map(|n| view! { <p class="hint" role="status" id="saved-run-notice">{n}</p> })}
            {move || message.get().map(|m| view! { <p class="hint" role="status">{m}</p> })}
            {move || state.run.settling.get().then(|| view! { <p class="hint" role="status">{settling_text}</p> })}
            <div class="actions">
                {(!finished).then(|| view! {
                    <button type="button" id="resume-run" class="primary" disabled=move || state.run.busy() || card.reading.get() on:click=resume>"Resume the run"</button>
                })}
                <button type="button" id="saved-results" class="secondary" disabled=move || state.run.busy() || card.reading.get() on:click=show_results>"Show its results"</button>
                <button type="button" id="forget-run" class="secondary" disabled=move || state.run.busy() || card.reading.get() on:click=forget>"Forget it"</button>
            </div>
        </section>
    }
}

const OTHER_TAB: &str =
    "A removal is running in another tab of this browser: follow it there, and look at this run once it has ended.";

/// Opens the Results step on a saved run's results so far.
fn show_saved_results(state: AppState, journal: &Journal) {
    let so_far = journal.results_so_far();
    state
        .run
        .progress
        .set(Some(Progress::resumed(journal.plan().len(), &so_far)));
    state.run.results.set(so_far);
    state.run.skipped.set(journal.skipped().to_vec());
    state.run.target.set(journal.target);
    state.run.action.set(journal.action);
    state.run.rehearsal.set(false);
    state.run.journal.set_value(Some(journal.clone()));
    state.go(Step::Results);
}
