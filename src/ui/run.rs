//! Run step: confirm, then the removal with live progress, pause, resume and cancel.

use leptos::prelude::*;

use super::chart::{Breakdown, ThroughputChart};
use super::AppState;
use crate::charts::Part;
use crate::decimal::grouped;
use crate::flow::Step;
use crate::rsa::jwt::{refusal, strip_bearer};
use crate::rsa::ApiBase;
use crate::run::action::RunAction;
use crate::run::progress::Progress;
use crate::run::status;
use crate::run::{Auth, Control, Outcome, PauseReason};
use crate::target::Target;

/// Before a run: the confirmation. During and after: progress.
#[component]
pub fn RunStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    // A follow-up from the Results step (retry, undo, enable again) is confirmed like a first run.
    let started = Memo::new(move |_| {
        let waiting = state.run.follow_up.with(Option::is_some) && !state.run.active.get();
        !waiting && state.run.progress.with(Option::is_some)
    });
    move || {
        if started.get() {
            view! { <RunProgress /> }.into_any()
        } else {
            view! { <super::confirm::Confirm /> }.into_any()
        }
    }
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
    let control = move |f: fn(&Control)| run.with_control(f);
    let paused = move || {
        run.progress
            .with(|p| p.as_ref().is_some_and(|p| p.paused.is_some()))
    };
    let read = move |f: &dyn Fn(&Progress) -> String| {
        run.progress.with(|p| match p {
            Some(p) => f(p),
            None => f(&Progress::new(0)),
        })
    };

    // The end of a run takes its Pause and Cancel buttons away: a keyboard focus left on the
    // page goes to "See the results".
    let see_results = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = see_results.get() {
            if super::focus_on_page() {
                let _ = button.focus();
            }
        }
    });

    let bar = move |label: &'static str, id: &'static str, outcome: Option<Outcome>| {
        let failed = outcome == Some(Outcome::Failed);
        view! {
            <div class="bar-row" data-outcome=id>
                <span class="bar-label">{label}
                    // Failed users whose request may have acted, as the results count them apart.
                    {move || failed
                        .then(|| run.progress.with(|p| p.as_ref().map_or(0, |p| p.unknown)))
                        .filter(|n| *n > 0)
                        .map(|n| view! { <span class="bar-note">{format!(" ({} of them outcome unknown)", grouped(n))}</span> })}
                </span>
                <span class="bar-count">{move || {
                    read(&|p| grouped(outcome.as_ref().map_or(p.done(), |o| p.counts.get(o))))
                }}</span>
            </div>
        }
    };

    view! {
        <section class="card">
            <p id="run-what">{move || match run.action.get() {
                RunAction::Remove if run.target.get() == Target::Rsa =>
                    format!("Removing users from {} (Delete User Now cannot be undone).", run.tenant.get()),
                RunAction::Remove => format!("Removing users from {}.", run.tenant.get()),
                RunAction::Mark => format!("Marking users for deletion on {}: the service removes them within seven days; until then this can be undone.", run.tenant.get()),
                RunAction::Unmark => format!("Undoing the mark for deletion on {}.", run.tenant.get()),
                RunAction::Reenable => format!("Enabling users again on {}.", run.tenant.get()),
            }}</p>
            <div class="progress" role="progressbar" aria-label="Overall progress" aria-valuemin="0" aria-valuemax="100"
                aria-valuenow=move || read(&|p| p.percent().to_string())
                aria-valuetext=move || read(&|p| format!("{} of {} users done", grouped(p.done()), grouped(p.total)))>
                <div class="fill" style=move || read(&|p| format!("width:{}%", p.percent()))></div>
            </div>
            <p id="run-status" aria-live="polite">{move || {
                let now = now.get();
                let active = run.active.get();
                let (action, cancelled) = (run.action.get(), run.cancelled.get());
                read(&|p| {
                if !active {
                    return status::ended(p, action, cancelled);
                }
                status::running(p, now, cancelled)
                })
            }}</p>
            <Breakdown parts=Signal::derive(move || run.progress.with(|p| p.as_ref().map(|p| breakdown_parts(p, run.target.get(), run.action.get())).unwrap_or_default()))
                label="Outcomes so far" />
            <div class="bars">
                {move || run_outcomes(run.target.get(), run.action.get()).into_iter().map(|(outcome, id, label)| bar(label, id, Some(outcome))).collect_view()}
            </div>
            <ThroughputChart done=Signal::derive(move || run.progress.with(|p| p.as_ref().map_or(0, Progress::done)))
                active=run.active />
            <BatchList />
            <CredentialPrompt />
            <ul class="notes">{move || run.notes.get().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
            <div class="actions">
                <Show when=move || run.active.get()>
                    // Pause and Resume take each other's place: the second click of a double click
                    // would undo the first.
                    {move || if paused() {
                        view! { <button type="button" id="resume" on:click=move |ev| if ev.detail() < 2 { control(Control::resume) }>"Resume"</button> }.into_any()
                    } else {
                        view! { <button type="button" id="pause" on:click=move |ev| if ev.detail() < 2 { control(|c| c.pause(PauseReason::ByAdmin)) }>"Pause"</button> }.into_any()
                    }}
                    <button type="button" id="cancel" class="secondary" on:click=move |_| { run.cancelled.set(true); control(Control::cancel) }>"Cancel (finish what is in flight)"</button>
                </Show>
                <Show when=move || !run.active.get()>
                    <button type="button" id="see-results" class="primary" node_ref=see_results on:click=move |_| state.go(Step::Results)>"See the results"</button>
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
                {move || {
                    let (ended, cancelled) = (!run.active.get(), run.cancelled.get());
                    run.batches.get().into_iter().enumerate().map(move |(i, (users, stage))| {
                    let (class, text) = status::batch_line(&stage, ended, cancelled);
                    view! { <li class=class>{format!("Batch {} ({} {}): {text}", i + 1, grouped(users), if users == 1 { "user" } else { "users" })}</li> }
                }).collect_view()}}
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
    let problem = RwSignal::new(None::<String>);
    let refused = move || {
        run.active.get()
            && run
                .progress
                .with(|p| p.as_ref().and_then(|p| p.paused) == Some(PauseReason::CredentialRefused))
    };
    let done = move || {
        run.progress
            .with_untracked(|p| p.as_ref().map_or(0, |p| p.done()))
    };
    // How many users had a result when a new credential was given: refused again before any
    // other, the prompt says so (it would otherwise look as if nothing happened).
    let given_at = RwSignal::new(None::<usize>);
    Effect::new(move || {
        if refused() {
            if given_at.get_untracked() == Some(done()) {
                problem.set(Some(
                    "the service refused this credential too: check it, and paste it again.".into(),
                ));
            }
            given_at.set(None);
        }
    });
    let resume = move |_| {
        let token = strip_bearer(&fresh.get_untracked()).to_string();
        if token.is_empty() {
            return;
        }
        // A token the service would refuse again is refused here, with the reason.
        let rsa_token = state.target.get_untracked() == Target::Rsa
            && run.control.with_value(|c| {
                c.as_ref()
                    .is_some_and(|c| matches!(c.auth(), Auth::Bearer(_)))
            });
        if rsa_token {
            let now = (js_sys::Date::now() / 1000.0) as i64;
            let refused_again = run.control.with_value(|c| {
                c.as_ref()
                    .is_some_and(|c| c.auth() == Auth::Bearer(token.clone()))
            });
            let why = if refused_again {
                Some("this is the token the service has just refused: paste a new one.".into())
            } else {
                ApiBase::parse(&state.creds.rsa_base.get_untracked())
                    .ok()
                    .and_then(|base| refusal(&token, &base, now))
            };
            if why.is_some() {
                problem.set(why);
                return;
            }
        }
        problem.set(None);
        given_at.set(Some(done()));
        let Some(auth) = run.control.with_value(|c| c.as_ref().map(Control::auth)) else {
            return;
        };
        // Step 1 takes the new credential too: a retry or undo started after this run sends it.
        let creds = state.creds;
        let auth = match auth {
            Auth::Basic { user, .. } => {
                creds.epm_password.set(token.clone());
                Auth::Basic {
                    user,
                    password: token,
                }
            }
            Auth::Bearer(_) => {
                match state.target.get_untracked() {
                    Target::Rsa => creds.jwt.set(token.clone()),
                    Target::Epm => creds.epm_token.set(token.clone()),
                }
                Auth::Bearer(token)
            }
        };
        run.give_credential(auth);
        fresh.set(String::new());
    };
    view! {
        <Show when=refused>
            <div class="card alert" role="alert" id="credential-refused">
                <p><strong>"The service refused the credential (expired or revoked). The run is paused; nothing was lost."</strong></p>
                <label for="new-credential">{move || match state.target.get() {
                    Target::Rsa => "Paste a new token to resume, or load a new key file on step 1",
                    Target::Epm => "Paste a new token (or the password again) to resume",
                }}</label>
                <input id="new-credential" type="password" autocomplete="off"
                    prop:value=move || fresh.get() on:input:target=move |ev| fresh.set(ev.target().value()) />
                <div class="actions">
                    <button type="button" class="primary" on:click=resume>"Resume with the new credential"</button>
                    // The key file's own fresh tokens were refused: one more, at the admin's word (a key revoked for
                    // good is replaced by loading its successor on step 1, which resumes the run too).
                    <Show when=move || state.signing_key.with_value(Option::is_some)>
                        <button type="button" class="secondary" id="resume-with-key-file" on:click=move |_| {
                            leptos::task::spawn_local(async move {
                                problem.set(super::key_file::resume_with_new_token(state).await.err());
                            });
                        }>"Make a new token from the key file and resume"</button>
                    </Show>
                </div>
                {move || problem.get().map(|why| view! { <p class="error" id="new-credential-problem">{format!("Not resumed: {why}")}</p> })}
            </div>
        </Show>
    }
}

/// The outcomes a run of `action` on `target` can report, with the key and words its bars use.
fn run_outcomes(target: Target, action: RunAction) -> Vec<(Outcome, &'static str, &'static str)> {
    status::run_outcomes(target, action)
        .into_iter()
        .map(|(o, words)| {
            let key = outcome_key(&o);
            (o, key, words)
        })
        .collect()
}

/// The key of an outcome in styles and test hooks.
pub fn outcome_key(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Removed => "removed",
        Outcome::Marked => "marked",
        Outcome::Restored => "restored",
        Outcome::DisabledOnly => "disabled-only",
        Outcome::Unchanged => "unchanged",
        Outcome::NotFound => "not-found",
        Outcome::NotAllowed => "not-allowed",
        Outcome::Conflict => "conflict",
        Outcome::Failed => "failed",
        Outcome::NotStarted => "not-started",
    }
}

/// The run's counts as parts of the breakdown bar.
fn breakdown_parts(progress: &Progress, target: Target, action: RunAction) -> Vec<Part> {
    run_outcomes(target, action)
        .into_iter()
        .map(|(outcome, key, label)| Part {
            key,
            label: label.to_string(),
            count: progress.counts.get(&outcome),
        })
        .collect()
}
