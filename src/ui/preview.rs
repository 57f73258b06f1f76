//! Preview step: exactly who will be removed, and every row that will not be, with its reason.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::virtual_list::VirtualList;
use super::{AppState, Loaded, StepNav};
use crate::browser::sleep_ms;
use crate::browser::yield_now::{in_slices, yield_now};
use crate::csv_intake::{row_number, Class, Column};
use crate::decimal::{counted, grouped};
use crate::removal_plan::skip_reason;
use crate::results::SkipReason;
use crate::rsa::looked_up::{blocked_note, counts_with, Decision};
use crate::search::Needle;

/// Counts, the identifier column, the users to remove and the rows left out, with a search box.
#[component]
pub fn PreviewStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        {move || match state.loaded.get() {
            None => view! {
                <section class="card"><p>"No list taken in yet. Go back to the CSV step and drop a file."</p></section>
            }.into_any(),
            Some(loaded) => view! { <Preview loaded /> }.into_any(),
        }}
        <StepNav ready=Signal::derive(move || has_entries(state)) next_label="Review and confirm" />
    }
}

/// The most columns the identifier column's picker lists, in file order (a hostile file may have 100,000).
const PICKER_COLUMNS: usize = 1_000;

/// Files up to this many rows are searched at each key typed.
const SEARCH_AT_ONCE_ROWS: usize = 50_000;
/// In a bigger file, the pause in typing after which the search starts.
const SEARCH_PAUSE_MS: u64 = 250;

