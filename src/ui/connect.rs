//! Connect step: target system, address and credential, with a harmless test call.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{AppState, Connection, StepNav};
use crate::browser::{save_setting, FetchHttp};
use crate::rsa::{self, jwt};
use crate::run::Http;
use crate::target::Target;

/// Where the EPM batch size is kept (so a reload, and the resume after it, keeps the admin's choice).
pub const EPM_BATCH_KEY: &str = "offboard.epm.batch.v1";
/// Where the EPM removal API (`v1` or `v2`) is kept.
pub const EPM_API_KEY: &str = "offboard.epm.api.v1";

/// The form for one target, the credential checks and "Test connection".
#[component]
pub fn ConnectStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let c = state.creds;
    let check = RwSignal::new(None::<(bool, String)>);
    let testing = RwSignal::new(false);

    // What a test said holds for what it tested: another target, address or credential clears it.
    Effect::new(move |_| {
        state.target.track();
        c.rsa_base.track();
        c.jwt.track();
        c.epm_base.track();
        c.epm_oauth.track();
        c.epm_user.track();
        c.epm_password.track();
        c.epm_token.track();
        check.set(None);
    });
    let problems = Memo::new(move |_| credential_problems(&state));
    let ready = Signal::derive(move || {
        state.connection().is_ok() && problems.with(|p| p.iter().all(|(blocking, _)| !blocking))
    });

    let test = move |_| {
        let Ok(connection) = state.connection() else {
            return;
        };
        if testing.get_untracked() {
            return;
        }
        testing.set(true);
        check.set(None);
        spawn_local(async move {
            let (ok, message) = test_connection(&connection).await;
            check.set(Some((ok, message)));
            testing.set(false);
        });
    };

    let radio = move |t: Target, id: &'static str| {
        view! {
            <label class="choice" for=id>
                <input type="radio" id=id name="target" checked=move || state.target.get() == t
                    disabled=move || state.run.active.get()
                    on:change=move |_| { state.target.set(t); state.replan(); } />
                {t.name()}
            </label>
        }
    };

    view! {
        <section class="card">
            <fieldset>
                <legend>"Target system"</legend>
                {radio(Target::Rsa, "target-rsa")}
                {radio(Target::Epm, "target-epm")}
            </fieldset>
            {move || match state.target.get() {
                Target::Rsa => view! {
                    <label for="rsa-base">"Admin REST API URL"</label>
                    <input id="rsa-base" type="url" autocomplete="off"
                        placeholder="https://mycompany.access.securid.com/AdminInterface/restapi/v1"
                        prop:value=move || c.rsa_base.get() on:input:target=move |ev| c.rsa_base.set(ev.target().value()) />
                    <p class="hint">"The key file's adminRestApiUrl, or a same-origin proxy path such as /rsa/AdminInterface/restapi/v1."</p>
                    <label for="rsa-jwt">"JWT (Bearer token)"</label>
                    <input id="rsa-jwt" type="password" autocomplete="off" spellcheck="false"
                        prop:value=move || c.jwt.get() on:input:target=move |ev| c.jwt.set(ev.target().value()) />
                    <super::key_file::KeyFileInput />
                    <JwtInfo />
                }.into_any(),
                Target::Epm => view! {
                    <label for="epm-base">"Service URL"</label>
                    <input id="epm-base" type="url" autocomplete="off" placeholder="https://tenant.epm.oraclecloud.com"
                        prop:value=move || c.epm_base.get() on:input:target=move |ev| c.epm_base.set(ev.target().value()) />
                    <fieldset>
                        <legend>"Sign in with"</legend>
                        <label class="choice" for="epm-basic">
                            <input type="radio" id="epm-basic" name="epm-auth" checked=move || !c.epm_oauth.get()
                                disabled=move || state.run.active.get() on:change=move |_| c.epm_oauth.set(false) />"User name and password"
                        </label>
                        <label class="choice" for="epm-oauth">
                            <input type="radio" id="epm-oauth" name="epm-auth" checked=move || c.epm_oauth.get()
                                disabled=move || state.run.active.get() on:change=move |_| c.epm_oauth.set(true) />"OAuth access token"
                        </label>
                    </fieldset>
                    {move || if c.epm_oauth.get() {
                        view! {
                            <label for="epm-token">"OAuth access token"</label>
                            <input id="epm-token" type="password" autocomplete="off"
                                prop:value=move || c.epm_token.get() on:input:target=move |ev| c.epm_token.set(ev.target().value()) />
                        }.into_any()
                    } else {
                        view! {
                            <label for="epm-user">"User name (classic domains: identitydomain.user)"</label>
                            <input id="epm-user" type="text" autocomplete="off" disabled=move || state.run.active.get()
                                prop:value=move || c.epm_user.get() on:input:target=move |ev| { c.epm_user.set(ev.target().value()); state.replan(); } />
                            <label for="epm-password">"Password"</label>
                            <input id="epm-password" type="password" autocomplete="off"
                                prop:value=move || c.epm_password.get() on:input:target=move |ev| c.epm_password.set(ev.target().value()) />
                        }.into_any()
                    }}
                    <fieldset>
                        <legend>"Removal API"</legend>
                        <label class="choice" for="epm-v1">
                            <input type="radio" id="epm-v1" name="epm-api" checked=move || !state.epm_v2.get()
                                on:change=move |_| { state.epm_v2.set(false); let _ = save_setting(EPM_API_KEY, "v1"); } />"v1: upload a file, run a job (documented default)"
                        </label>
                        <label class="choice" for="epm-v2">
                            <input type="radio" id="epm-v2" name="epm-api" checked=move || state.epm_v2.get()
                                on:change=move |_| { state.epm_v2.set(true); let _ = save_setting(EPM_API_KEY, "v2"); } />"v2: synchronous, no upload"
                        </label>
                    </fieldset>
                    <label for="epm-batch">"Users per removal job (batch size)"</label>
                    <input id="epm-batch" type="number" min="1" max=crate::epm::MAX_BATCH_SIZE.to_string()
                        prop:value=move || state.epm_batch_size.get().to_string()
                        on:change:target=move |ev| {
                            if let Ok(n) = ev.target().value().trim().parse::<usize>() {
                                let n = crate::epm::batch_size_within_limits(n);
                                state.epm_batch_size.set(n);
                                let _ = save_setting(EPM_BATCH_KEY, &n.to_string());
                            }
                            // What is not a whole number (-5, 2.5) shows the size kept, as one out of bounds does.
                            ev.target().set_value(&state.epm_batch_size.get_untracked().to_string());
                        } />
                    <p class="hint">"Each batch is one uploaded file and one job: smaller batches show progress sooner and contain a failure."</p>
                }.into_any(),
            }}
            <label for="own-account">"Your own account (never removed)"</label>
            <input id="own-account" type="text" autocomplete="off"
                placeholder=move || state.target.get().own_account_placeholder(c.epm_oauth.get())
                prop:value=move || state.own_account.get() disabled=move || state.run.active.get()
                on:input:target=move |ev| { state.own_account.set(ev.target().value()); state.replan(); } />
            {move || state.own_account.with(|own| state.target.get().own_account_missing(c.epm_oauth.get(), own))
                .map(|why| view! { <p class="warning" id="own-account-needed" role="note">{why}</p> })}
            {move || state.own_account.with(|own| c.epm_user.with(|user|
                state.target.get().own_account_from_sign_in(c.epm_oauth.get(), own, user)))
                .map(|note| view! { <p class="hint" id="own-account-from-sign-in" role="note">{note}</p> })}
            <Show when=move || state.run.active.get()>
                <p class="hint" id="locked-while-running">"The target, the user name and your own account are locked while a removal is running: the run keeps the plan it started with. Disconnect waits for its end too: the run holds the credential until then (cancel it to stop sooner)."</p>
            </Show>
            <ul class="problems">
                {move || problems.get().into_iter().map(|(blocking, text)| view! {
                    <li class=if blocking { "error" } else { "warning" }>{text}</li>
                }).collect_view()}
            </ul>
            <div class="actions">
                // Not `disabled` while testing: a disabled button drops the keyboard focus to the page.
                <button type="button" id="test-connection" class="secondary" disabled=move || !ready.get()
                    aria-disabled=move || testing.get().then_some("true") on:click=test>
                    {move || if testing.get() { "Testing…" } else { "Test connection" }}
                </button>
                <button type="button" class="secondary" id="disconnect" disabled=move || state.run.active.get()
                    on:click=move |_| { c.clear_secrets(); state.signing_key.set_value(None); check.set(None); }>"Disconnect (forget credential)"</button>
            </div>
            <div role="status" id="connection-status">
                {move || check.get().map(|(ok, message)| view! { <p class=if ok { "success" } else { "error" }>{message}</p> })}
            </div>
        </section>
        <StepNav ready next_label="Choose the CSV" />
    }
}

