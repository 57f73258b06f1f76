//! Results step: every input row with its outcome.

use super::StepNav;
use leptos::prelude::*;

/// Placeholder until results land.
#[component]
pub fn ResultsStep() -> impl IntoView {
    view! {
        <section class="card"><p>"No results yet."</p></section>
        <StepNav />
    }
}
