//! RSA: the Administration API key file, dropped in once; the panel mints and renews tokens from it.

use std::cell::Cell;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::AppState;
use crate::browser::crypto::{import_signing_key, mint_token};
use crate::browser::{read_file, sleep_ms};
use crate::rsa::minter::{MintPolicy, RefusalAction, TokenMinter};
use crate::rsa::KeyFile;
use crate::run::{Auth, PauseReason};

/// The key file and its imported (non-extractable) signing key. Memory only.
#[derive(Clone)]
pub struct SigningKey {
    pub file: KeyFile,
    key: web_sys::CryptoKey,
    minter: TokenMinter,
}

fn now_s() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

impl SigningKey {
    /// Makes a fresh token and records it.
    async fn mint(&mut self) -> Result<String, String> {
        let (now, lifetime) = (now_s(), self.minter.policy().lifetime_s);
        let token = mint_token(&self.key, &self.file, now, lifetime).await?;
        self.minter.minted(&self.file.signing_input(now, lifetime));
        Ok(token)
    }
}

/// The file picker for the key file, and what was loaded.
#[component]
pub fn KeyFileInput() -> impl IntoView {
    let state = expect_context::<AppState>();
    let status = RwSignal::new(None::<Result<String, String>>);
    let load = move |ev: leptos::ev::Targeted<web_sys::Event, web_sys::HtmlInputElement>| {
        let input = ev.target();
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        // Of two files chosen in quick succession, the later one is kept whichever is read first.
        thread_local!(static CHOSEN: Cell<u32> = const { Cell::new(0) });
        let this = CHOSEN.get() + 1;
        CHOSEN.set(this);
        let latest = move || CHOSEN.get() == this;
        spawn_local(async move {
            let result = async {
                let bytes = read_file(&file).await?;
                let parsed = KeyFile::parse(&String::from_utf8_lossy(&bytes)).map_err(|e| e.to_string())?;
                let key = import_signing_key(&parsed).await?;
                let mut signing = SigningKey { file: parsed, key, minter: TokenMinter::new(MintPolicy::default()) };
                let token = signing.mint().await?;
                if !latest() {
                    return Ok(None);
                }
                if state.creds.rsa_base.get_untracked().trim().is_empty() {
                    state.creds.rsa_base.set(signing.file.admin_rest_api_url.clone());
                }
                state.creds.jwt.set(token.clone());
                // A run paused for a refused credential goes on with the new key's token, renewed
                // from now on like a run started with the key file.
                let renewing = state.signing_key.with_value(Option::is_some);
                state.signing_key.set_value(Some(signing.clone()));
                if state.run.active.get_untracked() {
                    state.run.give_credential(Auth::Bearer(token));
                    if !renewing {
                        keep_token_fresh(state);
                    }
                }
                let shown = format!(
                    "Key file loaded for access ID {}. Tokens are made in this tab and renewed before they expire; the key never leaves it.",
                    signing.file.access_id
                );
                Ok::<_, String>(Some(shown))
            }
            .await;
            if latest() {
                status.set(result.transpose());
            }
        });
    };
    view! {
        <label for="rsa-key-file">"Or the Administration API key file"</label>
        <input id="rsa-key-file" type="file" accept=".key,.json,application/json" on:change:target=load />
        {move || status.get().map(|s| match s {
            Ok(text) => view! { <p class="success" id="key-file-status">{text}</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert" id="key-file-status">{e}</p> }.into_any(),
        })}
    }
}

/// Makes a new token from the loaded key file, at the admin's request, and gives it to the run
/// (which a refused credential paused) and to the Connect step. `Err` says why not.
pub async fn resume_with_new_token(state: AppState) -> Result<(), String> {
    let Some(signing) = state.signing_key.get_value() else {
        return Err("no key file is loaded".into());
    };
    renew(state, signing).await
}

/// Mints a new token from `signing` and gives it to the run and to the Connect step, keeping
/// the key with its record of the token. `Err` says why no token was made.
async fn renew(state: AppState, mut signing: SigningKey) -> Result<(), String> {
    let token = signing.mint().await?;
    // Another key file loaded while this token was being signed has replaced the key: its own
    // token is in use, and this one, from the key it replaced, is thrown away.
    let replaced = state
        .signing_key
        .with_value(|k| k.as_ref().is_none_or(|k| k.key != signing.key));
    if replaced {
        return Ok(());
    }
    state.run.give_credential(Auth::Bearer(token.clone()));
    state.creds.jwt.set(token);
    state.signing_key.set_value(Some(signing));
    Ok(())
}

/// While a run is active and a key file is loaded: renews the token before it expires, and mints a
/// new one when the service refuses an old one (a refused fresh token is left to the admin).
pub fn keep_token_fresh(state: AppState) {
    if state.signing_key.with_value(Option::is_none) {
        return;
    }
    spawn_local(async move {
        // The token whose refusal the admin was told about (by its renewal time), to tell once.
        let mut told_about = None;
        while state.run.active.get_untracked() {
            sleep_ms(2_000).await;
            let Some(signing) = state.signing_key.get_value() else {
                return;
            };
            let refused = state.run.progress.with_untracked(|p| {
                p.as_ref().and_then(|p| p.paused) == Some(PauseReason::CredentialRefused)
            });
            let action = refused.then(|| signing.minter.on_refused(now_s()));
            if let Some(RefusalAction::AskAdmin(why)) = action {
                let token = signing.minter.renew_at();
                if told_about != Some(token) {
                    told_about = Some(token);
                    state.run.notes.update(|n| n.push(why.to_string()));
                }
            }
            let due = signing.minter.needs_token(now_s()) || action == Some(RefusalAction::MintNew);
            if !due {
                continue;
            }
            if let Err(e) = renew(state, signing).await {
                state
                    .run
                    .notes
                    .update(|n| n.push(format!("Could not make a new token: {e}")));
            }
        }
    });
}
