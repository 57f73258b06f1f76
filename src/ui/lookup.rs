//! RSA: resolving the list's e-mail addresses to user IDs before anything is removed.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::virtual_list::VirtualList;
use super::{AppState, Connection};
use crate::browser::{BrowserClock, WorkerHttp};
use crate::decimal::grouped;
use crate::rsa::looked_up::blocked;
use crate::rsa::lookup::Blocker;
use crate::rsa::resolve::{resolve_emails, ResolveProgress};
use crate::run::{Control, RunSettings};

/// Offers the lookup when the list holds e-mail addresses, shows its progress and what it found.
#[component]
pub fn EmailLookup() -> impl IntoView {
    let state = expect_context::<AppState>();
    let emails = Memo::new(move |_| state.email_rows());
    let progress = RwSignal::new(None::<ResolveProgress>);
    let active = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let control = StoredValue::new_local(None::<Control>);

    let start = move |_| {
        let Ok(Connection::Rsa { base, auth }) = state.connection() else {
            error.set(Some(
                "Connect to RSA Cloud Access Service first (step 1).".into(),
            ));
            return;
        };
        let entries = emails.get_untracked();
        // The answers belong to this list: a list taken in (or re-planned) meanwhile drops them.
        let list = state
            .loaded
            .with_untracked(|l| l.as_ref().map(|l| Arc::as_ptr(&l.plan)));
        let run_control = Control::new(auth);
        control.set_value(Some(run_control.clone()));
        active.set(true);
        error.set(None);
        spawn_local(async move {
            // At most a few redraws a second: a 40,000-address lookup reports each answer.
            // A pause or a hold starting or ending shows at once.
            let mut shown_at = f64::NEG_INFINITY;
            let mut shown_state = (None, false);
            let mut on_progress = move |p: &ResolveProgress| {
                let now = js_sys::Date::now();
                let state = (p.paused, p.holding.is_some());
                if now - shown_at >= PROGRESS_EVERY_MS || p.done == p.total || state != shown_state
                {
                    shown_at = now;
                    shown_state = state;
                    progress.set(Some(p.clone()));
                }
            };
            let found = resolve_emails(
                &entries,
                &base,
                &WorkerHttp::for_run(),
                &BrowserClock,
                &run_control,
                &RunSettings::default(),
                &mut on_progress,
            )
            .await;
            if state
                .loaded
                .with_untracked(|l| l.as_ref().map(|l| Arc::as_ptr(&l.plan)))
                == list
            {
                state.lookups.set(found);
            } else {
                error.set(Some(
                    "The list changed while its addresses were looked up: look them up again."
                        .into(),
                ));
            }
            active.set(false);
            control.set_value(None);
        });
    };

    let summary = move || {
        let t = state.lookup_tally();
        let left_out = if t.left_out > 0 {
            format!(" {} found but left out: your own account, protected, or a user another row already removes.", grouped(t.left_out))
        } else {
            String::new()
        };
        format!(
            "{} found and removable; {} still enabled and {} pending deletion (would be refused \
             with 409); {} from a SCIM or Azure AD source (would be refused with 405); {} not found \
             (not in the tenant) and {} not looked up: neither will be processed.{left_out}",
            grouped(t.removable), grouped(t.enabled), grouped(t.pending_deletion), grouped(t.managed_source),
            grouped(t.not_found), grouped(t.not_looked_up)
        )
    };
    let row = move |i: usize| {
        let Some(r) = state.lookups.with_untracked(|f| f.get(i).cloned()) else {
            return ().into_any();
        };
        let class = if r.answer.user().is_none() {
            "cell reason error"
        } else if r.answer.blocker().is_some() {
            "cell reason warning"
        } else {
            "cell reason"
        };
        let message = r.answer.message();
        view! {
            <span class="cell num" role="cell">{r.row}</span>
            <span class="cell value mono" role="cell" title=r.email.clone()>{r.email.clone()}</span>
            <span class=class role="cell" title=message>{message.clone()}</span>
        }
        .into_any()
    };

    view! {
        <Show when=move || emails.with(|e| !e.is_empty())>
            <section class="card" id="email-lookup">
                <h3>{move || format!("{} rows hold e-mail addresses", grouped(emails.with(Vec::len)))}</h3>
                <p class="hint">"RSA removes users by user ID. Look the addresses up with the User Details API (read-only): found users join the plan, and users that are still enabled, pending deletion or SCIM-managed are flagged before anything is removed."</p>
                <button type="button" id="lookup-emails" class="primary" disabled=move || active.get() || state.run.active.get() on:click=start>
                    {move || format!("Look up {} e-mail addresses", grouped(emails.with(Vec::len)))}
                </button>
                <Show when=move || active.get()>
                    <button type="button" class="secondary" on:click=move |_| control.with_value(|c| if let Some(c) = c { c.cancel() })>"Stop"</button>
                </Show>
                {move || progress.get().map(|p| {
                    let percent = (p.done * 100).checked_div(p.total).unwrap_or(100);
                    view! {
                        <div class="progress" role="progressbar" aria-label="Lookup progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                            <div class="fill" style=format!("width:{percent}%")></div>
                        </div>
                        <p role="status" id="lookup-status">{p.status(js_sys::Date::now())}</p>
                    }
                })}
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <Show when=move || state.lookups.with(|l| !l.is_empty())>
                    <p id="lookup-summary">{summary}</p>
                    <RemovalChoices />
                    <VirtualList len=Signal::derive(move || state.lookups.with(Vec::len)) row label="E-mail addresses looked up" height=240
                        columns=["Row", "E-mail address", "Found"].map(String::from).to_vec() />
                </Show>
            </section>
        </Show>
    }
}

