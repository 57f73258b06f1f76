//! CSV step: drop the file, pick it, or paste the list.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{AppState, StepNav};
use crate::browser::read_file;
use crate::csv_intake;

/// Drop zone, file picker and paste box; shows what was read or why it was refused.
#[component]
pub fn CsvStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let over = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let pasted = RwSignal::new(String::new());

    let take_file = move |file: web_sys::File| {
        let name = file.name();
        if let Err(e) = csv_intake::check_size(file.size() as usize) {
            state.intake_error.set(Some(format!("{name}: {e}")));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let table = match read_file(&file).await {
                Ok(bytes) => csv_intake::read_bytes(bytes),
                Err(e) => {
                    state.intake_error.set(Some(format!("{name}: {e}")));
                    busy.set(false);
                    return;
                }
            };
            state.take_in(name, table);
            busy.set(false);
        });
    };

    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        over.set(false);
        if let Some(file) = ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .and_then(|files| files.get(0))
        {
            take_file(file);
        }
    };
    let on_pick = move |ev: leptos::ev::Targeted<web_sys::Event, web_sys::HtmlInputElement>| {
        let input = ev.target();
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            take_file(file);
        }
        input.set_value("");
    };
    let use_paste = move |_| {
        let text = pasted.get_untracked();
        state.take_in("pasted text".into(), csv_intake::read_pasted(&text));
    };

    view! {
        <section
            class="card dropzone"
            class:over=move || over.get()
            on:dragover=move |ev| { ev.prevent_default(); over.set(true); }
            on:dragleave=move |_| over.set(false)
            on:drop=on_drop
        >
            <p><strong>"Drop the CSV file here"</strong>" or "</p>
            <label class="file-button">
                "Choose a file…"
                <input type="file" accept=".csv,.txt,.tsv,text/csv,text/plain" on:change:target=on_pick />
            </label>
            <p class="hint">
                "UTF-8, ANSI (Windows-1252) or UTF-16 (Excel “Unicode text”); comma, semicolon, tab or | separated; "
                "with or without a header row. Up to 1,000,000 rows and 100 MB."
            </p>
        </section>
        <section class="card">
            <label for="paste">"Or paste the list"</label>
            <textarea
                id="paste"
                placeholder="User Login\njane.doe@example.com"
                prop:value=move || pasted.get()
                on:input:target=move |ev| pasted.set(ev.target().value())
            ></textarea>
            <button type="button" class="secondary" disabled=move || pasted.with(|p| p.trim().is_empty()) on:click=use_paste>
                "Use pasted text"
            </button>
        </section>
        <Show when=move || busy.get()>
            <p class="hint" role="status">"Reading the file…"</p>
        </Show>
        {move || state.intake_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || state.loaded.get().map(|l| {
            let counts = l.plan.counts();
            let delimiter = l.table.delimiter().map(|d| d.name()).unwrap_or("one column");
            view! {
                <p class="success" role="status" id="intake-summary">
                    {format!(
                        "Read {}: {} rows, {}, {}. {} to remove, {} not processed.",
                        l.source, counts.total(), l.table.encoding().name(), delimiter,
                        counts.targets, counts.total() - counts.targets,
                    )}
                </p>
            }
        })}
        <StepNav ready=Signal::derive(move || state.loaded.with(Option::is_some)) next_label="Preview" />
    }
}