#[component]
fn Preview(loaded: Loaded) -> impl IntoView {
    let state = expect_context::<AppState>();
    let counts = loaded.plan.counts();
    let query = RwSignal::new(String::new());

    // Without a search the rows not processed are listed (a few, usually) and the users to remove are every other
    // row; a search lists both by looking at every row, once per query.
    // Rows whose e-mail address was looked up: the user found joins the users to remove, or the
    // row says why not (own account, protected, a user removed by another row, nobody found).
    let found = move || -> HashSet<u32> {
        state
            .lookup_decisions()
            .removed()
            .iter()
            .map(|&row| row as u32 - 1)
            .collect()
    };
    let aside = move || -> HashSet<u32> {
        let index =
            |rows: &HashSet<usize>| rows.iter().map(|&row| row as u32 - 1).collect::<Vec<_>>();
        let mut aside: HashSet<u32> = state.dropped.with(index).into_iter().collect();
        aside.extend(state.left_out.with(index));
        aside
    };
    // A search looks at every row: in a big file it starts once typing pauses, not at each key, and
    // runs a slice at a time, so that the page never stops answering; the lists shown stay until it ends.
    let big = loaded.table.len() > SEARCH_AT_ONCE_ROWS;
    let lists = RwSignal::new(Lists::new(&loaded, "", &found(), &aside()));
    let searching = RwSignal::new(false);
    let searches = StoredValue::new(0u64);
    Effect::new({
        let loaded = loaded.clone();
        move |first: Option<()>| {
            let (found, aside, typed) = (found(), aside(), query.get());
            if first.is_none() {
                return;
            }
            let this = searches.get_value().wrapping_add(1);
            searches.set_value(this);
            let needle = Needle::new(&typed);
            if !big || needle.is_empty() {
                searching.set(false);
                lists.set(Lists::new(&loaded, &typed, &found, &aside));
                return;
            }
            searching.set(true);
            let loaded = loaded.clone();
            spawn_local(async move {
                let mut search = Search::new(needle);
                let step = |s: &mut Search| s.step(&loaded, &found, &aside);
                let current = |_: &Search| searches.try_get_value() == Some(this);
                if in_slices(&mut search, step, current).await {
                    lists.try_set(search.into_lists());
                    searching.try_set(false);
                }
            });
        }
    });
    let mut search_later = debounce(Duration::from_millis(SEARCH_PAUSE_MS), move |text| {
        query.set(text)
    });
    let mut search = move |text: String| {
        if big {
            search_later(text)
        } else {
            query.set(text)
        }
    };
    // The choices to disable or unmark looked-up users first change what their rows say.
    let targets = Signal::derive(move || {
        state.rsa_options.track();
        lists.with(|l| l.targets.clone())
    });
    let skipped = Signal::derive(move || lists.with(|l| l.skipped.clone()));

    // What the last Leave out / Put back did: the row itself moves to the other list.
    let moved = RwSignal::new(None::<String>);
    let row_view = {
        let loaded = loaded.clone();
        // `removing`: the list of users to remove (each can be left out), or of rows not processed.
        move |rows: Signal<Rows>, removing: bool| {
            let loaded = loaded.clone();
            move |i: usize| {
                let Some(row) = rows.with_untracked(|r| r.get(i)) else {
                    return ().into_any();
                };
                let value = loaded.plan.value(&loaded.table, row).to_string();
                let shown = if value.is_empty() {
                    loaded.table.fields(row).collect::<Vec<_>>().join(" · ")
                } else {
                    value
                };
                let notes = loaded
                    .plan
                    .notes(row)
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join("; ");
                let number = row_number(row) as usize;
                let why_not = state
                    .with_removal_plan(|plan, _, adjusted| skip_reason(plan, row, adjusted))
                    .flatten();
                let left_out = why_not == Some(SkipReason::LeftOut);
                let mut blocker = None;
                let mut reason = match why_not {
                    Some(why) => why.message(),
                    None => match state.decisions_untracked().get(number) {
                        Some(Decision::Remove(entry)) => {
                            // A user the service would refuse as it stands: the row says what the run does.
                            blocker = state.lookups.with_untracked(|l| {
                                l.iter().find(|r| r.row == number)?.answer.blocker()
                            });
                            format!("found by its e-mail address: user ID {}", entry.user)
                        }
                        _ => notes,
                    },
                };
                if let Some(b) = blocker {
                    let note = blocked_note(b, state.rsa_options.get_untracked());
                    reason = format!("{reason}; {note}");
                }
                // A user to remove can be left out, and a row left out put back.
                let action = (removing || left_out).then(|| {
                    let (text, title) = if left_out {
                        ("Put back", format!("Put row {number} back in the run"))
                    } else {
                        ("Leave out", format!("Leave row {number} out of the run"))
                    };
                    let toggle = move |ev: web_sys::MouseEvent| {
                        let put_back = state.left_out.try_update(|l| {
                            let was_out = l.remove(&number);
                            if !was_out {
                                l.insert(number);
                            }
                            was_out
                        });
                        moved.set(Some(if put_back == Some(true) {
                            format!("Row {number} put back in the run.")
                        } else {
                            format!("Row {number} left out of the run.")
                        }));
                        if let Some(button) = ev.current_target().and_then(|t| t.dyn_into().ok()) {
                            keep_focus_in_list(button);
                        }
                    };
                    view! {
                        <button type="button" class="row-action" title=title.clone() aria-label=title
                            disabled=move || state.run.active.get() on:click=toggle>{text}</button>
                    }
                });
                let title = reason.clone();
                view! {
                    <span class="cell num" role="cell">{row_number(row)}</span>
                    <span class="cell value mono" role="cell" title=shown>{shown.clone()}</span>
                    <span class="cell reason with-action" role="cell">{action}<span class="why" title=title>{reason.clone()}</span></span>
                }
                .into_any()
            }
        }
    };

    let column_choice = {
        let detection = loaded.detection.clone();
        let current = loaded.plan.options().column;
        (detection.columns.len() > 1).then(|| {
            let mut likely = vec![false; detection.columns.len()];
            for &index in &detection.candidates {
                likely[index] = true;
            }
            let listed = |c: &&Column| c.index < PICKER_COLUMNS || c.index == current;
            let options = detection
                .columns
                .iter()
                .filter(listed)
                .map(|c| {
                    let index = c.index;
                    let note = if likely[index] { "" } else { " (unlikely)" };
                    view! { <option value=index.to_string() selected=index == current>{format!("{}{note}", c.title())}</option> }
                })
                .collect_view();
            let unlisted = detection.columns.len().saturating_sub(PICKER_COLUMNS)
                - usize::from(current >= PICKER_COLUMNS);
            let more = (unlisted > 0).then(|| {
                view! { <option disabled=true>{format!("… {} more columns, not listed", grouped(unlisted))}</option> }
            });
            view! {
                <label for="column">"Identifier column"</label>
                <select id="column" disabled=move || state.run.active.get() on:change:target=move |ev| {
                    state.column.set(ev.target().value().parse().ok());
                    state.replan();
                }>{options}{more}</select>
            }
        })
    };

    // The plan's own users the admin left out (looked-up rows are counted with their decisions).
    let left_out_rows = {
        let loaded = loaded.clone();
        move || {
            let aside = |row: &&usize| {
                loaded.plan.class(**row - 1) == Class::Target
                    && !state.dropped.with(|d| d.contains(*row))
            };
            state.left_out.with(|l| l.iter().filter(aside).count())
        }
    };
    // The intake's counts, with each looked-up row moved to what its lookup made of it.
    let summary = move || {
        let decided = counts_with(counts, state.lookup_decisions().iter().map(|(_, d)| d));
        let counts = decided.classes;
        [
            ("to remove", counts.targets, "targets"),
            ("duplicates", counts.duplicates, "duplicates"),
            ("invalid", counts.invalid, "invalid"),
            ("blank", counts.blank, "blank"),
            ("header", counts.header, "header"),
            ("your own account", counts.excluded_self, "self"),
            ("protected", counts.protected, "protected"),
            (
                "not in the tenant (no such address)",
                decided.not_in_tenant,
                "not-in-tenant",
            ),
            ("not looked up", decided.not_looked_up, "not-looked-up"),
            (
                "not in the tenant (dropped)",
                state.dropped.with(HashSet::len),
                "dropped",
            ),
            (
                "left out by you",
                left_out_rows() + decided.left_out,
                "left-out",
            ),
        ]
    };
    // The lists' headings name the identifier column as the file does.
    let column = loaded
        .detection
        .columns
        .iter()
        .find(|c| c.index == loaded.plan.options().column)
        .map_or_else(|| "Value".to_string(), |c| c.title());
    let headings = |last: &str| vec!["Row".to_string(), column.clone(), last.to_string()];
    let target_rows = Signal::derive(move || targets.with(Rows::len));
    let skipped_rows = Signal::derive(move || skipped.with(Rows::len));

    view! {
        <section class="card">
            <p>{format!("{}: {} read ({}).", loaded.source, counted(counts.total(), "row"), loaded.table.encoding().name())}</p>
            {loaded.table.encoding().warning().map(|w| view! { <p class="warning">{w}</p> })}
            <ul class="counts" id="preview-counts">
                {move || summary()
                    .into_iter()
                    .filter(|(_, n, key)| *n > 0 || *key == "targets")
                    .map(|(label, n, key)| if key == "targets" {
                        view! { <li data-count=key><strong>{move || grouped(state.removal_count())}</strong>" "{label}</li> }.into_any()
                    } else {
                        view! { <li data-count=key><strong>{grouped(n)}</strong>" "{label}</li> }.into_any()
                    })
                    .collect_view()}
            </ul>
            {column_choice}
            <super::file_shape::FileShape loaded=loaded.clone() />
            <label for="search">"Search"</label>
            <input id="search" type="search" placeholder="a login, an ID or a row number"
                prop:value=move || query.get()
                on:input:target=move |ev| search(ev.target().value()) />
            {move || moved.get().map(|m| view! { <p class="hint" role="status" id="row-moved">{m}</p> })}
            <Show when=move || searching.get()>
                <p class="hint" role="status" id="searching">{format!("Searching {} rows…", grouped(loaded.table.len()))}</p>
            </Show>
        </section>
        <super::lookup::EmailLookup />
        <super::presence::EpmPresence />
        <super::protected::Safeguards />
        <section class="card">
            <h3>{move || format!("Will be removed ({})", grouped(target_rows.get()))}</h3>
            <VirtualList len=target_rows row=row_view(targets, true) label="Users that will be removed"
                columns=headings("Notes") />
        </section>
        <section class="card">
            <h3>{move || format!("Will not be processed ({})", grouped(skipped_rows.get()))}</h3>
            <VirtualList len=skipped_rows row=row_view(skipped, false) label="Rows that will not be processed" height=240
                columns=headings("Reason") />
        </section>
    }
}

