//! The confirmation before a run: what will happen, to how many users, on which tenant; typed
//! consent; and above the mass-removal threshold, the tenant's name and a short cancellable delay.

use leptos::prelude::*;

use super::launch::start_run;
use super::AppState;
use crate::flow::Step;
use crate::target::Target;

/// Seconds a run above the threshold waits before its first request.
const MASS_DELAY_S: u32 = 10;

/// Names the tenant and the number of users, asks the admin to type that number (and above the
/// threshold the tenant's host name), then starts the run.
#[component]
pub fn Confirm() -> impl IntoView {
    let state = expect_context::<AppState>();
    let typed = RwSignal::new(String::new());
    let typed_host = RwSignal::new(String::new());
    let countdown = RwSignal::new(None::<u32>);
    let ticker = StoredValue::new_local(None::<IntervalHandle>);
    let users = Memo::new(move |_| state.removal_entries().len());
    let connection = Memo::new(move |_| state.connection().map(|c| c.tenant()));
    let mass = move || users.get() > state.mass_threshold.get();
    let confirmed = move || {
        let count_ok =
            typed.with(|t| t.trim().replace([',', ' ', '.'], "") == users.get().to_string());
        let host_ok = !mass()
            || connection.with(|c| {
                c.as_ref().is_ok_and(|tenant| {
                    typed_host.with(|h| h.trim().eq_ignore_ascii_case(tenant.trim()))
                })
            });
        count_ok && host_ok && users.get() > 0
    };
    let begin = move || {
        stop_ticker(ticker);
        countdown.set(None);
        let Ok(connection) = state.connection() else {
            return;
        };
        let entries = state.removal_entries();
        if !entries.is_empty() {
            start_run(state, connection, entries, true);
        }
    };
    let start = move |_| {
        if !mass() {
            begin();
            return;
        }
        countdown.set(Some(MASS_DELAY_S));
        let handle = set_interval_with_handle(
            move || match countdown.get_untracked() {
                Some(n) if n > 1 => countdown.set(Some(n - 1)),
                Some(_) => begin(),
                None => stop_ticker(ticker),
            },
            std::time::Duration::from_secs(1),
        )
        .ok();
        ticker.set_value(handle);
    };
    let cancel = move |_| {
        stop_ticker(ticker);
        countdown.set(None);
    };
    on_cleanup(move || stop_ticker(ticker));

    view! {
        <section class="card confirm">
            {move || match connection.get() {
                Err(e) => view! { <p class="error">{format!("Not connected: {e} Go back to Connect.")}</p> }.into_any(),
                Ok(tenant) => view! {
                    <p class="danger-text" id="confirm-text">
                        <strong>{format!("You are about to remove {} users from {} ({}).", users.get(), tenant, state.target.get().name())}</strong>
                        {match state.target.get() {
                            Target::Rsa => " Delete User Now cannot be undone.",
                            Target::Epm => " Removing a user from the identity domain removes it from every environment that shares it.",
                        }}
                    </p>
                    <label for="confirm-count">{format!("Type {} to confirm", users.get())}</label>
                    <input id="confirm-count" type="text" inputmode="numeric" autocomplete="off"
                        prop:value=move || typed.get() on:input:target=move |ev| typed.set(ev.target().value()) />
                    <Show when=mass>
                        <p class="warning" id="mass-warning">{move || format!(
                            "This is a mass removal: more than {} users. Type the tenant's host name as well; the run then waits {MASS_DELAY_S} seconds before its first request, and can be cancelled at no cost until then.",
                            state.mass_threshold.get())}</p>
                        <label for="confirm-host">{let tenant = tenant.clone(); move || format!("Type {tenant} to confirm")}</label>
                        <input id="confirm-host" type="text" autocomplete="off" spellcheck="false"
                            prop:value=move || typed_host.get() on:input:target=move |ev| typed_host.set(ev.target().value()) />
                    </Show>
                    {move || match countdown.get() {
                        Some(n) => view! {
                            <div class="card alert" role="alert" id="countdown">
                                <p><strong>{format!("Starting in {n} s. Nothing has been sent yet.")}</strong></p>
                                <button type="button" id="cancel-start" class="primary" on:click=cancel>"Cancel: do not start"</button>
                            </div>
                        }.into_any(),
                        None => view! {
                            <div class="actions">
                                <button type="button" class="secondary" on:click=move |_| state.go(Step::Preview)>"Back to preview"</button>
                                <button type="button" id="start-run" class="danger" disabled=move || !confirmed() on:click=start>
                                    {format!("Remove {} users now", users.get())}
                                </button>
                            </div>
                        }.into_any(),
                    }}
                }.into_any(),
            }}
        </section>
    }
}

fn stop_ticker(ticker: StoredValue<Option<IntervalHandle>, LocalStorage>) {
    if let Some(handle) = ticker.try_update_value(Option::take).flatten() {
        handle.clear();
    }
}
