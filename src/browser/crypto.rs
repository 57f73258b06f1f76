//! RS256 tokens from the key file, signed with WebCrypto. The private key is imported
//! non-extractable and never leaves the page's memory.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use crate::rsa::KeyFile;

/// RS256 in WebCrypto's words.
const ALGORITHM: &str = "RSASSA-PKCS1-v1_5";

/// The page's `crypto.subtle`, which browsers offer only to secure contexts (HTTPS or localhost).
fn subtle() -> Result<SubtleCrypto, String> {
    let unavailable = || {
        "This browser offers no WebCrypto here: open the panel over HTTPS (or from localhost) to make tokens \
         from the key file, or paste a token instead."
            .to_string()
    };
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .map_err(|_| unavailable())?
        .dyn_into::<web_sys::Crypto>()
        .map_err(|_| unavailable())?;
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle")).map_err(|_| unavailable())?;
    if subtle.is_undefined() || subtle.is_null() {
        return Err(unavailable());
    }
    Ok(subtle.unchecked_into())
}

/// The message of a rejected WebCrypto promise.
fn reason(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

/// Imports the key file's private key for RS256 signing (non-extractable, usage `sign`).
pub async fn import_signing_key(key_file: &KeyFile) -> Result<CryptoKey, String> {
    let fail = |e: JsValue| {
        format!(
            "The browser could not use the key file's private key: {}",
            reason(&e)
        )
    };
    let algorithm = Object::new();
    Reflect::set(&algorithm, &"name".into(), &ALGORITHM.into()).map_err(fail)?;
    Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into()).map_err(fail)?;
    let usages = Array::of1(&"sign".into());
    let der = Uint8Array::from(key_file.pkcs8_der());
    let promise = subtle()?
        .import_key_with_object("pkcs8", &der, &algorithm, false, &usages)
        .map_err(fail)?;
    let key = JsFuture::from(promise).await.map_err(fail)?;
    key.dyn_into::<CryptoKey>()
        .map_err(|_| "The browser did not return a key for the key file.".to_string())
}

/// Makes a token issued at `now_s` (Unix seconds) and valid for `lifetime_s` (at most an hour),
/// signed with `key` from [`import_signing_key`] of the same `key_file`.
pub async fn mint_token(
    key: &CryptoKey,
    key_file: &KeyFile,
    now_s: i64,
    lifetime_s: i64,
) -> Result<String, String> {
    let fail = |e: JsValue| format!("The browser could not sign a token: {}", reason(&e));
    let input = key_file.signing_input(now_s, lifetime_s);
    let data = Uint8Array::from(input.as_bytes());
    let promise = subtle()?
        .sign_with_str_and_buffer_source(ALGORITHM, key, &data)
        .map_err(fail)?;
    let signature = JsFuture::from(promise).await.map_err(fail)?;
    Ok(input.assemble(&Uint8Array::new(&signature).to_vec()))
}
