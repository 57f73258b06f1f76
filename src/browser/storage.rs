//! The run journal in `localStorage`, so a run survives a reload. Never the credential.

use wasm_bindgen::JsValue;

use super::yield_now::yield_now;
use crate::run::journal::damaged;
use crate::run::journal::pieces::{self, Pieces, Save};
use crate::run::Journal;

/// Where the journal of the current run is kept: the manifest of its pieces (or, saved by an
/// earlier version, the whole journal).
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

/// Every journal piece's key starts with this (see [`crate::run::journal::pieces`]).
const PIECE_KEY_PREFIX: &str = "offboard.journal.v1.p";

/// Saves a run's journal in pieces, writing only those that changed since its last save.
pub struct JournalStore {
    pieces: Pieces,
}

/// How many bytes of pieces [`JournalStore::save_sliced`] writes between two turns of the
/// event loop (about 4 ms of `setItem`).
const SLICE_BYTES: usize = 4 * pieces::PIECE_BYTES;

impl JournalStore {
    /// A store whose pieces' keys are its own: the page session's start and the store's number.
    pub fn new() -> JournalStore {
        thread_local!(static STORES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });
        let store = STORES.with(|n| n.replace(n.get() + 1));
        let session = js_sys::Date::now() as u64;
        JournalStore {
            pieces: Pieces::new(format!("{PIECE_KEY_PREFIX}{session}-{store}.")),
        }
    }

    /// Saves a journal's text ([`Journal::encode`]), replacing the one saved before; the text is
    /// kept to compare the next save with.
    pub fn save(&mut self, json: String) -> Result<(), String> {
        let storage = local_storage()?;
        let save = self.pieces.plan(&json);
        for i in 0..save.writes.len() {
            write_piece(&storage, &save, i, &json).map_err(|e| refused(&e, &json))?;
        }
        self.commit(&storage, save, json)
    }

    /// [`JournalStore::save`], giving the event loop a turn after every [`SLICE_BYTES`] written:
    /// for the first save of a run, which writes every piece. If the browser's storage is full
    /// then, the journal saved before (a run this one replaces, or this run's save from before a
    /// reload) is removed to make room and the save tried once more: until this save's manifest
    /// is written, that journal's pieces and this one's would both be kept.
    pub async fn save_sliced(&mut self, json: String) -> Result<(), String> {
        let storage = local_storage()?;
        let save = match self.write_sliced(&storage, &json).await {
            Err(e) if is_quota(&e) && self.pieces.is_fresh() => {
                forget_saved(&storage);
                self.write_sliced(&storage, &json).await
            }
            written => written,
        };
        let save = save.map_err(|e| refused(&e, &json))?;
        self.commit(&storage, save, json)
    }

    /// Writes the pieces of a save of `json`, a few at a time.
    async fn write_sliced(
        &mut self,
        storage: &web_sys::Storage,
        json: &str,
    ) -> Result<Save, JsValue> {
        let save = self.pieces.plan(json);
        let mut since_yield = 0;
        for i in 0..save.writes.len() {
            if since_yield >= SLICE_BYTES {
                yield_now().await;
                since_yield = 0;
            }
            write_piece(storage, &save, i, json)?;
            since_yield += save.writes[i].1.len();
        }
        Ok(save)
    }

    /// Writes the manifest of `save`, whose pieces are written, and removes the pieces it does
    /// not name.
    fn commit(
        &mut self,
        storage: &web_sys::Storage,
        save: Save,
        json: String,
    ) -> Result<(), String> {
        if let Err(e) = storage.set_item(JOURNAL_KEY, &save.manifest) {
            forget_new(storage, &save);
            return Err(refused(&e, &json));
        }
        remove_pieces(storage, &save.keys);
        self.pieces.saved(save, json);
        Ok(())
    }
}

/// Writes piece `i` of `save`, planned for `json`; on failure, removes the pieces the save
/// wrote (the manifest still names the last save's).
fn write_piece(
    storage: &web_sys::Storage,
    save: &Save,
    i: usize,
    json: &str,
) -> Result<(), JsValue> {
    let (key, piece) = save.piece(i, json);
    storage
        .set_item(key, &piece)
        .inspect_err(|_| forget_new(storage, save))
}

fn forget_new(storage: &web_sys::Storage, save: &Save) {
    for (key, _) in &save.writes {
        let _ = storage.remove_item(key);
    }
}

/// Whether the browser refused to store something because its storage is full.
fn is_quota(error: &JsValue) -> bool {
    matches!(
        error_name(error).as_str(),
        "QuotaExceededError" | "NS_ERROR_DOM_QUOTA_REACHED"
    )
}

/// Why the browser refused to keep a journal of `json`'s size.
fn refused(error: &JsValue, json: &str) -> String {
    if is_quota(error) {
        format!(
            "The run's progress ({} KB) does not fit in this browser's storage, so it cannot be \
             resumed after a reload. Keep this page open until the run ends.",
            json.len() / 1024
        )
    } else {
        format!(
            "The run's progress could not be saved in this browser ({}).",
            error_name(error)
        )
    }
}

impl Default for JournalStore {
    fn default() -> Self {
        JournalStore::new()
    }
}

/// Removes the journal pieces not in `keep` (a finished save's, or pieces of a save the page
/// was closed in the middle of).
fn remove_pieces(storage: &web_sys::Storage, keep: &[String]) {
    let count = storage.length().unwrap_or(0);
    let stale: Vec<String> = (0..count)
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key.starts_with(PIECE_KEY_PREFIX) && !keep.contains(key))
        .collect();
    for key in stale {
        let _ = storage.remove_item(&key);
    }
}

/// How many pieces [`load_journal`] reads between two turns of the event loop.
const PIECES_PER_TURN: usize = 8;

/// The saved journal: `None` when there is none (or no storage), otherwise it or why it
/// cannot be read. Its pieces are read a few at a time, and decoded in a turn of their own.
pub async fn load_journal() -> Option<Result<Journal, String>> {
    let storage = local_storage().ok()?;
    let saved = storage.get_item(JOURNAL_KEY).ok()??;
    let Some(manifest) = pieces::read_manifest(&saved) else {
        return Some(Journal::from_json(&saved));
    };
    let mut assembly = pieces::Assembly::new(&manifest);
    while let Some(key) = assembly.next_key() {
        if let Err(why) = assembly.add(storage.get_item(key).ok().flatten()) {
            return Some(Err(damaged(why)));
        }
        if assembly.pieces_read().is_multiple_of(PIECES_PER_TURN) {
            yield_now().await;
        }
    }
    let json = match assembly.finish() {
        Ok(json) => json,
        Err(why) => return Some(Err(damaged(why))),
    };
    yield_now().await;
    Some(Journal::from_json_in_steps(&json, yield_now).await)
}

/// Forgets the saved journal.
pub fn clear_journal() {
    if let Ok(storage) = local_storage() {
        forget_saved(&storage);
    }
}

fn forget_saved(storage: &web_sys::Storage) {
    let _ = storage.remove_item(JOURNAL_KEY);
    remove_pieces(storage, &[]);
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
