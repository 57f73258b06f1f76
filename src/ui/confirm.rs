//! The confirmation before a run: what will happen, to how many users, on which tenant; typed
//! consent; and above the mass-removal threshold, the tenant's name and a short cancellable delay.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::connect::token_warnings;
use super::launch::{begin, run_journal, start_follow_up};
use super::AppState;
use crate::browser::yield_now::yield_now;
use crate::decimal::grouped;
use crate::epm::rehearse as epm_rehearse;
use crate::flow::Step;
use crate::rsa::rehearse as rsa_rehearse;
use crate::run::action::RunAction;
use crate::run::follow_up::{about_to, consent_given, is_mass, FollowUp};
use crate::run::progress::Progress;
use crate::run::{Outcome, UserResult};
use crate::target::Target;

/// Seconds a run above the threshold waits before its first request.
const MASS_DELAY_S: u32 = 10;

/// Names the tenant and the number of users, asks the admin to type that number (and above the
/// threshold the tenant's host name), then starts the run: the file's plan, or a follow-up the
/// Results step asked for (retry, undo, enable again), with that follow-up's own users.
#[component]
pub fn Confirm() -> impl IntoView {
    let state = expect_context::<AppState>();
    let typed = RwSignal::new(String::new());
    let typed_host = RwSignal::new(String::new());
    let countdown = RwSignal::new(None::<u32>);
    let ticker = StoredValue::new_local(None::<IntervalHandle>);
    let follow_up = state.run.follow_up;
    let is_follow_up = Memo::new(move |_| follow_up.with(Option::is_some));
    let users = Memo::new(move |_| {
        follow_up
            .with(|f| f.as_ref().map(FollowUp::users))
            .unwrap_or_else(|| state.removal_count())
    });
    let action = Memo::new(move |_| {
        follow_up
            .with(|f| f.as_ref().map(|f| f.action))
            .unwrap_or_else(|| match state.target.get() {
                Target::Rsa => state.rsa_action.get(),
                Target::Epm => RunAction::Remove,
            })
    });
    let connection = Memo::new(move |_| state.connection().map(|c| c.tenant()));
    // Users the e-mail lookup found that Delete User Now will refuse, with the Preview's choices.
    let refusals = Memo::new(move |_| {
        let delete_now = state.target.get() == Target::Rsa && action.get() == RunAction::Remove;
        if !delete_now || is_follow_up.get() {
            return None;
        }
        state.lookup_tally().refusal_note(state.rsa_options.get())
    });
    let mass = move || is_mass(users.get(), state.mass_threshold.get());
    let confirmed = move || {
        connection.with(|c| {
            let tenant = c.as_ref().ok().map(String::as_str);
            typed.with(|t| {
                typed_host
                    .with(|h| consent_given(t, h, users.get(), state.mass_threshold.get(), tenant))
            })
        })
    };
    let starting = RwSignal::new(false);
    // Listing a large plan's users, making the run's journal and starting the run each take a task
    // of their own, after the page has shown that the run is starting. Leaving the step in between
    // starts nothing: its signals are gone then.
    let go_ahead = move || {
        stop_ticker(ticker);
        countdown.set(None);
        if starting.get_untracked() {
            return;
        }
        starting.set(true);
        if let Some(follow) = follow_up.get_untracked() {
            spawn_local(async move {
                yield_now().await;
                if starting.try_get_untracked() != Some(true) {
                    return;
                }
                let started = match state.connection() {
                    Ok(connection) if follow.users() > 0 => {
                        start_follow_up(state, connection, follow)
                    }
                    _ => false,
                };
                if started {
                    follow_up.set(None);
                } else {
                    starting.try_set(false);
                }
            });
            return;
        }
        spawn_local(async move {
            yield_now().await;
            if starting.try_get_untracked() != Some(true) {
                return;
            }
            let entries = state.removal_entries();
            yield_now().await;
            if starting.try_get_untracked() != Some(true) {
                return;
            }
            let connection = match state.connection() {
                Ok(connection) if !entries.is_empty() => connection,
                _ => return starting.set(false),
            };
            let journal = run_journal(state, &entries);
            yield_now().await;
            // Checked at the last moment: another tab may have started since this one's confirmation.
            if starting.try_get_untracked() != Some(true) || super::launch::running_in_another_tab()
            {
                return starting.set(false);
            }
            begin(state, connection, entries, journal, true);
        });
    };
    let rehearsal_blocker = move || rehearsal_blocker(state);
    let start = move |_| {
        if !mass() {
            go_ahead();
            return;
        }
        countdown.set(Some(MASS_DELAY_S));
        let handle = set_interval_with_handle(
            move || match countdown.get_untracked() {
                Some(n) if n > 1 => countdown.set(Some(n - 1)),
                Some(_) => go_ahead(),
                None => stop_ticker(ticker),
            },
            std::time::Duration::from_secs(1),
        )
        .ok();
        ticker.set_value(handle);
    };
    let start_button = NodeRef::<leptos::html::Button>::new();
    let refocus_start = RwSignal::new(false);
    let cancel = move || {
        stop_ticker(ticker);
        countdown.set(None);
        refocus_start.set(true);
    };
    on_cleanup(move || stop_ticker(ticker));
    // The countdown replaces the start button: the way to stop it takes the keyboard focus.
    let counting = Memo::new(move |_| countdown.with(Option::is_some));
    let cancel_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = cancel_button.get().filter(|_| counting.get()) {
            let _ = button.focus();
        }
    });
    // A cancelled countdown gives the focus back to the start button it replaced.
    Effect::new(move |_| {
        if let Some(button) = start_button.get().filter(|_| refocus_start.get()) {
            refocus_start.set(false);
            let _ = button.focus();
        }
    });

    view! {
        <section class="card confirm">
            {move || match connection.get() {
                Err(e) => view! { <p class="error">{format!("Not connected: {e} Go back to Connect.")}</p> }.into_any(),
                Ok(tenant) => view! {
                    <Show when=move || state.target.get() == Target::Rsa && !is_follow_up.get()>
                        <fieldset class="choice" id="rsa-action">
                            <legend>"What to do with each user"</legend>
                            <label class="check">
                                <input type="radio" name="rsa-action" id="action-delete" prop:checked=move || state.rsa_action.get() == RunAction::Remove
                                    on:change=move |_| state.rsa_action.set(RunAction::Remove) />
                                <span><strong>"Delete now"</strong>" (Delete User Now: cannot be undone)"</span>
                            </label>
                            <label class="check">
                                <input type="radio" name="rsa-action" id="action-mark" prop:checked=move || state.rsa_action.get() == RunAction::Mark
                                    on:change=move |_| state.rsa_action.set(RunAction::Mark) />
                                <span><strong>"Mark for deletion"</strong>" (the service removes them after seven days; until then the results page can undo it)"</span>
                            </label>
                            <p class="hint" id="rsa-steps">{move || {
                                let o = state.rsa_options.get();
                                match (state.rsa_action.get(), o.disable_first, o.unmark_pending) {
                                    (RunAction::Remove, true, true) => "Enabled users are disabled first, and users pending deletion are unmarked, then deleted.",
                                    (RunAction::Remove, true, false) => "Enabled users are disabled first, then deleted.",
                                    (RunAction::Remove, false, true) => "Users pending deletion are unmarked, then deleted.",
                                    _ => "",
                                }
                            }}</p>
                        </fieldset>
                    </Show>
                    {move || follow_up.with(|f| f.as_ref().map(|f| view! {
                        <p class="warning" id="follow-up-what" role="note"><strong>{f.what()}</strong></p>
                    }))}
                    {move || (state.target.get() == Target::Rsa && state.signing_key.with_value(Option::is_none))
                        .then(|| token_warnings(&state, users.get()))
                        .filter(|w| !w.is_empty())
                        .map(|w| view! { <p class="warning" id="token-expiry" role="note">{w.join(" ")}</p> })}
                    <p class="danger-text" id="confirm-text">
                        <strong>{let tenant = tenant.clone(); move || about_to(action.get(), users.get(), &tenant, state.target.get().name())}</strong>
                        {move || match (state.target.get(), action.get()) {
                            (Target::Rsa, RunAction::Mark) => " Marked users can be unmarked for seven days.",
                            (Target::Rsa, RunAction::Remove) => " Delete User Now cannot be undone.",
                            (Target::Rsa, _) => "",
                            (Target::Epm, _) => " Removing a user from the identity domain removes it from every environment that shares it.",
                        }}
                    </p>
                    {move || refusals.get().map(|note| view! { <p class="warning" id="expected-refusals" role="note">{note}</p> })}
                    <label for="confirm-count">{format!("Type {} to confirm", grouped(users.get()))}</label>
                    <input id="confirm-count" type="text" inputmode="numeric" autocomplete="off"
                        prop:value=move || typed.get() on:input:target=move |ev| typed.set(ev.target().value()) />
                    <Show when=mass>
                        <p class="warning" id="mass-warning">{move || format!(
                            "This is a mass {}: more than {} users. Type the tenant's host name as well; the run then waits {MASS_DELAY_S} seconds before its first request, and can be cancelled at no cost until then.",
                            if matches!(action.get(), RunAction::Remove | RunAction::Mark) { "removal" } else { "change" },
                            grouped(state.mass_threshold.get()))}</p>
                        <label for="confirm-host">{let tenant = tenant.clone(); move || format!("Type {tenant} to confirm")}</label>
                        <input id="confirm-host" type="text" autocomplete="off" spellcheck="false"
                            prop:value=move || typed_host.get() on:input:target=move |ev| typed_host.set(ev.target().value()) />
                    </Show>
                    {move || match counting.get() {
                        true => view! {
                            <div class="card alert" role="alert" id="countdown"
                                on:keydown=move |ev| if ev.key() == "Escape" { cancel() }>
                                <p><strong>{move || format!("Starting in {} s. Nothing has been sent yet.", countdown.get().unwrap_or(0))}</strong></p>
                                <button type="button" id="cancel-start" class="primary" node_ref=cancel_button on:click=move |_| cancel()>"Cancel: do not start"</button>
                            </div>
                        }.into_any(),
                        false => view! {
                            <div class="actions">
                                {move || if is_follow_up.get() {
                                    view! { <button type="button" id="back-to-results" class="secondary" on:click=move |_| state.go(Step::Results)>"Back to results (start nothing)"</button> }.into_any()
                                } else {
                                    view! {
                                        <button type="button" class="secondary" on:click=move |_| state.go(Step::Preview)>"Back to preview"</button>
                                        <button type="button" id="rehearse" class="secondary" disabled=move || rehearsal_blocker().is_some()
                                            title=move || rehearsal_blocker().unwrap_or_default() on:click=move |_| rehearse(state)>
                                            "Rehearse (changes nobody)"
                                        </button>
                                    }.into_any()
                                }}
                                <button type="button" id="start-run" class="danger" node_ref=start_button disabled=move || !confirmed() || starting.get() || state.run.busy() on:click=start>
                                    {move || match (starting.get(), follow_up.with(|f| f.as_ref().map(FollowUp::start_label)), action.get()) {
                                        (true, _, _) => "Starting…".to_string(),
                                        (_, Some(label), _) => label,
                                        (_, None, RunAction::Mark) => format!("Mark {} users for deletion", grouped(users.get())),
                                        _ => format!("Remove {} users now", grouped(users.get())),
                                    }}
                                </button>
                            </div>
                            {move || (!is_follow_up.get()).then(rehearsal_blocker).flatten().map(|why| view! { <p class="hint" id="rehearsal-hint">{why}</p> })}
                        }.into_any(),
                    }}
                }.into_any(),
            }}
        </section>
    }
}