/// The least time between two redraws of the lookup's progress, in ms.
const PROGRESS_EVERY_MS: f64 = 100.0;

/// What to do with found users that Delete User Now would refuse: disable enabled ones first;
/// unmark users pending deletion and delete them now. Both are off unless the admin chooses them.
#[component]
pub fn RemovalChoices() -> impl IntoView {
    let state = expect_context::<AppState>();
    // Counted once per change of the lookups or the plan: the view reads each count several times.
    let blocked_users = Memo::new(move |_| {
        let decisions = state.lookup_decisions();
        let removed = decisions.removed();
        state.lookups.with(|l| {
            let enabled = blocked(l, removed, Some(Blocker::Enabled));
            let listed = enabled
                .iter()
                .take(20)
                .map(|r| format!("row {}: {}", r.row, r.email))
                .collect::<Vec<_>>()
                .join("; ");
            let pending = state.lookup_tally().pending_deletion;
            (enabled.len(), pending, listed)
        })
    });
    let enabled = move || blocked_users.with(|(enabled, _, _)| *enabled);
    let pending = move || blocked_users.with(|(_, pending, _)| *pending);
    let enabled_list = move || blocked_users.with(|(_, _, listed)| listed.clone());
    view! {
        <Show when=move || { enabled() > 0 }>
            <div class="choice" id="enabled-users">
                <p class="warning">{move || format!(
                    "{} users are still enabled: Delete User Now refuses them (409). {}{}",
                    grouped(enabled()), enabled_list(),
                    if enabled() > 20 { " …" } else { "" })}</p>
                <label class="check">
                    <input type="checkbox" id="disable-first"
                        prop:checked=move || state.rsa_options.get().disable_first
                        on:change:target=move |ev| state.rsa_options.update(|o| o.disable_first = ev.target().checked()) />
                    {move || format!("Disable these {} users first, then delete them (two requests per user, both shown in the results)", grouped(enabled()))}
                </label>
            </div>
        </Show>
        <Show when=move || { pending() > 0 }>
            <div class="choice" id="pending-users">
                <p class="hint">{move || format!(
                    "{} users are pending deletion: the service removes them within seven days. They are left alone unless you choose otherwise.",
                    grouped(pending()))}</p>
                <label class="check">
                    <input type="checkbox" id="unmark-pending"
                        prop:checked=move || state.rsa_options.get().unmark_pending
                        on:change:target=move |ev| state.rsa_options.update(|o| o.unmark_pending = ev.target().checked()) />
                    "Unmark them and delete them now"
                </label>
            </div>
        </Show>
    }
}
