//! Preview step: exactly who will be removed, and every row that will not be, with its reason.

use leptos::prelude::*;

use super::virtual_list::VirtualList;
use super::{AppState, Loaded, StepNav};
use crate::csv_intake::{row_number, Class};

/// Counts, the identifier column, the users to remove and the rows left out, with a search box.
#[component]
pub fn PreviewStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        {move || match state.loaded.get() {
            None => view! {
                <section class="card"><p>"No list taken in yet. Go back to the CSV step and drop a file."</p></section>
            }.into_any(),
            Some(loaded) => view! { <Preview loaded /> }.into_any(),
        }}
        <StepNav ready=Signal::derive(move || !state.removal_entries().is_empty()) next_label="Review and confirm" />
    }
}

#[component]
fn Preview(loaded: Loaded) -> impl IntoView {
    let state = expect_context::<AppState>();
    let counts = loaded.plan.counts();
    let query = RwSignal::new(String::new());

    let rows_of = {
        let loaded = loaded.clone();
        move |want_targets: bool| {
            let loaded = loaded.clone();
            Memo::new(move |_| {
                let q = query.get().trim().to_lowercase();
                let plan = &loaded.plan;
                (0..loaded.table.len())
                    .filter(|&i| (plan.class(i) == Class::Target) == want_targets)
                    .filter(|&i| {
                        q.is_empty()
                            || loaded
                                .table
                                .fields(i)
                                .any(|f| f.to_lowercase().contains(&q))
                            || row_number(i).to_string() == q
                    })
                    .collect::<Vec<usize>>()
            })
        }
    };
    let targets = rows_of(true);
    let skipped = rows_of(false);

    let row_view = {
        let loaded = loaded.clone();
        move |rows: Memo<Vec<usize>>| {
            let loaded = loaded.clone();
            move |i: usize| {
                let Some(row) = rows.with_untracked(|r| r.get(i).copied()) else {
                    return ().into_any();
                };
                let class = loaded.plan.class(row);
                let value = loaded.plan.value(&loaded.table, row).to_string();
                let shown = if value.is_empty() {
                    loaded.table.fields(row).collect::<Vec<_>>().join(" · ")
                } else {
                    value
                };
                let notes = loaded
                    .plan
                    .notes(row)
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join("; ");
                let reason = if class == Class::Target {
                    notes
                } else {
                    class.to_string()
                };
                view! {
                    <span class="cell num" role="cell">{row_number(row)}</span>
                    <span class="cell value mono" role="cell">{shown}</span>
                    <span class="cell reason" role="cell">{reason}</span>
                }
                .into_any()
            }
        }
    };

    let column_choice = {
        let detection = loaded.detection.clone();
        let current = loaded.plan.options().column;
        (detection.columns.len() > 1).then(|| {
            let options = detection
                .columns
                .iter()
                .map(|c| {
                    let index = c.index;
                    let note = if detection.candidates.contains(&index) { "" } else { " (unlikely)" };
                    view! { <option value=index.to_string() selected=index == current>{format!("{}{note}", c.title())}</option> }
                })
                .collect_view();
            view! {
                <label for="column">"Identifier column"</label>
                <select id="column" on:change:target=move |ev| {
                    state.column.set(ev.target().value().parse().ok());
                    state.replan();
                }>{options}</select>
            }
        })
    };

    let summary = [
        ("to remove", counts.targets, "targets"),
        ("duplicates", counts.duplicates, "duplicates"),
        ("invalid", counts.invalid, "invalid"),
        ("blank", counts.blank, "blank"),
        ("header", counts.header, "header"),
        ("your own account", counts.excluded_self, "self"),
        ("protected", counts.protected, "protected"),
    ];
    let target_rows = Signal::derive(move || targets.with(Vec::len));
    let skipped_rows = Signal::derive(move || skipped.with(Vec::len));

    view! {
        <section class="card">
            <p>{format!("{}: {} rows read ({}).", loaded.source, counts.total(), loaded.table.encoding().name())}</p>
            <ul class="counts" id="preview-counts">
                {summary
                    .into_iter()
                    .filter(|(_, n, key)| *n > 0 || *key == "targets")
                    .map(|(label, n, key)| view! { <li data-count=key><strong>{n}</strong>" "{label}</li> })
                    .collect_view()}
            </ul>
            {column_choice}
            <label for="search">"Search"</label>
            <input id="search" type="search" placeholder="a login, an ID or a row number"
                prop:value=move || query.get()
                on:input:target=move |ev| query.set(ev.target().value()) />
        </section>
        <super::lookup::EmailLookup />
        <super::presence::EpmPresence />
        <super::protected::Safeguards />
        <section class="card">
            <h3>{move || format!("Will be removed ({})", target_rows.get())}</h3>
            <VirtualList len=target_rows row=row_view(targets) label="Users that will be removed" />
        </section>
        <section class="card">
            <h3>{move || format!("Will not be processed ({})", skipped_rows.get())}</h3>
            <VirtualList len=skipped_rows row=row_view(skipped) label="Rows that will not be processed" height=240 />
        </section>
    }
}
