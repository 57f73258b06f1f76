//! Preview: how the file's rows were read. Whether the first row is a header (the admin has the last word), a
//! list on one line read one value per row, and a lone row holding several values side by side.

use leptos::prelude::*;

use super::{AppState, Loaded};
use crate::csv_intake::{identifiers_beside, row_number, side_by_side};
use crate::decimal::grouped;
use crate::target::Target;

/// The header box, and what the admin should know about the shape of the file.
#[component]
pub fn FileShape(loaded: Loaded) -> impl IntoView {
    let state = expect_context::<AppState>();
    loaded
        .detection
        .first
        .map(|first| shape(state, &loaded, first))
}

fn shape(state: AppState, loaded: &Loaded, first: usize) -> impl IntoView {
    let table = &loaded.table;
    let detection = &loaded.detection;
    let row = row_number(first);
    // A lone row cannot be a header: a file of a header alone is refused.
    let alone = (first + 1..table.len()).all(|r| table.is_blank(r));
    let guess = detection.by_content.then(|| {
        // The column whose values below made the guess, whichever the admin picked since.
        let value = table.field(first, detection.suggested()).unwrap_or("").trim().to_string();
        let below = match loaded.plan.options().target {
            Target::Rsa => "user IDs",
            Target::Epm => "e-mail addresses",
        };
        view! {
            <p class="hint" id="header-guess">{format!(
                "Row {row} ({value}) is read as the header: it names no column Offboard knows (such as User ID, \
                 User Login or Email) and the rows below hold {below}. If it is a user, untick the box."
            )}</p>
        }
    });
    let listed = table.listed().map(|delimiter| {
        view! {
            <p class="hint" id="one-line-list">{format!(
                "The list was on one line, its values separated by {}s: each value is read as a row of its own, in \
                 the line's order.",
                delimiter.name()
            )}</p>
        }
    });
    let side_by_side = side_by_side(table)
        .filter(|_| table.listed().is_none())
        .map(|(row, values)| {
            view! {
                <p class="warning" id="side-by-side">{format!(
                    "Row {} holds {} values side by side, the only row of values: only the identifier column's is \
                     read. To remove several users, put one per line.",
                    row_number(row),
                    grouped(values)
                )}</p>
            }
        });
    let options = loaded.plan.options();
    let beside = identifiers_beside(table, detection, options.column, options.target).map(|(row, rows)| {
        let more = match rows {
            1 => String::new(),
            n => format!(" (and {} more rows)", grouped(n - 1)),
        };
        view! {
            <p class="warning" id="identifiers-beside">{format!(
                "Row {}{more} holds another user ID or address beside the identifier column's: only that column \
                 is read. To remove them all, put each user on its own line.",
                row_number(row)
            )}</p>
        }
    });
    view! {
        <label class="check">
            <input type="checkbox" id="header-row" prop:checked=detection.header
                disabled=move || alone || state.run.active.get()
                on:change:target=move |ev| {
                    state.header.set(Some(ev.target().checked()));
                    state.replan();
                } />
            {format!("Row {row} is a header, not a user")}
        </label>
        {guess}
        {listed}
        {side_by_side}
        {beside}
    }
}