/// How often, and how many times, [`keep_focus_in_list`] looks whether the row has moved (5 s).
const FOCUS_WAIT_MS: u64 = 20;
const FOCUS_WAIT_TURNS: usize = 250;

/// Once the row of `button` (a Leave out or Put back) has moved to the other list, gives the keyboard focus
/// to the button of the row now in its place in the same list (the next with one, else the last), or to the
/// list, unless the focus went elsewhere meanwhile.
fn keep_focus_in_list(button: web_sys::Element) {
    let Some(list) = button.closest(".vlist").ok().flatten() else {
        return;
    };
    let place = |el: &web_sys::Element| {
        el.closest(".vrow")
            .ok()
            .flatten()
            .and_then(|row| row.get_attribute("aria-rowindex"))
            .and_then(|i| i.parse::<usize>().ok())
    };
    let Some(at) = place(&button) else {
        return;
    };
    spawn_local(async move {
        // The lists are drawn again at once, or in a big file with a search typed once that search
        // has looked at every row: the row moved when its button has left the page.
        yield_now().await;
        for _ in 0..FOCUS_WAIT_TURNS {
            if !button.is_connected() {
                break;
            }
            sleep_ms(FOCUS_WAIT_MS).await;
        }
        let lost = super::focus_on_page()
            || document()
                .active_element()
                .is_some_and(|e| e.is_same_node(Some(button.as_ref())));
        if !lost {
            return;
        }
        let buttons = list.query_selector_all(".row-action").ok();
        let buttons = (0..buttons.as_ref().map_or(0, |b| b.length())).filter_map(|i| {
            buttons
                .as_ref()?
                .item(i)?
                .dyn_into::<web_sys::Element>()
                .ok()
        });
        let mut chosen = None;
        for b in buttons {
            let next = place(&b).is_some_and(|p| p >= at);
            chosen = Some(b);
            if next {
                break;
            }
        }
        let target = chosen.unwrap_or(list);
        if let Ok(target) = target.dyn_into::<web_sys::HtmlElement>() {
            let _ = target.focus();
        }
    });
}

