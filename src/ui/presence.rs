//! EPM: asking the tenant who exists (List Users) before anything is removed.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::virtual_list::VirtualList;
use super::{AppState, Connection};
use crate::browser::{BrowserClock, FetchHttp};
use crate::decimal::grouped;
use crate::epm::list::match_plan;
use crate::epm::{Epm, EpmConfig};
use crate::run::Control;
use crate::target::Target;

/// One List Users call, matched locally to every login of the plan; not-found logins can be dropped.
#[component]
pub fn EpmPresence() -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let check = move |_| {
        let Ok(Connection::Epm { base, auth }) = state.connection() else {
            error.set(Some("Connect to Oracle EPM Cloud first (step 1).".into()));
            return;
        };
        let entries = state.removal_entries();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let control = Control::new(auth);
            let config = EpmConfig::one_off();
            let (http, clock) = (FetchHttp::default(), BrowserClock);
            let epm = Epm {
                http: &http,
                clock: &clock,
                control: &control,
                base: &base,
                config: &config,
                outage: Default::default(),
            };
            match epm.list_users(&mut |_| {}).await {
                Ok(users) => {
                    state.presence_checked_ms.set_value(js_sys::Date::now());
                    state.presence.set(match_plan(&entries, &users));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let missing = Memo::new(move |_| {
        state.presence.with(|p| {
            p.iter()
                .filter(|p| p.user.is_none())
                .map(|p| p.entry.row)
                .collect::<Vec<_>>()
        })
    });
    let drop_missing = move |_| {
        let rows = missing.get_untracked();
        state.dropped.update(|d| d.extend(rows));
    };
    let row = move |i: usize| {
        let Some(p) = state.presence.with_untracked(|p| p.get(i).cloned()) else {
            return ().into_any();
        };
        let dropped = state.dropped.with_untracked(|d| d.contains(&p.entry.row));
        let (class, text) = match (&p.user, dropped) {
            (Some(u), _) => (
                "cell reason",
                format!("exists: {} {} <{}>", u.first_name, u.last_name, u.email),
            ),
            (None, true) => (
                "cell reason",
                "not found: dropped from the plan".to_string(),
            ),
            (None, false) => (
                "cell reason error",
                "not found: removing it would fail".to_string(),
            ),
        };
        view! {
            <span class="cell num" role="cell">{p.entry.row}</span>
            <span class="cell value mono" role="cell" title=p.entry.user.clone()>{p.entry.user.clone()}</span>
            <span class=class role="cell" title=text>{text.clone()}</span>
        }
        .into_any()
    };

    view! {
        <Show when=move || state.target.get() == Target::Epm>
            <section class="card" id="epm-presence">
                <h3>"Who exists in the tenant?"</h3>
                <p class="hint">"One read-only List Users call, matched here to every login of the plan (case-insensitively, as EPM does)."</p>
                <button type="button" id="check-presence" class="secondary" disabled=move || busy.get() || state.run.active.get() on:click=check>
                    {move || if busy.get() { "Asking the tenant…" } else { "Check who exists" }}
                </button>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <Show when=move || state.presence.with(|p| !p.is_empty())>
                    <p id="presence-summary">{move || {
                        let total = state.presence.with(Vec::len);
                        let missing = missing.with(Vec::len);
                        format!("{} of {} logins exist; {} not found.", grouped(total - missing), grouped(total), grouped(missing))
                    }}</p>
                    <Show when=move || missing.with(|m| m.iter().any(|r| !state.dropped.with(|d| d.contains(r))))>
                        <button type="button" id="drop-missing" class="primary" on:click=drop_missing>
                            {move || format!("Drop the {} not-found logins from the plan", grouped(missing.with(Vec::len)))}
                        </button>
                    </Show>
                    <VirtualList len=Signal::derive(move || state.presence.with(Vec::len)) row label="Logins and whether they exist" height=240
                        columns=["Row", "User login", "In the identity domain"].map(String::from).to_vec() />
                </Show>
            </section>
        </Show>
    }
}
