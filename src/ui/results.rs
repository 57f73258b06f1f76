//! Results step: every input row with its outcome, filterable, downloadable, and "retry failed".

use leptos::prelude::*;

use super::launch::start_run;
use super::virtual_list::VirtualList;
use super::{AppState, StepNav};
use crate::browser::download_text;
use crate::results::{self, export_csv, retry_plan, Filter, OutcomeClass, Tally};

/// Summary, filters, the table of every row, download and retry.
#[component]
pub fn ResultsStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let rows = Memo::new(move |_| {
        let skipped = state.run.skipped.get();
        state
            .run
            .results
            .with(|r| results::rows(r.iter().cloned(), skipped))
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

    let download = move |_| {
        let csv = rows.with_untracked(|r| export_csv(r));
        let name = format!(
            "offboard-results-{}.csv",
            crate::results::time::iso8601_utc(js_sys::Date::now())
                .unwrap_or_default()
                .replace(':', "-")
        );
        if let Err(e) = download_text(&name, "text/csv;charset=utf-8", &csv) {
            message.set(Some(e));
        }
    };
    let retry = move |_| {
        let entries = rows.with_untracked(|r| retry_plan(r));
        match state.connection() {
            Ok(connection) if !entries.is_empty() => start_run(state, connection, entries, false),
            Ok(_) => {}
            Err(e) => message.set(Some(format!("Connect again first: {e}"))),
        }
    };

    let row_view = move |i: usize| {
        let Some(row) = shown
            .with_untracked(|s| s.get(i).copied())
            .and_then(|k| rows.with_untracked(|r| r.get(k).cloned()))
        else {
            return ().into_any();
        };
        let class_name = format!("cell outcome {}", css_class(OutcomeClass::of(&row)));
        view! {
            <span class="cell num" role="cell">{row.row()}</span>
            <span class="cell value mono" role="cell">{row.user().to_string()}</span>
            <span class=class_name role="cell">{row.label()}</span>
            <span class="cell num" role="cell">{row.http_status().map(|s| s.to_string()).unwrap_or_default()}</span>
            <span class="cell reason" role="cell">{row.message()}</span>
        }
        .into_any()
    };

    view! {
        <section class="card">
            <h3 id="results-summary">{move || {
                let t = tally.get();
                format!("{} rows: {} removed, {} not removed, {} skipped", t.total(), t.get(OutcomeClass::Removed),
                    t.total() - t.get(OutcomeClass::Removed) - t.get(OutcomeClass::Skipped), t.get(OutcomeClass::Skipped))
            }}</h3>
            <ul class="counts" id="results-counts">
                {move || {
                    let t = tally.get();
                    OutcomeClass::ALL.iter().filter(|c| t.get(**c) > 0).map(|c| {
                        let c = *c;
                        view! {
                            <li data-class=css_class(c)>
                                <button type="button" class="link" aria-pressed=move || (class.get() == Some(c)).to_string()
                                    on:click=move |_| class.update(|k| *k = if *k == Some(c) { None } else { Some(c) })>
                                    <strong>{t.get(c)}</strong>" "{c.label()}
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
                <button type="button" id="download" class="primary" on:click=download>"Download results (CSV)"</button>
                <button type="button" id="retry-failed" class="secondary" disabled=move || tally.with(|t| t.retryable() == 0) || state.run.active.get() on:click=retry>
                    {move || format!("Retry failed and not started ({})", tally.with(|t| t.retryable()))}
                </button>
            </div>
            {move || message.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </section>
        <section class="card results-list">
            <VirtualList len=Signal::derive(move || shown.with(Vec::len)) row=row_view label="Every row of the file with its outcome" />
        </section>
        <StepNav />
    }
}

fn css_class(class: OutcomeClass) -> &'static str {
    match class {
        OutcomeClass::Removed => "removed",
        OutcomeClass::NotFound => "not-found",
        OutcomeClass::NotAllowed => "not-allowed",
        OutcomeClass::Conflict => "conflict",
        OutcomeClass::Failed => "failed",
        OutcomeClass::NotStarted => "not-started",
        OutcomeClass::Skipped => "skipped",
    }
}