/// Whether the run would have anyone to remove.
fn has_entries(state: AppState) -> bool {
    state.removal_count() > 0
}

/// The rows of one table of the preview, by row index.
#[derive(Clone, Debug, PartialEq)]
enum Rows {
    /// These rows, in order.
    Listed(Arc<Vec<u32>>),
    /// Every row of a table of this many rows but these (in order).
    AllBut { len: usize, except: Arc<Vec<u32>> },
}

impl Rows {
    fn len(&self) -> usize {
        match self {
            Rows::Listed(rows) => rows.len(),
            Rows::AllBut { len, except } => len - except.len(),
        }
    }

    /// The row index of the `i`-th row listed.
    fn get(&self, i: usize) -> Option<usize> {
        match self {
            Rows::Listed(rows) => rows.get(i).map(|&r| r as usize),
            Rows::AllBut { len, except } => {
                // The i-th row not excepted is i + k, k being the number of excepted rows before it: those whose
                // own count of rows not excepted before them (except[k] - k, never decreasing) is at most i.
                let (mut lo, mut hi) = (0, except.len());
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    if except[mid] as usize - mid <= i {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                Some(i + lo).filter(|&row| row < *len)
            }
        }
    }
}

/// The preview's two tables for a search (empty: everything).
#[derive(Clone, Debug, PartialEq)]
struct Lists {
    targets: Rows,
    skipped: Rows,
}

impl Lists {
    /// The lists for `query`; `found` are rows (by index) whose looked-up user is removed,
    /// `aside` rows (by index) the admin set aside after the intake: dropped after List Users, or
    /// left out.
    fn new(loaded: &Loaded, query: &str, found: &HashSet<u32>, aside: &HashSet<u32>) -> Lists {
        let needle = Needle::new(query);
        if needle.is_empty() {
            // A plain loop: the release build (opt-level z) leaves `filter` and `map` as calls per row.
            let mut skipped = Vec::new();
            for (i, class) in loaded.plan.classes().iter().enumerate() {
                if !removed(i, class, found, aside) {
                    skipped.push(i as u32);
                }
            }
            let skipped = Arc::new(skipped);
            return Lists {
                targets: Rows::AllBut {
                    len: loaded.table.len(),
                    except: skipped.clone(),
                },
                skipped: Rows::Listed(skipped),
            };
        }
        let mut search = Search::new(needle);
        while !search.step(loaded, found, aside) {}
        search.into_lists()
    }
}

/// Whether row index `i` of class `class` is among the users to remove (see [`Lists::new`]).
fn removed(i: usize, class: &Class, found: &HashSet<u32>, aside: &HashSet<u32>) -> bool {
    let i = i as u32;
    (*class == Class::Target || found.contains(&i)) && (aside.is_empty() || !aside.contains(&i))
}

/// A search of every row for a needle, a few thousand rows at a time.
struct Search {
    needle: Needle,
    next: usize,
    targets: Vec<u32>,
    skipped: Vec<u32>,
}

impl Search {
    /// Rows looked at by one [`Search::step`].
    const STEP_ROWS: usize = 4_096;

    fn new(needle: Needle) -> Search {
        Search {
            needle,
            next: 0,
            targets: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// Looks at the next rows; true once every row was looked at.
    fn step(&mut self, loaded: &Loaded, found: &HashSet<u32>, aside: &HashSet<u32>) -> bool {
        let classes = loaded.plan.classes();
        let end = (self.next + Self::STEP_ROWS).min(classes.len());
        let (table, needle) = (&loaded.table, &self.needle);
        // A search without the separator or a line end in it cannot span two fields: each row is
        // searched whole.
        let whole_rows = ![table.separator(), b'\n', b'\r']
            .iter()
            .any(|&b| needle.holds(b));
        for (i, class) in classes.iter().enumerate().take(end).skip(self.next) {
            let holds = |text: &str| needle.found_in(text);
            let hit = needle.is_row(u64::from(row_number(i)))
                || if whole_rows {
                    table.any_field(i, holds)
                } else {
                    table.fields(i).any(holds)
                };
            if hit {
                if removed(i, class, found, aside) {
                    self.targets.push(i as u32);
                } else {
                    self.skipped.push(i as u32);
                }
            }
        }
        self.next = end;
        end == classes.len()
    }

    fn into_lists(self) -> Lists {
        Lists {
            targets: Rows::Listed(Arc::new(self.targets)),
            skipped: Rows::Listed(Arc::new(self.skipped)),
        }
    }
}
