//! The run journal in `localStorage`, so a run survives a reload. Never the credential.

use wasm_bindgen::JsValue;

use crate::run::Journal;

/// Where the journal of the current run is kept.
pub const JOURNAL_KEY: &str = "offboard.journal.v1";

fn local_storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .ok_or("there is no browser window")?
        .local_storage()
        .map_err(|_| "the browser refuses access to local storage".to_string())?
        .ok_or_else(|| "this browser has no local storage".to_string())
}

/// The `name` of a thrown `DOMException` (or `Error`), if any.
fn error_name(error: &JsValue) -> String {
    js_sys::Reflect::get(error, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default()
}

/// Saves a journal's text ([`Journal::encode`]), replacing the one saved before.
pub fn save_journal(json: &str) -> Result<(), String> {
    local_storage()?
        .set_item(JOURNAL_KEY, json)
        .map_err(|e| match error_name(&e).as_str() {
            "QuotaExceededError" | "NS_ERROR_DOM_QUOTA_REACHED" => format!(
                "The run's progress ({} KB) does not fit in this browser's storage, so it cannot be \
                 resumed after a reload. Keep this page open until the run ends.",
                json.len() / 1024
            ),
            name => format!("The run's progress could not be saved in this browser ({name})."),
        })
}

/// The saved journal: `None` when there is none (or no storage), otherwise it or why it
/// cannot be read.
pub fn load_journal() -> Option<Result<Journal, String>> {
    let json = local_storage().ok()?.get_item(JOURNAL_KEY).ok()??;
    Some(Journal::from_json(&json))
}

/// Forgets the saved journal.
pub fn clear_journal() {
    if let Ok(storage) = local_storage() {
        let _ = storage.remove_item(JOURNAL_KEY);
    }
}

/// A small setting kept in `localStorage` (not a secret), or `None`.
pub fn load_setting(key: &str) -> Option<String> {
    local_storage().ok()?.get_item(key).ok()?
}

/// Keeps a small setting in `localStorage`; why it could not be kept otherwise.
pub fn save_setting(key: &str, value: &str) -> Result<(), String> {
    local_storage()?.set_item(key, value).map_err(|e| {
        format!(
            "The setting could not be saved in this browser ({}).",
            error_name(&e)
        )
    })
}
