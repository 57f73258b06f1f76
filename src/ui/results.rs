//! Results step: every input row with its outcome, filterable, downloadable, and "retry failed".

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;

use super::chart::Breakdown;
use crate::decimal::grouped;
use leptos::task::spawn_local;

use super::virtual_list::VirtualList;
use super::{AppState, StepNav};
use crate::browser::download_in_slices;
use crate::browser::read_file;
use crate::browser::yield_now::in_slices;
use crate::charts::Part;
use crate::flow::Step;
use crate::results::{
    self, action_shown, export_head, export_rows, reenable_plan, retry_plan, uncertain_marks,
    undo_plan, Filter, OutcomeClass, ResultsImport, RowOutcome, Tally,
};
use crate::run::action::RunAction;
use crate::run::follow_up::FollowUp;
use crate::run::progress::Progress;
use crate::target::Target;

/// Summary, filters, the table of every row, download and retry.
#[component]
pub fn ResultsStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let redraws = redraws(state);
    let rows = Memo::new(move |_| {
        redraws.track();
        let skipped = state.run.skipped.get_untracked();
        state
            .run
            .results
            .with_untracked(|r| Arc::new(results::rows(r.iter().cloned(), skipped)))
    });
    let tally = Memo::new(move |_| rows.with(|r| Tally::of(r)));
    let class = RwSignal::new(None::<OutcomeClass>);
    let text = RwSignal::new(String::new());
    let shown = Memo::new(move |_| {
        let filter = Filter {
            class: class.get(),
            text: text.get(),
        };
        rows.with(|r| filter.apply(r))
    });
    let message = RwSignal::new(None::<String>);
    let info = RwSignal::new(None::<String>);

    // A large file is written a slice at a time; a click meanwhile starts no second one.
    let downloading = RwSignal::new(false);
    let download = move |_| {
        if downloading.get_untracked() {
            return;
        }
        // A rehearsal's file says so in its name: its outcomes are predictions, nobody was changed.
        let kind = if state.run.rehearsal.get_untracked() {
            "rehearsal"
        } else {
            "results"
        };
        let name = format!(
            "offboard-{kind}-{}.csv",
            crate::results::time::iso8601_utc(js_sys::Date::now())
                .unwrap_or_default()
                .replace(':', "-")
        );
        // The rows as they are now: those of a run still going may change meanwhile.
        let all = rows.get_untracked();
        downloading.set(true);
        spawn_local(async move {
            let written = download_in_slices(
                &name,
                "text/csv;charset=utf-8",
                all.len(),
                export_head,
                |out, range| export_rows(out, &all[range]),
            )
            .await;
            if let Err(e) = written {
                message.try_set(Some(e));
            }
            downloading.try_set(false);
        });
    };
    // Every run started from here changes accounts: it goes to the Run step's confirmation
    // (typed count, and above the threshold the host name and the countdown), never straight out.
    let confirm = move |follow_up: FollowUp| {
        if follow_up.entries.is_empty() || state.run.busy_untracked() {
            return;
        }
        let ran_on = state.run.target.get_untracked();
        if let Some(why) = ran_on.switched_away(state.target.get_untracked()) {
            return message.set(Some(why));
        }
        if let Err(e) = state.connection() {
            return message.set(Some(format!("Connect again first: {e}")));
        }
        message.set(None);
        state.run.follow_up.set(Some(follow_up));
        state.go(Step::Run);
    };
    let retry = move |_| {
        let from_file = state.run.journal.with_value(Option::is_none);
        if from_file && state.run.action_unknown.get_untracked() {
            message.set(Some(
                "This results file does not show what its run did: no row was removed, marked for deletion or \
                 changed, so a retry cannot tell deleting from marking for deletion. Start the run again from the \
                 CSV step, where you choose the action."
                    .into(),
            ));
            return;
        }
        let entries = rows.with_untracked(|r| retry_plan(r));
        // The earlier run's action (an imported results file: the action its outcomes show).
        let action = state
            .run
            .journal
            .with_value(|j| j.as_ref().map(|j| j.action))
            .unwrap_or_else(|| state.run.action.get_untracked());
        confirm(FollowUp::retry(entries, action));
    };

    let undo = Memo::new(move |_| rows.with(|r| undo_plan(r)));
    let uncertain = Memo::new(move |_| rows.with(|r| uncertain_marks(r).len()));
    let reenable = Memo::new(move |_| rows.with(|r| reenable_plan(r)));
    let change = move |follow_up: FollowUp| {
        if state.run.target.get_untracked() == Target::Rsa {
            confirm(follow_up)
        } else {
            message.set(Some(
                "Undo and enable again are RSA actions: connect to RSA Cloud Access Service."
                    .into(),
            ))
        }
    };
    // Which import is current: opening another file stops an earlier one still reading.
    let current_import = StoredValue::new(0u32);
    let open_file = move |ev: leptos::ev::Targeted<web_sys::Event, web_sys::HtmlInputElement>| {
        let Some(file) = ev.target().files().and_then(|f| f.get(0)) else {
            return;
        };
        ev.target().set_value("");
        let this = current_import.get_value().wrapping_add(1);
        current_import.set_value(this);
        spawn_local(async move {
            let name = file.name();
            let text = match read_file(&file).await {
                Ok(bytes) => String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                Err(e) => return message.set(Some(format!("{name}: {e}"))),
            };
            let mut import = ResultsImport::new(text);
            let go_on = |import: &ResultsImport| {
                let percent = (import.progress() * 100.0) as u8;
                info.set(Some(format!("Reading {name}… {percent} %")));
                current_import.try_get_value() == Some(this)
            };
            if !in_slices(&mut import, ResultsImport::step, go_on).await {
                return;
            }
            match import.finish() {
                Ok(imported) => {
                    let (mut done, mut skipped) = (Vec::new(), Vec::new());
                    for row in imported {
                        match row {
                            RowOutcome::Processed(r) => done.push(r),
                            RowOutcome::Skipped(s) => skipped.push(s),
                        }
                    }
                    let run = state.run;
                    class.set(None);
                    run.progress.set(Some(Progress::resumed(done.len(), &done)));
                    run.target.set(state.target.get_untracked());
                    let shown = match state.target.get_untracked() {
                        Target::Rsa => action_shown(&done),
                        Target::Epm => Some(RunAction::Remove),
                    };
                    run.action.set(shown.unwrap_or(RunAction::Remove));
                    run.action_unknown.set(shown.is_none());
                    run.rehearsal.set(false);
                    run.journal.set_value(None);
                    run.results.set(done);
                    run.skipped.set(skipped);
                    message.set(None);
                    info.set(Some(format!("Showing the results in {name}.")));
                }
                Err(e) => {
                    info.set(None);
                    message.set(Some(format!("{name}: {e}")));
                }
            }
        });
    };

    let row_view = move |i: usize| {
        let Some(row) = shown
            .with_untracked(|s| s.get(i).copied())
            .and_then(|k| rows.with_untracked(|r| r.get(k).cloned()))
        else {
            return ().into_any();
        };
        let class = OutcomeClass::of(&row);
        let class_name = format!("cell outcome {}", css_class(class));
        let (user, message) = (row.user().to_string(), row.message());
        view! {
            <span class="cell num" role="cell">{row.row()}</span>
            <span class="cell value mono" role="cell" title=user>{user.clone()}</span>
            <span class=class_name role="cell" title=class.label()>{class.label()}</span>
            <span class="cell num" role="cell">{row.http_status().map(|s| s.to_string()).unwrap_or_default()}</span>
            <span class="cell reason" role="cell" title=message>{message.clone()}</span>
        }
        .into_any()
    };

    view! {
        <section class="card">
            <Show when=move || state.run.rehearsal.get()>
                <div class="rehearsal-note" id="rehearsal-note" role="note">
                    <p><strong>"Rehearsal: nobody was changed."</strong>" These are the outcomes the real run would report, predicted from read-only lookups."</p>
                    <button type="button" id="start-real-run" class="danger" on:click=move |_| {
                        state.run.rehearsal.set(false);
                        state.run.progress.set(None);
                        state.go(Step::Run);
                    }>"Start the real run…"</button>
                </div>
            </Show>
            <h3 id="results-summary">{move || {
                let t = tally.get();
                let (class, done, not_done) = match (state.run.action.get(), state.run.rehearsal.get()) {
                    (_, true) => (OutcomeClass::Removed, "would be removed", "would not be removed"),
                    (RunAction::Remove, _) => (OutcomeClass::Removed, "removed", "not removed"),
                    (RunAction::Mark, _) => (OutcomeClass::Marked, "marked for deletion", "not marked"),
                    (RunAction::Unmark | RunAction::Reenable, _) => (OutcomeClass::Restored, "restored", "not restored"),
                };
                let (skipped, unknown) = (t.get(OutcomeClass::Skipped), t.get(OutcomeClass::Unknown));
                let unknown_text = if unknown > 0 { format!(", {} outcome unknown", grouped(unknown)) } else { String::new() };
                format!("{} {}: {} {done}, {} {not_done}{unknown_text}, {} skipped", grouped(t.total()), if t.total() == 1 { "row" } else { "rows" },
                    grouped(t.get(class)), grouped(t.total() - t.get(class) - skipped - unknown), grouped(skipped))
            }}</h3>
            <Show when=move || state.run.active.get()>
                <p class="warning" id="results-partial" role="status">{move || {
                    // The users listed, counted as the summary counts them (both redraw together).
                    let done = rows.with(|r| r.iter().filter(|r| matches!(r, RowOutcome::Processed(_))).count());
                    let total = state.run.progress.with_untracked(|p| p.as_ref().map_or(0, |p| p.total));
                    format!("The run is still going: this page shows the {} users with an outcome so far, of {} \
                        (the others are added as their outcomes arrive), and a download now holds only those.",
                        grouped(done), grouped(total))
                }}</p>
            </Show>
            {move || tally.with(|t| {
                let why = t.skipped_by_kind().map(|(kind, n)| format!("{kind}: {}", grouped(n))).collect::<Vec<_>>();
                (!why.is_empty()).then(|| view! { <p class="hint" id="skipped-why">{format!("Skipped rows, by reason: {}.", why.join(", "))}</p> })
            })}
            <Breakdown parts=Signal::derive(move || tally.with(|t| OutcomeClass::ALL.iter().map(|c| Part {
                    key: css_class(*c),
                    label: c.label().to_string(),
                    count: t.get(*c),
                }).collect::<Vec<_>>()))
                label="Every row of the file by outcome" />
            <ul class="counts" id="results-counts">
                {move || {
                    let t = tally.get();
                    OutcomeClass::ALL.iter().filter(|c| t.get(**c) > 0).map(|c| {
                        let c = *c;
                        view! {
                            <li data-class=css_class(c)>
                                <button type="button" class="link" aria-pressed=move || (class.get() == Some(c)).to_string()
                                    on:click=move |_| class.update(|k| *k = if *k == Some(c) { None } else { Some(c) })>
                                    <strong>{grouped(t.get(c))}</strong>" "{c.label()}
                                </button>
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
            <label for="results-search">"Search"</label>
            <input id="results-search" type="search" placeholder="a user, an outcome, a message or a row number"
                prop:value=move || text.get() on:input:target=move |ev| text.set(ev.target().value()) />
            <div class="actions">
                <button type="button" id="download" class="primary" on:click=download>
                    {move || if state.run.active.get() { "Download results so far (CSV)" } else { "Download results (CSV)" }}
                </button>
                <Show when=move || !state.run.rehearsal.get()>
                    <button type="button" id="retry-failed" class="secondary" disabled=move || tally.with(|t| t.retryable() == 0) || state.run.busy() on:click=retry>
                        {move || format!("Retry failed and not started ({})", grouped(tally.with(|t| t.retryable())))}
                    </button>
                </Show>
            </div>
            <Show when=move || !state.run.rehearsal.get() && (undo.with(|u| !u.is_empty()) || uncertain.get() > 0 || reenable.with(|u| !u.is_empty()))>
                <div class="actions undo">
                    <Show when=move || undo.with(|u| !u.is_empty())>
                        <button type="button" id="undo-marks" class="secondary" disabled=move || state.run.busy()
                            on:click=move |_| change(FollowUp::unmark(undo.get_untracked()))>
                            {move || format!("Undo: take the mark for deletion off the {} users marked", grouped(undo.with(Vec::len)))}
                        </button>
                    </Show>
                    <Show when=move || { uncertain.get() > 0 }>
                        <p class="warning" id="uncertain-marks">{move || format!(
                            "{} users were found marked after a request that got no clear answer: this run most likely marked them, \
                             but they may have been marked before it, so the undo leaves them. Search the results for \"perhaps before this run\" \
                             and check them in the admin console.",
                            grouped(uncertain.get()))}</p>
                    </Show>
                    <Show when=move || reenable.with(|u| !u.is_empty())>
                        <button type="button" id="reenable" class="secondary" disabled=move || state.run.busy()
                            on:click=move |_| change(FollowUp::reenable(reenable.get_untracked()))>
                            {move || format!("Enable again the {} users left disabled, not deleted", grouped(reenable.with(Vec::len)))}
                        </button>
                    </Show>
                </div>
            </Show>
            <label for="open-results">"Open an earlier run's results file (to undo its marks or enable its users again)"</label>
            <input id="open-results" type="file" accept=".csv,text/csv" disabled=move || state.run.busy() on:change:target=open_file />
            {move || message.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || info.get().map(|m| view! { <p class="hint" role="status">{m}</p> })}
        </section>
        <section class="card results-list">
            <VirtualList len=Signal::derive(move || shown.with(Vec::len)) row=row_view label="Every row of the file with its outcome"
                columns=["Row", "User", "Outcome", "HTTP", "Message"].map(String::from).to_vec() />
        </section>
        <StepNav />
    }
}

/// While a run goes on, the rows are drawn again at most once a second: outcomes arrive every
/// 120 ms, and with 100,000 rows each redraw (sort, counts, filter) takes tens of milliseconds.
/// Anything else (the run's end, a file opened, a new run) shows at once.
const REDRAW_MS: f64 = 1_000.0;

/// A signal that changes when the rows should be drawn again, as [`REDRAW_MS`] says.
fn redraws(state: AppState) -> RwSignal<u32> {
    let redraws = RwSignal::new(0u32);
    let last = StoredValue::new(js_sys::Date::now());
    let waiting = StoredValue::new(false);
    let redraw = move || {
        last.try_set_value(js_sys::Date::now());
        redraws.try_update(|n| *n = n.wrapping_add(1));
    };
    Effect::new(move |first: Option<()>| {
        state.run.results.track();
        state.run.skipped.track();
        let active = state.run.active.get();
        if first.is_none() {
            return;
        }
        let wait = last.get_value() + REDRAW_MS - js_sys::Date::now();
        if !active || wait <= 0.0 {
            redraw();
        } else if !waiting.get_value() {
            waiting.set_value(true);
            set_timeout(
                move || {
                    waiting.try_set_value(false);
                    redraw();
                },
                Duration::from_millis(wait as u64),
            );
        }
    });
    redraws
}

fn css_class(class: OutcomeClass) -> &'static str {
    match class {
        OutcomeClass::Removed => "removed",
        OutcomeClass::Marked => "marked",
        OutcomeClass::Restored => "restored",
        OutcomeClass::DisabledOnly => "disabled-only",
        OutcomeClass::Unchanged => "unchanged",
        OutcomeClass::NotFound => "not-found",
        OutcomeClass::NotAllowed => "not-allowed",
        OutcomeClass::Conflict => "conflict",
        OutcomeClass::Failed => "failed",
        OutcomeClass::Unknown => "unknown",
        OutcomeClass::NotStarted => "not-started",
        OutcomeClass::Skipped => "skipped",
    }
}