/// Why a rehearsal cannot be made now, if it cannot.
fn rehearsal_blocker(state: AppState) -> Option<String> {
    match state.target.get() {
        Target::Rsa if state.rsa_action.get() == RunAction::Mark => {
            Some("A rehearsal predicts removals; choose \"Delete now\" to rehearse.".into())
        }
        Target::Rsa if state.lookups.with(Vec::is_empty) => Some(
            "A rehearsal predicts from User Details lookups, which find users by e-mail address: look the addresses up on the Preview step first (a list of user IDs cannot be rehearsed).".into(),
        ),
        Target::Epm if state.presence.with(Vec::is_empty) => Some(
            "A rehearsal predicts from List Users: press \"Check who exists\" on the Preview step first.".into(),
        ),
        _ => None,
    }
}

/// Shown for a plan row no read-only call can predict.
const NOT_PREDICTED: &str =
    "Not predicted: User Details finds users by e-mail address, and this row holds a user ID.";

/// Predicts every row's outcome from the lookups already made, and shows them as a rehearsal's results.
fn rehearse(state: AppState) {
    let now = js_sys::Date::now();
    let entries = state.removal_entries();
    let wanted: HashSet<usize> = entries.iter().map(|e| e.row).collect();
    let mut predictions: Vec<UserResult> = match state.target.get_untracked() {
        Target::Rsa => {
            let lookups: Vec<_> = state
                .lookups
                .get_untracked()
                .into_iter()
                .filter(|r| wanted.contains(&r.row) || r.answer.user().is_none())
                .collect();
            let mut by_row: HashMap<usize, UserResult> =
                rsa_rehearse::rehearse_all(&lookups, state.rsa_options.get_untracked(), now)
                    .into_iter()
                    .map(|r| (r.row, r))
                    .collect();
            for e in &entries {
                by_row.entry(e.row).or_insert_with(|| UserResult {
                    row: e.row,
                    user: e.user.clone(),
                    outcome: Outcome::NotStarted,
                    http_status: None,
                    message: NOT_PREDICTED.to_string(),
                    attempts: 0,
                    at_ms: now,
                });
            }
            by_row.into_values().collect()
        }
        Target::Epm => {
            let own = state.effective_own_account().unwrap_or_default();
            epm_rehearse::rehearse_all(&state.presence.get_untracked(), &[own.as_str()], now)
                .into_iter()
                .filter(|r| wanted.contains(&r.row))
                .collect()
        }
    };
    crate::sort::sort_by_key(&mut predictions, |r| r.row as u64);
    let predicted: HashSet<usize> = predictions.iter().map(|r| r.row).collect();
    let mut skipped = state.skipped_rows();
    skipped.retain(|s| !predicted.contains(&s.row));
    let run = state.run;
    run.progress
        .set(Some(Progress::resumed(predictions.len(), &predictions)));
    run.action.set(RunAction::Remove);
    run.target.set(state.target.get_untracked());
    run.journal.set_value(None);
    run.results.set(predictions);
    run.skipped.set(skipped);
    run.rehearsal.set(true);
    state.go(Step::Results);
}

fn stop_ticker(ticker: StoredValue<Option<IntervalHandle>, LocalStorage>) {
    if let Some(handle) = ticker.try_update_value(Option::take).flatten() {
        handle.clear();
    }
}
