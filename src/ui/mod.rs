//! The Leptos shell: renders state and forwards events to the core.

mod chart;
mod confirm;
mod connect;
mod csv;
mod file_shape;
mod key_file;
mod launch;
mod lookup;
mod presence;
mod preview;
mod protected;
mod results;
mod resume;
mod run;
mod state;
mod template;
mod virtual_list;

pub use state::{AppState, Connection, Loaded, RunState};
pub use virtual_list::VirtualList;

use crate::flow::Step;
use crate::run::PauseReason;
use leptos::prelude::*;

/// The whole panel: header, stepper and the current step.
#[component]
pub fn App() -> impl IntoView {
    let initial = Step::from_hash(&window().location().hash().unwrap_or_default());
    let state = AppState::new(initial);
    provide_context(state);

    Effect::new(move |_| {
        let wanted = state.step.get().hash();
        let location = window().location();
        if location.hash().unwrap_or_default() != wanted {
            let _ = location.set_hash(wanted);
        }
    });
    // Keyboard and screen-reader users land on the new step's heading, not back at the top of the page.
    let title = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |before: Option<Step>| {
        let step = state.step.get();
        if before.is_some_and(|before| before != step) {
            if let Some(title) = title.get_untracked() {
                let _ = title.focus();
            }
        }
        step
    });
    // A retry, undo or enable again waits for its confirmation on the Run step only: leaving the
    // step forgets it, and the Run step shows the last run (or the file's plan) again.
    Effect::new(move |_| {
        if state.step.get() != Step::Run && state.run.follow_up.with_untracked(Option::is_some) {
            state.run.follow_up.set(None);
        }
    });
    // The tab's title follows a run, for an admin who watches it from another tab.
    Effect::new(move |shown: Option<String>| {
        let run = state.run;
        let (active, cancelled) = (run.active.get(), run.cancelled.get());
        let title = run.progress.with(|p| {
            crate::run::status::tab_title(p.as_ref(), active, cancelled, js_sys::Date::now())
        });
        if shown.as_ref() != Some(&title) {
            document().set_title(&title);
        }
        title
    });
    let listener = window_event_listener(leptos::ev::hashchange, move |_| {
        let step = Step::from_hash(&window().location().hash().unwrap_or_default());
        if state.step.get_untracked() != step {
            state.step.set(step);
        }
    });
    let forget = window_event_listener(leptos::ev::pagehide, move |_| {
        state.creds.clear_secrets();
        state.signing_key.set_value(None);
    });
    on_cleanup(move || {
        listener.remove();
        forget.remove();
    });
    watch_connectivity(state);

    view! {
        <header class="app-header">
            <h1>"Offboard"</h1>
            <p class="tagline">"Bulk user removal from a CSV, in your browser"</p>
        </header>
        <Stepper />
        <resume::SavedRunBanner />
        <main id="step" class="step" aria-labelledby="step-title">
            <h2 id="step-title" tabindex="-1" node_ref=title>{move || state.step.get().label()}</h2>
            <p class="step-help">{move || state.step.get().help()}</p>
            {move || match state.step.get() {
                Step::Connect => view! { <connect::ConnectStep /> }.into_any(),
                Step::Csv => view! { <csv::CsvStep /> }.into_any(),
                Step::Preview => view! { <preview::PreviewStep /> }.into_any(),
                Step::Run => view! { <run::RunStep /> }.into_any(),
                Step::Results => view! { <results::ResultsStep /> }.into_any(),
            }}
        </main>
    }
}

/// The progress indicator across the top: where the admin is and what comes next.
#[component]
fn Stepper() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <nav class="stepper" aria-label="Removal steps">
            <ol>
                {Step::ALL
                    .into_iter()
                    .map(|s| {
                        let class = move || {
                            let current = state.step.get().index();
                            match s.index() {
                                i if i == current => "current",
                                i if i < current => "done",
                                _ => "todo",
                            }
                        };
                        let current = move || (state.step.get() == s).then_some("step");
                        view! {
                            <li class=class aria-current=current>
                                <a href=s.hash()>
                                    <span class="num">{s.index() + 1}</span>
                                    <span class="name">{s.label()}</span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </nav>
    }
}

/// Back / next buttons at the foot of a step.
#[component]
fn StepNav(
    /// Whether "next" is allowed yet.
    #[prop(into, optional)]
    ready: Option<Signal<bool>>,
    /// Label of the forward button.
    #[prop(into, default = "Next".into())]
    next_label: String,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let ready = ready.unwrap_or_else(|| Signal::stored(true));
    let step = state.step.get_untracked();
    view! {
        <div class="step-nav">
            {step.prev().map(|p| view! {
                <button type="button" class="secondary" on:click=move |_| state.go(p)>"Back"</button>
            })}
            {step.next().map(|n| view! {
                <button type="button" class="primary" disabled=move || !ready.get() on:click=move |_| state.go(n)>
                    {next_label.clone()}
                </button>
            })}
        </div>
    }
}

/// Pauses a running removal while the browser is offline, and resumes it when it is back.
fn watch_connectivity(state: AppState) {
    let offline = window_event_listener(leptos::ev::offline, move |_| {
        state.run.with_control(|c| c.pause(PauseReason::Offline));
    });
    let online = window_event_listener(leptos::ev::online, move |_| {
        state.run.with_control(|c| c.lift(PauseReason::Offline));
    });
    on_cleanup(move || {
        offline.remove();
        online.remove();
    });
}

/// Makes a panic visible: the page shows what went wrong instead of going dead.
/// Whether the keyboard focus is on no control: on the page itself, as after the focused control
/// was taken away.
fn focus_on_page() -> bool {
    let doc = document();
    doc.active_element()
        .is_none_or(|e| doc.body().is_some_and(|b| b.is_same_node(Some(e.as_ref()))))
}

pub fn install_panic_banner() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // Nothing runs in this tab any more: other tabs may take its saved run up.
        crate::browser::live_run::stop();
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Some(body) = doc.body() else { return };
        if let Ok(banner) = doc.create_element("div") {
            banner.set_class_name("fatal");
            let _ = banner.set_attribute("role", "alert");
            // The release build keeps panic messages but not their source locations (scripts/trunk-release.sh).
            let what = info
                .payload_as_str()
                .map_or("an unexpected state", |m| m.trim_end_matches('.'));
            let place = match info.location() {
                Some(at) if at.line() > 0 => format!(" at {}:{}", at.file(), at.line()),
                _ => String::new(),
            };
            banner.set_text_content(Some(&format!(
                "Offboard hit an internal error and stopped: {what}{place}. Reload the page; no removal continues in the background."
            )));
            let _ = body.prepend_with_node_1(&banner);
        }
    }));
}
