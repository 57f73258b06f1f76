//! A scrolling list that renders only the rows in view, and while scrolling only the rows that come into view,
//! so 1,000,000 rows stay smooth.

use std::sync::Arc;

use leptos::prelude::*;

/// Rows drawn beyond the visible ones, above and below, so fast scrolling shows no gaps.
const OVERSCAN: usize = 8;

/// Renders row `i` (0-based) of a list.
type RowView = Arc<dyn Fn(usize) -> AnyView + Send + Sync>;

/// A fixed-height scroll box of `len` rows of `row_height` pixels; `row` renders row `i` (0-based).
#[component]
pub fn VirtualList<F, V>(
    /// How many rows there are.
    #[prop(into)]
    len: Signal<usize>,
    /// Renders one row.
    row: F,
    /// Height of one row in pixels (rows must not wrap).
    #[prop(default = 32)]
    row_height: usize,
    /// Height of the visible box in pixels.
    #[prop(default = 420)]
    height: usize,
    /// Accessible name of the list.
    #[prop(into)]
    label: String,
    /// Column headings, shown above the rows and kept in view while they scroll; none if empty.
    #[prop(optional)]
    columns: Vec<String>,
) -> impl IntoView
where
    F: Fn(usize) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    // Every list shares one copy of the code below: only this wrapper depends on the row's type.
    let row: RowView = Arc::new(move |i| row(i).into_view().into_any());
    list(len, row, row_height, height, label, columns)
}

fn list(
    len: Signal<usize>,
    row: RowView,
    row_height: usize,
    height: usize,
    label: String,
    columns: Vec<String>,
) -> AnyView {
    // The headings are the table's first row: the rows' indices and the count include it.
    let heading_rows = usize::from(!columns.is_empty());
    let heading = (!columns.is_empty()).then(|| {
        view! {
            <div class="vhead" role="row" aria-rowindex="1" style=format!("height:{row_height}px")>
                {columns.into_iter().map(|c| view! { <span class="cell" role="columnheader">{c}</span> }).collect_view()}
            </div>
        }
    });
    let scroll_top = RwSignal::new(0usize);
    let visible = height.div_ceil(row_height);
    let window = move || {
        let len = len.get();
        let first = (scroll_top.get() / row_height)
            .saturating_sub(OVERSCAN)
            .min(len);
        let last = (first + visible + 2 * OVERSCAN).min(len);
        first..last
    };
    // Whatever `len` reads may also change what a row shows: every such change counts as new rows, drawn again in
    // full, while scrolling keeps the rows still in view and only draws those that come in.
    let contents = Memo::new(move |n: Option<&u32>| {
        len.track();
        n.map_or(0, |n| n.wrapping_add(1))
    });
    let keyed_window = move || {
        let contents = contents.get();
        window().map(move |i| (contents, i))
    };
    view! {
        <div
            class="vlist"
            role="table"
            aria-label=label
            aria-rowcount=move || len.get() + heading_rows
            tabindex="0"
            style=format!("height:{height}px")
            on:scroll:target=move |ev| scroll_top.set(ev.target().scroll_top().max(0) as usize)
        >
            {heading}
            <div style=move || format!("height:{}px;position:relative", len.get() * row_height)>
                <div style=move || format!("position:absolute;top:{}px;left:0;right:0", window().start * row_height)>
                    <For each=keyed_window key=|k| *k let((_, i))>
                        <div class="vrow" role="row" aria-rowindex=i + 1 + heading_rows style=format!("height:{row_height}px")>
                            {row(i)}
                        </div>
                    </For>
                </div>
            </div>
        </div>
    }
    .into_any()
}
