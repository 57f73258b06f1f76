//! Which tab of this browser is running a removal. Tabs share one saved run, so a second tab must neither resume
//! the run another tab is doing (every removal would be sent twice) nor start its own (its saves would replace the
//! running tab's). The running tab writes its id and the time under [`LIVE_KEY`] every [`BEAT_MS`] and as its
//! run's events arrive; a record younger than [`STALE_MS`] from another tab means a run is going on there. The
//! margin is wide because a browser runs the timers of a tab left in the background as rarely as once a minute. A
//! tab that reloads or hits an internal error takes its record away; a closed tab stops writing, so its record
//! goes stale by itself.

use std::cell::Cell;

/// The `localStorage` key of the running tab's record: `"<tab id> <Date.now() in ms>"`.
pub const LIVE_KEY: &str = "offboard.live";
/// How often the running tab writes its record.
pub const BEAT_MS: u64 = 1_000;
/// How old a record may be and still mean a run is going on.
pub const STALE_MS: f64 = 90_000.0;

thread_local! {
    static TAB: Cell<u32> = const { Cell::new(0) };
    /// When this tab last wrote its record (`Date.now()`).
    static LAST_BEAT: Cell<f64> = const { Cell::new(0.0) };
    /// This tab hit an internal error: it runs nothing any more.
    static STOPPED: Cell<bool> = const { Cell::new(false) };
}

/// This tab's id, drawn at random once.
fn tab_id() -> u32 {
    TAB.with(|tab| {
        if tab.get() == 0 {
            tab.set((js_sys::Math::random() * f64::from(u32::MAX)) as u32 | 1);
        }
        tab.get()
    })
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Records that this tab runs a removal now; called when a run starts and every [`BEAT_MS`] while it goes on.
pub fn beat() {
    if STOPPED.with(Cell::get) {
        return;
    }
    let now = js_sys::Date::now();
    LAST_BEAT.with(|last| last.set(now));
    if let Some(storage) = storage() {
        let _ = storage.set_item(LIVE_KEY, &format!("{} {}", tab_id(), now as u64));
    }
}

/// [`beat`], unless this tab wrote its record less than [`BEAT_MS`] ago: for each of a run's events.
pub fn beat_if_due() {
    if js_sys::Date::now() - LAST_BEAT.with(Cell::get) >= BEAT_MS as f64 {
        beat();
    }
}

/// This tab hit an internal error: takes its record away, and writes none any more.
pub fn stop() {
    STOPPED.with(|stopped| stopped.set(true));
    end();
}

/// Takes this tab's record away when its run ends.
pub fn end() {
    if let Some(storage) = storage() {
        if live_tab(&storage) == Some(tab_id()) {
            let _ = storage.remove_item(LIVE_KEY);
        }
    }
}

/// Whether another tab of this browser is running a removal now.
pub fn in_another_tab() -> bool {
    storage()
        .and_then(|storage| live_tab(&storage))
        .is_some_and(|tab| tab != tab_id())
}

/// The tab whose fresh record is stored, if any.
fn live_tab(storage: &web_sys::Storage) -> Option<u32> {
    let record = storage.get_item(LIVE_KEY).ok()??;
    let (tab, at) = record.split_once(' ')?;
    let (tab, at) = (tab.parse::<u32>().ok()?, at.parse::<u64>().ok()?);
    (js_sys::Date::now() - at as f64 <= STALE_MS).then_some(tab)
}
