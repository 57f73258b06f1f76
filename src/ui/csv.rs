//! CSV step: drop the file, pick it, or paste the list.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{AppState, StepNav};
use crate::browser::file::read_file_warming;
use crate::browser::yield_now::in_slices;
use crate::csv_intake::{self, Intake, IntakeError, Options, Table};
use crate::decimal::{counted, grouped};

/// Drop zone, file picker and paste box; shows what was read or why it was refused.
#[component]
pub fn CsvStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let over = RwSignal::new(false);
    // The intake's progress in percent while a file or paste is being read.
    let reading = RwSignal::new(None::<u8>);
    // Which read is current: a newer drop or paste makes an older one stop.
    let current = StoredValue::new(0u32);
    let pasted = RwSignal::new(String::new());

    let take_in = move |name: String, intake: Intake| {
        let this = current.get_value().wrapping_add(1);
        current.set_value(this);
        reading.set(Some(0));
        spawn_local(async move {
            // A step left mid-read has disposed `current`: that read is over too.
            let still_current = move || current.try_get_value() == Some(this);
            if let Some(table) = read_in_slices(intake, reading, still_current).await {
                reading.set(None);
                state.take_in(name, table);
            }
        });
    };

    let take_file = move |file: web_sys::File| {
        let name = file.name();
        if let Err(e) = csv_intake::check_size(file.size() as usize) {
            state.intake_error.set(Some(format!("{name}: {e}")));
            return;
        }
        let this = current.get_value().wrapping_add(1);
        current.set_value(this);
        reading.set(Some(0));
        spawn_local(async move {
            // The intake needs about twice the file's size in memory; what can be readied while the file
            // is read, is.
            let warm = (file.size() as usize).saturating_mul(2);
            match read_file_warming(&file, warm).await {
                Ok(bytes) if current.get_value() == this => {
                    take_in(name, planned(state, Intake::bytes(bytes)))
                }
                Ok(_) => {}
                Err(e) => {
                    state.intake_error.set(Some(format!("{name}: {e}")));
                    reading.set(None);
                }
            }
        });
    };

    let read_paste_box = move |source: &str| {
        let intake = pasted.with_untracked(|text| Intake::pasted(text));
        take_in(source.into(), planned(state, intake));
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        over.set(false);
        let Some(dropped) = ev.data_transfer() else {
            return;
        };
        let files = dropped.files();
        let names: Vec<String> = files
            .iter()
            .flat_map(|files| (0..files.length()).filter_map(|i| files.get(i)))
            .map(|file| file.name())
            .collect();
        if names.len() > 1 {
            state.refuse_drop(several_files(&names));
            return;
        }
        if let Some(file) = files.and_then(|files| files.get(0)) {
            take_file(file);
            return;
        }
        match dropped.get_data("text/plain") {
            Ok(text) if !text.trim().is_empty() => {
                pasted.set(text);
                read_paste_box("dropped text");
            }
            _ => state.refuse_drop(NOTHING_DROPPED.into()),
        }
    };
    let on_pick = move |ev: leptos::ev::Targeted<web_sys::Event, web_sys::HtmlInputElement>| {
        let input = ev.target();
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            take_file(file);
        }
        input.set_value("");
    };
    let use_paste = move |_| read_paste_box("pasted text");

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
            <super::template::TemplateLink />
        </section>
        <section class="card">
            <label for="paste">"Or paste the list"</label>
            <textarea
                id="paste"
                placeholder="User Login\njane.doe@example.com"
                prop:value=move || pasted.get()
                on:input:target=move |ev| pasted.set(ev.target().value())
            ></textarea>
            <button type="button" id="use-paste" class="secondary" disabled=move || pasted.with(|p| p.trim().is_empty()) on:click=use_paste>
                "Use pasted text"
            </button>
        </section>
        {move || reading.get().map(|percent| view! {
            <p class="hint" role="status" id="intake-progress">{format!("Reading… {percent} %")}</p>
        })}
        {move || state.intake_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || state.loaded.get().map(|l| {
            let counts = l.plan.counts();
            let delimiter = match (l.table.listed(), l.table.delimiter()) {
                (Some(d), _) => format!("one line of values separated by {}s, read one per row", d.name()),
                (None, Some(d)) => d.name().to_string(),
                (None, None) => "one column".to_string(),
            };
            view! {
                <p class="success" role="status" id="intake-summary">
                    {format!(
                        "Read {}: {}, {}, {}. {} to remove, {} not processed.",
                        l.source, counted(counts.total(), "row"), l.table.encoding().name(), delimiter,
                        grouped(counts.targets), grouped(counts.total() - counts.targets),
                    )}
                </p>
                {l.table.encoding().warning().map(|w| view! { <p class="warning" role="alert" id="intake-encoding">{w}</p> })}
            }
        })}
        <StepNav ready=Signal::derive(move || state.loaded.with(Option::is_some)) next_label="Preview" />
    }
}

/// What a drop holding neither a file nor text is told.
const NOTHING_DROPPED: &str =
    "Nothing to read was dropped: drop a CSV file, or paste the list below.";

/// Why a drop of several files reads none of them.
fn several_files(names: &[String]) -> String {
    format!(
        "{} files were dropped ({}): drop one file at a time. None of them was read.",
        names.len(),
        names.join(", ")
    )
}

/// Plans during the intake with the options [`AppState::take_in`] will ask for (target, own account, protected
/// accounts, detected column), so that it finds the plan ready instead of building it in one long task.
fn planned(state: AppState, intake: Intake) -> Intake {
    let target = state.target.get_untracked();
    intake.planning(Options {
        own_account: state.effective_own_account(),
        own_is_sign_in: state.own_is_sign_in(),
        protected: state.protected.get_untracked(),
        ..Options::detected(target, &Default::default())
    })
}

/// Runs the intake in slices, yielding to the event loop between them and showing the progress; `None` if
/// `still_current` turns false (a newer file was dropped).
async fn read_in_slices(
    mut intake: Intake,
    progress: RwSignal<Option<u8>>,
    still_current: impl Fn() -> bool,
) -> Option<Result<Table, IntakeError>> {
    // The first slice comes after a yield: the task that delivered the bytes has already copied them.
    let go_on = |intake: &Intake| {
        progress.set(Some((intake.progress() * 100.0) as u8));
        still_current()
    };
    in_slices(&mut intake, Intake::step, go_on)
        .await
        .then(|| intake.finish())
}
