//! Safeguards kept in this browser (they are not secrets): the protected accounts, never removed,
//! and the size above which a run asks for the tenant's name before it starts.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::AppState;
use crate::browser::{download_text, read_file, save_setting};
use crate::csv_intake::{parse_protected, protected_text};
use crate::decimal::grouped;
use crate::target::Target;

/// Where the protected-accounts list is kept.
pub const PROTECTED_KEY: &str = "offboard.protected.v1";
/// Where the mass-removal threshold is kept.
pub const THRESHOLD_KEY: &str = "offboard.threshold.v1";

/// The protected-accounts editor with export and import, and the mass-removal threshold.
#[component]
pub fn Safeguards() -> impl IntoView {
    let state = expect_context::<AppState>();
    let draft = state.protected_draft;
    let text = Signal::derive(move || {
        draft
            .get()
            .unwrap_or_else(|| protected_text(&state.protected.get()))
    });
    let said = state.protected_said;
    let saved_note = move |note: String| said.update(|(n, _)| *n = Some(note));
    // Edits not applied protect nobody: said beside the list and in the summary.
    let unapplied = Memo::new(move |_| {
        draft.with(|d| {
            d.as_ref()
                .is_some_and(|d| state.protected.with(|p| parse_protected(d).patterns != *p))
        })
    });

    let apply = move |source: String| {
        if state.run.active.get_untracked() {
            saved_note(
                "Not applied: a removal is running, and it keeps the plan it started with. Apply the list once it ends."
                    .into(),
            );
            return;
        }
        let list = parse_protected(&source);
        let stored = protected_text(&list.patterns);
        let note = match save_setting(PROTECTED_KEY, &stored) {
            Ok(()) => format!(
                "{} protected {} kept in this browser.",
                grouped(list.patterns.len()),
                if list.patterns.len() == 1 {
                    "entry"
                } else {
                    "entries"
                }
            ),
            Err(e) => e,
        };
        state.protected.set(list.patterns);
        said.set((Some(note), list.problems));
        draft.set(None);
        state.replan_keeping_checks();
    };
    let export = move |_| {
        let body = protected_text(&state.protected.get_untracked());
        if let Err(e) = download_text(
            "offboard-protected-accounts.txt",
            "text/plain;charset=utf-8",
            &body,
        ) {
            saved_note(e);
        }
    };
    let import = move |ev: leptos::ev::Targeted<web_sys::Event, web_sys::HtmlInputElement>| {
        let Some(file) = ev.target().files().and_then(|f| f.get(0)) else {
            return;
        };
        ev.target().set_value("");
        spawn_local(async move {
            match read_file(&file).await {
                // Read as the CSV step reads a file: UTF-8, UTF-16 or Windows-1252.
                Ok(bytes) => match crate::csv_intake::decode(bytes) {
                    Ok((text, _)) => apply(text),
                    Err(e) => saved_note(format!("{}: {e}", file.name())),
                },
                Err(e) => saved_note(format!("{}: {e}", file.name())),
            }
        });
    };
    let threshold_text = RwSignal::new(state.mass_threshold.get_untracked().to_string());
    let set_threshold = move |value: String| {
        threshold_text.set(value.clone());
        if let Some(n) = crate::run::follow_up::mass_threshold(&value) {
            state.mass_threshold.set(n);
            let _ = save_setting(THRESHOLD_KEY, &n.to_string());
        }
    };

    view! {
        <details class="card safeguards" id="safeguards">
            <summary>{move || format!("Safeguards: {} protected accounts{}; confirm by tenant name above {} users",
                grouped(state.protected.with(Vec::len)), if unapplied.get() { " (edits not applied)" } else { "" },
                grouped(state.mass_threshold.get()))}</summary>
            <label for="protected-list">"Protected accounts: never removed. One login, user ID or pattern per line (admin@*, *-breakglass@*)."</label>
            <textarea id="protected-list" rows="5" spellcheck="false"
                prop:value=move || text.get() on:input:target=move |ev| draft.set(Some(ev.target().value()))></textarea>
            <Show when=move || unapplied.get()>
                <p class="warning" id="protected-unapplied" role="note">"These edits protect nobody until you click Apply and keep."</p>
            </Show>
            <div class="actions">
                <button type="button" id="protected-apply" class="primary" disabled=move || state.run.active.get()
                    on:click=move |_| apply(text.get_untracked())>"Apply and keep"</button>
                <button type="button" id="protected-export" class="secondary" on:click=export>"Export the list"</button>
                <label for="protected-import">"Import a list"</label>
                <input id="protected-import" type="file" accept=".txt,.csv,text/plain" disabled=move || state.run.active.get() on:change:target=import />
            </div>
            {move || said.with(|(n, _)| n.clone()).map(|n| view! { <p class="hint" role="status" id="protected-said">{n}</p> })}
            <ul class="problems">{move || said.with(|(_, p)| p.clone()).into_iter().map(|p| view! { <li class="warning">{p}</li> }).collect_view()}</ul>
            <Show when=move || state.target.get() == Target::Rsa && state.protected.with(|p| p.iter().any(|p| p.contains('@')))>
                <p class="hint" id="protected-by-address">"RSA removes users by user ID: a pattern on e-mail addresses protects rows that give the address and users an e-mail lookup finds, not a row giving the user's ID. Add the user IDs of protected accounts too."</p>
            </Show>
            <label for="mass-threshold">"Above this many users, also ask for the tenant's host name and wait a few seconds before starting"</label>
            <input id="mass-threshold" type="number" min="1" inputmode="numeric"
                prop:value=move || threshold_text.get() on:input:target=move |ev| set_threshold(ev.target().value()) />
        </details>
    }
}
