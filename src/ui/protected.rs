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
    let text = RwSignal::new(protected_text(&state.protected.get_untracked()));
    let problems = RwSignal::new(Vec::<String>::new());
    let saved_note = RwSignal::new(None::<String>);

    let apply = move |source: String| {
        if state.run.active.get_untracked() {
            saved_note.set(Some(
                "Not applied: a removal is running, and it keeps the plan it started with. Apply the list once it ends."
                    .into(),
            ));
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
        problems.set(list.problems);
        saved_note.set(Some(note));
        text.set(source);
        state.replan();
    };
    let export = move |_| {
        let body = protected_text(&state.protected.get_untracked());
        if let Err(e) = download_text(
            "offboard-protected-accounts.txt",
            "text/plain;charset=utf-8",
            &body,
        ) {
            saved_note.set(Some(e));
        }
    };
    let import = move |ev: leptos::ev::Targeted<web_sys::Event, web_sys::HtmlInputElement>| {
        let Some(file) = ev.target().files().and_then(|f| f.get(0)) else {
            return;
        };
        ev.target().set_value("");
        spawn_local(async move {
            match read_file(&file).await {
                Ok(bytes) => apply(String::from_utf8_lossy(&bytes).into_owned()),
                Err(e) => saved_note.set(Some(format!("{}: {e}", file.name()))),
            }
        });
    };
    let threshold_text = RwSignal::new(state.mass_threshold.get_untracked().to_string());
    let set_threshold = move |value: String| {
        threshold_text.set(value.clone());
        if let Ok(n) = value.trim().parse::<usize>() {
            state.mass_threshold.set(n);
            let _ = save_setting(THRESHOLD_KEY, &n.to_string());
        }
    };

    view! {
        <details class="card safeguards" id="safeguards">
            <summary>{move || format!("Safeguards: {} protected accounts; confirm by tenant name above {} users",
                grouped(state.protected.with(Vec::len)), grouped(state.mass_threshold.get()))}</summary>
            <label for="protected-list">"Protected accounts: never removed. One login, user ID or pattern per line (admin@*, *-breakglass@*)."</label>
            <textarea id="protected-list" rows="5" spellcheck="false"
                prop:value=move || text.get() on:input:target=move |ev| text.set(ev.target().value())></textarea>
            <div class="actions">
                <button type="button" id="protected-apply" class="primary" disabled=move || state.run.active.get()
                    on:click=move |_| apply(text.get_untracked())>"Apply and keep"</button>
                <button type="button" id="protected-export" class="secondary" on:click=export>"Export the list"</button>
                <label for="protected-import">"Import a list"</label>
                <input id="protected-import" type="file" accept=".txt,.csv,text/plain" disabled=move || state.run.active.get() on:change:target=import />
            </div>
            {move || saved_note.get().map(|n| view! { <p class="hint" role="status">{n}</p> })}
            <ul class="problems">{move || problems.get().into_iter().map(|p| view! { <li class="warning">{p}</li> }).collect_view()}</ul>
            <Show when=move || state.target.get() == Target::Rsa && state.protected.with(|p| p.iter().any(|p| p.contains('@')))>
                <p class="hint" id="protected-by-address">"RSA removes users by user ID: a pattern on e-mail addresses protects rows that give the address and users an e-mail lookup finds, not a row giving the user's ID. Add the user IDs of protected accounts too."</p>
            </Show>
            <label for="mass-threshold">"Above this many users, also ask for the tenant's host name and wait a few seconds before starting"</label>
            <input id="mass-threshold" type="number" min="1" inputmode="numeric"
                prop:value=move || threshold_text.get() on:input:target=move |ev| set_threshold(ev.target().value()) />
        </details>
    }
}
