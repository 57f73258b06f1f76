//! Run step: confirm, then the removal with live progress, pause, resume and cancel.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{AppState, Connection};
use crate::browser::{BrowserClock, FetchHttp};
use crate::epm::{Epm, EpmConfig};
use crate::flow::Step;
use crate::rsa::jwt::strip_bearer;
use crate::rsa::run_rsa_removal;
use crate::run::progress::Progress;
use crate::run::{
    Auth, BatchStage, Control, Mode, Outcome, PauseReason, PlanEntry, RunEvent, RunSettings,
};

/// Before a run: the confirmation. During and after: progress.
#[component]
pub fn RunStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        if state.run.progress.with(Option::is_some) {
            view! { <RunProgress /> }.into_any()
        } else {
            view! { <Confirm /> }.into_any()
        }
    }
}

/// Names the tenant and the number of users, and asks the admin to type that number.
#[component]
fn Confirm() -> impl IntoView {
    let state = expect_context::<AppState>();
    let typed = RwSignal::new(String::new());
    let users = Memo::new(move |_| state.removal_entries().len());
    let connection = Memo::new(move |_| state.connection().map(|c| c.tenant()));
    let confirmed =
        move || typed.with(|t| t.trim().replace([',', ' ', '.'], "") == users.get().to_string());
    let start = move |_| {
        let Ok(connection) = state.connection() else {
            return;
        };
        let entries = state.removal_entries();
        if !entries.is_empty() {
            start_run(state, connection, entries, true);
        }
    };
    view! {
        <section class="card confirm">
            {move || match connection.get() {
                Err(e) => view! { <p class="error">{format!("Not connected: {e} Go back to Connect.")}</p> }.into_any(),
                Ok(tenant) => view! {
                    <p class="danger-text" id="confirm-text">
                        <strong>{format!("You are about to remove {} users from {} ({}).", users.get(), tenant, state.target.get().name())}</strong>
                        {match state.target.get() {
                            crate::target::Target::Rsa => " Delete User Now cannot be undone.",
                            crate::target::Target::Epm => " Removing a user from the identity domain removes it from every environment that shares it.",
                        }}
                    </p>
                    <label for="confirm-count">{format!("Type {} to confirm", users.get())}</label>
                    <input id="confirm-count" type="text" inputmode="numeric" autocomplete="off"
                        prop:value=move || typed.get() on:input:target=move |ev| typed.set(ev.target().value()) />
                    <div class="actions">
                        <button type="button" class="secondary" on:click=move |_| state.go(Step::Preview)>"Back to preview"</button>
                        <button type="button" id="start-run" class="danger" disabled=move || !confirmed() || users.get() == 0 on:click=start>
                            {format!("Remove {} users now", users.get())}
                        </button>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

/// Starts the engine for `entries` against `connection`; progress lands in `state.run`. A `fresh` run
/// forgets earlier results; otherwise (retry) the new results replace those of the same rows.
pub fn start_run(state: AppState, connection: Connection, entries: Vec<PlanEntry>, fresh: bool) {
    let run = state.run;
    let control = Control::new(connection.auth().clone());
    run.control.set_value(Some(control.clone()));
    run.progress.set(Some(Progress::new(entries.len())));
    if fresh {
        run.results.set(Vec::with_capacity(entries.len()));
    } else {
        let retried: std::collections::HashSet<usize> = entries.iter().map(|e| e.row).collect();
        run.results
            .update(|r| r.retain(|result| !retried.contains(&result.row)));
    }
    run.batches.set(Vec::new());
    run.notes.set(Vec::new());
    run.tenant.set(connection.tenant());
    run.active.set(true);
    state.go(Step::Run);
    super::key_file::keep_token_fresh(state);

    spawn_local(async move {
        let mut on_event = move |event: RunEvent| {
            let now = js_sys::Date::now();
            run.progress.update(|p| {
                if let Some(p) = p {
                    p.apply(&event, now)
                }
            });
            match event {
                RunEvent::Result(result) => run.results.update(|r| r.push(result)),
                RunEvent::Batch {
                    index,
                    users,
                    stage,
                } => run.batches.update(|b| {
                    if b.len() <= index {
                        b.resize(index + 1, (0, BatchStage::Queued));
                    }
                    b[index] = (users, stage);
                }),
                RunEvent::Note(note) => run.notes.update(|n| n.push(note)),
                _ => {}
            }
        };
        let http = FetchHttp::default();
        let clock = BrowserClock;
        match connection {
            Connection::Rsa { base, .. } => {
                run_rsa_removal(
                    &entries,
                    &base,
                    &http,
                    &clock,
                    &control,
                    &RunSettings::default(),
                    &mut on_event,
                )
                .await;
            }
            Connection::Epm { base, .. } => {
                let config = EpmConfig {
                    own_login: state.effective_own_account(),
                    batch_size: state.epm_batch_size.get_untracked(),
                    ..EpmConfig::default()
                };
                let epm = Epm {
                    http: &http,
                    clock: &clock,
                    control: &control,
                    base: &base,
                    config: &config,
                };
                let run_id = crate::epm::upload::run_id_from_ms(js_sys::Date::now());
                if state.epm_v2.get_untracked() {
                    epm.remove_v2(&entries, &mut on_event).await;
                } else {
                    epm.remove_v1(&run_id, &entries, &mut on_event).await;
                }
            }
        }
        run.active.set(false);
        run.control.set_value(None);
    });
}

/// Bars, counts, throughput and the controls of a run.
#[component]
fn RunProgress() -> impl IntoView {
    let state = expect_context::<AppState>();
    let run = state.run;
    let now = RwSignal::new(js_sys::Date::now());
    let ticker = set_interval_with_handle(
        move || now.set(js_sys::Date::now()),
        std::time::Duration::from_millis(500),
    )
    .ok();
    on_cleanup(move || {
        if let Some(t) = ticker {
            t.clear()
        }
    });
    let mode = RwSignal::new(Mode::Running);
    let control = move |f: fn(&Control)| {
        run.control.with_value(|c| {
            if let Some(c) = c {
                f(c);
                mode.set(c.mode());
            }
        })
    };
    let read = move |f: &dyn Fn(&Progress) -> String| {
        run.progress.with(|p| match p {
            Some(p) => f(p),
            None => f(&Progress::new(0)),
        })
    };

    let bar = move |label: &'static str, id: &'static str, outcome: Option<Outcome>| {
        view! {
            <div class="bar-row" data-outcome=id>
                <span class="bar-label">{label}</span>
                <span class="bar-count">{move || {
                    read(&|p| outcome.as_ref().map_or(p.done(), |o| p.counts.get(o)).to_string())
                }}</span>
            </div>
        }
    };

    view! {
        <section class="card">
            <p>{move || format!("Removing from {}.", run.tenant.get())}</p>
            <div class="progress" role="progressbar" aria-label="Overall progress" aria-valuemin="0" aria-valuemax="100"
                aria-valuenow=move || read(&|p| p.percent().to_string())
                aria-valuetext=move || read(&|p| format!("{} of {} users done", p.done(), p.total))>
                <div class="fill" style=move || read(&|p| format!("width:{}%", p.percent()))></div>
            </div>
            <p id="run-status" aria-live="polite">{move || {
                let now = now.get();
                let active = run.active.get();
                read(&|p| {
                if !active {
                    return format!("Finished: {} of {} users have an outcome.", p.done(), p.total);
                }
                let rate = p.throughput_per_s(now).map(|r| format!("{r:.1} users/s")).unwrap_or_else(|| "measuring…".into());
                let eta = p.eta_ms(now).map(|ms| format!(", about {} left", words(ms))).unwrap_or_default();
                let state_text = match p.paused {
                    Some(PauseReason::CredentialRefused) => "Paused: the credential was refused.",
                    Some(PauseReason::Offline) => "Paused: the browser is offline.",
                    Some(PauseReason::ByAdmin) => "Paused.",
                    None if p.is_throttled(now) => "Throttled by the service: waiting.",
                    None => "Running.",
                };
                format!("{state_text} {} of {} users done; {rate}{eta}.", p.done(), p.total)
                })
            }}</p>
            <div class="bars">
                {bar("removed", "removed", Some(Outcome::Removed))}
                {bar("not found", "not-found", Some(Outcome::NotFound))}
                {bar("not allowed (SCIM / Azure AD)", "not-allowed", Some(Outcome::NotAllowed))}
                {bar("still enabled or pending deletion", "conflict", Some(Outcome::Conflict))}
                {bar("failed", "failed", Some(Outcome::Failed))}
                {bar("not started", "not-started", Some(Outcome::NotStarted))}
            </div>
            <BatchList />
            <CredentialPrompt />
            <ul class="notes">{move || run.notes.get().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
            <div class="actions">
                <Show when=move || run.active.get()>
                    {move || if matches!(mode.get(), Mode::Paused(_)) {
                        view! { <button type="button" id="resume" on:click=move |_| control(Control::resume)>"Resume"</button> }.into_any()
                    } else {
                        view! { <button type="button" id="pause" on:click=move |_| control(|c| c.pause(PauseReason::ByAdmin))>"Pause"</button> }.into_any()
                    }}
                    <button type="button" id="cancel" class="secondary" on:click=move |_| control(Control::cancel)>"Cancel (finish what is in flight)"</button>
                </Show>
                <Show when=move || !run.active.get()>
                    <button type="button" id="see-results" class="primary" on:click=move |_| state.go(Step::Results)>"See the results"</button>
                </Show>
            </div>
        </section>
    }
}

/// EPM: one line per batch with its stage (the job reports no percentage while it runs).
#[component]
fn BatchList() -> impl IntoView {
    let run = expect_context::<AppState>().run;
    view! {
        <Show when=move || run.batches.with(|b| !b.is_empty())>
            <ol class="batches">
                {move || run.batches.get().into_iter().enumerate().map(|(i, (users, stage))| {
                    let (class, text) = match &stage {
                        BatchStage::Queued => ("queued", "queued".to_string()),
                        BatchStage::Uploading => ("active", "uploading the file".to_string()),
                        BatchStage::JobRunning => ("active", "removal job running".to_string()),
                        BatchStage::Done(details) => ("done", format!("done: {details}")),
                        BatchStage::Failed(why) => ("failed", format!("failed: {why}")),
                    };
                    view! { <li class=class>{format!("Batch {} ({users} users): {text}", i + 1)}</li> }
                }).collect_view()}
            </ol>
        </Show>
    }
}

/// When the service refuses the credential mid-run: ask for a new one and resume with the queue intact.
#[component]
fn CredentialPrompt() -> impl IntoView {
    let state = expect_context::<AppState>();
    let run = state.run;
    let fresh = RwSignal::new(String::new());
    let refused = move || {
        run.active.get()
            && run
                .progress
                .with(|p| p.as_ref().and_then(|p| p.paused) == Some(PauseReason::CredentialRefused))
    };
    let resume = move |_| {
        let token = strip_bearer(&fresh.get_untracked()).to_string();
        if token.is_empty() {
            return;
        }
        run.control.with_value(|c| {
            if let Some(c) = c {
                let auth = match c.auth() {
                    Auth::Basic { user, .. } => Auth::Basic {
                        user,
                        password: token.clone(),
                    },
                    Auth::Bearer(_) => Auth::Bearer(token.clone()),
                };
                c.replace_auth(auth);
            }
        });
        fresh.set(String::new());
    };
    view! {
        <Show when=refused>
            <div class="card alert" role="alert" id="credential-refused">
                <p><strong>"The service refused the credential (expired or revoked). The run is paused; nothing was lost."</strong></p>
                <label for="new-credential">"Paste a new token (or the password again) to resume"</label>
                <input id="new-credential" type="password" autocomplete="off"
                    prop:value=move || fresh.get() on:input:target=move |ev| fresh.set(ev.target().value()) />
                <button type="button" class="primary" on:click=resume>"Resume with the new credential"</button>
            </div>
        </Show>
    }
}

/// "2 min 5 s" from milliseconds.
fn words(ms: f64) -> String {
    let s = (ms / 1000.0).round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}
