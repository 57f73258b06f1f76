//! Preview step: who will be removed and which rows will not be.

use super::StepNav;
use leptos::prelude::*;

/// Placeholder until the removal plan lands.
#[component]
pub fn PreviewStep() -> impl IntoView {
    view! {
        <section class="card"><p>"No file taken in yet."</p></section>
        <StepNav />
    }
}