/// What the pasted JWT says about itself (sub, aud, expiry), when there is one.
#[component]
fn JwtInfo() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let token = state.creds.jwt.get();
        let token = jwt::strip_bearer(&token);
        if token.is_empty() {
            return None;
        }
        let summary = jwt::decode(token).ok()?;
        let now = (js_sys::Date::now() / 1000.0) as i64;
        let left = summary
            .seconds_left(now)
            .map(jwt::expiry_words)
            .unwrap_or_else(|| "no expiry".into());
        Some(view! {
            <dl class="jwt" id="jwt-info">
                <dt>{if summary.oauth { "Subject (sub)" } else { "Access ID (sub)" }}</dt>
                <dd class="mono">{summary.sub.clone().unwrap_or_default()}</dd>
                <dt>"Audience (aud)"</dt><dd class="mono">{summary.aud.join(", ")}</dd>
                <dt>"Expires"</dt><dd>{left}</dd>
            </dl>
        })
    }
}

/// Now (Unix seconds), and when a run of `users` users would end at a cautious pace.
fn now_and_run_end(users: usize) -> (i64, Option<i64>) {
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let run_end = (users > 0).then(|| {
        let ms = crate::run::progress::estimate_duration_ms(users, 4, 250.0);
        now + (ms / 1000.0) as i64
    });
    (now, run_end)
}

