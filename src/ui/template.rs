//! A downloadable CSV template for the chosen target.

use leptos::prelude::*;

use super::AppState;
use crate::browser::download_text;

/// "Download a template" for the target chosen on the Connect step.
#[component]
pub fn TemplateLink() -> impl IntoView {
    let state = expect_context::<AppState>();
    let problem = RwSignal::new(None::<String>);
    let download = move |_| {
        let target = state.target.get_untracked();
        if let Err(e) = download_text(
            target.template_name(),
            "text/csv;charset=utf-8",
            target.template_csv(),
        ) {
            problem.set(Some(e));
        }
    };
    view! {
        <p class="hint">
            <button type="button" id="download-template" class="link" on:click=download>
                {move || format!("Download a CSV template for {}", state.target.get().name())}
            </button>
        </p>
        {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
    }
}