/// What the pasted RSA token warns of for a run of `users` users (it expires before the run
/// would end): the Run step's confirmation repeats it, since the plan is known only then.
pub(super) fn token_warnings(state: &AppState, users: usize) -> Vec<String> {
    let token = state.creds.jwt.get();
    let token = jwt::strip_bearer(&token);
    let (Ok(summary), Ok(base)) = (
        jwt::decode(token),
        rsa::ApiBase::parse(&state.creds.rsa_base.get()),
    ) else {
        return Vec::new();
    };
    let (now, run_end) = now_and_run_end(users);
    summary
        .problems(&base, now, run_end)
        .into_iter()
        .filter(|p| matches!(p, jwt::JwtProblem::ExpiresBeforeRunEnds { .. }))
        .map(|p| p.to_string())
        .collect()
}

/// Problems with what was entered: `(blocking, message)`.
fn credential_problems(state: &AppState) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    if state.target.get() == Target::Rsa {
        let token = state.creds.jwt.get();
        let token = jwt::strip_bearer(&token);
        if !token.is_empty() {
            match jwt::decode(token) {
                Err(e) => out.push((true, e.to_string())),
                Ok(summary) => {
                    if let Ok(base) = rsa::ApiBase::parse(&state.creds.rsa_base.get()) {
                        let (now, run_end) = now_and_run_end(state.removal_count());
                        for p in summary.problems(&base, now, run_end) {
                            out.push((p.is_blocking(), p.to_string()));
                        }
                    }
                }
            }
        }
    }
    if let Err(e) = state.connection() {
        if !e.starts_with("Paste") && !e.starts_with("Enter the user") {
            out.push((true, e));
        }
    }
    out
}

/// Sends one harmless authenticated request and explains the answer.
async fn test_connection(connection: &Connection) -> (bool, String) {
    let http = FetchHttp { timeout_ms: 20_000 };
    match connection {
        Connection::Rsa { base, auth } => {
            let reply = http.send(rsa::api::connection_test(base, auth)).await;
            let mut check = rsa::classify_connection(&reply);
            if check.is_ok() {
                let unauthenticated = http
                    .send(rsa::api::connection_test_without_credential(base))
                    .await;
                check = rsa::confirm_credential_checked(check, &unauthenticated);
            }
            (
                check.is_ok(),
                format!("{} {}", check.title(), check.advice(base)),
            )
        }
        Connection::Epm { base, auth } => {
            match http.send(crate::epm::list::connection_test_request(base, auth)).await {
                Ok(r) if r.status == 200 => (true, "Connected: the service accepted the credential.".into()),
                Ok(r) if r.status == 401 || r.status == 403 => (false, format!(
                    "Not authorised (HTTP {}): check the user name and password (classic domains: identitydomain.user), \
                     or the token. Users with multi-factor sign-in must use OAuth.", r.status)),
                Ok(r) => (false, format!("The service answered HTTP {}: {}", r.status, r.text().chars().take(200).collect::<String>())),
                Err(e) => (false, format!(
                    "No answer: {e}. Check the address. If it is right, the browser probably blocked the call (CORS): \
                     EPM does not allow calls from other web pages, so serve Offboard behind the same-origin proxy \
                     (deploy/nginx.conf) and use its /epm path as the address.")),
            }
        }
    }
}
